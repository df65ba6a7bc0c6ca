#pragma once
// The names statistics (and trace processes) are registered under, built in one place. The
// hierarchy is dotted: "chip<c>" for a chip, "chip<c>.core<j>" for its NeuronCore j, and each
// module adds its own part below the prefix its parent gives it ("chip0.core1.dma2",
// "chip0.dram.ch3", "chip0.core1.dma2.q4", "chip0.neuronlink.east"). Leaves (".busy_cycles",
// ".bytes") are named where they are registered, beside their unit and description.

#include <string>

namespace infsim::sim::stat_names {

// "chip<c>".
inline std::string chip(int chip) {
  return "chip" + std::to_string(chip);
}

// "chip<c>.core<j>", j the core's index on its chip.
inline std::string core(int chip_index, int local_core) {
  return chip(chip_index) + ".core" + std::to_string(local_core);
}

// "<prefix>.<part>".
inline std::string child(const std::string& prefix, const std::string& part) {
  return prefix + "." + part;
}

// "<prefix>.<part><index>", one of several alike ("dma2", "ch3", "q4").
inline std::string child(const std::string& prefix, const std::string& part, int index) {
  return child(prefix, part + std::to_string(index));
}

}  // namespace infsim::sim::stat_names
