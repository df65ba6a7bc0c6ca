#pragma once
// The on-chip fabric between the cores of a chip: SBUF-to-SBUF (and PSUM) traffic between two
// different cores shares one busy-until resource of the configured bandwidth and pays its
// latency. Traffic between a core and the chip's DRAM is limited by the DMA engine and the DRAM
// channels, which are far slower than the fabric, so it is not booked here.

#include <string>

#include <systemc>

#include "isa/hardware_config.h"
#include "sim/core/busy_resource.h"

namespace infsim::sim {

class Stats;

class Fabric : public sc_core::sc_module {
 public:
  Fabric(sc_core::sc_module_name name, const isa::FabricConfig& cfg, Stats& stats,
         const std::string& prefix);
  const isa::FabricConfig& config() const { return config_; }
  BusyResource& resource() { return resource_; }
  const sc_core::sc_time& latency() const { return latency_; }

 private:
  isa::FabricConfig config_;
  BusyResource resource_;
  sc_core::sc_time latency_;
};

}  // namespace infsim::sim
