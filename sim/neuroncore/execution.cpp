#include "sim/neuroncore/execution.h"

namespace infsim::sim {

Execution::Execution(const isa::Program& program, const CoreBinding& binding, Phase phase,
                     ExecutionId id, int semaphores_per_core)
    : program_(&program),
      binding_(binding),
      phase_(phase),
      id_(id),
      semaphores_per_core_(semaphores_per_core),
      semaphores_(std::make_unique<Semaphore[]>(program.num_cores() *
                                                static_cast<std::size_t>(semaphores_per_core))) {}

}  // namespace infsim::sim
