#pragma once
// Shorthands for building access patterns and semaphore fields, so that hand-written programs
// (compiler emitters, tests) read like the text form:
//
//   ins.dst = psum(0, 64, 0, {512}, DType::kFp32);
//   ins.src0 = sbuf(0, 128, 0x1000, {512}, DType::kBf16);
//   ins.src1 = sbuf(0, 64, 0, dims({axis(8, 64), axis(8, 1)}), DType::kBf16);
//   ins.dst = dram(0x2000, 64, {56, 56}, DType::kBf16);
//   ins.waits[0] = wait_for(3, 5);
//   ins.signal = signal_to(4);
//
// Free dims are given outermost first and right-aligned: with fewer than three, the leading
// axes are {count 1, stride 0}, so the last one given is always the innermost (dims[2]), which
// is the axis Reduce reduces over and the W of Pool's {B, H, W}.

#include <array>
#include <cstdint>
#include <initializer_list>

#include "isa/instruction.h"
#include "isa/panic.h"

namespace infsim::isa {

constexpr Axis axis(std::uint32_t count, std::int32_t stride) {
  Axis a;
  a.stride = stride;
  a.count = count;
  return a;
}

// Up to three explicit axes, outermost first.
inline std::array<Axis, 3> dims(std::initializer_list<Axis> axes) {
  INFSIM_PANIC_IF(axes.size() > 3, "an access pattern has at most three free dims", axes.size());
  std::array<Axis, 3> out{};
  std::size_t i = 3 - axes.size();
  for (const Axis& a : axes) out[i++] = a;
  return out;
}

// Up to three counts, outermost first, laid out densely (row-major) within a partition.
inline std::array<Axis, 3> dense_dims(std::initializer_list<std::uint32_t> counts) {
  INFSIM_PANIC_IF(counts.size() > 3, "an access pattern has at most three free dims",
                  counts.size());
  std::array<Axis, 3> out{};
  std::int64_t stride = 1;
  std::size_t i = 3;
  for (auto it = counts.end(); it != counts.begin();) {
    --it;
    --i;
    out[i] = axis(*it, static_cast<std::int32_t>(stride));
    stride *= *it;
  }
  return out;
}

inline AccessPattern on_chip(MemSpace space, std::uint16_t partition, std::uint16_t partitions,
                             std::uint64_t offset, const std::array<Axis, 3>& free_dims,
                             DType dtype, std::uint16_t core) {
  AccessPattern ap;
  ap.space = space;
  ap.dtype = dtype;
  ap.core = core;
  ap.partition = partition;
  ap.partitions = partitions;
  ap.offset = offset;
  ap.dims = free_dims;
  return ap;
}

inline AccessPattern sbuf(std::uint16_t partition, std::uint16_t partitions, std::uint64_t offset,
                          const std::array<Axis, 3>& free_dims, DType dtype,
                          std::uint16_t core = 0) {
  return on_chip(MemSpace::kSbuf, partition, partitions, offset, free_dims, dtype, core);
}

inline AccessPattern sbuf(std::uint16_t partition, std::uint16_t partitions, std::uint64_t offset,
                          std::initializer_list<std::uint32_t> counts, DType dtype,
                          std::uint16_t core = 0) {
  return sbuf(partition, partitions, offset, dense_dims(counts), dtype, core);
}

inline AccessPattern psum(std::uint16_t partition, std::uint16_t partitions, std::uint64_t offset,
                          const std::array<Axis, 3>& free_dims, DType dtype,
                          std::uint16_t core = 0) {
  return on_chip(MemSpace::kPsum, partition, partitions, offset, free_dims, dtype, core);
}

inline AccessPattern psum(std::uint16_t partition, std::uint16_t partitions, std::uint64_t offset,
                          std::initializer_list<std::uint32_t> counts, DType dtype,
                          std::uint16_t core = 0) {
  return psum(partition, partitions, offset, dense_dims(counts), dtype, core);
}

// `rows` rows of `row_stride` elements each, starting `offset` bytes into the program's DRAM
// on `core`'s chip; within a row the free dims apply.
inline AccessPattern dram(std::uint64_t offset, std::uint16_t rows, std::int64_t row_stride,
                          const std::array<Axis, 3>& free_dims, DType dtype,
                          std::uint16_t core = 0) {
  AccessPattern ap;
  ap.space = MemSpace::kDram;
  ap.dtype = dtype;
  ap.core = core;
  ap.partitions = rows;
  ap.partition_stride = row_stride;
  ap.offset = offset;
  ap.dims = free_dims;
  return ap;
}

// Dense rows: each row is the counts laid out row-major, rows back to back.
inline AccessPattern dram(std::uint64_t offset, std::uint16_t rows,
                          std::initializer_list<std::uint32_t> counts, DType dtype,
                          std::uint16_t core = 0) {
  std::int64_t row = 1;
  for (std::uint32_t c : counts) row *= c;
  return dram(offset, rows, row, dense_dims(counts), dtype, core);
}

constexpr SemaphoreWait wait_for(std::uint8_t semaphore, std::uint32_t value) {
  SemaphoreWait w;
  w.semaphore = semaphore;
  w.value = value;
  return w;
}

constexpr SemaphoreSignal signal_to(std::uint8_t semaphore, std::uint32_t increment = 1,
                                    std::uint16_t core = kThisCore) {
  SemaphoreSignal s;
  s.semaphore = semaphore;
  s.increment = increment;
  s.core = core;
  return s;
}

}  // namespace infsim::isa
