#include <gtest/gtest.h>

#include "compiler/canonicalize.h"
#include "compiler/compile_error.h"
#include "compiler_test_graphs.h"
#include "models/onnx_import.h"
#include "models/zoo.h"

#include <cmath>
#include <set>
#include <string>
#include "tests/common/test_paths.h"

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

// bert-base-cased as torch-neuron runs it: the three embedding lookups (and the position ids
// they read) are the host's work, the rest -- their sum, LayerNorm, the mask, the 12 layers -- is
// the device's. A lookup reads the rows it picks, not its table: per Gather at seq 128 the token
// ids (128 x 8 B int64; the position ids too), 128 rows of 768 fp32 read and the same written,
// 1,024 + 2 x 393,216 = 787,456 B, where the whole word table alone is 28,996 x 768 x 4 =
// 89,075,712 B.
TEST(CompilerCanonicalize, EmbeddingLookupsGoToTheHostAndReadOnlyTheirRows) {
  const models::Graph g = models::build_zoo_model("bert_base_cased", {});
  EXPECT_THROW(canonicalize(g, 1, false), CompileError);
  const CanonicalGraph c = canonicalize(g, 1, true);
  std::set<std::string> gathers;
  for (const isa::HostOp& h : c.host_ops) {
    EXPECT_TRUE(h.before_device) << h.name;
    if (h.op != "Gather") continue;
    gathers.insert(h.name);
    EXPECT_EQ(h.bytes, 128u * 8 + 2u * 128 * 768 * 4) << h.name;
  }
  EXPECT_EQ(gathers,
            (std::set<std::string>{"embeddings.word_embeddings", "embeddings.token_type_embeddings",
                                   "embeddings.position_embeddings"}));
  int attention = 0, masked = 0;
  for (const Layer& l : c.graph.layers) {
    if (l.kind != LayerKind::kAttention) continue;
    ++attention;
    if (l.inputs.size() == 4) ++masked;
  }
  EXPECT_EQ(attention, 12);
  EXPECT_EQ(masked, 12);
}

// YOLOv4 as its export writes it: all 72 Softplus -> Tanh -> Mul(x, .) become one Mish fused into
// the producing convolution, and the YOLO output layer (its 5-D views and everything after)
// goes to the host with --cpu-fallback, leaving the three head convolutions as device outputs.
TEST(CompilerCanonicalize, YoloMishFusesAndTheYoloLayerGoesToTheHost) {
  const models::Graph g = models::build_zoo_model("yolov4", {});
  EXPECT_THROW(canonicalize(g, 1, false), CompileError);
  const CanonicalGraph c = canonicalize(g, 1, true);
  int mish = 0, convs = 0;
  for (const Layer& l : c.graph.layers) {
    convs += l.kind == LayerKind::kConv;
    mish += l.kind == LayerKind::kConv && l.epilogue.func == isa::ActivationFunc::kMish;
    EXPECT_NE(l.kind, LayerKind::kActivation) << l.name;  // nothing left unfused
  }
  EXPECT_EQ(convs, 110);
  EXPECT_EQ(mish, 72);
  EXPECT_EQ(c.graph.outputs.size(), 3u);
  for (const isa::HostOp& h : c.host_ops) EXPECT_FALSE(h.before_device) << h.name;
  // Per head: Reshape, Transpose, 3 x (Slice + Sigmoid/Exp), Mul, Concat, Reshape; one Concat.
  EXPECT_EQ(c.host_ops.size(), 3u * 11 + 1);
}

