// The disassembly of small compiled graphs, pinned. A change to the compiler's output shows up
// here as a diff; when it is intended, regenerate with INFSIM_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "../unit/compiler_test_graphs.h"
#include "../unit/compiler_transformer_graphs.h"
#include "compiler/compiler.h"
#include "isa/text_format.h"
#include "isa/verifier.h"
#include "tests/common/test_paths.h"

namespace infsim::compiler {
namespace {

void check_golden(const models::Graph& graph, const std::string& name, std::uint32_t batch = 1,
                  std::uint32_t cores = 1) {
  CompilerOptions options;
  options.batch = batch;
  options.pipeline_cores = cores;
  const isa::NeuronCoreConfig core;
  CompileResult r = compile(graph, core, options);
  auto diagnostics = isa::verify_program(r.program, core);
  EXPECT_TRUE(diagnostics.empty()) << isa::format_diagnostics(diagnostics);
  const std::string text = isa::disassemble(r.program);
  const std::string path = std::string(INFSIM_SOURCE_DIR) + "/tests/golden/data/" + name + ".s";
  const char* update = std::getenv("INFSIM_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path) << text;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path << " (run with INFSIM_UPDATE_GOLDEN=1 to create it)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(text, expected.str()) << "the program for " << name << " changed; if intended, "
                                  << "regenerate with INFSIM_UPDATE_GOLDEN=1";
}

TEST(CompilerGolden, OneConv) {
  check_golden(testing::one_conv(), "one_conv");
}
TEST(CompilerGolden, ConvBnRelu) {
  check_golden(testing::conv_bn_relu(), "conv_bn_relu");
}
TEST(CompilerGolden, ResidualBlock) {
  check_golden(testing::residual_block(2), "residual_block", 2);
}
TEST(CompilerGolden, Linear) {
  check_golden(testing::linear(), "linear", 2);
}
TEST(CompilerGolden, Pooling) {
  check_golden(testing::pooling(), "pooling");
}
TEST(CompilerGolden, ResidualBlockOnTwoCores) {
  check_golden(testing::residual_block(1), "residual_block_2cores", 1, 2);
}
TEST(CompilerGolden, AttentionBlock) {
  check_golden(testing::attention_block(1, 8, 64, 2), "attention_block");
}

}  // namespace
}  // namespace infsim::compiler
