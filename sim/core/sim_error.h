#pragma once
#include "isa/user_error.h"

namespace infsim::sim {

// A simulation that cannot proceed because of its input: a deadlocked program (the message names
// the engine and semaphore), more NeuronCores asked for than the instance has, a model set that
// does not fit in device DRAM (kDoesNotFit). A UserError whose kind defaults to
// kImpossibleRequest.
class SimError : public UserError {
 public:
  explicit SimError(const std::string& message, ErrorKind kind = ErrorKind::kImpossibleRequest,
                    ErrorLocation where = {})
      : UserError(kind, message, std::move(where)) {}
};

}  // namespace infsim::sim
