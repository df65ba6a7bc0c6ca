#pragma once
// The Scalar Engine: activations with per-partition scale and bias; 512 FLOP per cycle spread
// over the SBUF partitions (isa::activate_cycles).

#include "isa/hardware_config.h"
#include "isa/instruction.h"
#include "sim/neuroncore/compute_engine.h"

namespace infsim::sim {

class ScalarEngine : public ComputeEngine {
 public:
  // `cfg` is the whole core's: the engine is cfg.scalar, its lanes are spread over the SBUF
  // partitions, and the instruction overhead is the core's.
  ScalarEngine(sc_core::sc_module_name name, const isa::NeuronCoreConfig& cfg, const Clock& clock,
               Stats& stats, const std::string& prefix);
  const isa::ScalarEngineConfig& config() const { return config_.scalar; }
  EngineTiming issue(const isa::Instruction& inst, const sc_core::sc_time& now);

 private:
  isa::NeuronCoreConfig config_;
};

}  // namespace infsim::sim
