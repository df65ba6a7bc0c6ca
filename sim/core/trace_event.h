#pragma once
// What a NeuronCore tells the trace about each instruction it ran, and the interface of the
// consumers of those records besides the trace file (the per-layer profiler of tools/driver).
//
// Times are simulated seconds. For one instruction of a queue:
//   ready    the queue reached it (the previous instruction of the queue had finished);
//   issued   its semaphore waits were satisfied (waits[k] says how long each one blocked);
//   start    its engine (or, for a DMA, the first resource of its route) began it;
//   end      the engine was done with it (the queue moves on);
//   visible  its result became visible (the semaphore increment is dated then).
// So issued - ready is time blocked on semaphores and start - issued time queued behind the
// engine or the memory system.

#include <cstddef>
#include <cstdint>

#include "isa/program.h"

namespace infsim::sim {

struct InstructionEvent {
  const isa::Program* program = nullptr;
  bool setup = false;  // the program's setup queues (weights moved in at load), else an inference
  std::uint64_t execution = 0;
  int program_core = 0;
  int global_core = 0;
  int chip = 0;
  int local_core = 0;
  const isa::Queue* queue = nullptr;
  int queue_index = 0;
  std::size_t index = 0;
  const isa::Instruction* instruction = nullptr;
  double clock_hz = 0;  // of the core
  double ready = 0, issued = 0, start = 0, end = 0, visible = 0;
  struct Wait {
    int semaphore = -1;  // -1: this wait slot did not block
    double seconds = 0;
  };
  Wait waits[2];
};

class InstructionObserver {
 public:
  virtual ~InstructionObserver() = default;
  virtual void on_instruction(const InstructionEvent& e) = 0;
};

}  // namespace infsim::sim
