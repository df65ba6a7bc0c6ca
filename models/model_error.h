#pragma once
#include <stdexcept>

namespace infsim::models {

// A malformed or unsupported model: unknown op, shape mismatch, dangling edge, a bad ONNX file.
// The message names the node (and op) or the file.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace infsim::models
