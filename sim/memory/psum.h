#pragma once
// The partial-sum buffer: 64 partitions (one per Tensor Engine column) of fp32 accumulators,
// split into banks; a MatMul writes or accumulates (+=) one bank region in fp32. The arithmetic
// belongs to the functional unit; this module holds the bytes and checks the ranges.

#include "isa/hardware_config.h"
#include "sim/memory/on_chip_memory.h"

namespace infsim::sim {

class Psum : public OnChipMemory {
 public:
  Psum(sc_core::sc_module_name name, const isa::PsumConfig& cfg)
      : OnChipMemory(name, cfg.partitions, cfg.partition_bytes()), config_(cfg) {}
  const isa::PsumConfig& config() const { return config_; }
  std::uint64_t bank_bytes() const { return config_.bank_bytes(); }
  // Functional mode: `count` fp32 accumulators of one partition starting at byte `offset`.
  float* fp32(int partition, std::uint64_t offset, std::uint64_t count) {
    return reinterpret_cast<float*>(bytes(partition, offset, count * sizeof(float)));
  }

 private:
  isa::PsumConfig config_;
};

}  // namespace infsim::sim
