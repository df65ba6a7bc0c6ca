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

// NeuronPerf's throughput_peak for one process: NeuronPerf counts completed inferences per
// reporting window and reports the best window's rate beside the mean. Its windows (seconds long)
// hold hundreds of requests; a simulated run holds about a hundred in all, and equal-length
// windows of ~10 requests would read +10 % from rounding the count alone. So the windows here
// hold equal numbers of consecutive completions: as many windows as give each at least
// kRequestsPerWindow (at most kMaxWindows; one when there are fewer requests, and then the peak
// is the mean). A window spans from the previous window's last completion (the first from
// `start`) to its own last, so the windows tile [start, last completion] and the best one's rate
// is never below the mean (a ratio of sums lies between the ratios); in a steady stream it equals
// the mean. Returns images per second.
inline constexpr int kRequestsPerWindow = 10;
inline constexpr int kMaxWindows = 10;
double peak_throughput(std::vector<double> completions, double start, double images_per_request);

ScenarioResult collect_result(const SystemConfig& config, const ScenarioSpec& spec,
                              const std::vector<std::unique_ptr<ProcessState>>& processes,
                              const DevicePath& device, const Traffic& at_start,
                              const Traffic& at_end);

}  // namespace infsim::sim
