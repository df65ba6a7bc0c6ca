#pragma once
// A partitioned on-chip SRAM (the base of SBUF and PSUM): `partitions` independent rows of
// partition_bytes each, addressed by (partition, byte offset). Timing lives in the engines that
// use it (their cost functions already assume full-rate SRAM ports; DMA into SBUF is limited by
// the DMA engine and the memory on the other side, both far below the 128 x 4 B/cycle ports).
//
// Bytes are kept only in functional mode: enable_storage() allocates them (zeroed); timing
// runs never allocate.

#include <cstdint>
#include <memory>
#include <string>

#include <systemc>

#include "isa/instruction.h"

namespace infsim::sim {

// Byte range [begin, end) an access pattern touches inside each partition (on-chip) or inside
// the program's DRAM region (DRAM), relative to offset 0. Negative strides can make begin
// smaller than the pattern's offset; a pattern below 0 has begin < 0.
struct PatternExtent {
  std::int64_t begin = 0;
  std::int64_t end = 0;
};
PatternExtent pattern_extent(const isa::AccessPattern& ap);

class OnChipMemory : public sc_core::sc_module {
 public:
  OnChipMemory(sc_core::sc_module_name name, int partitions, std::uint64_t partition_bytes);

  int partitions() const { return partitions_; }
  std::uint64_t partition_bytes() const { return partition_bytes_; }
  std::uint64_t size() const { return partition_bytes_ * static_cast<std::uint64_t>(partitions_); }

  // Whether `ap` lies inside this memory (partitions and bytes of each partition).
  bool fits(const isa::AccessPattern& ap) const {
    if (ap.partition + ap.partitions > partitions_) return false;
    const PatternExtent e = pattern_extent(ap);
    return e.begin >= 0 && static_cast<std::uint64_t>(e.end) <= partition_bytes_;
  }
  // Why `ap` does not fit, for error messages ("partitions 120..135 of 128", ...).
  std::string overflow_text(const isa::AccessPattern& ap) const;

  void enable_storage();
  bool has_storage() const { return storage_ != nullptr; }
  // Functional mode: the bytes [offset, offset + size) of one partition. Panics without storage
  // or out of range (callers check patterns with fits() first).
  std::uint8_t* bytes(int partition, std::uint64_t offset, std::uint64_t size);

 private:
  int partitions_;
  std::uint64_t partition_bytes_;
  std::unique_ptr<std::uint8_t[]> storage_;
};

}  // namespace infsim::sim
