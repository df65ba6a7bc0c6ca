#pragma once
// One of a NeuronCore's DMA engines. Its 16 queues (rings) share the engine's bandwidth: the
// engine is a busy-until resource that every descriptor of every queue books for its effective
// bytes (isa::dma_effective_bytes). Each descriptor also pays descriptor_latency before its
// result is visible; a queue moves on to its next descriptor when the data phase ends (the ring
// prefetches descriptors), so back-to-back descriptors on one queue stream at full bandwidth and
// the latency only delays the semaphore signal.

#include <string>
#include <vector>

#include <systemc>

#include "isa/hardware_config.h"
#include "sim/core/busy_resource.h"

namespace infsim::sim {

class Stats;

class DmaEngine : public sc_core::sc_module {
 public:
  // Statistics under `prefix` ("chip0.core0.dma1"): the engine's BusyResource counters, and per
  // queue <prefix>.qN.bytes / .descriptors, registered when a queue first moves data.
  DmaEngine(sc_core::sc_module_name name, const isa::DmaConfig& cfg, Stats& stats,
            const std::string& prefix);

  const isa::DmaConfig& config() const { return config_; }
  BusyResource& resource() { return resource_; }
  const sc_core::sc_time& descriptor_latency() const { return descriptor_latency_; }
  void count(int queue, double bytes);

 private:
  isa::DmaConfig config_;
  Stats& stats_;
  std::string prefix_;
  BusyResource resource_;
  sc_core::sc_time descriptor_latency_;
  std::vector<double*> queue_bytes_;
  std::vector<double*> queue_descriptors_;
};

}  // namespace infsim::sim
