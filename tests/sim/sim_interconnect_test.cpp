// Shared resources: DRAM bandwidth split among cores, NeuronLink hops (cut-through) and link
// contention, PCIe copies contending per direction, cross-chip DMA with cross-core semaphores.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "isa/access_pattern_builders.h"
#include "sim/core/clock.h"
#include "sim/core/sim_error.h"
#include "sim/core/stats.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "tests/sim/sim_test_config.h"

namespace infsim::sim {
namespace {

using isa::DType;
using isa::EngineKind;
using isa::Instruction;
using isa::Opcode;

constexpr double kMiB = 1024.0 * 1024.0;

// Seconds between two times, and a tolerance of a few picosecond rounding steps.
double seconds(const sc_core::sc_time& t) {
  return t.to_seconds();
}
constexpr double kPs = 1e-12;

isa::InstanceConfig chips(int n) {
  isa::InstanceConfig cfg = testing::test_instance_config();
  cfg.chips = n;
  return cfg;
}

// A queue of `descriptors` DRAM->SBUF copies of 128 x 8 KiB (1 MiB) each, reading consecutive
// MiB of the program's DRAM region starting at `first_mib`.
isa::Queue dram_stream(int dma_engine, int descriptors, int first_mib) {
  isa::Queue q;
  q.engine = EngineKind::kDma;
  q.dma_engine = static_cast<std::uint8_t>(dma_engine);
  for (int d = 0; d < descriptors; ++d) {
    Instruction i;
    i.opcode = Opcode::kDmaCopy;
    i.src0 = isa::dram(static_cast<std::uint64_t>(first_mib + d) << 20, 128, {4096}, DType::kBf16);
    i.dst = isa::sbuf(0, 128, 0, {4096}, DType::kBf16);
    q.instructions.push_back(i);
  }
  return q;
}

// Two DMA engines streaming 16 MiB each: more than the DRAM can serve, so DRAM-bound.
isa::Program streaming_program() {
  isa::Program p;
  p.cores.resize(1);
  p.cores[0].queues = {dram_stream(0, 16, 0), dram_stream(1, 16, 16)};
  return p;
}

TEST(Interconnect, FourCoresShareOneChipsDramBandwidth) {
  const isa::Program p = streaming_program();
  const double bytes_per_core = 32 * kMiB;
  Stats stats;
  Instance inst("inst", chips(1), stats, nullptr);
  // What the channels sustain: the peak times chip.dram.efficiency.
  const double dram_bw = inst.config().chip.dram.sustained_bandwidth();
  double alone = 0;
  double shared[4] = {};
  sc_core::sc_spawn([&] {
    // Alone: core 0 gets the whole DRAM.
    sc_core::sc_time t0 = sc_core::sc_time_stamp();
    run_program(inst, p, default_binding(p, 0, 0), Phase::kInference);
    alone = bytes_per_core / seconds(sc_core::sc_time_stamp() - t0);
  });
  sc_core::sc_start();
  throw_if_deadlocked(inst);
  // Then four cores at once, each on its own 64 MiB region.
  const sc_core::sc_time t0 = sc_core::sc_time_stamp();
  for (int c = 0; c < 4; ++c) {
    sc_core::sc_spawn([&, c] {
      run_program(inst, p, default_binding(p, c, static_cast<std::uint64_t>(c) * (64u << 20)),
                  Phase::kInference);
      shared[c] = bytes_per_core / seconds(sc_core::sc_time_stamp() - t0);
    });
  }
  sc_core::sc_start();
  throw_if_deadlocked(inst);
  EXPECT_NEAR(alone, dram_bw, 0.01 * dram_bw);
  // Each core about a quarter (the channels share their bandwidth among the cores' DMA engines:
  // the cores finish within a few percent of each other), and together the whole DRAM
  // bandwidth, measured at the last finish.
  double slowest = alone;
  for (double bw : shared) {
    EXPECT_NEAR(bw, alone / 4, 0.08 * alone / 4);
    slowest = std::min(slowest, bw);
  }
  EXPECT_NEAR(4 * slowest, dram_bw, 0.01 * dram_bw);
  EXPECT_DOUBLE_EQ(stats.value("chip0.dram.bytes_read"), 5 * bytes_per_core);
}

TEST(Interconnect, DramInterleavesAcrossChannels) {
  Stats stats;
  Instance inst("inst", chips(1), stats, nullptr);
  Dram& d = inst.dram(0);
  // 4 KiB stripes alternate channels. [1 KiB, 11 KiB): stripe 0 [1K,4K) 3 KiB -> ch0,
  // stripe 1 [4K,8K) 4 KiB -> ch1, stripe 2 [8K,11K) 3 KiB -> ch0: ch0 6 KiB, ch1 4 KiB
  const auto split = d.channel_bytes(1024, 10 * 1024);
  EXPECT_EQ(split[0], 6u * 1024);
  EXPECT_EQ(split[1], 4u * 1024);
  const auto one = d.channel_bytes(4096 * 3 + 5, 100);  // inside stripe 3 -> ch1
  // 64 KiB from 0: 16 stripes, 8 each
  const auto many = d.channel_bytes(0, 64 * 1024);
  EXPECT_EQ(many[0], 32u * 1024);
  EXPECT_EQ(many[1], 32u * 1024);
  EXPECT_EQ(one[0], 0u);
  EXPECT_EQ(one[1], 100u);
}

TEST(Interconnect, NeuronLinkHopsCostBandwidthPlusLatencyPerHop) {
  Stats stats;
  Instance inst("inst", chips(4), stats, nullptr);
  const isa::NeuronLinkConfig& link = inst.config().chip.neuronlink;
  const double dram_latency = inst.config().chip.dram.latency;
  const std::uint64_t bytes = 1u << 20;
  double took[4] = {};
  sc_core::sc_spawn([&] {
    for (int k = 1; k <= 3; ++k) {
      const sc_core::sc_time t0 = sc_core::sc_time_stamp();
      inst.device_to_device(0, 0, k, 0, bytes);
      took[k] = seconds(sc_core::sc_time_stamp() - t0);
    }
  });
  sc_core::sc_start();
  for (int k = 1; k <= 3; ++k) {
    // cut-through: 1 MiB / 8 GiB/s = 122.0703125 us, plus k x 1 us, plus 100 ns DRAM latency
    const double expected = bytes / link.bandwidth + k * link.latency + dram_latency;
    EXPECT_NEAR(took[k], expected, 4 * kPs) << k << " hops";
  }
  EXPECT_DOUBLE_EQ(stats.value("chip1.neuronlink.east.bytes"), 2.0 * bytes);  // 0->2, 0->3
  EXPECT_DOUBLE_EQ(stats.value("chip2.neuronlink.east.bytes"), 1.0 * bytes);  // 0->3
}

TEST(Interconnect, NeuronLinkContendsPerLinkAndDirection) {
  Stats stats;
  Instance inst("inst", chips(4), stats, nullptr);
  const isa::NeuronLinkConfig& link = inst.config().chip.neuronlink;
  const double dram_latency = inst.config().chip.dram.latency;
  const std::uint64_t bytes = 1u << 20;
  const double data = bytes / link.bandwidth;
  double done[3] = {};
  // 0->2 and 1->3 share the link 1->2; 2->1 goes the other way on that link.
  const int routes[3][2] = {{0, 2}, {1, 3}, {2, 1}};
  for (int r = 0; r < 3; ++r) {
    sc_core::sc_spawn([&, r] {
      inst.device_to_device(routes[r][0], 0, routes[r][1], 64u << 20, bytes);
      done[r] = sc_core::sc_time_stamp().to_seconds();
    });
  }
  sc_core::sc_start();
  EXPECT_NEAR(done[0], data + 2 * link.latency + dram_latency, 4 * kPs);
  EXPECT_NEAR(done[1], 2 * data + 2 * link.latency + dram_latency, 4 * kPs);
  EXPECT_NEAR(done[2], data + link.latency + dram_latency, 4 * kPs);
}

TEST(Interconnect, NoLinkBeyondTheChainEnds) {
  isa::InstanceConfig cfg = chips(2);
  cfg.chip.neuronlink.ports = 0;
  Stats stats;
  Instance inst("inst", cfg, stats, nullptr);
  bool returned = false;
  sc_core::sc_spawn([&] {
    inst.device_to_device(0, 0, 1, 0, 1024);
    returned = inst.failed();
  });
  try {
    simulate(inst);
    FAIL() << "expected an error";
  } catch (const SimError& e) {
    EXPECT_NE(std::string(e.what()).find("no NeuronLink from chip 0 to chip 1"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(returned);
}

TEST(Interconnect, CopyBeyondDramIsAnError) {
  Stats stats;
  Instance inst("inst", chips(1), stats, nullptr);
  sc_core::sc_spawn([&] { inst.host_to_device(0, 4096, inst.config().chip.dram.size - 1024); });
  EXPECT_THROW(simulate(inst), SimError);
}

TEST(Interconnect, PcieCopiesContendPerDirection) {
  Stats stats;
  Instance inst("inst", chips(2), stats, nullptr);
  const isa::PcieConfig& pcie = inst.config().chip.pcie;
  const double latency = pcie.latency + inst.config().chip.dram.latency;
  const std::uint64_t bytes = 4u << 20;
  const double data = bytes / pcie.bandwidth();  // 4 MiB / 7.88 GB/s = 532.3 us
  double h2d[2] = {}, d2h = 0, other_chip = 0;
  for (int k = 0; k < 2; ++k) {
    sc_core::sc_spawn([&, k] {
      inst.host_to_device(0, bytes, static_cast<std::uint64_t>(k) << 24);
      h2d[k] = sc_core::sc_time_stamp().to_seconds();
    });
  }
  sc_core::sc_spawn([&] {
    inst.device_to_host(0, bytes, 0);
    d2h = sc_core::sc_time_stamp().to_seconds();
  });
  sc_core::sc_spawn([&] {
    inst.host_to_device(1, bytes, 0);
    other_chip = sc_core::sc_time_stamp().to_seconds();
  });
  sc_core::sc_start();
  EXPECT_NEAR(std::min(h2d[0], h2d[1]), data + latency, 4 * kPs);
  EXPECT_NEAR(std::max(h2d[0], h2d[1]), 2 * data + latency, 4 * kPs);
  EXPECT_NEAR(d2h, data + latency, 4 * kPs);  // the other direction is free
  EXPECT_NEAR(other_chip, data + latency, 4 * kPs);
  EXPECT_DOUBLE_EQ(stats.value("chip0.pcie.h2d.bytes"), 2.0 * bytes);
  EXPECT_NEAR(stats.value("chip0.pcie.h2d.utilization", 2 * data + latency),
              2 * data / (2 * data + latency), 1e-9);
}

TEST(Interconnect, CrossChipDmaSignalsTheOtherCore) {
  // Program core 0 (chip 0) copies 128 x 4 KiB from its SBUF into program core 1's SBUF on
  // chip 1 and signals core 1's semaphore 2; core 1's vector queue waits for it.
  isa::Program p;
  p.cores.resize(2);
  Instruction copy;
  copy.opcode = Opcode::kDmaCopy;
  copy.src0 = isa::sbuf(0, 128, 0, {2048}, DType::kBf16, 0);
  copy.dst = isa::sbuf(0, 128, 0, {2048}, DType::kBf16, 1);
  copy.signal = isa::signal_to(2, 1, 1);
  isa::Queue dma;
  dma.engine = EngineKind::kDma;
  dma.instructions = {copy};
  p.cores[0].queues = {dma};
  Instruction memset;
  memset.opcode = Opcode::kMemset;
  memset.dst = isa::sbuf(0, 128, 8192, {64}, DType::kBf16);
  memset.waits[0] = isa::wait_for(2, 1);
  isa::Queue vec;
  vec.engine = EngineKind::kVector;
  vec.instructions = {memset};
  p.cores[1].queues = {vec};

  Stats stats;
  Instance inst("inst", chips(2), stats, nullptr);
  CoreBinding b;
  b.cores = {0, 4};  // chip 0 core 0, chip 1 core 0
  b.dram_base = {0, 0};
  sc_core::sc_spawn([&] { run_program(inst, p, b, Phase::kInference); });
  simulate(inst);
  const isa::InstanceConfig& c = inst.config();
  // 512 KiB over the link (8 GiB/s; the 32 GB/s DMA engine is faster): 61.03515625 us, then
  // descriptor 1 us + one hop 1 us; then the memset: 16 + 64 / 2 = 48 cycles.
  const double bytes = 128.0 * 4096;
  const double expected = bytes / c.chip.neuronlink.bandwidth + c.chip.core.dma.descriptor_latency +
                          c.chip.neuronlink.latency + 48 / c.chip.core.clock;
  EXPECT_NEAR(sc_core::sc_time_stamp().to_seconds(), expected, 4 * kPs);
  EXPECT_DOUBLE_EQ(stats.value("chip0.core0.dma0.q0.bytes"), bytes);
  EXPECT_DOUBLE_EQ(stats.value("chip0.neuronlink.east.bytes"), bytes);
}

TEST(Interconnect, CoreToCoreOnOneChipUsesTheFabric) {
  isa::Program p;
  p.cores.resize(2);
  Instruction copy;
  copy.opcode = Opcode::kDmaCopy;
  copy.src0 = isa::sbuf(0, 128, 0, {2048}, DType::kBf16, 0);
  copy.dst = isa::sbuf(0, 128, 0, {2048}, DType::kBf16, 1);
  isa::Queue dma;
  dma.engine = EngineKind::kDma;
  dma.instructions = {copy};
  p.cores[0].queues = {dma};
  Stats stats;
  Instance inst("inst", chips(1), stats, nullptr);
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p), Phase::kInference); });
  simulate(inst);
  const isa::InstanceConfig& c = inst.config();
  // 512 KiB at the DMA engine's 32 GB/s (the 64 GiB/s fabric is faster) = 16.384 us, + 1 us
  // descriptor + 200 ns fabric latency
  const double bytes = 128.0 * 4096;
  EXPECT_NEAR(sc_core::sc_time_stamp().to_seconds(),
              bytes / c.chip.core.dma.engine_bandwidth + c.chip.core.dma.descriptor_latency +
                  c.chip.fabric.latency,
              4 * kPs);
  EXPECT_DOUBLE_EQ(stats.value("chip0.fabric.bytes"), bytes);
}

}  // namespace
}  // namespace infsim::sim
