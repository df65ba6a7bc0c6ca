// Transformer encoders: attention and LayerNorm programs interpreted in fp32 against the
// reference executor, the ONNX TransformerEncoder export, and BERT compiles.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compiler/analyze.h"
#include "compiler/canonicalize.h"
#include "compiler/compile_error.h"
#include "compiler/compiler.h"
#include "compiler_interpreter.h"
#include "compiler_transformer_graphs.h"
#include "isa/verifier.h"
#include "models/onnx_import.h"
#include "models/reference_executor.h"
#include "models/zoo.h"
#include "tests/common/test_paths.h"

namespace infsim::compiler {
namespace {

using testing::Interpreter;

// [N, S, D] row-major <-> the device's D-major [D][N][S]; NCHW <-> [C][N][H][W].
std::vector<float> to_feature_major(const std::vector<float>& x, const models::Shape& s) {
  if (s.size() == 4) return testing::to_channel_major(x, s[0], s[1]);
  const std::int64_t n = s[0], seq = s.size() == 3 ? s[1] : 1, d = s.back();
  std::vector<float> out(x.size());
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t t = 0; t < seq; ++t)
      for (std::int64_t c = 0; c < d; ++c) out[(c * n + b) * seq + t] = x[(b * seq + t) * d + c];
  return out;
}
std::vector<float> from_feature_major(const std::vector<float>& x, const models::Shape& s) {
  if (s.size() == 4) return testing::from_channel_major(x, s[0], s[1]);
  const std::int64_t n = s[0], seq = s.size() == 3 ? s[1] : 1, d = s.back();
  std::vector<float> out(x.size());
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t t = 0; t < seq; ++t)
      for (std::int64_t c = 0; c < d; ++c) out[(b * seq + t) * d + c] = x[(c * n + b) * seq + t];
  return out;
}

CompileResult expect_matches_reference(const models::Graph& graph, int batch,
                                       std::uint32_t cores = 1,
                                       const isa::NeuronCoreConfig& core = {}) {
  CompilerOptions options;
  options.batch = static_cast<std::uint32_t>(batch);
  options.dtype = isa::DType::kFp32;
  options.weight_data = true;
  options.pipeline_cores = cores;
  CompileResult r = compile(graph, core, options);
  auto diagnostics = isa::verify_program(r.program, core);
  EXPECT_TRUE(diagnostics.empty()) << isa::format_diagnostics(diagnostics);
  std::vector<models::HostTensor> inputs;
  Interpreter interp(r.program, core);
  std::uint64_t state = 7;
  for (int id : graph.inputs) {
    const models::Tensor& t = graph.tensors[id];
    models::HostTensor h{
        t.shape, std::vector<float>(static_cast<std::size_t>(models::num_elements(t.shape)))};
    for (float& v : h.data) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      v = static_cast<float>(static_cast<std::int32_t>(state >> 40)) / 8388608.0f;
    }
    interp.write_tensor(t.name, to_feature_major(h.data, t.shape));
    inputs.push_back(h);
  }
  interp.run(true);
  std::vector<models::HostTensor> expected = models::run_reference(graph, inputs);
  for (std::size_t i = 0; i < graph.outputs.size(); ++i) {
    const models::Tensor& t = graph.tensors[graph.outputs[i]];
    std::vector<float> got = from_feature_major(interp.read_tensor(t.name), t.shape);
    EXPECT_EQ(got.size(), expected[i].data.size());
    if (got.size() != expected[i].data.size()) continue;
    float scale = 0;
    for (float v : expected[i].data) scale = std::max(scale, std::abs(v));
    const float tol = 1e-4f * std::max(1.0f, scale);
    for (std::size_t k = 0; k < got.size(); ++k)
      if (!(std::abs(got[k] - expected[i].data[k]) <= tol)) {
        ADD_FAILURE() << t.name << " element " << k << ": " << got[k] << " vs "
                      << expected[i].data[k] << " (tolerance " << tol << ")";
        break;
      }
  }
  return r;
}

TEST(CompilerTransformer, AttentionIsOneLayer) {
  CanonicalGraph c = canonicalize(testing::attention_block(1), 1, false);
  // q, k, v, attention, output dense (+ residual), LayerNorm.
  ASSERT_EQ(c.graph.layers.size(), 6u);
  const Layer& a = c.graph.layers[3];
  EXPECT_EQ(a.kind, LayerKind::kAttention);
  EXPECT_EQ(a.attention.heads, 2);
  EXPECT_EQ(a.attention.head_dim, 32);
  EXPECT_FLOAT_EQ(a.attention.scale, 1.0f / std::sqrt(32.0f));
  EXPECT_EQ(c.graph.layers[5].kind, LayerKind::kLayerNorm);
}

TEST(CompilerTransformer, LayerNormMatchesReference) {
  expect_matches_reference(testing::layer_norm_only(2, 8, 160), 2);
}

