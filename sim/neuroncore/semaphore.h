#pragma once
// A NeuronCore semaphore as one execution of a program sees it: a counter that instructions
// increment when their result becomes visible and wait on (count >= value) before they start.
//
// Increments may be dated in the future (a MatMul's result reaches PSUM after its fill/drain, a
// DMA's after its latency): they sit in a short pending list and one delayed notification of the
// semaphore's event wakes waiters then. An sc_event keeps only its earliest pending notification,
// so every waiter re-arms the event for the earliest pending increment before it waits; together
// with re-arming after each immediate notification, no increment is ever missed, and no extra
// process or polling is needed.

#include <cstdint>
#include <utility>
#include <vector>

#include <systemc>

namespace infsim::sim {

class Semaphore {
 public:
  Semaphore() = default;
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // The count at the current simulated time.
  std::uint32_t value() {
    settle();
    return value_;
  }
  // Adds `increment` at time `at` (>= now; now means immediately).
  void signal(std::uint32_t increment, const sc_core::sc_time& at);
  // Blocks the calling SC_THREAD until the count is >= target. Returns at once if it already is.
  void wait_until(std::uint32_t target);
  bool ready(std::uint32_t target) {
    settle();
    return value_ >= target;
  }
  // Whether increments dated in the future are still outstanding.
  bool has_pending() const { return !pending_.empty(); }

 private:
  void settle();
  void arm(const sc_core::sc_time& now);

  sc_core::sc_event event_;
  std::uint32_t value_ = 0;
  std::vector<std::pair<sc_core::sc_time, std::uint32_t>> pending_;  // sorted by time
};

}  // namespace infsim::sim
