#pragma once
// Names of opcodes, dtypes and functions, as the text form (.s) and reports write them.
#include <cstdint>
#include <optional>
#include <string>
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

// A func byte of the given kind (isa/instruction.h's opcode table says which kind an opcode's
// func and func2 are): its name, or the number when it names nothing of that kind.
std::string func_text(FuncKind kind, std::uint8_t value);
std::optional<std::uint8_t> func_from_text(FuncKind kind, std::string_view text);
// What a func of this kind is called in messages: "activation function", "ALU op", ...
std::string_view func_kind_text(FuncKind kind);

}  // namespace infsim::isa
