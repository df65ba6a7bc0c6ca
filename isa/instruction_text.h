#pragma once
// Names of opcodes, dtypes and functions, as the text form (.s) and reports write them.
#include <optional>
#include <string_view>

#include "isa/instruction.h"

namespace infsim::isa {

std::optional<Opcode> opcode_from_text(std::string_view text);
std::string_view dtype_text(DType t);
std::optional<DType> dtype_from_text(std::string_view text);
std::string_view activation_text(ActivationFunc f);
std::string_view alu_text(AluOp op);
std::optional<ActivationFunc> activation_from_text(std::string_view text);
std::optional<AluOp> alu_from_text(std::string_view text);
std::string_view pool_text(PoolFunc f);
std::optional<PoolFunc> pool_from_text(std::string_view text);
std::string_view engine_text(EngineKind e);  // "tensor", "vector", "scalar", "dma"
std::optional<EngineKind> engine_from_text(std::string_view text);
std::string_view mem_space_text(MemSpace s);  // "none", "dram", "sbuf", "psum"
std::optional<MemSpace> mem_space_from_text(std::string_view text);

}  // namespace infsim::isa
