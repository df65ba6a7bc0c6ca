#pragma once
// A scenario's measurements from the runtime's records: throughput (the sum of the processes'
// rates, each over its own measured window), latency percentiles, per-core utilization (the
// engines' shares from the detailed samples), per loaded model device time and matrix
// utilization, and the traffic counters.

#include <memory>
#include <vector>

#include "sim/core/stats.h"
#include "sim/runtime/device_path.h"

namespace infsim::sim {

// Nearest-rank percentiles (p = the ceil(q n)-th smallest) and the mean.
Percentiles percentiles(std::vector<double> values);

// DRAM, PCIe and NeuronLink bytes so far, summed over every chip's counters.
struct Traffic {
  double dram = 0, pcie = 0, neuronlink = 0;
};
Traffic traffic(const Stats& stats);

ScenarioResult collect_result(const SystemConfig& config, const ScenarioSpec& spec,
                              const std::vector<std::unique_ptr<ProcessState>>& processes,
                              const DevicePath& device, const Traffic& at_start,
                              const Traffic& at_end);

}  // namespace infsim::sim
