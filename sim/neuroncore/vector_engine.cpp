#include "sim/neuroncore/vector_engine.h"

#include "isa/cost_model.h"

namespace infsim::sim {

VectorEngine::VectorEngine(sc_core::sc_module_name name, const isa::VectorEngineConfig& cfg,
                           const isa::EngineContext& ctx, const Clock& clock, Stats& stats,
                           const std::string& prefix)
    : ComputeEngine(name, clock, stats, prefix, "Vector Engine"), config_(cfg), ctx_(ctx) {}

EngineTiming VectorEngine::issue(const isa::Instruction& inst, const sc_core::sc_time& now) {
  const Cycles c = isa::vector_cycles(inst, config_, ctx_);
  return book(now, c, c);
}

}  // namespace infsim::sim
