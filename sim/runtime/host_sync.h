#pragma once
// Synchronization between simulated host threads and device queues (SC_THREADs, never OS
// threads): a FIFO counting semaphore (vCPUs, a process's GIL, a model's in-flight slots) and a
// ticket lock (a NeuronCore serving one inference at a time in submission order). Hand-off is
// direct to the first waiter, so there is no thundering herd and no polling.

#include <cstdint>
#include <deque>
#include <map>

#include <systemc>

namespace infsim::sim {

class HostSemaphore {
 public:
  explicit HostSemaphore(int count) : free_(count) {}
  HostSemaphore(const HostSemaphore&) = delete;
  HostSemaphore& operator=(const HostSemaphore&) = delete;

  // Blocking, from an SC_THREAD.
  void acquire();
  void release();

 private:
  int free_;
  std::deque<sc_core::sc_event*> waiters_;
};

// Holds a semaphore for a scope.
class HostHold {
 public:
  explicit HostHold(HostSemaphore& s) : s_(s) { s_.acquire(); }
  ~HostHold() { s_.release(); }
  HostHold(const HostHold&) = delete;
  HostHold& operator=(const HostHold&) = delete;

 private:
  HostSemaphore& s_;
};

class TicketLock {
 public:
  std::uint64_t take() { return next_++; }
  // Blocking, from an SC_THREAD: returns when every earlier ticket has been released.
  void wait_turn(std::uint64_t ticket);
  void release();

 private:
  std::uint64_t next_ = 0;
  std::uint64_t serving_ = 0;
  std::map<std::uint64_t, sc_core::sc_event*> waiting_;
};

}  // namespace infsim::sim
