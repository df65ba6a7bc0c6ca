#pragma once
// The Scalar Engine: activations with per-partition scale and bias; 512 FLOP per cycle spread
// over the SBUF partitions (isa::activate_cycles).

#include "isa/cost_model.h"
#include "isa/hardware_config.h"
#include "isa/instruction.h"
#include "sim/neuroncore/compute_engine.h"

namespace infsim::sim {

class ScalarEngine : public ComputeEngine {
 public:
  // `ctx` carries the core's instruction overhead and SBUF partition count.
  ScalarEngine(sc_core::sc_module_name name, const isa::ScalarEngineConfig& cfg,
               const isa::EngineContext& ctx, const Clock& clock, Stats& stats,
               const std::string& prefix);
  const isa::ScalarEngineConfig& config() const { return config_; }
  EngineTiming issue(const isa::Instruction& inst, const sc_core::sc_time& now);

 private:
  isa::ScalarEngineConfig config_;
  isa::EngineContext ctx_;
};

}  // namespace infsim::sim
