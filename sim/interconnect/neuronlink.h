#pragma once
// A chip's NeuronLink ports: East (towards chip i+1) and West (towards chip i-1) of a linear
// chain, not a ring (the end chips have one neighbour). Each port's outgoing direction is a
// busy-until resource owned by the sending chip, so the two directions of a link are independent
// and transfers in the same direction over the same link contend.
//
// Multi-hop transfers are cut-through: a transfer from chip a to chip b books every link on the
// way from one common start, each for bytes / bandwidth, and pays the per-hop latency once per
// hop. The links are PCIe x4 ports, and PCIe forwards packets of at most a few hundred bytes, so
// an intermediate chip passes data on long before the whole transfer has arrived;
// store-and-forward (k x (bytes / bandwidth + latency)) would only fit whole-tensor relays by
// software. Uncontended cost over k hops: bytes / bandwidth + k x latency.

#include <memory>
#include <string>

#include <systemc>

#include "isa/hardware_config.h"
#include "sim/core/busy_resource.h"

namespace infsim::sim {

class Stats;

class NeuronLinkPorts : public sc_core::sc_module {
 public:
  // `has_east`/`has_west`: whether the chain has a neighbour on that side. Statistics:
  // <prefix>.east.* and <prefix>.west.* for the outgoing directions.
  NeuronLinkPorts(sc_core::sc_module_name name, const isa::NeuronLinkConfig& cfg, bool has_east,
                  bool has_west, Stats& stats, const std::string& prefix);
  const isa::NeuronLinkConfig& config() const { return config_; }
  // Outgoing direction towards the neighbour; null when there is none.
  BusyResource* east() { return east_.get(); }
  BusyResource* west() { return west_.get(); }
  const sc_core::sc_time& hop_latency() const { return latency_; }

 private:
  isa::NeuronLinkConfig config_;
  std::unique_ptr<BusyResource> east_;
  std::unique_ptr<BusyResource> west_;
  sc_core::sc_time latency_;
};

}  // namespace infsim::sim
