#pragma once
// Functional mode's arithmetic: a FunctionalUnit that computes every opcode of isa/instruction.h
// on the bytes of SBUF, PSUM and DRAM, exactly as the semantics comment there states. One
// executor serves every engine of every core of an Instance:
//
//   FunctionalExecutor functional;
//   instance.enable_functional_mode(&functional);
//
// Values are read from their memory in the operand's dtype, computed in fp32 (the engines'
// internal precision; the Tensor Engine's products and PSUM accumulation are fp32 too) and
// rounded to nearest even when stored in the destination's dtype. The stationary weights of each
// core's Tensor Engine (LoadWeights) are kept here, per global core, until its next LoadWeights:
// one array per core, as on the hardware, so executions that interleave tensor instructions on
// one core see each other's weights there too.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sim/neuroncore/functional_unit.h"

namespace infsim::sim {

class PatternAccess;

class FunctionalExecutor : public FunctionalUnit {
 public:
  void execute(const isa::Instruction& inst, ExecContext& ctx) override;

  // Instructions computed so far, per opcode (for tests and reports).
  std::uint64_t executed(isa::Opcode op) const { return executed_[static_cast<int>(op)]; }

 private:
  struct Weights {
    int rows = 0;               // K
    int cols = 0;               // M
    std::vector<float> values;  // K x M, row-major
  };

  void dma_copy(const isa::Instruction& inst, ExecContext& ctx);
  void load_weights(const isa::Instruction& inst, ExecContext& ctx);
  void matmul(const isa::Instruction& inst, ExecContext& ctx);
  void transpose(const isa::Instruction& inst, ExecContext& ctx);
  void activate(const isa::Instruction& inst, ExecContext& ctx);
  void pool(const isa::Instruction& inst, ExecContext& ctx);
  void tensor_tensor(const isa::Instruction& inst, ExecContext& ctx);
  void tensor_scalar(const isa::Instruction& inst, ExecContext& ctx);
  void reduce(const isa::Instruction& inst, ExecContext& ctx);
  void memset(const isa::Instruction& inst, ExecContext& ctx);

  std::unordered_map<int, Weights> weights_;  // by global core
  // Scratch buffers reused across instructions, so that the hot path does not allocate.
  std::vector<float> a_, b_, c_;
  std::uint64_t executed_[isa::kNumOpcodes] = {};
};

}  // namespace infsim::sim
