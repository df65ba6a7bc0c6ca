// The reference executor against PyTorch (outputs stored by tools/scripts/export_test_models.py)
// and against hand-computed small cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "models/model_error.h"
#include "models/npy.h"
#include "models/onnx_import.h"
#include "models/reference_executor.h"
#include "models/shape_inference.h"
#include "models/zoo.h"
#include "tests/common/test_paths.h"

namespace infsim::models {
namespace {

std::string data(const std::string& file) {
  return std::string(INFSIM_TEST_DATA) + "/onnx/" + file;
}

// max |a - b| / max |b|: the error relative to the output's scale.
double relative_error(const HostTensor& a, const HostTensor& b) {
  double diff = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < b.data.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(a.data[i] - b.data[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(b.data[i])));
  }
  return diff / std::max(scale, 1e-12);
}

class ModelsExecutorPyTorch : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelsExecutorPyTorch, MatchesPyTorchOutput) {
  std::string name = GetParam();
  Graph g = import_onnx(data(name + ".onnx"));
  HostTensor input = read_npy(data(name + "_input.npy"));
  HostTensor expected = read_npy(data(name + "_output.npy"));
  auto outputs = run_reference(g, {input});
  ASSERT_EQ(outputs.size(), 1u);
  ASSERT_EQ(outputs[0].shape, expected.shape);
  EXPECT_LE(relative_error(outputs[0], expected), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Exports, ModelsExecutorPyTorch,
                         ::testing::Values("tiny_cnn", "resnet18_w8", "transformer_encoder",
                                           "mobilenet_v2_w025", "upsample_cnn", "ops_mix"));

// The same tiny_cnn exported with a symbolic batch: run at batch 3 on three copies of the input.
TEST(ModelsExecutor, DynamicBatchMatchesPyTorchPerImage) {
  ImportOptions o;
  o.batch = 3;
  Graph g = import_onnx(data("tiny_cnn_dynbatch.onnx"), o);
  HostTensor one = read_npy(data("tiny_cnn_input.npy"));
  HostTensor expected = read_npy(data("tiny_cnn_output.npy"));
  HostTensor three{{3, 3, 32, 32}, {}};
  for (int i = 0; i < 3; ++i) three.data.insert(three.data.end(), one.data.begin(), one.data.end());
  auto out = run_reference(g, {three});
  ASSERT_EQ(out[0].shape, (Shape{3, 10}));
  for (std::size_t i = 0; i < 3; ++i) {
    HostTensor row{
        {1, 10},
        std::vector<float>(out[0].data.begin() + 10 * i, out[0].data.begin() + 10 * (i + 1))};
    EXPECT_LE(relative_error(row, expected), 1e-4);
  }
}

Graph one_node(const std::string& op, Shape in, std::map<std::string, AttributeValue> attrs,
               std::vector<int> extra = {}) {
  Graph g;
  g.name = op;
  int x = add_tensor(g, "x", std::move(in));
  g.inputs.push_back(x);
  int y = add_tensor(g, "y", {});
  std::vector<int> inputs{x};
  inputs.insert(inputs.end(), extra.begin(), extra.end());
  add_node(g, Node{op, op, inputs, {y}, std::move(attrs)});
  g.outputs.push_back(y);
  infer_shapes(g);
  return g;
}

HostTensor iota_tensor(Shape s) {
  HostTensor t{s, std::vector<float>(static_cast<std::size_t>(num_elements(s)))};
  for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(i);
  return t;
}

// Opset 9 Clip: the importer turns the min/max attributes into the constant inputs of opset 11.
TEST(ModelsExecutor, LegacyClipAttributes) {
  Graph g = import_onnx(data("clip_opset9.onnx"));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].inputs.size(), 3u);
  EXPECT_TRUE(g.nodes[0].attributes.empty());
  auto out = run_reference(g, {HostTensor{{1, 4}, {-3.0f, 0.5f, 1.5f, 7.0f}}});
  EXPECT_EQ(out[0].data, (std::vector<float>{-1.0f, 0.5f, 1.5f, 2.0f}));
}

TEST(ModelsExecutor, AveragePoolCountIncludePad) {
  using Ints = std::vector<std::int64_t>;
  // 3x3 input 0..8, 3x3 window, pad 1: the corner sees 0+1+3+4 = 8 over 4 valid or 9 padded.
  for (std::int64_t include : {0, 1}) {
    Graph g = one_node(
        "AveragePool", {1, 1, 3, 3},
        {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"count_include_pad", include}});
    auto out = run_reference(g, {iota_tensor({1, 1, 3, 3})});
    EXPECT_FLOAT_EQ(out[0].data[0], include ? 8.0f / 9.0f : 2.0f);
    EXPECT_FLOAT_EQ(out[0].data[4], 4.0f);  // the centre window is all inside
  }
}

