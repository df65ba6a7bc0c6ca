#pragma once
// The Vector Engine: pooling, element-wise tensor-tensor and tensor-scalar ops, reductions,
// memset; 256 FLOP per cycle spread over the SBUF partitions (isa::vector_cycles).

#include "isa/hardware_config.h"
#include "isa/instruction.h"
#include "sim/neuroncore/compute_engine.h"

namespace infsim::sim {

class VectorEngine : public ComputeEngine {
 public:
  // `cfg` is the whole core's: the engine is cfg.vector, its lanes are spread over the SBUF
  // partitions, and the instruction overhead is the core's.
  VectorEngine(sc_core::sc_module_name name, const isa::NeuronCoreConfig& cfg, const Clock& clock,
               Stats& stats, const std::string& prefix);
  const isa::VectorEngineConfig& config() const { return config_.vector; }
  EngineTiming issue(const isa::Instruction& inst, const sc_core::sc_time& now);

 private:
  isa::NeuronCoreConfig config_;
};

}  // namespace infsim::sim
