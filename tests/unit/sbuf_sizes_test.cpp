// The SBUF what-if (issue 12 point 2): the GEMMs of the SCALE-Sim cross-check compile and verify
// on every SBUF size per core from 2 MiB to 48 MiB, as 1x1 convolutions and as MatMuls. What
// does not fit in the usual layout is compiled in the tight one (memory_plan.h): buffers among
// the activations, weights streamed in pieces as small as one tap of a block, a graph output
// written straight to DRAM, and a MatMul's row of M tokens staged in windows of columns.
// ResNet-50's sizes are in tests/e2e/physics_test.cpp.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "compiler_test_graphs.h"
#include "isa/verifier.h"
#include "tools/config/config_loader.h"

namespace infsim {
namespace {

struct Gemm {
  std::int64_t m, n, k;
  std::int64_t h, w;  // the 1x1 convolution's output map, h * w = m
};

// M x N x K as issue 12 lists them (tests/unit/scalesim_crosscheck_test.cpp).
const std::vector<Gemm> kShapes = {{128, 128, 128, 8, 16},     {256, 256, 256, 16, 16},
                                   {1024, 1024, 1024, 32, 32}, {512, 2048, 512, 16, 32},
                                   {512, 512, 2048, 16, 32},   {2048, 512, 512, 32, 64},
                                   {3136, 64, 64, 56, 56},     {784, 512, 128, 28, 28},
                                   {49, 2048, 512, 7, 7},      {1, 1000, 2048, 1, 1}};

models::Graph conv_1x1(const Gemm& g) {
  compiler::testing::GraphBuilder b("conv1x1");
  const int x = b.input("x", {1, g.k, g.h, g.w});
  return b.finish(b.conv("conv", x, g.n, 1, 1, 0));
}

models::Graph matmul(const Gemm& g) {
  compiler::testing::GraphBuilder b("gemm");
  const int x = b.input("x", {g.m, g.k});
  return b.finish(b.node("mm", "MatMul", {x, b.constant("w", {g.k, g.n}, 0.01f)}));
}

TEST(SbufSizes, GemmsCompileAndVerifyFromTwoTo48MiB) {
  for (int mib : {2, 3, 4, 8, 24, 48}) {
    const isa::NeuronCoreConfig core =
        driver::load_instance("inf1.xlarge", {"chip.core.sbuf.size=" + std::to_string(mib) + "MiB"})
            .chip.core;
    for (const Gemm& g : kShapes) {
      for (bool as_conv : {true, false}) {
        SCOPED_TRACE(std::to_string(g.m) + " x " + std::to_string(g.n) + " x " +
                     std::to_string(g.k) + (as_conv ? " 1x1 conv" : " MatMul") + " in " +
                     std::to_string(mib) + " MiB");
        compiler::CompilerOptions options;
        options.batch = 1;
        try {
          const compiler::CompileResult r =
              compiler::compile(as_conv ? conv_1x1(g) : matmul(g), core, options);
          const auto diagnostics = isa::verify_program(r.program, core);
          EXPECT_TRUE(diagnostics.empty()) << isa::format_diagnostics(diagnostics);
        } catch (const UserError& e) {
          ADD_FAILURE() << e.what();
        }
      }
    }
  }
}

}  // namespace
}  // namespace infsim
