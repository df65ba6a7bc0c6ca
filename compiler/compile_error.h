#pragma once
#include "isa/user_error.h"

namespace infsim::compiler {

// A model that cannot be compiled as asked: an operator that cannot be lowered (without
// --cpu-fallback), a batch or pipeline split that does not fit on chip (kDoesNotFit), bad
// options (kImpossibleRequest). A UserError whose kind defaults to kUnsupportedOperator.
class CompileError : public UserError {
 public:
  explicit CompileError(const std::string& message,
                        ErrorKind kind = ErrorKind::kUnsupportedOperator, ErrorLocation where = {})
      : UserError(kind, message, std::move(where)) {}
};

}  // namespace infsim::compiler
