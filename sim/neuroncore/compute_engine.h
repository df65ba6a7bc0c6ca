#pragma once
// The common part of the Tensor, Vector and Scalar engines: one engine executes one instruction
// at a time, whichever queue it comes from, so it is a busy-until resource counted in cycles of
// the core clock. An instruction starts at max(now, free), holds the engine for its occupancy,
// and its result is visible after its latency (>= occupancy; longer only for the Tensor Engine's
// fill/drain).

#include <string>

#include <systemc>

#include "sim/core/clock.h"
#include "sim/core/stats.h"

namespace infsim::sim {

struct EngineTiming {
  sc_core::sc_time start;    // the engine starts the instruction
  sc_core::sc_time end;      // the engine (and the issuing queue) is free again
  sc_core::sc_time visible;  // the result can be read: the semaphore signal fires
};

class ComputeEngine : public sc_core::sc_module {
 public:
  // Registers <prefix>.busy_cycles, .instructions and the formula .utilization.
  ComputeEngine(sc_core::sc_module_name name, const Clock& clock, Stats& stats,
                const std::string& prefix, const std::string& what);

  const sc_core::sc_time& free_at() const { return busy_until_; }
  double busy_cycles() const { return busy_cycles_; }
  double instructions() const { return instructions_; }
  Stats::Handle utilization() const { return utilization_; }  // busy cycles over the window

 protected:
  EngineTiming book(const sc_core::sc_time& now, Cycles occupancy, Cycles latency);

 private:
  const Clock& clock_;
  sc_core::sc_time busy_until_;
  double& busy_cycles_;
  double& instructions_;
  Stats::Handle utilization_;
};

}  // namespace infsim::sim
