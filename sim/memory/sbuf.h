#pragma once
// The state buffer: the NeuronCore's software-managed SRAM, 128 partitions that feed the Tensor
// Engine's rows and the Vector/Scalar lanes.

#include "isa/hardware_config.h"
#include "sim/memory/on_chip_memory.h"

namespace infsim::sim {

class Sbuf : public OnChipMemory {
 public:
  Sbuf(sc_core::sc_module_name name, const isa::SbufConfig& cfg)
      : OnChipMemory(name, cfg.partitions, cfg.partition_bytes()), config_(cfg) {}
  const isa::SbufConfig& config() const { return config_; }

 private:
  isa::SbufConfig config_;
};

}  // namespace infsim::sim
