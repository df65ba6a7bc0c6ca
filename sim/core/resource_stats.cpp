#include "sim/core/resource_stats.h"

#include "sim/core/trace_writer.h"

namespace infsim::sim {

ResourceStats::ResourceStats(Stats& stats, const std::string& name, const std::string& what)
    : bytes_(stats.counter(name + ".bytes", "bytes", "bytes moved through " + what)),
      busy_seconds_(stats.counter(name + ".busy_seconds", "s", "time " + what + " was busy")),
      transfers_(stats.counter(name + ".transfers", "count", "transfers through " + what)) {
  const double* busy = &busy_seconds_;
  const double* bytes = &bytes_;
  utilization_ =
      stats.formula(name + ".utilization", "ratio", "fraction of the window " + what + " was busy",
                    [busy](double window) { return window > 0 ? *busy / window : 0.0; });
  stats.formula(name + ".bandwidth", "bytes/s", "achieved bandwidth of " + what,
                [bytes](double window) { return window > 0 ? *bytes / window : 0.0; });
}

void ResourceStats::record(double start, double end, double bytes) {
  bytes_ += bytes;
  busy_seconds_ += end - start;
  transfers_ += 1;
  if (trace_ != nullptr) trace_->transfer(trace_pid_, trace_counter_, start, end, bytes);
}

}  // namespace infsim::sim
