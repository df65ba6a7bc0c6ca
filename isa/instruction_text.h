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

}  // namespace infsim::isa
