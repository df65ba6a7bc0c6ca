#include "sim/chip/chip.h"

#include "sim/core/stat_names.h"

namespace infsim::sim {

Chip::Chip(sc_core::sc_module_name name, const isa::ChipConfig& cfg, int index, int num_chips,
           int first_core, Stats& stats, TraceWriter* trace)
    : sc_core::sc_module(name),
      config_(cfg),
      index_(index),
      dram_("dram", cfg.dram, stats, stat_names::child(stat_names::chip(index), "dram")),
      pcie_("pcie", cfg.pcie, stats, stat_names::child(stat_names::chip(index), "pcie")),
      fabric_("fabric", cfg.fabric, stats, stat_names::child(stat_names::chip(index), "fabric")),
      links_("neuronlink", cfg.neuronlink, index + 1 < num_chips, index > 0, stats,
             stat_names::child(stat_names::chip(index), "neuronlink")),
      cores_("core") {
  cores_.init(static_cast<std::size_t>(cfg.cores), [&](const char* core_name, std::size_t i) {
    return new NeuronCore(core_name, cfg.core, first_core + static_cast<int>(i), index,
                          static_cast<int>(i), stats, trace);
  });
}

}  // namespace infsim::sim
