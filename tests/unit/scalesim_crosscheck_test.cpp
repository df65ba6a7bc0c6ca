// infsim's Tensor Engine against SCALE-Sim v2's public weight-stationary timing model.
//
// SCALE-Sim (github.com/scalesim-project/scale-sim-v2) maps an M x K by K x N product onto an
// R x C array with K on the rows, N on the columns and M streamed. Each of the
// ceil(K/R) * ceil(N/C) folds loads its weights (R cycles, not overlapped with anything), then
// streams the M rows and drains: M + R + C - 2 cycles. In total
//   ceil(K/R) * ceil(N/C) * (2R + C + M - 2) - 1.
// configs/hardware/scalesim-ws.yaml makes infsim's Tensor Engine behave the same way (no
// per-instruction overhead, a LoadWeights waits for the previous drain, every load shifts through
// all R rows). Compiled with it, the Tensor Engine's compute-only cycles
// (isa::tensor_engine_cycles) must land within 1 % of the formula for GEMMs and 1x1
// convolutions, on 128 x 128 and 64 x 64 arrays. What may differ: the -1 and the rounding of a
// fold's last partial M chunk, a few cycles per layer.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "isa/cost_model.h"
#include "isa/verifier.h"
#include "issue_gemms.h"
#include "tools/config/config_loader.h"

namespace infsim {
namespace {

using testing::conv_1x1;
using testing::Gemm;
using testing::matmul;

std::uint64_t scalesim_cycles(const Gemm& g, std::int64_t r, std::int64_t c) {
  const std::int64_t folds = ((g.k + r - 1) / r) * ((g.n + c - 1) / c);
  return static_cast<std::uint64_t>(folds * (2 * r + c + g.m - 2) - 1);
}

// The preset with an R x C array and one PSUM partition per column (16 KiB each, as by default).
// SCALE-Sim's compute cycles assume the operands are on chip; 48 MiB of SBUF keeps every input
// here resident (a 2 MiB input on the default 10 MiB would be read in bands, one weight load per
// band).
isa::NeuronCoreConfig scalesim_core(int r, int c) {
  const std::string rows = std::to_string(r), cols = std::to_string(c);
  return driver::load_instance(
             driver::find_config_dir() + "/hardware/scalesim-ws.yaml",
             {"chip.core.tensor.rows=" + rows, "chip.core.tensor.cols=" + cols,
              "chip.core.psum.partitions=" + cols,
              "chip.core.psum.size=" + std::to_string(16 * c) + "KiB", "chip.core.sbuf.size=48MiB"})
      .chip.core;
}

std::uint64_t infsim_cycles(const models::Graph& graph, const isa::NeuronCoreConfig& core) {
  compiler::CompilerOptions options;
  options.batch = 1;
  const compiler::CompileResult r = compiler::compile(graph, core, options);
  const auto diagnostics = isa::verify_program(r.program, core);
  EXPECT_TRUE(diagnostics.empty()) << isa::format_diagnostics(diagnostics);
  return isa::tensor_engine_cycles(r.program.cores.at(0), core);
}

TEST(ScaleSimCrossCheck, TensorEngineCyclesWithinOnePercentOfTheWeightStationaryFormula) {
  for (int size : {128, 64}) {
    const isa::NeuronCoreConfig core = scalesim_core(size, size);
    for (const Gemm& g : testing::kIssueGemms) {
      const std::uint64_t expected = scalesim_cycles(g, size, size);
      for (bool as_conv : {true, false}) {
        SCOPED_TRACE(std::to_string(g.m) + " x " + std::to_string(g.n) + " x " +
                     std::to_string(g.k) + (as_conv ? " 1x1 conv" : " MatMul") + " on " +
                     std::to_string(size) + " x " + std::to_string(size));
        const std::uint64_t got = infsim_cycles(as_conv ? conv_1x1(g) : matmul(g), core);
        const double error = (static_cast<double>(got) - static_cast<double>(expected)) /
                             static_cast<double>(expected);
        EXPECT_LE(std::abs(error), 0.01) << "infsim " << got << ", SCALE-Sim " << expected;
        std::printf("%3dx%-3d %5lld x %4lld x %4lld %-6s infsim %8llu  SCALE-Sim %8llu  %+.3f %%\n",
                    size, size, static_cast<long long>(g.m), static_cast<long long>(g.n),
                    static_cast<long long>(g.k), as_conv ? "conv" : "matmul",
                    static_cast<unsigned long long>(got), static_cast<unsigned long long>(expected),
                    100 * error);
      }
    }
  }
}

}  // namespace
}  // namespace infsim
