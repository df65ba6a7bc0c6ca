#include <gtest/gtest.h>

#include "compiler/canonicalize.h"
#include "compiler/compile_error.h"
#include "compiler_test_graphs.h"

namespace infsim::compiler {
namespace {

TEST(CompilerCanonicalize, FoldsBatchNormAndFusesRelu) {
  models::Graph g = testing::conv_bn_relu();
  CanonicalGraph c = canonicalize(g, 1, false);
  ASSERT_EQ(c.graph.layers.size(), 1u);
  const Layer& l = c.graph.layers[0];
  EXPECT_EQ(l.kind, LayerKind::kConv);
  EXPECT_EQ(l.epilogue.func, isa::ActivationFunc::kRelu);
  EXPECT_EQ(l.fused, (std::vector<std::string>{"conv", "bn", "relu"}));
  // Folded: w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps).
  const auto& w = g.tensors[g.nodes[0].inputs[1]].data;
  const auto& bn = g.nodes[1];
  float gamma = g.tensors[bn.inputs[1]].data[0], beta = g.tensors[bn.inputs[2]].data[0];
  float mean = g.tensors[bn.inputs[3]].data[0], var = g.tensors[bn.inputs[4]].data[0];
  float s = gamma / std::sqrt(var + 1e-5f);
  EXPECT_NEAR(l.conv.weights[0], w[0] * s, 1e-6);
  EXPECT_NEAR(l.conv.bias[0], beta - mean * s, 1e-6);
}

TEST(CompilerCanonicalize, FusesResidualAddAndRelu) {
  CanonicalGraph c = canonicalize(testing::residual_block(), 1, false);
  ASSERT_EQ(c.graph.layers.size(), 2u);
  const Layer& l = c.graph.layers[1];
  EXPECT_EQ(l.epilogue.residual, c.graph.inputs[0]);
  EXPECT_TRUE(l.epilogue.residual_relu);
  EXPECT_EQ(c.graph.values[c.graph.inputs[0]].consumers, (std::vector<int>{0, 1}));
}

TEST(CompilerCanonicalize, GemmBecomesConvolutionAndFlattenIsFree) {
  CanonicalGraph c = canonicalize(testing::mixed(), 2, false);
  const Layer& fc = c.graph.layers.back();
  EXPECT_EQ(fc.op, "Gemm");
  EXPECT_EQ(fc.kind, LayerKind::kConv);
  EXPECT_EQ(fc.conv.kernel_h, 5);  // the flattened 72 x 5 x 5 map
  EXPECT_EQ(fc.macs, 10u * 72 * 25);
  EXPECT_EQ(c.graph.layers[1].conv.groups, 136);
  EXPECT_EQ(c.graph.layers[1].epilogue.func, isa::ActivationFunc::kClip);
}

TEST(CompilerCanonicalize, UnsupportedOperatorNamesTheNode) {
  testing::GraphBuilder b("topk");
  int x = b.input("x", {1, 4, 4, 4});
  x = b.node("odd", "Abs", {b.conv("conv", x, 4, 1, 1, 0)});
  models::Graph g = b.finish(b.conv("conv2", x, 4, 1, 1, 0));
  try {
    canonicalize(g, 1, true);
    FAIL() << "expected CompileError";
  } catch (const CompileError& e) {
    EXPECT_NE(std::string(e.what()).find("'odd' (Abs)"), std::string::npos) << e.what();
  }
}

TEST(CompilerCanonicalize, CpuFallbackMovesTheGraphEndsToTheHost) {
  testing::GraphBuilder b("ends");
  int x = b.input("x", {1, 4, 4, 4});
  x = b.node("pre", "Abs", {x});
  x = b.conv("conv", x, 4, 1, 1, 0);
  models::Graph g = b.finish(b.node("post", "Abs", {x}));
  EXPECT_THROW(canonicalize(g, 1, false), CompileError);
  CanonicalGraph c = canonicalize(g, 1, true);
  ASSERT_EQ(c.host_ops.size(), 2u);
  EXPECT_TRUE(c.host_ops[0].before_device);
  EXPECT_FALSE(c.host_ops[1].before_device);
  EXPECT_EQ(c.graph.layers.size(), 1u);
  EXPECT_EQ(c.host_ops[0].bytes, 2u * 64 * 4);
}

TEST(CompilerCanonicalize, WrongBatchIsAnError) {
  EXPECT_THROW(canonicalize(testing::one_conv(2), 1, false), CompileError);
}

}  // namespace
}  // namespace infsim::compiler
