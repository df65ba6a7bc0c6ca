#pragma once
#include "isa/user_error.h"

namespace infsim::models {

// A malformed or unsupported model: unknown op, shape mismatch, dangling edge, a bad ONNX file.
// The message names the node (and op) or the file. A UserError whose kind defaults to
// kInvalidModel (isa/user_error.h).
class ModelError : public UserError {
 public:
  explicit ModelError(const std::string& message, ErrorKind kind = ErrorKind::kInvalidModel,
                      ErrorLocation where = {})
      : UserError(kind, message, std::move(where)) {}
};

}  // namespace infsim::models
