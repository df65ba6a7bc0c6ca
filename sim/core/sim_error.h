#pragma once
#include <stdexcept>

namespace infsim::sim {

// A simulation that cannot proceed because of its input: a deadlocked program (the message names
// the engine and semaphore), a model set that does not fit in device DRAM, more NeuronCores asked
// for than the instance has.
class SimError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace infsim::sim
