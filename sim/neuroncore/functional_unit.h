#pragma once
// The hook for functional mode: after an instruction's timing completes, its engine calls the
// FunctionalUnit (if one is set) to compute the result on real bytes. Timing mode leaves it null
// and memories allocate no storage. The arithmetic lives elsewhere (sim/functional, later); this
// header only fixes the interface.
//
// Call order guarantees the results are in place when they are used: the engine calls execute()
// when its thread resumes after the instruction's occupancy, before the instruction's semaphore
// signal becomes visible, and consumers only read after waiting on that semaphore.

#include <cstdint>

#include "isa/instruction.h"
#include "isa/program.h"
#include "sim/neuroncore/execution.h"

namespace infsim::sim {

class Dram;
class MemorySystem;
class NeuronCore;
class Psum;
class Sbuf;

// Everything an instruction may touch, resolved for the core that runs it.
class ExecContext {
 public:
  ExecContext(MemorySystem& memory, NeuronCore& core, Execution& execution, int program_core,
              int queue_index, std::size_t instruction_index)
      : memory_(memory),
        core_(core),
        execution_(execution),
        program_core_(program_core),
        queue_index_(queue_index),
        instruction_index_(instruction_index) {}

  // The core running the instruction.
  NeuronCore& core() const { return core_; }
  Sbuf& sbuf() const;
  Psum& psum() const;
  // Another core of the program (AccessPattern::core of an operand).
  NeuronCore& core_of(int program_core) const;
  Sbuf& sbuf_of(int program_core) const;
  Psum& psum_of(int program_core) const;
  // The DRAM holding program core `program_core`'s region, and that region's base address:
  // an operand's DRAM bytes start at dram_base(ap.core) + ap.offset in dram_of(ap.core).
  Dram& dram_of(int program_core) const;
  std::uint64_t dram_base(int program_core) const {
    return execution_.binding().dram_base[static_cast<std::size_t>(program_core)];
  }
  Dram& dram(int chip) const;

  const isa::Program& program() const { return execution_.program(); }
  const CoreBinding& binding() const { return execution_.binding(); }
  Execution& execution() const { return execution_; }
  int program_core() const { return program_core_; }
  int queue_index() const { return queue_index_; }
  std::size_t instruction_index() const { return instruction_index_; }

 private:
  MemorySystem& memory_;
  NeuronCore& core_;
  Execution& execution_;
  int program_core_;
  int queue_index_;
  std::size_t instruction_index_;
};

class FunctionalUnit {
 public:
  virtual ~FunctionalUnit();
  virtual void execute(const isa::Instruction& inst, ExecContext& ctx) = 0;
};

}  // namespace infsim::sim
