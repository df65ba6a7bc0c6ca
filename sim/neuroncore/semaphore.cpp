#include "sim/neuroncore/semaphore.h"

#include <algorithm>

namespace infsim::sim {

void Semaphore::settle() {
  if (pending_.empty()) return;
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  std::size_t done = 0;
  while (done < pending_.size() && pending_[done].first <= now) {
    value_ += pending_[done].second;
    ++done;
  }
  if (done > 0) pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(done));
}

void Semaphore::arm(const sc_core::sc_time& now) {
  if (!pending_.empty()) event_.notify(pending_.front().first - now);
}

void Semaphore::signal(std::uint32_t increment, const sc_core::sc_time& at) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (at <= now) {
    value_ += increment;
    // An immediate notification cancels a pending delayed one: re-arm it right after.
    event_.notify();
    arm(now);
    return;
  }
  const auto pos = std::upper_bound(
      pending_.begin(), pending_.end(), at,
      [](const sc_core::sc_time& t, const std::pair<sc_core::sc_time, std::uint32_t>& p) {
        return t < p.first;
      });
  pending_.insert(pos, {at, increment});
  event_.notify(at - now);  // kept only if earlier than what is already pending
}

void Semaphore::wait_until(std::uint32_t target) {
  settle();
  while (value_ < target) {
    arm(sc_core::sc_time_stamp());
    sc_core::wait(event_);
    settle();
  }
}

}  // namespace infsim::sim
