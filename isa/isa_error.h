#pragma once
#include <stdexcept>
#include <string>

namespace infsim::isa {

// A user-facing problem with a program: a malformed or corrupt .ifx/.s file, or a program the
// verifier rejects. Caught in main: message to stderr, exit code 2.
class IsaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace infsim::isa
