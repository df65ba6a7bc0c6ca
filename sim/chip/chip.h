#pragma once
// An Inferentia chip: its NeuronCores share the chip's DRAM (2 channels), its PCIe link to the
// host, its NeuronLink ports to the neighbouring chips and the on-chip fabric between the cores.

#include <string>

#include <systemc>

#include "isa/hardware_config.h"
#include "sim/interconnect/fabric.h"
#include "sim/interconnect/neuronlink.h"
#include "sim/interconnect/pcie.h"
#include "sim/memory/dram.h"
#include "sim/neuroncore/neuron_core.h"

namespace infsim::sim {

class Stats;
class TraceWriter;

class Chip : public sc_core::sc_module {
 public:
  // Chip `index` of a chain of `num_chips`; its cores get global indices first_core,
  // first_core + 1, ... Statistics under "chip<index>".
  Chip(sc_core::sc_module_name name, const isa::ChipConfig& cfg, int index, int num_chips,
       int first_core, Stats& stats, TraceWriter* trace);

  const isa::ChipConfig& config() const { return config_; }
  int index() const { return index_; }
  int num_cores() const { return static_cast<int>(cores_.size()); }
  NeuronCore& core(int local) { return cores_[static_cast<std::size_t>(local)]; }
  Dram& dram() { return dram_; }
  Pcie& pcie() { return pcie_; }
  Fabric& fabric() { return fabric_; }
  NeuronLinkPorts& neuronlink() { return links_; }

 private:
  isa::ChipConfig config_;
  int index_;
  Dram dram_;
  Pcie pcie_;
  Fabric fabric_;
  NeuronLinkPorts links_;
  sc_core::sc_vector<NeuronCore> cores_;
};

}  // namespace infsim::sim
