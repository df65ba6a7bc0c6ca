#pragma once
// A chip's PCIe link to the host: lanes x lane_bandwidth per direction (x8; Gen3 by default, the
// generation is not published), full duplex, so host->device and device->host copies each have
// their own busy-until resource and copies in the same direction contend. `latency` is paid per
// transfer on top of the data time.

#include <string>

#include <systemc>

#include "isa/hardware_config.h"
#include "sim/core/busy_resource.h"

namespace infsim::sim {

class Stats;

class Pcie : public sc_core::sc_module {
 public:
  // Statistics: <prefix>.h2d.* and <prefix>.d2h.* (BusyResource counters and formulas).
  Pcie(sc_core::sc_module_name name, const isa::PcieConfig& cfg, Stats& stats,
       const std::string& prefix);
  const isa::PcieConfig& config() const { return config_; }
  BusyResource& host_to_device() { return h2d_; }
  BusyResource& device_to_host() { return d2h_; }
  const sc_core::sc_time& latency() const { return latency_; }

 private:
  isa::PcieConfig config_;
  BusyResource h2d_;
  BusyResource d2h_;
  sc_core::sc_time latency_;
};

}  // namespace infsim::sim
