// Memories (capacity checks, functional storage) and semaphores (dated increments).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "isa/access_pattern_builders.h"
#include "sim/core/stats.h"
#include "sim/memory/dram.h"
#include "sim/memory/psum.h"
#include "sim/memory/sbuf.h"
#include "sim/neuroncore/semaphore.h"

namespace infsim::sim {
namespace {

using isa::DType;

TEST(Memory, SbufChecksPartitionsAndBytes) {
  Sbuf sbuf("sbuf", isa::SbufConfig{});  // 128 partitions x 80 KiB
  EXPECT_EQ(sbuf.partition_bytes(), 80u * 1024);
  EXPECT_TRUE(sbuf.fits(isa::sbuf(0, 128, 0, {40960}, DType::kBf16)));  // exactly 80 KiB
  EXPECT_FALSE(sbuf.fits(isa::sbuf(0, 128, 2, {40960}, DType::kBf16)));
  EXPECT_FALSE(sbuf.fits(isa::sbuf(1, 128, 0, {16}, DType::kBf16)));
  EXPECT_NE(sbuf.overflow_text(isa::sbuf(1, 128, 0, {16}, DType::kBf16)).find("partitions 1..128"),
            std::string::npos);
  // strided: 8 rows of 100 elements with pitch 1000 (fp32): last byte (7*1000+99)*4+3 = 28399
  const auto strided =
      isa::sbuf(0, 1, 0, isa::dims({isa::axis(8, 1000), isa::axis(100, 1)}), DType::kFp32);
  EXPECT_EQ(pattern_extent(strided).end, 28400);
  // a negative stride reaching below the partition start does not fit
  auto backwards = isa::sbuf(0, 1, 8, isa::dims({isa::axis(4, -4)}), DType::kFp32);
  EXPECT_EQ(pattern_extent(backwards).begin, 8 - 48);
  EXPECT_FALSE(sbuf.fits(backwards));
}

TEST(Memory, OnChipStorageOnlyWhenEnabled) {
  Psum psum("psum", isa::PsumConfig{});  // 64 partitions x 16 KiB, 8 banks of 2 KiB
  EXPECT_EQ(psum.bank_bytes(), 2048u);
  EXPECT_FALSE(psum.has_storage());
  psum.enable_storage();
  ASSERT_TRUE(psum.has_storage());
  float* acc = psum.fp32(63, 2048, 512);
  EXPECT_EQ(acc[0], 0.0f);
  acc[511] = 1.5f;
  EXPECT_EQ(psum.fp32(63, 2048, 512)[511], 1.5f);
  EXPECT_EQ(*reinterpret_cast<float*>(psum.bytes(63, 2048 + 511 * 4, 4)), 1.5f);
}

TEST(Memory, DramSparsePagesAcrossBoundaries) {
  Stats stats;
  Dram dram("dram", isa::DramConfig{}, stats, "chip0.dram");
  EXPECT_EQ(dram.pages_allocated(), 0u);
  std::vector<std::uint8_t> in(3 * Dram::kPageBytes / 2);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i * 7);
  const std::uint64_t addr = (5ull << 30) + Dram::kPageBytes - 100;  // straddles pages
  dram.write(addr, in.data(), in.size());
  EXPECT_EQ(dram.pages_allocated(), 3u);
  std::vector<std::uint8_t> out(in.size());
  dram.read(addr, out.data(), out.size());
  EXPECT_EQ(out, in);
  EXPECT_EQ(*dram.bytes(addr + 100, 1), in[100]);
  std::uint8_t untouched[4] = {1, 1, 1, 1};
  dram.read(1ull << 32, untouched, 4);
  EXPECT_EQ(untouched[0], 0);
  EXPECT_TRUE(dram.fits(dram.config().size - 10, 10));
  EXPECT_FALSE(dram.fits(dram.config().size - 10, 11));
}

TEST(Semaphore, DatedIncrementsWakeWaitersInTimeOrder) {
  Semaphore sem;
  sc_core::sc_time woke_for_1, woke_for_3;
  sc_core::sc_spawn([&] {
    // Signals out of time order: +1 at 30 ns, +1 at 10 ns, then +1 now (at 5 ns).
    sc_core::wait(5, sc_core::SC_NS);
    sem.signal(1, sc_core::sc_time(30, sc_core::SC_NS));
    sem.signal(1, sc_core::sc_time(10, sc_core::SC_NS));
    sem.signal(1, sc_core::sc_time(5, sc_core::SC_NS));
  });
  sc_core::sc_spawn([&] {
    sem.wait_until(3);
    woke_for_3 = sc_core::sc_time_stamp();
  });
  sc_core::sc_spawn([&] {
    sc_core::wait(20, sc_core::SC_NS);  // arrives after the 10 ns increment has landed
    EXPECT_EQ(sem.value(), 2u);
    EXPECT_TRUE(sem.has_pending());
    sem.wait_until(1);
    woke_for_1 = sc_core::sc_time_stamp();
  });
  sc_core::sc_start();
  EXPECT_EQ(woke_for_3, sc_core::sc_time(30, sc_core::SC_NS));
  EXPECT_EQ(woke_for_1, sc_core::sc_time(20, sc_core::SC_NS));
  EXPECT_EQ(sem.value(), 3u);
  EXPECT_FALSE(sem.has_pending());
}

}  // namespace
}  // namespace infsim::sim
