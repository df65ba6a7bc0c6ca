#pragma once
#include <stdexcept>

namespace infsim::compiler {

// A model that cannot be compiled as asked: an operator that cannot be lowered (without
// --cpu-fallback), a batch or pipeline split that does not fit on chip, bad options.
class CompileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace infsim::compiler
