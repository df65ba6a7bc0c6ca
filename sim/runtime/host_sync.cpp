#include "sim/runtime/host_sync.h"

namespace infsim::sim {

void HostSemaphore::acquire() {
  if (free_ > 0 && waiters_.empty()) {
    --free_;
    return;
  }
  sc_core::sc_event granted;
  waiters_.push_back(&granted);
  sc_core::wait(granted);
}

void HostSemaphore::release() {
  if (waiters_.empty()) {
    ++free_;
    return;
  }
  sc_core::sc_event* next = waiters_.front();
  waiters_.pop_front();
  next->notify();
}

void TicketLock::wait_turn(std::uint64_t ticket) {
  if (ticket == serving_) return;
  sc_core::sc_event turn;
  waiting_[ticket] = &turn;
  sc_core::wait(turn);
}

void TicketLock::release() {
  ++serving_;
  auto it = waiting_.find(serving_);
  if (it == waiting_.end()) return;
  sc_core::sc_event* e = it->second;
  waiting_.erase(it);
  e->notify();
}

}  // namespace infsim::sim
