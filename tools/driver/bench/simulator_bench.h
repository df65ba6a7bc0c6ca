#pragma once
// infsim bench's work: how fast the simulator runs. A synthetic streaming program (DMA in,
// LoadWeights + MatMul, Activate, Pool, DMA out, chained by semaphores with double buffering)
// runs on a number of NeuronCores of an instance; the result is simulated instructions per wall
// and CPU second, simulated time, and the average utilization of the engines that ran.

#include <cstdint>
#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "isa/program.h"

namespace infsim::driver {

// One core count's run.
struct BenchStage {
  int cores = 0;
  std::uint64_t instructions = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;  // of this process: on a shared machine wall time counts others too
  double sim_seconds = 0;
  // Busy over simulated time, averaged over the cores that ran (dma: over each core's engines;
  // dram: achieved over peak bandwidth of the chips in use).
  double tensor = 0, vector = 0, scalar = 0, dma = 0, dram = 0;
};

// The synthetic program of `tiles` tiles (each one pass through every engine), for one core.
isa::Program bench_program(std::uint32_t tiles);

// About `total_instructions` (split over the cores) on each count of `core_counts` in turn, all
// on one instance of `cfg`.
std::vector<BenchStage> run_simulator_bench(const isa::InstanceConfig& cfg,
                                            const std::vector<int>& core_counts,
                                            std::uint64_t total_instructions);

// The verifier, which runs before every simulation, on the one-core program of about
// `total_instructions`.
struct VerifierBench {
  std::uint64_t instructions = 0;
  double cpu_seconds = 0;
  std::string diagnostics;  // the verifier's findings; empty when clean (else a bug in the program)
};
VerifierBench run_verifier_bench(const isa::InstanceConfig& cfg, std::uint64_t total_instructions);

}  // namespace infsim::driver
