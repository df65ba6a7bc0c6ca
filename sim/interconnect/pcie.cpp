#include "sim/interconnect/pcie.h"

#include "sim/core/clock.h"
#include "sim/core/stat_names.h"

namespace infsim::sim {

Pcie::Pcie(sc_core::sc_module_name name, const isa::PcieConfig& cfg, Stats& stats,
           const std::string& prefix)
    : sc_core::sc_module(name),
      config_(cfg),
      h2d_(stats, stat_names::child(prefix, "h2d"), cfg.bandwidth(), "PCIe host-to-device"),
      d2h_(stats, stat_names::child(prefix, "d2h"), cfg.bandwidth(), "PCIe device-to-host"),
      latency_(seconds_to_time(cfg.latency)) {}

}  // namespace infsim::sim
