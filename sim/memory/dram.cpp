#include "sim/memory/dram.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "isa/panic.h"
#include "sim/core/clock.h"
#include "sim/core/stat_names.h"
#include "sim/core/stats.h"

namespace infsim::sim {

Dram::Dram(sc_core::sc_module_name name, const isa::DramConfig& cfg, Stats& stats,
           const std::string& stat_prefix)
    : sc_core::sc_module(name),
      config_(cfg),
      latency_(seconds_to_time(cfg.latency)),
      bytes_read_(stats.counter(stat_prefix + ".bytes_read", "bytes", "bytes read from DRAM")),
      bytes_written_(
          stats.counter(stat_prefix + ".bytes_written", "bytes", "bytes written to DRAM")) {
  // DramConfig's ranges (checked when the config is loaded) keep these; a config built in code
  // that breaks them is a bug of its caller.
  INFSIM_PANIC_IF(cfg.channels < 1 || cfg.channels > kMaxChannels || cfg.interleave == 0 ||
                      cfg.bandwidth <= 0 || cfg.efficiency <= 0,
                  "DRAM config outside DramConfig's ranges", cfg.channels, cfg.interleave,
                  cfg.bandwidth);
  const double channel_bw = cfg.sustained_bandwidth() / cfg.channels;
  for (int c = 0; c < cfg.channels; ++c) {
    channels_.push_back(std::make_unique<FairShareResource>(
        stats, stat_names::child(stat_prefix, "ch", c), channel_bw, "DRAM channel"));
  }
  const double* read = &bytes_read_;
  const double* written = &bytes_written_;
  stats.formula(stat_prefix + ".read_bandwidth", "bytes/s", "achieved DRAM read bandwidth",
                [read](double w) { return w > 0 ? *read / w : 0.0; });
  stats.formula(stat_prefix + ".write_bandwidth", "bytes/s", "achieved DRAM write bandwidth",
                [written](double w) { return w > 0 ? *written / w : 0.0; });
  utilization_ = stats.formula(stat_prefix + ".utilization", "ratio",
                               "achieved DRAM bandwidth over the configured peak",
                               [read, written, bw = cfg.bandwidth](double w) {
                                 return w > 0 ? (*read + *written) / w / bw : 0.0;
                               });
}

std::vector<std::uint64_t> Dram::channel_bytes(std::uint64_t address, std::uint64_t span) const {
  std::vector<std::uint64_t> out(channels_.size(), 0);
  split(address, span, out.data());
  return out;
}

void Dram::split(std::uint64_t address, std::uint64_t span, std::uint64_t* out) const {
  const auto n = static_cast<std::uint64_t>(channels_.size());
  const std::uint64_t il = config_.interleave;
  if (span == 0) return;
  // The first (possibly partial) stripe, then whole stripes dealt round-robin, then the tail.
  const std::uint64_t first_stripe = address / il;
  const std::uint64_t head = std::min(span, il - address % il);
  out[first_stripe % n] += head;
  const std::uint64_t rest = span - head;
  const std::uint64_t full = rest / il;
  const std::uint64_t tail = rest % il;
  for (std::uint64_t c = 0; c < n; ++c) {
    // Stripes first_stripe+1 ... first_stripe+full; channel c gets those with index % n == c.
    const std::uint64_t first_on_c = (c + n - (first_stripe + 1) % n) % n;  // offset of 1st hit
    const std::uint64_t count = full > first_on_c ? (full - first_on_c + n - 1) / n : 0;
    out[c] += count * il;
  }
  if (tail > 0) out[(first_stripe + 1 + full) % n] += tail;
}

void Dram::book(Reservation& r, std::uint64_t address, std::uint64_t span, std::uint64_t bytes,
                double effective_bytes, bool write, const void* flow) {
  (write ? bytes_written_ : bytes_read_) += static_cast<double>(bytes);
  if (channels_.size() == 1 || span == 0) {
    r.add(*channels_[0], effective_bytes, flow);
    return;
  }
  std::array<std::uint64_t, kMaxChannels> parts{};
  split(address, span, parts.data());
  const double scale = effective_bytes / static_cast<double>(span);
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    if (parts[c] > 0) r.add(*channels_[c], static_cast<double>(parts[c]) * scale, flow);
  }
}

std::uint8_t* Dram::page(std::uint64_t index) {
  auto& p = pages_[index];
  if (p == nullptr) p = std::make_unique<std::uint8_t[]>(kPageBytes);  // value-initialized
  return p.get();
}

std::uint8_t* Dram::bytes(std::uint64_t address, std::uint64_t size) {
  INFSIM_PANIC_IF(!fits(address, size), "DRAM access out of range", address, size);
  INFSIM_PANIC_IF(size > 0 && address / kPageBytes != (address + size - 1) / kPageBytes,
                  "Dram::bytes range crosses a page; use read/write", address, size);
  return page(address / kPageBytes) + address % kPageBytes;
}

void Dram::read(std::uint64_t address, void* dst, std::uint64_t size) {
  INFSIM_PANIC_IF(!fits(address, size), "DRAM read out of range", address, size);
  auto* out = static_cast<std::uint8_t*>(dst);
  while (size > 0) {
    const std::uint64_t in_page = std::min(size, kPageBytes - address % kPageBytes);
    std::memcpy(out, page(address / kPageBytes) + address % kPageBytes, in_page);
    out += in_page;
    address += in_page;
    size -= in_page;
  }
}

void Dram::write(std::uint64_t address, const void* src, std::uint64_t size) {
  INFSIM_PANIC_IF(!fits(address, size), "DRAM write out of range", address, size);
  const auto* in = static_cast<const std::uint8_t*>(src);
  while (size > 0) {
    const std::uint64_t in_page = std::min(size, kPageBytes - address % kPageBytes);
    std::memcpy(page(address / kPageBytes) + address % kPageBytes, in, in_page);
    in += in_page;
    address += in_page;
    size -= in_page;
  }
}

}  // namespace infsim::sim
