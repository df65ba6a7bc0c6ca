#pragma once
#include "isa/user_error.h"

namespace infsim::isa {

// A user-facing problem with a program: a malformed or corrupt .ifx/.s file, or a program the
// verifier rejects. A UserError whose kind defaults to kBadFile.
class IsaError : public UserError {
 public:
  explicit IsaError(const std::string& message, ErrorKind kind = ErrorKind::kBadFile,
                    ErrorLocation where = {})
      : UserError(kind, message, std::move(where)) {}
};

}  // namespace infsim::isa
