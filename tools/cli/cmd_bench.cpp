// infsim bench: how fast the simulator runs (tools/driver/bench/simulator_bench.h does the work)
// on 1, 4, 16 and 64 NeuronCores of an inf1.24xlarge-sized instance (16 chips, hardware
// defaults), printing simulated instructions per wall second, simulated time per wall time, and
// the average engine utilization of the active cores.
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"
#include "tools/driver/bench/simulator_bench.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

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

  const std::vector<driver::BenchStage> results = driver::run_simulator_bench(cfg, counts, total);

  std::printf("%6s %12s %8s %8s %9s %9s %11s %9s %7s %7s %7s %7s %7s\n", "cores", "instructions",
              "wall_s", "cpu_s", "Minstr/s", "(cpu)", "simulated", "sim/wall", "tensor", "vector",
              "scalar", "dma", "dram");
  for (const driver::BenchStage& r : results) {
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
  const driver::VerifierBench v = driver::run_verifier_bench(cfg, total);
  std::printf("\nverifier: %llu instructions in %.3f cpu s (%.2f Minstr/s)%s\n",
              static_cast<unsigned long long>(v.instructions), v.cpu_seconds,
              static_cast<double>(v.instructions) / v.cpu_seconds / 1e6,
              v.diagnostics.empty() ? "" : ", with diagnostics (a bug in the synthetic program):");
  std::fputs(v.diagnostics.substr(0, 2000).c_str(), stdout);
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
