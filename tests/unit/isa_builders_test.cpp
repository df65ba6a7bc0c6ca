#include <gtest/gtest.h>

#include "isa/access_pattern_builders.h"

namespace infsim::isa {
namespace {

TEST(IsaBuilders, DenseDimsAreRightAlignedRowMajor) {
  AccessPattern ap = sbuf(4, 64, 0x100, {8, 16}, DType::kBf16);
  EXPECT_EQ(ap.space, MemSpace::kSbuf);
  EXPECT_EQ(ap.partition, 4);
  EXPECT_EQ(ap.partitions, 64);
  EXPECT_EQ(ap.offset, 0x100u);
  EXPECT_EQ(ap.dims[0].count, 1u);
  EXPECT_EQ(ap.dims[0].stride, 0);
  EXPECT_EQ(ap.dims[1].count, 8u);
  EXPECT_EQ(ap.dims[1].stride, 16);
  EXPECT_EQ(ap.dims[2].count, 16u);
  EXPECT_EQ(ap.dims[2].stride, 1);
  EXPECT_EQ(ap.bytes(), 64u * 8 * 16 * 2);
}

TEST(IsaBuilders, ExplicitAxesKeepTheirStrides) {
  AccessPattern ap = psum(0, 32, 64, dims({axis(4, -8), axis(8, 1)}), DType::kFp32, 2);
  EXPECT_EQ(ap.space, MemSpace::kPsum);
  EXPECT_EQ(ap.core, 2);
  EXPECT_EQ(ap.dims[1].stride, -8);
  EXPECT_EQ(ap.dims[1].count, 4u);
  EXPECT_EQ(ap.dims[2].count, 8u);
  EXPECT_EQ(ap.free_elements(), 32u);
}

TEST(IsaBuilders, DramRowsDefaultToDenseRowStride) {
  AccessPattern ap = dram(0x2000, 3, {5, 7}, DType::kInt8);
  EXPECT_EQ(ap.space, MemSpace::kDram);
  EXPECT_EQ(ap.partitions, 3);
  EXPECT_EQ(ap.partition_stride, 35);
  AccessPattern strided = dram(0, 2, 100, dense_dims({10}), DType::kFp16);
  EXPECT_EQ(strided.partition_stride, 100);
  EXPECT_EQ(strided.dims[2].count, 10u);
}

TEST(IsaBuilders, SemaphoreShorthands) {
  SemaphoreWait w = wait_for(3, 5);
  EXPECT_EQ(w.semaphore, 3);
  EXPECT_EQ(w.value, 5u);
  SemaphoreSignal s = signal_to(4);
  EXPECT_EQ(s.semaphore, 4);
  EXPECT_EQ(s.increment, 1u);
  EXPECT_EQ(s.core, kThisCore);
  EXPECT_EQ(signal_to(1, 2, 3).core, 3);
}

}  // namespace
}  // namespace infsim::isa
