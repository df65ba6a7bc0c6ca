#pragma once
// One execution of a program: a (program, phase, inference) as the runtime launches it, spanning
// one or more NeuronCores. It owns the semaphores of every program core (all zero at the start),
// so cross-core signals of a pipeline reach the same execution's other cores and two inferences
// in flight never see each other's counts.

#include <cstdint>
#include <memory>
#include <vector>

#include "isa/program.h"
#include "sim/neuroncore/semaphore.h"

namespace infsim::sim {

using ExecutionId = std::uint64_t;

enum class Phase { kSetup, kInference };

// How a program's cores map onto the instance.
struct CoreBinding {
  std::vector<int> cores;                // program-relative core i -> global core index
  std::vector<std::uint64_t> dram_base;  // per program core: start of the program's DRAM region
                                         // on that core's chip
};

class Execution {
 public:
  Execution(const isa::Program& program, const CoreBinding& binding, Phase phase, ExecutionId id,
            int semaphores_per_core);

  const isa::Program& program() const { return *program_; }
  const CoreBinding& binding() const { return binding_; }
  Phase phase() const { return phase_; }
  ExecutionId id() const { return id_; }
  int num_program_cores() const { return static_cast<int>(program_->num_cores()); }
  int semaphores_per_core() const { return semaphores_per_core_; }
  Semaphore& semaphore(int program_core, int index) {
    return semaphores_[static_cast<std::size_t>(program_core * semaphores_per_core_ + index)];
  }
  const std::vector<isa::Queue>& queues(int program_core) const {
    const isa::CoreProgram& c = program_->cores[static_cast<std::size_t>(program_core)];
    return phase_ == Phase::kSetup ? c.setup : c.queues;
  }

  // Bookkeeping of the cores of this execution that have not finished yet.
  int cores_running = 0;
  int cores_finished = 0;

 private:
  const isa::Program* program_;
  CoreBinding binding_;
  Phase phase_;
  ExecutionId id_;
  int semaphores_per_core_;
  std::unique_ptr<Semaphore[]> semaphores_;
};

}  // namespace infsim::sim
