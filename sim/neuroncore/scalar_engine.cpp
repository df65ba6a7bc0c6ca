#include "sim/neuroncore/scalar_engine.h"

#include "isa/cost_model.h"

namespace infsim::sim {

ScalarEngine::ScalarEngine(sc_core::sc_module_name name, const isa::ScalarEngineConfig& cfg,
                           const isa::EngineContext& ctx, const Clock& clock, Stats& stats,
                           const std::string& prefix)
    : ComputeEngine(name, clock, stats, prefix, "Scalar Engine"), config_(cfg), ctx_(ctx) {}

EngineTiming ScalarEngine::issue(const isa::Instruction& inst, const sc_core::sc_time& now) {
  const Cycles c =
      inst.opcode == isa::Opcode::kActivate ? isa::activate_cycles(inst, config_, ctx_) : 0;
  return book(now, c, c);
}

}  // namespace infsim::sim
