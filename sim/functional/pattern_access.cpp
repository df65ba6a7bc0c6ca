#include "sim/functional/pattern_access.h"

#include <string>

#include "sim/core/sim_error.h"
#include "sim/functional/number_format.h"
#include "sim/memory/dram.h"
#include "sim/memory/on_chip_memory.h"

namespace infsim::sim {
namespace {

template <isa::DType T>
void read_rows(const isa::AccessPattern& ap, const std::vector<std::uint8_t*>& rows, float* out) {
  constexpr std::int64_t kBytes = isa::dtype_bytes(T);
  const std::int64_t s0 = ap.dims[0].stride * kBytes, s1 = ap.dims[1].stride * kBytes,
                     s2 = ap.dims[2].stride * kBytes;
  const std::uint32_t n0 = ap.dims[0].count, n1 = ap.dims[1].count, n2 = ap.dims[2].count;
  for (const std::uint8_t* row : rows) {
    for (std::uint32_t i0 = 0; i0 < n0; ++i0) {
      for (std::uint32_t i1 = 0; i1 < n1; ++i1) {
        const std::uint8_t* q = row + i0 * s0 + i1 * s1;
        for (std::uint32_t i2 = 0; i2 < n2; ++i2) *out++ = load_element<T>(q + i2 * s2);
      }
    }
  }
}

template <isa::DType T>
void write_rows(const isa::AccessPattern& ap, const std::vector<std::uint8_t*>& rows,
                const float* in) {
  constexpr std::int64_t kBytes = isa::dtype_bytes(T);
  const std::int64_t s0 = ap.dims[0].stride * kBytes, s1 = ap.dims[1].stride * kBytes,
                     s2 = ap.dims[2].stride * kBytes;
  const std::uint32_t n0 = ap.dims[0].count, n1 = ap.dims[1].count, n2 = ap.dims[2].count;
  for (std::uint8_t* row : rows) {
    for (std::uint32_t i0 = 0; i0 < n0; ++i0) {
      for (std::uint32_t i1 = 0; i1 < n1; ++i1) {
        std::uint8_t* q = row + i0 * s0 + i1 * s1;
        for (std::uint32_t i2 = 0; i2 < n2; ++i2) store_element<T>(q + i2 * s2, *in++);
      }
    }
  }
}

}  // namespace

bool is_dense(const isa::AccessPattern& ap) {
  std::int64_t expected = 1;
  for (int d = 2; d >= 0; --d) {
    const isa::Axis& a = ap.dims[static_cast<std::size_t>(d)];
    if (a.count == 1) continue;
    if (a.stride != expected) return false;
    expected *= a.count;
  }
  return ap.space != isa::MemSpace::kDram || ap.partitions == 1 || ap.partition_stride == expected;
}

PatternAccess::PatternAccess(OnChipMemory& memory, const isa::AccessPattern& ap) : ap_(ap) {
  if (!memory.fits(ap)) throw SimError(memory.overflow_text(ap));
  if (ap.elements() == 0) return;
  const PatternExtent e = pattern_extent(ap);
  rows_.reserve(ap.partitions);
  for (int p = ap.partition; p < ap.partition + ap.partitions; ++p) {
    // Point at the lowest byte touched, then step back to where free offset 0 would be (negative
    // strides put it above the lowest byte).
    std::uint8_t* low = memory.bytes(p, static_cast<std::uint64_t>(e.begin),
                                     static_cast<std::uint64_t>(e.end - e.begin));
    rows_.push_back(low + (static_cast<std::int64_t>(ap.offset) - e.begin));
  }
}

PatternAccess::PatternAccess(Dram& dram, std::uint64_t base, const isa::AccessPattern& ap)
    : ap_(ap), dram_(&dram) {
  if (ap.elements() == 0) return;
  const PatternExtent e = pattern_extent(ap);
  if (e.begin < 0 || !dram.fits(base + static_cast<std::uint64_t>(e.begin),
                                static_cast<std::uint64_t>(e.end - e.begin))) {
    throw SimError("DRAM bytes " + std::to_string(e.begin) + ".." + std::to_string(e.end - 1) +
                   " of the program region at " + std::to_string(base) +
                   " lie outside the chip's DRAM");
  }
  span_begin_ = base + static_cast<std::uint64_t>(e.begin);
  staging_.resize(static_cast<std::size_t>(e.end - e.begin));
  const std::int64_t row_bytes = ap.partition_stride * isa::dtype_bytes(ap.dtype);
  std::uint8_t* origin = staging_.data() + (static_cast<std::int64_t>(ap.offset) - e.begin);
  rows_.reserve(ap.partitions);
  for (int p = 0; p < ap.partitions; ++p) rows_.push_back(origin + p * row_bytes);
}

void PatternAccess::stage(bool need_contents) {
  if (dram_ == nullptr || (staged_ && (staged_contents_ || !need_contents))) return;
  if (need_contents) dram_->read(span_begin_, staging_.data(), staging_.size());
  staged_ = true;
  staged_contents_ = need_contents;
}

void PatternAccess::read(float* out) {
  if (rows_.empty()) return;
  stage(true);
  switch (ap_.dtype) {
    case isa::DType::kFp32:
      return read_rows<isa::DType::kFp32>(ap_, rows_, out);
    case isa::DType::kBf16:
      return read_rows<isa::DType::kBf16>(ap_, rows_, out);
    case isa::DType::kFp16:
      return read_rows<isa::DType::kFp16>(ap_, rows_, out);
    case isa::DType::kInt8:
      return read_rows<isa::DType::kInt8>(ap_, rows_, out);
  }
}

void PatternAccess::write(const float* in) {
  if (rows_.empty()) return;
  stage(!is_dense(ap_));
  switch (ap_.dtype) {
    case isa::DType::kFp32:
      write_rows<isa::DType::kFp32>(ap_, rows_, in);
      break;
    case isa::DType::kBf16:
      write_rows<isa::DType::kBf16>(ap_, rows_, in);
      break;
    case isa::DType::kFp16:
      write_rows<isa::DType::kFp16>(ap_, rows_, in);
      break;
    case isa::DType::kInt8:
      write_rows<isa::DType::kInt8>(ap_, rows_, in);
      break;
  }
  if (dram_ != nullptr) dram_->write(span_begin_, staging_.data(), staging_.size());
}

}  // namespace infsim::sim