TEST(CompilerTransformer, AttentionMatchesReference) {
  expect_matches_reference(testing::attention_block(2, 8, 64, 2), 2);
}

TEST(CompilerTransformer, AttentionWithManyKeysMatchesReference) {
  // 160 keys: two key chunks, two query blocks; head size 16.
  expect_matches_reference(testing::attention_block(1, 160, 64, 4), 1);
}

// LayerNorm sums a 160-feature tile in slices of the array's rows; attention chunks keys and
// queries by min(rows, cols, partitions); heads sit on the configured partitions.
TEST(CompilerTransformer, ArrayShapesAndPartitionsFromTheConfig) {
  for (const isa::NeuronCoreConfig& core :
       {testing::core_shaped(64, 64, 128), testing::core_shaped(64, 64, 64),
        testing::core_shaped(256, 256, 256)}) {
    SCOPED_TRACE(std::to_string(core.tensor.rows) + "x" + std::to_string(core.tensor.cols) +
                 " on " + std::to_string(core.sbuf.partitions) + " partitions");
    expect_matches_reference(testing::layer_norm_only(2, 8, 160), 2, 1, core);
    expect_matches_reference(testing::attention_block(1, 160, 64, 4), 1, 1, core);
  }
}

// MatMuls with more tokens than a PSUM bank holds (512 fp32): M = 700 streamed through the array
// in column pieces of the token row, for a 3-D [1, M, K] and a 2-D [M, K] operand; the MACs are
// M x N x K. The two ONNX files: [128, 128] x [128, 128] and [1, 1024, 256] x [256, 64].
TEST(CompilerTransformer, MatMulStreamsAnyNumberOfTokens) {
  for (const models::Shape& x_shape : {models::Shape{1, 700, 40}, models::Shape{700, 40}}) {
    testing::GraphBuilder b("matmul");
    const int x = b.input("x", x_shape);
    const models::Graph g = b.finish(b.node("mm", "MatMul", {x, b.constant("w", {40, 24}, 0.2f)}));
    EXPECT_EQ(expect_matches_reference(g, 1).report.macs, 700u * 24 * 40);
  }
  for (const auto& [file, macs] :
       {std::pair<const char*, std::uint64_t>{"matmul_2d", 128 * 128 * 128},
        {"matmul_3d", 1024 * 64 * 256}}) {
    const models::Graph g =
        models::import_onnx(std::string(INFSIM_TEST_DATA) + "/onnx/" + file + ".onnx");
    CompilerOptions options;
    const isa::NeuronCoreConfig core;
    const CompileResult r = compile(g, core, options);
    EXPECT_TRUE(isa::verify_program(r.program, core).empty()) << file;
    EXPECT_EQ(r.report.macs, macs) << file;
  }
}

// torch.nn.TransformerEncoder (2 layers, d_model 64, 4 heads, seq 16, batch_first) as exported:
// sequence-first inside, a packed QKV projection sliced, q scaled before Q x K^T, GELU as erf.
TEST(CompilerTransformer, OnnxTransformerEncoderMatchesReference) {
  models::Graph g =
      models::import_onnx(std::string(INFSIM_TEST_DATA) + "/onnx/transformer_encoder.onnx");
  CompileResult r = expect_matches_reference(g, 1);
  int attention = 0;
  for (const isa::LayerInfo& l : r.program.layers) attention += l.op == "Attention";
  EXPECT_EQ(attention, 2);
  EXPECT_DOUBLE_EQ(analyze(g).percent_supported(), 100.0);
}

TEST(CompilerTransformer, SoftmaxOutsideAttentionIsAnError) {
  testing::GraphBuilder b("softmax");
  int x = b.input("x", {1, 8, 16});
  models::Graph g = b.finish(
      b.node("sm", "Softmax", {testing::dense(b, "fc", x, 16)}, {{"axis", std::int64_t{-1}}}));
  EXPECT_THROW(compile(g, isa::NeuronCoreConfig{}, CompilerOptions{}), CompileError);
}

TEST(CompilerTransformer, ClassifierSoftmaxGoesToTheHostWithCpuFallback) {
  testing::GraphBuilder b("softmax");
  int x = b.input("x", {1, 8, 16});
  models::Graph g = b.finish(
      b.node("sm", "Softmax", {testing::dense(b, "fc", x, 16)}, {{"axis", std::int64_t{-1}}}));
  CompilerOptions options;
  options.cpu_fallback = true;
  CompileResult r = compile(g, isa::NeuronCoreConfig{}, options);
  ASSERT_EQ(r.program.host_ops.size(), 1u);
  EXPECT_EQ(r.program.host_ops[0].op, "Softmax");
  EXPECT_FALSE(r.program.host_ops[0].before_device);
}

