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

// Each lowering adds a layer and its output value; the values vector reallocates as it grows, so
// a lowering must not read its input value through a reference taken before add_layer(). A long
// chain reallocates many times; the per-image work is checked exactly for every layer (the
// sanitizer build turns a stale read into a failure even when the freed memory still holds the
// old numbers). conv 3 -> 8, 3x3, pad 1 on 6x6 (Tanh fused): 8 * 3 * 9 MACs per pixel x 36
// pixels; each later activation: 8 channels x 36 pixels; conv2 8 -> 8 (Relu fused), then three
// BatchNormalization (2 flops per element, not foldable into a conv with an activation) +
// Sigmoid pairs.
TEST(CompilerCanonicalize, LongChainsReadInputsAfterTheValuesGrow) {
  testing::GraphBuilder b("chain");
  int x = b.conv("conv", b.input("x", {1, 3, 6, 6}), 8, 3, 1, 1);
  const int kChain = 2000;
  for (int i = 0; i < kChain; ++i)
    x = b.node("act" + std::to_string(i), i % 2 ? "Sigmoid" : "Tanh", {x});
  x = b.node("relu", "Relu", {b.conv("conv2", x, 8, 3, 1, 1)});
  for (int i = 0; i < 3; ++i)
    x = b.node("sig" + std::to_string(i), "Sigmoid", {b.batch_norm("bn" + std::to_string(i), x)});
  CanonicalGraph c = canonicalize(b.finish(x), 1, false);
  ASSERT_EQ(c.graph.layers.size(), 1u + (kChain - 1) + 1 + 3 * 2);
  EXPECT_EQ(c.graph.layers[0].macs, 8u * 3 * 9 * 36);
  for (int i = 1; i < kChain; ++i) EXPECT_EQ(c.graph.layers[i].flops, 8u * 36) << i;
  EXPECT_EQ(c.graph.layers[kChain].macs, 8u * 8 * 9 * 36);
  for (std::size_t i = kChain + 1; i < c.graph.layers.size(); ++i) {
    const bool bn = c.graph.layers[i].kind == LayerKind::kScaleBias;
    EXPECT_EQ(c.graph.layers[i].flops, (bn ? 2u : 1u) * 8 * 36) << i;
  }
}

}  // namespace
}  // namespace infsim::compiler
