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
#include "isa/verifier.h"
#include "issue_gemms.h"
#include "models/model_loader.h"
#include "tools/config/config_loader.h"

namespace infsim {
namespace {

using testing::conv_1x1;
using testing::Gemm;
using testing::matmul;

TEST(SbufSizes, GemmsCompileAndVerifyFromTwoTo48MiB) {
  for (int mib : {2, 3, 4, 8, 24, 48}) {
    const isa::NeuronCoreConfig core =
        driver::load_instance("inf1.xlarge", {"chip.core.sbuf.size=" + std::to_string(mib) + "MiB"})
            .chip.core;
    for (const Gemm& g : testing::kIssueGemms) {
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

// Pipelines whose stages balanced by estimated time do not fit their cores at the default SBUF
// (before the partition was memory-aware: VGG-16's first stage, conv1_1 alone with its 224x224
// map handed on whole, was 24,320 bytes per partition short; Inception-v3's second 6,080;
// OpenPose's first 244,864): the compiler now picks the most balanced split whose every stage
// fits, and each core's plan stays within its SBUF.
TEST(SbufSizes, SixteenCorePipelinesSplitWhereTheirStagesFit) {
  const isa::NeuronCoreConfig core = driver::load_instance("inf1.6xlarge", {}).chip.core;
  for (const char* model : {"vgg16", "inception_v3", "openpose"}) {
    SCOPED_TRACE(model);
    compiler::CompilerOptions options;
    options.batch = 1;
    options.pipeline_cores = 16;
    try {
      const compiler::CompileResult r =
          compiler::compile(models::load_model(model, models::ZooOptions{}), core, options);
      const auto diagnostics = isa::verify_program(r.program, core);
      EXPECT_TRUE(diagnostics.empty()) << isa::format_diagnostics(diagnostics);
      ASSERT_EQ(r.report.cores.size(), 16u);
      for (const compiler::CoreReport& c : r.report.cores)
        EXPECT_LE(c.sbuf_peak, c.sbuf_capacity)
            << "layers " << c.first_layer << "-" << c.last_layer;
    } catch (const UserError& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

}  // namespace
}  // namespace infsim