TEST(CompilerTransformer, AnalyzeCountsSoftmaxOutsideAttentionUnsupported) {
  testing::GraphBuilder b("softmax");
  int x = b.input("x", {1, 8, 16});
  AnalyzeReport r = analyze(b.finish(
      b.node("sm", "Softmax", {testing::dense(b, "fc", x, 16)}, {{"axis", std::int64_t{-1}}})));
  for (const OperatorSupport& o : r.operators) EXPECT_EQ(o.supported, o.op != "Softmax") << o.op;
}

TEST(CompilerTransformer, AnalyzeBertFullySupported) {
  models::ZooOptions zo;
  zo.seq_len = 128;
  AnalyzeReport r = analyze(models::build_zoo_model("distilbert_base", zo));
  EXPECT_DOUBLE_EQ(r.percent_supported(), 100.0);
}

models::Graph upsample(int batch, float factor, const std::string& transform,
                       const std::string& nearest) {
  testing::GraphBuilder b("upsample");
  int x = b.input("x", {batch, 8, 5, 6});
  x = b.conv("conv1", x, 136, 3, 1, 1);
  int roi = models::add_constant(b.graph(), "roi", {0}, {});
  int scales = models::add_constant(b.graph(), "scales", {4}, {1.0f, 1.0f, factor, factor});
  x = b.node("up", "Resize", {x, roi, scales},
             {{"mode", std::string("nearest")},
              {"coordinate_transformation_mode", transform},
              {"nearest_mode", nearest}});
  return b.finish(b.conv("conv2", x, 8, 3, 1, 1));
}

TEST(CompilerTransformer, NearestResizeMatchesReference) {
  expect_matches_reference(upsample(2, 2.0f, "asymmetric", "floor"), 2);
  expect_matches_reference(upsample(1, 3.0f, "half_pixel", "round_prefer_floor"), 1);
}

TEST(CompilerTransformer, ResizeThatDoesNotRepeatPixelsIsAnError) {
  EXPECT_THROW(compile(upsample(1, 3.0f, "asymmetric", "round_prefer_ceil"),
                       isa::NeuronCoreConfig{}, CompilerOptions{}),
               CompileError);
}

CompileResult compile_bert(const std::string& name, std::uint32_t batch, std::uint32_t cores,
                           bool cpu_fallback = false) {
  models::ZooOptions zo;
  zo.batch = static_cast<int>(batch);
  zo.seq_len = 128;
  models::Graph g = models::build_zoo_model(name, zo);
  CompilerOptions options;
  options.batch = batch;
  options.pipeline_cores = cores;
  options.cpu_fallback = cpu_fallback;
  const isa::NeuronCoreConfig core;
  CompileResult r = compile(g, core, options);
  auto diagnostics = isa::verify_program(r.program, core);
  EXPECT_TRUE(diagnostics.empty()) << isa::format_diagnostics(diagnostics);
  EXPECT_EQ(r.program.cores.size(), cores);
  return r;
}

TEST(CompilerTransformer, BertBaseOneCore) {
  CompileResult r = compile_bert("bert_base", 1, 1);
  EXPECT_GT(r.report.cores[0].weights_streamed, 0u);
  EXPECT_GT(r.report.estimated_cycles(), 0u);
}

TEST(CompilerTransformer, BertBaseFourCores) {
  compile_bert("bert_base", 1, 4);
}

TEST(CompilerTransformer, DistilBertBatchFourOnSixteenCores) {
  compile_bert("distilbert_base", 4, 16);
}

// An attention mask must not cost a batch its passes. bert_base_cased (the embedding lookups on
// the host) and roberta_base are bert_base's 12 layers plus an attention mask that every layer's
// attention reads, 1.5 KiB per partition at batch 6, and bert_base runs batch 6 in one pass: the
// same layers with one more small input need at most that input's room more, so they run in as
// many passes and stream each weight as often. The planner used to place the mask at its first
// reader, amid the first layer's query, key and value, where for the rest of the program it split
// the room each layer's FFN intermediate reuses: two passes of 5 images, every weight streamed
// twice (324 MiB per inference instead of 162).
TEST(CompilerTransformer, AnAttentionMaskStreamsNoWeightTwiceAtBatchSix) {
  const CompileResult plain = compile_bert("bert_base", 6, 1);
  ASSERT_EQ(plain.report.passes, 1);
  for (const char* model : {"bert_base_cased", "roberta_base"}) {
    const CompileResult masked = compile_bert(model, 6, 1, true);
    EXPECT_EQ(masked.report.passes, plain.report.passes) << model;
    EXPECT_EQ(masked.report.cores[0].weights_streamed, plain.report.cores[0].weights_streamed)
        << model;
  }
}

// BERT-large (302M parameters, 1.21 GB of fp32 weights) is the zoo's largest model: the default
// model size budget must hold it (it was 1 GiB, and `infsim run --model bert_large` failed).
TEST(CompilerTransformer, BertLargeFitsTheDefaultModelBudget) {
  compile_bert("bert_large", 1, 4);
}

}  // namespace
}  // namespace infsim::compiler
