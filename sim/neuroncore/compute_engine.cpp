#include "sim/neuroncore/compute_engine.h"

#include <algorithm>

#include "sim/core/stats.h"

namespace infsim::sim {

ComputeEngine::ComputeEngine(sc_core::sc_module_name name, const Clock& clock, Stats& stats,
                             const std::string& prefix, const std::string& what)
    : sc_core::sc_module(name),
      clock_(clock),
      busy_cycles_(stats.counter(prefix + ".busy_cycles", "cycles",
                                 "cycles the " + what + " was executing instructions")),
      instructions_(
          stats.counter(prefix + ".instructions", "count", "instructions the " + what + " ran")) {
  const double* busy = &busy_cycles_;
  utilization_ = stats.formula(
      prefix + ".utilization", "ratio", "fraction of the window the " + what + " was busy",
      [busy, hz = clock.hz()](double window) { return window > 0 ? *busy / (window * hz) : 0.0; });
}

EngineTiming ComputeEngine::book(const sc_core::sc_time& now, Cycles occupancy, Cycles latency) {
  EngineTiming t;
  t.start = std::max(now, busy_until_);
  t.end = t.start + clock_.cycles(occupancy);
  t.visible = latency == occupancy ? t.end : t.start + clock_.cycles(latency);
  busy_until_ = t.end;
  busy_cycles_ += static_cast<double>(occupancy);
  instructions_ += 1;
  return t;
}

}  // namespace infsim::sim
