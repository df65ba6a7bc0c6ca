#pragma once
// A NeuronCore-v1: Tensor, Vector and Scalar engines, 3 DMA engines of 16 queues, SBUF, PSUM and
// 32 semaphores per execution, built from its NeuronCoreConfig.
//
// The sequencer: run() executes one program core's queues of one Execution. Each queue runs in
// its own SC_THREAD, taken from a pool the core keeps (spawned on first need, reused after), and
// the loop per instruction is: wait for its semaphores (event-driven), book its engine (or its DMA
// route) through the pure cost functions, wait once until the engine is free, call the functional
// hook, signal its semaphore at the time the result is visible (a dated increment, no extra
// thread). Engines only wait on each other through semaphores and shared resources, so all of
// them run concurrently.
//
// A queue blocked on a semaphore is recorded; blocked_queues() lists them, which is how a
// deadlock (sc_start ran out of events with queues still waiting) is reported by name.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "isa/hardware_config.h"
#include "isa/program.h"
#include "sim/core/clock.h"
#include "sim/core/fair_share_resource.h"
#include "sim/core/trace_event.h"
#include "sim/memory/psum.h"
#include "sim/memory/sbuf.h"
#include "sim/neuroncore/dma_engine.h"
#include "sim/neuroncore/execution.h"
#include "sim/neuroncore/functional_unit.h"
#include "sim/neuroncore/memory_system.h"
#include "sim/neuroncore/scalar_engine.h"
#include "sim/neuroncore/tensor_engine.h"
#include "sim/neuroncore/vector_engine.h"

namespace infsim::sim {

class Stats;
class TraceWriter;

// A queue waiting on a semaphore, as deadlock reports name it.
struct BlockedQueue {
  std::string core;  // "chip0.core1"
  int global_core = 0;
  int program_core = 0;
  ExecutionId execution = 0;
  int queue = 0;
  isa::EngineKind engine = isa::EngineKind::kTensor;
  int dma_engine = 0;  // kDma only
  int dma_queue = 0;   // kDma only
  std::size_t instruction = 0;
  isa::Opcode opcode = isa::Opcode::kNop;
  int semaphore = 0;
  std::uint32_t wanted = 0;
  std::uint32_t current = 0;

  std::string describe() const;
};

class NeuronCore : public sc_core::sc_module {
 public:
  // `global_index` numbers the cores of the instance, `chip`/`local_index` place it; statistics
  // go under "chip<chip>.core<local_index>" (stat_names.h), trace tracks into process `chip`.
  // `trace` may be null (no tracing).
  NeuronCore(sc_core::sc_module_name name, const isa::NeuronCoreConfig& cfg, int global_index,
             int chip, int local_index, Stats& stats, TraceWriter* trace);
  ~NeuronCore() override;

  // The machine around the core; set once by the Instance before anything runs.
  void attach(MemorySystem& memory) { memory_ = &memory; }

  const isa::NeuronCoreConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  int global_index() const { return global_index_; }
  int chip_index() const { return chip_; }
  int local_index() const { return local_index_; }
  const std::string& label() const { return label_; }  // "chip0.core1"

  Sbuf& sbuf() { return sbuf_; }
  Psum& psum() { return psum_; }
  TensorEngine& tensor() { return tensor_; }
  VectorEngine& vector() { return vector_; }
  ScalarEngine& scalar() { return scalar_; }
  DmaEngine& dma(int engine) { return *dma_[static_cast<std::size_t>(engine)]; }
  int dma_engines() const { return static_cast<int>(dma_.size()); }

  // Functional mode: the unit called after each instruction of an engine kind (null: none).
  void set_functional_unit(isa::EngineKind engine, FunctionalUnit* unit) {
    functional_[static_cast<int>(engine)] = unit;
  }
  void set_functional_unit(FunctionalUnit* unit) {
    for (auto& f : functional_) f = unit;
  }
  // Allocates SBUF and PSUM bytes (functional mode).
  void enable_storage() {
    sbuf_.enable_storage();
    psum_.enable_storage();
  }

  // Blocking, from an SC_THREAD: runs `program_core`'s queues of `execution` (its phase) on this
  // core and returns when every queue has finished and every result is visible. User errors in
  // the program (bad operand, wrong engine, semaphore out of range) go to
  // MemorySystem::report_error and stop the simulation.
  void run(Execution& execution, int program_core);

  std::vector<BlockedQueue> blocked_queues();

 private:
  struct Job {
    Execution* execution = nullptr;
    int program_core = 0;
    int queue_index = 0;
    int* remaining = nullptr;
    sc_core::sc_event* done = nullptr;
  };
  struct Worker {
    sc_core::sc_event wake;
    bool has_job = false;
    Job job;
    // Set while waiting on a semaphore.
    bool blocked = false;
    std::size_t instruction = 0;
    int semaphore = 0;
    std::uint32_t wanted = 0;
    // The DMA in flight on this queue (a DMA queue has one at a time).
    Completion dma;
  };

  void worker_main(Worker* w);
  void run_queue(Worker& w);
  // "chip0.core1 (program core 0) queue 3 (dma1.q0) instruction 7 (DmaCopy)", for messages.
  std::string where(const Worker& w, const isa::Queue& q, std::size_t i) const;
  // Blocks until the semaphores instruction i of `q` waits for are ready; `blocked` gets how
  // long each wait took. Throws SimError for a semaphore out of range.
  void wait_semaphores(Worker& w, const isa::Queue& q, std::size_t i,
                       InstructionEvent::Wait blocked[2]);
  // Checks an instruction against its queue (engine, operands, signal target) and issues it to
  // its engine at the current time.
  EngineTiming issue(Execution& ex, int pc, const isa::Queue& q, const isa::Instruction& inst,
                     Completion& dma);
  EngineTiming issue_dma(Execution& ex, const isa::Queue& q, const isa::Instruction& inst,
                         const sc_core::sc_time& now, Completion& completion);
  DmaEndpoint endpoint(Execution& ex, const isa::AccessPattern& ap) const;
  void check_local(const isa::AccessPattern& ap) const;

  isa::NeuronCoreConfig config_;
  Clock clock_;
  int global_index_;
  int chip_;
  int local_index_;
  std::string label_;
  TraceWriter* trace_;
  MemorySystem* memory_ = nullptr;

  Sbuf sbuf_;
  Psum psum_;
  TensorEngine tensor_;
  VectorEngine vector_;
  ScalarEngine scalar_;
  std::vector<std::unique_ptr<DmaEngine>> dma_;
  FunctionalUnit* functional_[isa::kNumEngineKinds] = {};

  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_;
};

}  // namespace infsim::sim
