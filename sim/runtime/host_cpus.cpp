#include "sim/runtime/host_cpus.h"

#include <algorithm>
#include <cmath>

#include <systemc>

namespace infsim::sim {

HostCpus::HostCpus(const HostConfig& config, std::uint64_t seed)
    : config_(config),
      vcpus_(config.vcpus),
      busy_(static_cast<std::size_t>((config.vcpus + 1) / 2), 0),
      rng_(seed) {}

void HostCpus::work(double cpu_seconds, double memory_bytes) {
  if (cpu_seconds <= 0 && memory_bytes <= 0) return;
  HostHold vcpu(vcpus_);
  // A free core first, else the sibling of a busy thread (an odd last core has one vCPU).
  const auto capacity = [&](std::size_t c) {
    return 2 * static_cast<int>(c) + 1 < config_.vcpus ? 2 : 1;
  };
  std::size_t core = busy_.size();
  for (std::size_t c = 0; c < busy_.size() && core == busy_.size(); ++c) {
    if (busy_[c] == 0) core = c;
  }
  for (std::size_t c = 0; c < busy_.size() && core == busy_.size(); ++c) {
    if (busy_[c] < capacity(c)) core = c;
  }
  ++busy_[core];
  const double speed = busy_[core] > 1 ? config_.smt_speed : 1.0;
  const double now = sc_core::sc_time_stamp().to_seconds();
  double seconds = cpu_seconds / speed;
  if (memory_bytes > 0) {
    memory_free_at_ = std::max(now, memory_free_at_) + memory_bytes / config_.memory_bandwidth;
    seconds = std::max(seconds, memory_free_at_ - now);
  }
  busy_seconds_ += seconds;
  sc_core::wait(sc_core::sc_time(seconds, sc_core::SC_SEC));
  --busy_[core];
}

void HostCpus::wake() {
  if (config_.jitter <= 0) return;
  // A portable exponential draw: the same seed gives the same delays on every platform.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  sc_core::wait(sc_core::sc_time(-std::log1p(-u) * config_.jitter, sc_core::SC_SEC));
}

}  // namespace infsim::sim
