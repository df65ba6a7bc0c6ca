#pragma once
// The Tensor Engine: the 128 x 64 weight-stationary systolic array (LoadWeights, MatMul,
// Transpose). A MatMul frees the engine after its occupancy (the next moving tile can follow
// right behind) and makes its result visible after the fill/drain latency; without
// weight_load_overlap a LoadWeights also waits for that drain (isa::waits_for_drain).

#include "isa/cost_model.h"
#include "isa/hardware_config.h"
#include "isa/instruction.h"
#include "sim/neuroncore/compute_engine.h"

namespace infsim::sim {

class TensorEngine : public ComputeEngine {
 public:
  // `ctx` carries the core's instruction overhead and SBUF partition count.
  TensorEngine(sc_core::sc_module_name name, const isa::TensorEngineConfig& cfg,
               const isa::EngineContext& ctx, const Clock& clock, Stats& stats,
               const std::string& prefix);
  const isa::TensorEngineConfig& config() const { return config_; }
  EngineTiming issue(const isa::Instruction& inst, const sc_core::sc_time& now);

 private:
  isa::TensorEngineConfig config_;
  isa::EngineContext ctx_;
  sc_core::sc_time drained_;  // the last MatMul's results are out of the array
};

}  // namespace infsim::sim
