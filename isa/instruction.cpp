#include "isa/instruction_text.h"

namespace infsim::isa {

std::optional<Opcode> opcode_from_text(std::string_view text) {
  for (const auto& info : kOpcodeTable) {
    if (info.text == text) return info.opcode;
  }
  return std::nullopt;
}

std::string_view dtype_text(DType t) {
  switch (t) {
    case DType::kFp32:
      return "fp32";
    case DType::kBf16:
      return "bf16";
    case DType::kFp16:
      return "fp16";
    case DType::kInt8:
      return "int8";
  }
  return "?";
}

std::optional<DType> dtype_from_text(std::string_view text) {
  for (DType t : {DType::kFp32, DType::kBf16, DType::kFp16, DType::kInt8}) {
    if (dtype_text(t) == text) return t;
  }
  return std::nullopt;
}

std::string_view activation_text(ActivationFunc f) {
  switch (f) {
#define INFSIM_CASE(name, text) \
  case ActivationFunc::k##name: \
    return text;
    INFSIM_ACTIVATION_FUNCS(INFSIM_CASE)
#undef INFSIM_CASE
  }
  return "?";
}

std::string_view alu_text(AluOp op) {
  switch (op) {
#define INFSIM_CASE(name, text) \
  case AluOp::k##name:          \
    return text;
    INFSIM_ALU_OPS(INFSIM_CASE)
#undef INFSIM_CASE
  }
  return "?";
}

std::optional<ActivationFunc> activation_from_text(std::string_view text) {
  for (int i = 0; i < kNumActivationFuncs; ++i) {
    auto f = static_cast<ActivationFunc>(i);
    if (activation_text(f) == text) return f;
  }
  return std::nullopt;
}

std::optional<AluOp> alu_from_text(std::string_view text) {
  for (int i = 0; i < kNumAluOps; ++i) {
    auto op = static_cast<AluOp>(i);
    if (alu_text(op) == text) return op;
  }
  return std::nullopt;
}

std::string_view pool_text(PoolFunc f) {
  switch (f) {
    case PoolFunc::kMax:
      return "max";
    case PoolFunc::kAvg:
      return "avg";
  }
  return "?";
}

std::optional<PoolFunc> pool_from_text(std::string_view text) {
  for (PoolFunc f : {PoolFunc::kMax, PoolFunc::kAvg}) {
    if (pool_text(f) == text) return f;
  }
  return std::nullopt;
}

std::string_view engine_text(EngineKind e) {
  switch (e) {
    case EngineKind::kTensor:
      return "tensor";
    case EngineKind::kVector:
      return "vector";
    case EngineKind::kScalar:
      return "scalar";
    case EngineKind::kDma:
      return "dma";
  }
  return "?";
}

std::optional<EngineKind> engine_from_text(std::string_view text) {
  for (int i = 0; i < kNumEngineKinds; ++i) {
    auto e = static_cast<EngineKind>(i);
    if (engine_text(e) == text) return e;
  }
  return std::nullopt;
}

std::string_view mem_space_text(MemSpace s) {
  switch (s) {
    case MemSpace::kNone:
      return "none";
    case MemSpace::kDram:
      return "dram";
    case MemSpace::kSbuf:
      return "sbuf";
    case MemSpace::kPsum:
      return "psum";
  }
  return "?";
}

std::optional<MemSpace> mem_space_from_text(std::string_view text) {
  for (int i = 0; i < kNumMemSpaces; ++i) {
    auto s = static_cast<MemSpace>(i);
    if (mem_space_text(s) == text) return s;
  }
  return std::nullopt;
}

std::string func_text(FuncKind kind, std::uint8_t value) {
  if (value < func_values(kind)) {
    switch (kind) {
      case FuncKind::kActivation:
        return std::string(activation_text(static_cast<ActivationFunc>(value)));
      case FuncKind::kAlu:
        return std::string(alu_text(static_cast<AluOp>(value)));
      case FuncKind::kPool:
        return std::string(pool_text(static_cast<PoolFunc>(value)));
      case FuncKind::kNone:
        break;
    }
  }
  return std::to_string(value);
}

std::optional<std::uint8_t> func_from_text(FuncKind kind, std::string_view text) {
  if (kind == FuncKind::kNone) return std::nullopt;
  for (int v = 0; v < func_values(kind); ++v) {
    auto value = static_cast<std::uint8_t>(v);
    if (func_text(kind, value) == text) return value;
  }
  return std::nullopt;
}

std::string_view func_kind_text(FuncKind kind) {
  switch (kind) {
    case FuncKind::kActivation:
      return "activation function";
    case FuncKind::kAlu:
      return "ALU op";
    case FuncKind::kPool:
      return "pool function";
    case FuncKind::kNone:
      break;
  }
  return "func";
}

}  // namespace infsim::isa
