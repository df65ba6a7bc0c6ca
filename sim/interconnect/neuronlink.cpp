#include "sim/interconnect/neuronlink.h"

#include "sim/core/clock.h"
#include "sim/core/stat_names.h"

namespace infsim::sim {

NeuronLinkPorts::NeuronLinkPorts(sc_core::sc_module_name name, const isa::NeuronLinkConfig& cfg,
                                 bool has_east, bool has_west, Stats& stats,
                                 const std::string& prefix)
    : sc_core::sc_module(name), config_(cfg), latency_(seconds_to_time(cfg.latency)) {
  // Two ports make a chain; with fewer, chips are not linked at all.
  if (cfg.ports >= 2) {
    if (has_east) {
      east_ = std::make_unique<BusyResource>(stats, stat_names::child(prefix, "east"),
                                             cfg.bandwidth, "the NeuronLink East port (outgoing)");
    }
    if (has_west) {
      west_ = std::make_unique<BusyResource>(stats, stat_names::child(prefix, "west"),
                                             cfg.bandwidth, "the NeuronLink West port (outgoing)");
    }
  }
}

}  // namespace infsim::sim
