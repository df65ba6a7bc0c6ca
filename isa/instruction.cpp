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

}  // namespace infsim::isa
