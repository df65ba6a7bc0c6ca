#pragma once
// What every bandwidth resource of the simulator reports (BusyResource, FairShareResource): its
// bytes, busy time and transfer count in the statistics, the .utilization and .bandwidth formulas
// over the window, and each transfer on a trace bandwidth counter. Declared once so that both
// kinds of resource report the same names with the same meaning.

#include <string>

#include "sim/core/stats.h"

namespace infsim::sim {

class TraceWriter;

class ResourceStats {
 public:
  // Registers <name>.bytes, .busy_seconds and .transfers, and the formulas .utilization and
  // .bandwidth (achieved bytes/s over the window), described as `what`.
  ResourceStats(Stats& stats, const std::string& name, const std::string& what);
  ResourceStats(const ResourceStats&) = delete;
  ResourceStats& operator=(const ResourceStats&) = delete;

  Stats::Handle utilization() const { return utilization_; }  // busy time over the window
  // Every transfer also adds its bytes to the bandwidth counter `counter` of trace process `pid`
  // (several resources may share one counter). `trace` may be null.
  void trace_to(TraceWriter* trace, int pid, std::string counter) {
    trace_ = trace;
    trace_pid_ = pid;
    trace_counter_ = std::move(counter);
  }
  // One transfer of `bytes` that kept the resource busy over [start, end) (seconds).
  void record(double start, double end, double bytes);

 private:
  double& bytes_;
  double& busy_seconds_;
  double& transfers_;
  Stats::Handle utilization_ = nullptr;
  TraceWriter* trace_ = nullptr;
  int trace_pid_ = 0;
  std::string trace_counter_;
};

}  // namespace infsim::sim
