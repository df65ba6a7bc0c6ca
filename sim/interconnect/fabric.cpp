#include "sim/interconnect/fabric.h"

#include "sim/core/clock.h"

namespace infsim::sim {

Fabric::Fabric(sc_core::sc_module_name name, const isa::FabricConfig& cfg, Stats& stats,
               const std::string& prefix)
    : sc_core::sc_module(name),
      config_(cfg),
      resource_(stats, prefix, cfg.bandwidth, "the on-chip fabric (core to core)"),
      latency_(seconds_to_time(cfg.latency)) {}

}  // namespace infsim::sim
