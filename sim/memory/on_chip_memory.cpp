#include "sim/memory/on_chip_memory.h"

#include <algorithm>

#include "isa/panic.h"

namespace infsim::sim {

PatternExtent pattern_extent(const isa::AccessPattern& ap) {
  const std::int64_t elem = isa::dtype_bytes(ap.dtype);
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  if (ap.elements() == 0) {
    const auto off = static_cast<std::int64_t>(ap.offset);
    return {off, off};
  }
  for (const isa::Axis& a : ap.dims) {
    const std::int64_t span = static_cast<std::int64_t>(a.stride) * (a.count - 1);
    lo += std::min<std::int64_t>(span, 0);
    hi += std::max<std::int64_t>(span, 0);
  }
  if (ap.space == isa::MemSpace::kDram) {
    const std::int64_t span = ap.partition_stride * (ap.partitions - 1);
    lo += std::min<std::int64_t>(span, 0);
    hi += std::max<std::int64_t>(span, 0);
  }
  const auto off = static_cast<std::int64_t>(ap.offset);
  return {off + lo * elem, off + (hi + 1) * elem};
}

OnChipMemory::OnChipMemory(sc_core::sc_module_name name, int partitions,
                           std::uint64_t partition_bytes)
    : sc_core::sc_module(name), partitions_(partitions), partition_bytes_(partition_bytes) {}

std::string OnChipMemory::overflow_text(const isa::AccessPattern& ap) const {
  if (ap.partition + ap.partitions > partitions_) {
    return "partitions " + std::to_string(ap.partition) + ".." +
           std::to_string(ap.partition + ap.partitions - 1) + " exceed the " +
           std::to_string(partitions_) + " partitions of " + name();
  }
  const PatternExtent e = pattern_extent(ap);
  return "bytes " + std::to_string(e.begin) + ".." + std::to_string(e.end - 1) +
         " of each partition exceed the " + std::to_string(partition_bytes_) +
         " bytes per partition of " + name();
}

void OnChipMemory::enable_storage() {
  if (storage_ == nullptr) storage_ = std::make_unique<std::uint8_t[]>(size());
}

std::uint8_t* OnChipMemory::bytes(int partition, std::uint64_t offset, std::uint64_t size) {
  INFSIM_PANIC_IF(storage_ == nullptr, "on-chip memory accessed without functional storage");
  INFSIM_PANIC_IF(partition < 0 || partition >= partitions_ || offset + size > partition_bytes_,
                  "on-chip memory access out of range", partition, offset, size, partitions_,
                  partition_bytes_);
  return storage_.get() + static_cast<std::uint64_t>(partition) * partition_bytes_ + offset;
}

}  // namespace infsim::sim
