#pragma once
// A chip's device DRAM: `channels` channels sharing the sustained bandwidth (the configured peak
// times `efficiency`) equally, addresses interleaved across them in `interleave`-byte stripes, a
// fixed first-byte latency. Each channel is a fair-share resource (sim/core/fair_share_resource.h):
// its controller interleaves the requests of its requestors (the DMA engines, PCIe, the
// NeuronLink ports) as they arrive, so every requestor with data waiting gets an equal share of
// the channel and serves its own requests in order; requests that spread over both channels use
// both. `efficiency` stands for what a fluid channel does not see: refresh, row-buffer misses
// when the cores' streams interleave, and read/write bus turnarounds.
//
// Functional mode keeps sparse contents: 1 MiB pages allocated (zeroed) on first touch.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "isa/hardware_config.h"
#include "sim/core/busy_resource.h"
#include "sim/core/fair_share_resource.h"
#include "sim/core/stats.h"

namespace infsim::sim {

class Dram : public sc_core::sc_module {
 public:
  static constexpr std::uint64_t kPageBytes = 1ull << 20;
  static constexpr int kMaxChannels = 64;  // DramConfig's range

  // Statistics go under `stat_prefix` (e.g. "chip0.dram"): .bytes_read, .bytes_written, the
  // .read_bandwidth/.write_bandwidth formulas, and .chN.* per channel.
  Dram(sc_core::sc_module_name name, const isa::DramConfig& cfg, Stats& stats,
       const std::string& stat_prefix);

  const isa::DramConfig& config() const { return config_; }
  const sc_core::sc_time& latency() const { return latency_; }
  int channels() const { return static_cast<int>(channels_.size()); }
  // Achieved bandwidth over the configured peak, over the window.
  Stats::Handle utilization() const { return utilization_; }
  FairShareResource& channel(int i) { return *channels_[static_cast<std::size_t>(i)]; }

  // Bytes of [address, address + span) that fall on each channel (size channels()).
  std::vector<std::uint64_t> channel_bytes(std::uint64_t address, std::uint64_t span) const;
  // Adds the channels a request over [address, address + span) touches to `r`, sharing
  // `effective_bytes` (what the request costs in bandwidth) in proportion to each channel's part
  // of the span, on behalf of requestor `flow`, and counts `bytes` as read or written.
  void book(Reservation& r, std::uint64_t address, std::uint64_t span, std::uint64_t bytes,
            double effective_bytes, bool write, const void* flow);

  // Whether [address, address + size) lies inside the DRAM.
  bool fits(std::uint64_t address, std::uint64_t size) const {
    return address <= config_.size && size <= config_.size - address;
  }

  // Functional mode. read/write may cross pages; bytes() returns a pointer into one page, so
  // [address, address + size) must not cross a kPageBytes boundary.
  void read(std::uint64_t address, void* dst, std::uint64_t size);
  void write(std::uint64_t address, const void* src, std::uint64_t size);
  std::uint8_t* bytes(std::uint64_t address, std::uint64_t size);
  std::size_t pages_allocated() const { return pages_.size(); }

 private:
  void split(std::uint64_t address, std::uint64_t span, std::uint64_t* out) const;
  std::uint8_t* page(std::uint64_t index);

  isa::DramConfig config_;
  sc_core::sc_time latency_;
  std::vector<std::unique_ptr<FairShareResource>> channels_;
  double& bytes_read_;
  Stats::Handle utilization_ = nullptr;
  double& bytes_written_;
  std::unordered_map<std::uint64_t, std::unique_ptr<std::uint8_t[]>> pages_;
};

}  // namespace infsim::sim
