#pragma once
// Conversions between cycles of a clock, seconds, and SystemC time. Each conversion rounds once
// to the kernel's time resolution (1 ps by default), never per cycle, so long runs do not drift.

#include <systemc>

#include "isa/cost_model.h"

namespace infsim::sim {

using isa::Cycles;

// Seconds -> sc_time, rounded to the nearest resolution step.
inline sc_core::sc_time seconds_to_time(double seconds) {
  static const double kResolution = sc_core::sc_get_time_resolution().to_seconds();
  if (seconds <= 0) return sc_core::SC_ZERO_TIME;
  return sc_core::sc_time::from_value(
      static_cast<sc_core::sc_time::value_type>(seconds / kResolution + 0.5));
}

class Clock {
 public:
  explicit Clock(double hz)
      : hz_(hz), steps_per_cycle_(1.0 / (hz * sc_core::sc_get_time_resolution().to_seconds())) {}

  double hz() const { return hz_; }
  sc_core::sc_time cycles(Cycles c) const {
    return sc_core::sc_time::from_value(
        static_cast<sc_core::sc_time::value_type>(static_cast<double>(c) * steps_per_cycle_ + 0.5));
  }
  // Whole cycles in `t`, rounded to nearest (a time made by cycles() converts back exactly).
  Cycles to_cycles(const sc_core::sc_time& t) const {
    return static_cast<Cycles>(static_cast<double>(t.value()) / steps_per_cycle_ + 0.5);
  }

 private:
  double hz_;
  double steps_per_cycle_;
};

}  // namespace infsim::sim
