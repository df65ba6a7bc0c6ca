// infsim bench: how fast the simulator runs. Builds a synthetic streaming program (DMA in,
// LoadWeights + MatMul, Activate, Pool, DMA out, chained by semaphores with double buffering)
// and runs it on 1, 4, 16 and 64 NeuronCores of an inf1.24xlarge-sized instance (16 chips,
// hardware defaults), printing simulated instructions per wall second, simulated time per wall
// time, and the average engine utilization of the active cores.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "isa/access_pattern_builders.h"
#include "isa/verifier.h"
#include "sim/chip/chip.h"
#include "sim/core/stats.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "sim/neuroncore/neuron_core.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;
using isa::DType;
using isa::EngineKind;
using isa::Instruction;
using isa::Opcode;

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
isa::Program synthetic_program(std::uint32_t tiles) {
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
  for (isa::Queue* q : {&in0, &in1, &tensor, &scalar, &vector, &out}) {
    p.cores[0].queues.push_back(std::move(*q));
  }
  return p;
}

std::vector<int> parse_core_counts(const std::string& text, int available) {
  std::vector<int> counts;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    int n = 0;
    try {
      std::size_t used = 0;
      n = std::stoi(item, &used);
      if (used != item.size()) n = 0;
    } catch (const std::exception&) {
      n = 0;
    }
    if (n < 1 || n > available) {
      throw driver::UsageError("--cores: '" + item + "' is not a core count in 1.." +
                               std::to_string(available));
    }
    counts.push_back(n);
  }
  if (counts.empty()) throw driver::UsageError("--cores: give at least one core count");
  return counts;
}

// CPU seconds of this process: on a shared machine, wall time also counts other processes.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct StageResult {
  int cores = 0;
  std::uint64_t instructions = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;
  double sim_seconds = 0;
  double tensor = 0, vector = 0, scalar = 0, dma = 0, dram = 0;
};

int run_bench(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("instructions",
                        po::value<std::uint64_t>()->default_value(2'000'000)->value_name("N"),
                        "simulated instructions per core count (split over the cores)")(
      "cores", po::value<std::string>()->default_value("1,4,16,64")->value_name("LIST"),
      "comma-separated NeuronCore counts to run");
  auto vm = driver::parse_command_args(
      args,
      "infsim bench [--instructions N] [--cores 1,4,16,64]\n\n"
      "Measures simulator speed on a synthetic streaming program (DMA, matmul, activation,\n"
      "pooling, semaphores between the engines) on an inf1.24xlarge-sized instance (16 chips,\n"
      "hardware defaults): simulated instructions per wall second, simulated time over wall\n"
      "time, and the average engine utilization of the cores that run.",
      options);
  if (!vm) return 0;

  isa::InstanceConfig cfg;
  cfg.name = "inf1.24xlarge";
  cfg.chips = 16;
  const std::vector<int> counts =
      parse_core_counts((*vm)["cores"].as<std::string>(), cfg.total_cores());
  const std::uint64_t total = (*vm)["instructions"].as<std::uint64_t>();
  if (total == 0) throw driver::UsageError("--instructions must be positive");

  sim::Stats stats;
  sim::Instance instance("bench", cfg, stats, nullptr);
  std::vector<StageResult> results;
  for (int cores : counts) {
    const auto tiles = static_cast<std::uint32_t>(std::max<std::uint64_t>(
        1, total / (static_cast<std::uint64_t>(cores) * kInstructionsPerTile)));
    const isa::Program program = synthetic_program(tiles);
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

    StageResult r;
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

  std::printf("%6s %12s %8s %8s %9s %9s %11s %9s %7s %7s %7s %7s %7s\n", "cores", "instructions",
              "wall_s", "cpu_s", "Minstr/s", "(cpu)", "simulated", "sim/wall", "tensor", "vector",
              "scalar", "dma", "dram");
  for (const StageResult& r : results) {
    const auto n = static_cast<double>(r.instructions);
    std::printf(
        "%6d %12llu %8.3f %8.3f %9.2f %9.2f %9.3fms %9.4f %6.1f%% %6.1f%% %6.1f%% %6.1f%% "
        "%6.1f%%\n",
        r.cores, static_cast<unsigned long long>(r.instructions), r.wall_seconds, r.cpu_seconds,
        n / r.wall_seconds / 1e6, n / r.cpu_seconds / 1e6, r.sim_seconds * 1e3,
        r.sim_seconds / r.wall_seconds, 100 * r.tensor, 100 * r.vector, 100 * r.scalar, 100 * r.dma,
        100 * r.dram);
  }
  // The verifier runs before every simulation: its speed on the one-core program of the whole
  // instruction budget (isa_verifier_test checks its result on a long chain, not its time).
  const isa::Program whole = synthetic_program(
      static_cast<std::uint32_t>(std::max<std::uint64_t>(1, total / kInstructionsPerTile)));
  const double verify0 = cpu_seconds();
  const std::vector<isa::Diagnostic> diagnostics = isa::verify_program(whole, cfg.chip.core);
  const double verify_seconds = cpu_seconds() - verify0;
  std::uint64_t verified = 0;
  for (const isa::Queue& q : whole.cores[0].queues) verified += q.instructions.size();
  std::printf("\nverifier: %llu instructions in %.3f cpu s (%.2f Minstr/s)%s\n",
              static_cast<unsigned long long>(verified), verify_seconds,
              static_cast<double>(verified) / verify_seconds / 1e6,
              diagnostics.empty() ? "" : ", with diagnostics (a bug in the synthetic program)");
  std::printf(
      "\n(cpu): instructions per CPU second of this process, the figure to trust on a shared\n"
      "machine. Utilization: busy time over simulated time, averaged over the cores that ran\n"
      "(dma: over each core's %d DMA engines; dram: achieved over peak bandwidth of the chips\n"
      "in use).\n",
      cfg.chip.core.dma.engines);
  return 0;
}

CommandRegistration reg{"bench", "simulator speed on synthetic programs, 1-64 NeuronCores",
                        run_bench};

}  // namespace
}  // namespace infsim::tools