// SSD300's scale * F.normalize(conv4_3): square, ones 1x1 conv (clamped to eps^2), rsqrt, multiply,
// then the per-channel scale; the heads' reshape/permute/concat go to the host.
TEST(CompilerCanonicalize, L2NormalizationBecomesASumConvolution) {
  const CanonicalGraph c = canonicalize(models::build_zoo_model("ssd300", {}), 1, true);
  const Layer* sum = nullptr;
  for (const Layer& l : c.graph.layers)
    if (l.name == "features.l2norm.Div.sum") sum = &l;
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->kind, LayerKind::kConv);
  EXPECT_EQ(sum->conv.weights, std::vector<float>(512 * 512, 1.0f));
  EXPECT_EQ(sum->epilogue.func, isa::ActivationFunc::kClip);
  EXPECT_FLOAT_EQ(sum->epilogue.alpha, 1e-24f);
  EXPECT_EQ(sum->macs, 512u * 512 * 38 * 38);
  EXPECT_EQ(c.graph.outputs.size(), 12u);  // 6 class and 6 box convolutions
}

// The Hugging Face mask chain (1 - m) * finfo.min folds to the bias pair {min, 0} at m = 0, 1
// and the attention layers read the mask row as a fourth input.
TEST(CompilerCanonicalize, AttentionMaskBecomesTheMaskedSoftmax) {
  const models::Graph g = models::build_zoo_model("distilroberta_base", {});
  const CanonicalGraph c = canonicalize(g, 1, false);
  int attention = 0;
  for (const Layer& l : c.graph.layers) {
    if (l.kind != LayerKind::kAttention) continue;
    ++attention;
    ASSERT_EQ(l.inputs.size(), 4u);
    const Value& mask = c.graph.values[l.inputs[3]];
    EXPECT_TRUE(mask.graph_input);
    EXPECT_EQ(mask.channels, 1);
    EXPECT_EQ(mask.width, 128);
    EXPECT_FLOAT_EQ(l.attention.mask_bias[0], -3.4028234663852886e38f);
    EXPECT_FLOAT_EQ(l.attention.mask_bias[1], 0.0f);
  }
  EXPECT_EQ(attention, 6);
}

// torchtext's RoBERTa export: the token-id Equal, the position CumSum chain and both embedding
// Gathers go to the host with --cpu-fallback; torch's key_padding_mask path (Reshape, Expand,
// Cast, Where(-inf), Mul, Add to the scores) becomes the masked softmax of both layers.
TEST(CompilerCanonicalize, TorchtextRobertaMaskRunsOnTheDevice) {
  models::ImportOptions o;
  o.with_weights = false;
  const models::Graph g =
      models::import_onnx(std::string(INFSIM_TEST_DATA) + "/onnx/ops/roberta_encoder.onnx", o);
  EXPECT_THROW(canonicalize(g, 1, false), CompileError);
  const CanonicalGraph c = canonicalize(g, 1, true);
  int masked = 0;
  for (const Layer& l : c.graph.layers)
    if (l.kind == LayerKind::kAttention && l.inputs.size() == 4) {
      ++masked;
      EXPECT_FLOAT_EQ(l.attention.mask_bias[0], 0.0f);
      EXPECT_TRUE(std::isinf(l.attention.mask_bias[1]) && l.attention.mask_bias[1] < 0);
    }
  EXPECT_EQ(masked, 2);
  std::set<std::string> host;
  for (const isa::HostOp& h : c.host_ops) {
    EXPECT_TRUE(h.before_device) << h.name;
    host.insert(h.op);
  }
  EXPECT_EQ(host,
            (std::set<std::string>{"Add", "Cast", "CumSum", "Equal", "Gather", "Mul", "Not"}));
}

TEST(CompilerCanonicalize, UnsupportedNodesAreAllListed) {
  testing::GraphBuilder b("two_odd");
  int x = b.input("x", {1, 4, 4, 4});
  x = b.conv("conv", b.node("odd1", "Abs", {x}), 4, 1, 1, 0);
  x = b.node("odd2", "Neg", {x});
  models::Graph g = b.finish(b.conv("conv2", b.node("after", "Relu", {x}), 4, 1, 1, 0));
  // Abs and Neg are rejected; conv, Relu and conv2 only read what they cannot get.
  EXPECT_EQ(unsupported_nodes(g, 1), (std::vector<int>{0, 2}));
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
