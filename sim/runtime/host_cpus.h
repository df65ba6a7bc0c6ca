#pragma once
// The host's CPUs as the runtime's simulated threads use them (SC_THREADs, never OS threads).
//
// - host.vcpus vCPUs, two per physical core (an AWS vCPU is one hyperthread). A thread with work
//   takes a free vCPU, on a core with no other busy thread when there is one (as the Linux
//   scheduler spreads load); when all vCPUs are busy it waits in FIFO order. A thread that shares
//   its core with a busy sibling runs at host.smt_speed for that piece of work (the speed is
//   fixed when the piece starts: a simplification of processor sharing).
// - Copies cost CPU time at one thread's rate and host memory bandwidth, read and write, shared
//   by every thread of the instance ("busy until" on one host memory channel).
// - A thread woken after blocking (on the device, a queue) is delayed by an exponential
//   OS-scheduling jitter of mean host.jitter, seeded: the only random term of the host.

#include <cstdint>
#include <random>
#include <vector>

#include "sim/runtime/host_sync.h"
#include "sim/runtime/runtime_config.h"

namespace infsim::sim {

class HostCpus {
 public:
  HostCpus(const HostConfig& config, std::uint64_t seed);

  // Blocking, from an SC_THREAD: `seconds` of one thread's work at full speed.
  void compute(double seconds) { work(seconds, 0); }
  // Blocking: one thread copies (or casts) `bytes` at `bandwidth`; the host memory carries
  // 2 x bytes.
  void copy(double bytes, double bandwidth) { work(bytes / bandwidth, 2 * bytes); }
  // Blocking: the wake-up delay of a thread that was blocked.
  void wake();

  // Busy vCPU-seconds so far (for utilization).
  double busy_seconds() const { return busy_seconds_; }

 private:
  void work(double cpu_seconds, double memory_bytes);

  const HostConfig& config_;
  HostSemaphore vcpus_;
  std::vector<int> busy_;  // busy threads per physical core
  double memory_free_at_ = 0;
  double busy_seconds_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace infsim::sim
