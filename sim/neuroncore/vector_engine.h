#pragma once
// The Vector Engine: pooling, element-wise tensor-tensor and tensor-scalar ops, reductions,
// memset; 256 FLOP per cycle spread over the SBUF partitions (isa::vector_cycles).

#include "isa/cost_model.h"
#include "isa/hardware_config.h"
#include "isa/instruction.h"
#include "sim/neuroncore/compute_engine.h"

namespace infsim::sim {

class VectorEngine : public ComputeEngine {
 public:
  // `ctx` carries the core's instruction overhead and SBUF partition count.
  VectorEngine(sc_core::sc_module_name name, const isa::VectorEngineConfig& cfg,
               const isa::EngineContext& ctx, const Clock& clock, Stats& stats,
               const std::string& prefix);
  const isa::VectorEngineConfig& config() const { return config_; }
  EngineTiming issue(const isa::Instruction& inst, const sc_core::sc_time& now);

 private:
  isa::VectorEngineConfig config_;
  isa::EngineContext ctx_;
};

}  // namespace infsim::sim