TEST(ModelsExecutor, BroadcastingAndTranspose) {
  Graph g;
  g.name = "bcast";
  int a = add_tensor(g, "a", {2, 3});
  int b = add_constant(g, "b", {3}, {10.0f, 20.0f, 30.0f});
  int s = add_tensor(g, "s", {});
  int t = add_tensor(g, "t", {});
  g.inputs = {a};
  add_node(g, Node{"add", "Add", {a, b}, {s}, {}});
  add_node(g, Node{"tr", "Transpose", {s}, {t}, {{"perm", std::vector<std::int64_t>{1, 0}}}});
  g.outputs = {t};
  infer_shapes(g);
  auto out = run_reference(g, {iota_tensor({2, 3})});
  EXPECT_EQ(out[0].shape, (Shape{3, 2}));
  EXPECT_EQ(out[0].data, (std::vector<float>{10, 13, 21, 24, 32, 35}));
}

TEST(ModelsExecutor, ResizeNearestAndLinear) {
  Graph g;
  g.name = "resize";
  int x = add_tensor(g, "x", {1, 1, 2, 2});
  int roi = add_constant(g, "roi", {0}, {});
  int scales = add_constant(g, "scales", {4}, {1, 1, 2, 2});
  int y = add_tensor(g, "y", {});
  g.inputs = {x};
  add_node(g, Node{"r",
                   "Resize",
                   {x, roi, scales},
                   {y},
                   {{"mode", std::string("nearest")},
                    {"coordinate_transformation_mode", std::string("asymmetric")},
                    {"nearest_mode", std::string("floor")}}});
  g.outputs = {y};
  infer_shapes(g);
  auto out = run_reference(g, {iota_tensor({1, 1, 2, 2})});
  EXPECT_EQ(out[0].data, (std::vector<float>{0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}));
  g.nodes[0].attributes = {{"mode", std::string("linear")},
                           {"coordinate_transformation_mode", std::string("align_corners")}};
  out = run_reference(g, {iota_tensor({1, 1, 2, 2})});
  // align_corners 2 -> 4: source coordinates 0, 1/3, 2/3, 1 on each axis.
  EXPECT_NEAR(out[0].data[1], 1.0f / 3.0f, 1e-6);
  EXPECT_NEAR(out[0].data[15], 3.0f, 1e-6);
}

TEST(ModelsExecutor, MissingWeightsAndBadInputsAreErrors) {
  Graph g = build_zoo_model("tiny_cnn", {});  // no weight values
  HostTensor in{{1, 3, 32, 32}, std::vector<float>(3 * 32 * 32, 0.5f)};
  EXPECT_THROW(run_reference(g, {in}), ModelError);
  ZooOptions o;
  o.with_weights = true;
  Graph w = build_zoo_model("tiny_cnn", o);
  EXPECT_THROW(run_reference(w, {}), ModelError);
  EXPECT_THROW(run_reference(w, {HostTensor{{1, 3, 16, 16}, std::vector<float>(768)}}), ModelError);
}

// ResNet-18 at 64x64 (1 image, 150 M MACs) through the reference executor stays finite and in
// range. (It takes about 0.1 s on a 2-core machine; no wall-clock bound here, which failed under
// the sanitizers and on a loaded machine: speed belongs in benchmarks.)
TEST(ModelsExecutor, ZooResNet18IsFinite) {
  ZooOptions o;
  o.with_weights = true;
  o.image_size = 64;
  Graph g = build_zoo_model("resnet18", o);
  HostTensor in = iota_tensor({1, 3, 64, 64});
  for (float& v : in.data) v = std::sin(v);
  auto out = run_reference(g, {in});
  ASSERT_EQ(out[0].shape, (Shape{1, 1000}));
  double max_abs = 0.0;
  for (float v : out[0].data) {
    ASSERT_TRUE(std::isfinite(v));
    max_abs = std::max(max_abs, static_cast<double>(std::fabs(v)));
  }
  EXPECT_GT(max_abs, 1e-3);  // activations neither vanish nor explode with the seeded weights
  EXPECT_LT(max_abs, 1e3);
}

TEST(ModelsExecutor, ZooBertEncoderRuns) {
  ZooOptions o;
  o.with_weights = true;
  o.seq_len = 8;
  Graph g = build_zoo_model("distilbert_base", o);
  HostTensor in = iota_tensor({1, 8, 768});
  for (float& v : in.data) v = std::cos(v);
  auto out = run_reference(g, {in});
  ASSERT_EQ(out[0].shape, (Shape{1, 8, 768}));
  // The final LayerNorm leaves every token with mean ~ beta (small) and spread ~ gamma (~1).
  double mean = 0.0;
  for (int i = 0; i < 768; ++i) mean += out[0].data[static_cast<std::size_t>(i)];
  EXPECT_NEAR(mean / 768.0, 0.0, 0.05);
}

}  // namespace
}  // namespace infsim::models
