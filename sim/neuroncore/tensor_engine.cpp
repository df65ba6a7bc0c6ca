#include "sim/neuroncore/tensor_engine.h"

#include <algorithm>

#include "isa/cost_model.h"

namespace infsim::sim {

TensorEngine::TensorEngine(sc_core::sc_module_name name, const isa::TensorEngineConfig& cfg,
                           const isa::EngineContext& ctx, const Clock& clock, Stats& stats,
                           const std::string& prefix)
    : ComputeEngine(name, clock, stats, prefix, "Tensor Engine"), config_(cfg), ctx_(ctx) {}

EngineTiming TensorEngine::issue(const isa::Instruction& inst, const sc_core::sc_time& now) {
  switch (inst.opcode) {
    case isa::Opcode::kMatMul: {
      const EngineTiming t = book(now, isa::matmul_cycles(inst, config_, ctx_),
                                  isa::matmul_latency(inst, config_, ctx_));
      drained_ = std::max(drained_, t.visible);
      return t;
    }
    case isa::Opcode::kLoadWeights: {
      const Cycles c = isa::load_weights_cycles(inst, config_, ctx_);
      return book(isa::waits_for_drain(inst, config_) ? std::max(now, drained_) : now, c, c);
    }
    case isa::Opcode::kTranspose: {
      const Cycles c = isa::transpose_cycles(inst, config_, ctx_);
      return book(now, c, c);
    }
    default:
      return book(now, 0, 0);
  }
}

}  // namespace infsim::sim
