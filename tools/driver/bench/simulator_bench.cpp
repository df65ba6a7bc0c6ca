#include "tools/driver/bench/simulator_bench.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "isa/access_pattern_builders.h"
#include "isa/verifier.h"
#include "sim/chip/chip.h"
#include "sim/core/stats.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "sim/neuroncore/neuron_core.h"

namespace infsim::driver {
namespace {

using isa::DType;
using isa::EngineKind;
using isa::Instruction;
using isa::Opcode;

// CPU seconds of this process: on a shared machine, wall time also counts other processes.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Semaphores of the synthetic program (all counts grow by one per tile, except kLoaded: two).
enum : std::uint8_t { kLoaded, kMultiplied, kActivated, kPooled, kStored };
constexpr int kInstructionsPerTile = 13;
constexpr std::uint32_t kRegionTiles = 64;  // DRAM tiles cycle through this many slots

// Waits for `count` when it is positive (the first tiles have nothing to wait for).
isa::SemaphoreWait wait_if(std::uint8_t sem, std::int64_t count) {
  return count > 0 ? isa::wait_for(sem, static_cast<std::uint32_t>(count)) : isa::SemaphoreWait{};
}

// Per tile t (buffers alternate with t % 2):
//   dma0.q0, dma1.q0  two halves of a 128 x 128 bf16 input tile DRAM -> SBUF      -> kLoaded
//   tensor            4 x (LoadWeights 128 x 64, MatMul N = 128) into one PSUM bank -> kMultiplied
//   scalar            relu of the 64 x 512 fp32 bank into SBUF                    -> kActivated
//   vector            2 x 2 max pool 64 x {16, 32} -> {8, 16}                      -> kPooled
//   dma2.q0           the pooled 64 x 128 bf16 tile SBUF -> DRAM                    -> kStored
// Each stage waits for its input (count t + 1) and for the consumer of its buffer two tiles ago
// (count t - 1), so producers run at most one tile ahead.
}  // namespace

isa::Program bench_program(std::uint32_t tiles) {
  isa::Queue in0{EngineKind::kDma, 0, 0, {}};
  in0.instructions.reserve(tiles);
  isa::Queue in1{EngineKind::kDma, 1, 0, {}};
  isa::Queue tensor{EngineKind::kTensor, 0, 0, {}};
  isa::Queue scalar{EngineKind::kScalar, 0, 0, {}};
  isa::Queue vector{EngineKind::kVector, 0, 0, {}};
  isa::Queue out{EngineKind::kDma, 2, 0, {}};
  in1.instructions.reserve(tiles);
  tensor.instructions.reserve(8 * static_cast<std::size_t>(tiles));
  scalar.instructions.reserve(tiles);
  vector.instructions.reserve(tiles);
  out.instructions.reserve(tiles);
  for (std::uint32_t t = 0; t < tiles; ++t) {
    const std::int64_t ti = t;
    const std::uint32_t buf = t % 2;
    const std::uint64_t slot = t % kRegionTiles;
    for (int half = 0; half < 2; ++half) {
      Instruction load;
      load.opcode = Opcode::kDmaCopy;
      load.src0 = isa::dram(slot * 32768 + static_cast<std::uint64_t>(half) * 16384, 64, {128},
                            DType::kBf16);
      load.dst =
          isa::sbuf(static_cast<std::uint16_t>(64 * half), 64, buf * 256, {128}, DType::kBf16);
      load.waits[0] = wait_if(kMultiplied, ti - 1);
      load.signal = isa::signal_to(kLoaded);
      (half == 0 ? in0 : in1).instructions.push_back(load);
    }
    for (std::uint32_t k = 0; k < 4; ++k) {
      Instruction lw;
      lw.opcode = Opcode::kLoadWeights;
      lw.src0 = isa::sbuf(0, 128, 4096 + k * 128, {64}, DType::kBf16);
      tensor.instructions.push_back(lw);
      Instruction mm;
      mm.opcode = Opcode::kMatMul;
      mm.src0 = isa::sbuf(0, 128, buf * 256, {128}, DType::kBf16);
      mm.dst = isa::psum(0, 64, buf * 2048 + k * 512, {128}, DType::kFp32);
      if (k == 0) {
        mm.waits[0] = isa::wait_for(kLoaded, 2 * (t + 1));
        mm.waits[1] = wait_if(kActivated, ti - 1);
      }
      if (k == 3) mm.signal = isa::signal_to(kMultiplied);
      tensor.instructions.push_back(mm);
    }
    Instruction act;
    act.opcode = Opcode::kActivate;
    act.func = static_cast<std::uint8_t>(isa::ActivationFunc::kRelu);
    act.src0 = isa::psum(0, 64, buf * 2048, {512}, DType::kFp32);
    act.dst = isa::sbuf(0, 64, 8192 + buf * 1024, {16, 32}, DType::kBf16);
    act.waits[0] = isa::wait_for(kMultiplied, t + 1);
    act.waits[1] = wait_if(kPooled, ti - 1);
    act.signal = isa::signal_to(kActivated);
    scalar.instructions.push_back(act);
    Instruction pool;
    pool.opcode = Opcode::kPool;
    pool.func = static_cast<std::uint8_t>(isa::PoolFunc::kMax);
    pool.window_h = pool.window_w = pool.stride_h = pool.stride_w = 2;
    pool.src0 = isa::sbuf(0, 64, 8192 + buf * 1024, {1, 16, 32}, DType::kBf16);
    pool.dst = isa::sbuf(0, 64, 12288 + buf * 256, {1, 8, 16}, DType::kBf16);
    pool.waits[0] = isa::wait_for(kActivated, t + 1);
    pool.waits[1] = wait_if(kStored, ti - 1);
    pool.signal = isa::signal_to(kPooled);
    vector.instructions.push_back(pool);
    Instruction store;
    store.opcode = Opcode::kDmaCopy;
    store.src0 = isa::sbuf(0, 64, 12288 + buf * 256, {128}, DType::kBf16);
    store.dst = isa::dram((8u << 20) + slot * 16384, 64, {128}, DType::kBf16);
    store.waits[0] = isa::wait_for(kPooled, t + 1);
    store.signal = isa::signal_to(kStored);
    out.instructions.push_back(store);
  }
  isa::Program p;
  p.options.model = "bench";
  p.cores.resize(1);
  // The DRAM regions the tiles cycle through, declared so that the program verifies.
  isa::TensorDecl input;
  input.name = "input";
  input.kind = isa::TensorKind::kInput;
  input.shape = {kRegionTiles, 128, 128};
  input.bytes = kRegionTiles * 32768;
  isa::TensorDecl output;
  output.name = "output";
  output.kind = isa::TensorKind::kOutput;
  output.shape = {kRegionTiles, 64, 128};
  output.dram_offset = 8u << 20;
  output.bytes = kRegionTiles * 16384;
  p.tensors = {input, output};
  for (isa::Queue* q : {&in0, &in1, &tensor, &scalar, &vector, &out}) {
    p.cores[0].queues.push_back(std::move(*q));
  }
  return p;
}

std::vector<BenchStage> run_simulator_bench(const isa::InstanceConfig& cfg,
                                            const std::vector<int>& core_counts,
                                            std::uint64_t total_instructions) {
  sim::Stats stats;
  sim::Instance instance("bench", cfg, stats, nullptr);
  std::vector<BenchStage> results;
  for (int cores : core_counts) {
    const auto tiles = static_cast<std::uint32_t>(std::max<std::uint64_t>(
        1, total_instructions / (static_cast<std::uint64_t>(cores) * kInstructionsPerTile)));
    const isa::Program program = bench_program(tiles);
    std::vector<sim::CoreBinding> bindings;
    for (int c = 0; c < cores; ++c) {
      // Each core streams its own region of its chip's DRAM.
      bindings.push_back(sim::default_binding(
          program, c, static_cast<std::uint64_t>(c % cfg.chip.cores) * (256u << 20)));
    }
    stats.reset();
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    for (int c = 0; c < cores; ++c) {
      sc_core::sc_spawn([&, c] {
        sim::run_program(instance, program, bindings[static_cast<std::size_t>(c)],
                         sim::Phase::kInference);
      });
    }
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    sim::simulate(instance);
    const double cpu1 = cpu_seconds();
    const auto wall1 = std::chrono::steady_clock::now();

    BenchStage r;
    r.cores = cores;
    r.instructions = static_cast<std::uint64_t>(tiles) * kInstructionsPerTile * cores;
    r.wall_seconds = std::chrono::duration<double>(wall1 - wall0).count();
    r.cpu_seconds = cpu1 - cpu0;
    r.sim_seconds = (sc_core::sc_time_stamp() - start).to_seconds();
    std::vector<int> chips_used;
    for (int c = 0; c < cores; ++c) {
      sim::NeuronCore& core = instance.core(c);
      const double w = r.sim_seconds;
      r.tensor += stats.value(core.tensor().utilization(), w) / cores;
      r.vector += stats.value(core.vector().utilization(), w) / cores;
      r.scalar += stats.value(core.scalar().utilization(), w) / cores;
      double dma = 0;
      for (int e = 0; e < cfg.chip.core.dma.engines; ++e) {
        dma += stats.value(core.dma(e).resource().utilization(), w);
      }
      r.dma += dma / cfg.chip.core.dma.engines / cores;
      const int chip = instance.chip_of(c);
      if (std::find(chips_used.begin(), chips_used.end(), chip) == chips_used.end()) {
        chips_used.push_back(chip);
      }
    }
    for (int chip : chips_used) {
      r.dram += stats.value(instance.chip(chip).dram().utilization(), r.sim_seconds) /
                static_cast<double>(chips_used.size());
    }
    results.push_back(r);
  }

  return results;
}

VerifierBench run_verifier_bench(const isa::InstanceConfig& cfg, std::uint64_t total_instructions) {
  const isa::Program whole = bench_program(static_cast<std::uint32_t>(
      std::max<std::uint64_t>(1, total_instructions / kInstructionsPerTile)));
  VerifierBench v;
  const double verify0 = cpu_seconds();
  const std::vector<isa::Diagnostic> diagnostics = isa::verify_program(whole, cfg.chip.core);
  v.cpu_seconds = cpu_seconds() - verify0;
  for (const isa::Queue& q : whole.cores[0].queues) v.instructions += q.instructions.size();
  v.diagnostics = isa::format_diagnostics(diagnostics);
  return v;
}

}  // namespace infsim::driver
