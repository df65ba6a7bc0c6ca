// Functional mode on small graphs built for the cases that break tilers: odd spatial sizes,
// channel counts that are not multiples of the 64-column array or the 128 partitions, stride 2
// with padding, depthwise and grouped convolutions, pooling with padding, batches, pipelines,
// activations spilled to DRAM, linear layers, element-wise ops between branches. Each compiled
// program runs through the simulator on real data and must match the reference executor
// (tolerances as in functional_models_test.cpp: 1e-4 relative for fp32, cosine >= 0.999 for
// bf16/fp16).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "models/graph.h"
#include "models/shape_inference.h"
#include "tools/driver/functional/functional_run.h"

namespace infsim::driver {
namespace {

using Ints = std::vector<std::int64_t>;

// Builds a graph node by node, with deterministic weights of roughly unit gain.
class TestGraph {
 public:
  explicit TestGraph(const std::string& name) { g_.name = name; }

  int input(models::Shape shape) {
    const int id = models::add_tensor(g_, "input", std::move(shape));
    g_.inputs.push_back(id);
    return id;
  }

  const models::Shape& shape(int id) const {
    return g_.tensors[static_cast<std::size_t>(id)].shape;
  }

  int node(const std::string& op, std::vector<int> inputs,
           std::map<std::string, models::AttributeValue> attributes = {}) {
    const std::string name = op + std::to_string(g_.nodes.size());
    const int out = models::add_tensor(g_, name + ".out", {});
    models::add_node(g_, models::Node{name, op, std::move(inputs), {out}, std::move(attributes)});
    models::infer_node_shapes(g_, g_.nodes.size() - 1);
    return out;
  }

  // Values in [-scale, scale) from a fixed sequence (a linear congruential generator).
  int constant(models::Shape shape, float scale) {
    std::vector<float> v(static_cast<std::size_t>(models::num_elements(shape)));
    for (float& x : v) {
      state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
      x = scale * (static_cast<float>(state_ >> 40) / static_cast<float>(1 << 23) - 1.0f);
    }
    return models::add_constant(g_, "c" + std::to_string(g_.tensors.size()), std::move(shape),
                                std::move(v));
  }

  int conv(int x, std::int64_t out, std::int64_t k, std::int64_t stride, std::int64_t pad,
           std::int64_t groups = 1, bool bias = true) {
    const std::int64_t in = shape(x)[1];
    const float gain = std::sqrt(3.0f / static_cast<float>(in / groups * k * k));
    std::vector<int> inputs = {x, constant({out, in / groups, k, k}, gain)};
    if (bias) inputs.push_back(constant({out}, 0.1f));
    return node("Conv", inputs,
                {{"kernel_shape", Ints{k, k}},
                 {"strides", Ints{stride, stride}},
                 {"pads", Ints{pad, pad, pad, pad}},
                 {"group", groups}});
  }

  int batch_norm(int x) {
    const std::int64_t c = shape(x)[1];
    const int gamma = constant({c}, 0.3f), beta = constant({c}, 0.1f), mean = constant({c}, 0.1f);
    std::vector<float> var(static_cast<std::size_t>(c));
    for (std::size_t i = 0; i < var.size(); ++i) var[i] = 0.5f + 0.01f * static_cast<float>(i % 50);
    const int v = models::add_constant(g_, "var" + std::to_string(g_.tensors.size()), {c}, var);
    return node("BatchNormalization", {x, gamma, beta, mean, v}, {{"epsilon", 1e-5f}});
  }

  int pool(const std::string& op, int x, std::int64_t k, std::int64_t s, std::int64_t p,
           std::int64_t count_include_pad = 0) {
    std::map<std::string, models::AttributeValue> a = {
        {"kernel_shape", Ints{k, k}}, {"strides", Ints{s, s}}, {"pads", Ints{p, p, p, p}}};
    if (op == "AveragePool") a["count_include_pad"] = count_include_pad;
    return node(op, {x}, a);
  }

  int linear(int x, std::int64_t out) {
    const std::int64_t in = shape(x)[1];
    return node(
        "Gemm",
        {x, constant({out, in}, std::sqrt(3.0f / static_cast<float>(in))), constant({out}, 0.1f)},
        {{"transB", std::int64_t{1}}});
  }

  int flatten(int x) { return node("Flatten", {x}, {{"axis", std::int64_t{1}}}); }

  models::Graph finish(std::vector<int> outputs) {
    g_.outputs = std::move(outputs);
    models::validate(g_);
    return std::move(g_);
  }

 private:
  models::Graph g_;
  std::uint64_t state_ = 12345;
};

FunctionalResult run(const models::Graph& g, isa::DType dtype, std::uint32_t cores = 1,
                     const isa::InstanceConfig& instance = {}) {
  FunctionalRequest req;
  req.dtype = dtype;
  req.pipeline_cores = cores;
  req.instance = instance;
  req.check_reference = true;
  return run_functional_graph(g, random_inputs(g, 3), req);
}

void expect_matches(const FunctionalResult& r) {
  ASSERT_EQ(r.outputs.size(), r.reference.size());
  for (std::size_t i = 0; i < r.outputs.size(); ++i) {
    const Comparison& c = r.comparisons[i];
    if (r.dtype == isa::DType::kFp32) {
      EXPECT_LE(c.max_norm_error, 1e-4) << "output " << i << "\n" << format_functional_result(r);
    } else {
      EXPECT_GE(c.cosine, 0.999) << "output " << i << "\n" << format_functional_result(r);
    }
  }
}

TEST(FunctionalEdgeCases, OddSpatialSizesWithStrideTwoAndPadding) {
  TestGraph b("odd_spatial");
  int x = b.input({1, 3, 13, 11});
  x = b.node("Relu", {b.conv(x, 5, 3, 2, 1)});  // 7 x 6
  x = b.conv(x, 7, 3, 1, 1);
  x = b.conv(x, 6, 5, 2, 2, 1, false);  // 4 x 3
  expect_matches(run(b.finish({x}), isa::DType::kFp32));
}

TEST(FunctionalEdgeCases, ChannelsNotMultiplesOfTheArray) {
  TestGraph b("odd_channels");
  int x = b.input({1, 130, 9, 9});
  x = b.node("Relu", {b.batch_norm(b.conv(x, 200, 3, 1, 1, 1, false))});
  x = b.conv(x, 70, 1, 1, 0);
  x = b.conv(x, 129, 3, 2, 1);
  expect_matches(run(b.finish({x}), isa::DType::kFp32));
}

TEST(FunctionalEdgeCases, ChannelsNotMultiplesOfTheArrayBf16) {
  TestGraph b("odd_channels_bf16");
  int x = b.input({1, 130, 9, 9});
  x = b.node("Relu", {b.conv(x, 200, 3, 1, 1)});
  x = b.conv(x, 70, 1, 1, 0);
  expect_matches(run(b.finish({x}), isa::DType::kBf16));
}

TEST(FunctionalEdgeCases, DepthwiseConvolutions) {
  TestGraph b("depthwise");
  int x = b.input({1, 48, 10, 10});
  x = b.batch_norm(b.conv(x, 48, 3, 2, 1, 48, false));  // 5 x 5
  x = b.node("Clip", {x}, {{"min", 0.0f}, {"max", 6.0f}});
  x = b.conv(x, 150, 1, 1, 0);
  x = b.conv(x, 150, 3, 1, 1, 150);  // 150 channels: two partition tiles of groups
  expect_matches(run(b.finish({x}), isa::DType::kFp32));
}

TEST(FunctionalEdgeCases, GroupedConvolution) {
  TestGraph b("grouped");
  int x = b.input({1, 32, 8, 8});
  x = b.conv(x, 64, 3, 1, 1, 4);
  x = b.conv(x, 96, 3, 2, 1, 8);
  expect_matches(run(b.finish({x}), isa::DType::kFp32));
}

TEST(FunctionalEdgeCases, PoolingWithPadding) {
  TestGraph b("pooling");
  int x = b.input({1, 20, 11, 11});
  const int mx = b.pool("MaxPool", x, 3, 2, 1);
  const int avg = b.pool("AveragePool", x, 3, 2, 1, 0);
  const int avg_pad = b.pool("AveragePool", x, 3, 2, 1, 1);
  const int sum = b.node("Add", {mx, avg});
  expect_matches(run(b.finish({sum, avg_pad}), isa::DType::kFp32));
}

TEST(FunctionalEdgeCases, GlobalPoolsAndLinearLayers) {
  TestGraph b("heads");
  int x = b.input({1, 40, 7, 7});
  const int gap = b.flatten(b.node("GlobalAveragePool", {x}));
  const int gmp = b.flatten(b.node("GlobalMaxPool", {x}));
  int y = b.node("Relu", {b.linear(b.node("Add", {gap, gmp}), 300)});
  y = b.linear(y, 70);
  expect_matches(run(b.finish({y}), isa::DType::kFp32));
}

TEST(FunctionalEdgeCases, LinearLayersOnAVectorInput) {
  TestGraph b("mlp");
  int x = b.input({2, 300});
  x = b.node("Relu", {b.linear(x, 130)});
  x = b.linear(x, 5);
  expect_matches(run(b.finish({x}), isa::DType::kFp32));
}

TEST(FunctionalEdgeCases, ElementwiseOpsAndActivationsBetweenBranches) {
  TestGraph b("eltwise");
  int x = b.input({1, 24, 6, 6});
  const int a = b.conv(x, 24, 3, 1, 1);
  const int c = b.conv(x, 24, 1, 1, 0);
  int y = b.node("Mul", {b.node("Sigmoid", {a}), b.node("Tanh", {c})});
  y = b.node("Sub", {y, b.node("LeakyRelu", {a}, {{"alpha", 0.1f}})});
  y = b.node("Max", {y, b.node("Gelu", {c})});
  y = b.node("Min", {y, a});
  expect_matches(run(b.finish({y}), isa::DType::kFp32));
}

TEST(FunctionalEdgeCases, ResidualBlockBatchOfThree) {
  TestGraph b("residual_batch");
  int x = b.input({3, 16, 9, 9});
  int y = b.node("Relu", {b.batch_norm(b.conv(x, 16, 3, 1, 1, 1, false))});
  y = b.batch_norm(b.conv(y, 16, 3, 1, 1, 1, false));
  y = b.node("Relu", {b.node("Add", {y, x})});
  y = b.linear(b.flatten(b.node("GlobalAveragePool", {y})), 10);
  const FunctionalResult r = run(b.finish({y}), isa::DType::kFp32);
  EXPECT_EQ(r.batch, 3);
  expect_matches(r);
}

TEST(FunctionalEdgeCases, Fp16Program) {
  TestGraph b("fp16");
  int x = b.input({2, 8, 12, 12});
  x = b.node("Relu", {b.conv(x, 65, 3, 2, 1)});
  x = b.pool("MaxPool", x, 2, 2, 0);
  x = b.conv(x, 33, 3, 1, 1);
  expect_matches(run(b.finish({x}), isa::DType::kFp16));
}

TEST(FunctionalEdgeCases, PipelineOverTwoCoresWithOddShapes) {
  TestGraph b("pipeline_odd");
  int x = b.input({2, 5, 15, 15});
  x = b.node("Relu", {b.conv(x, 33, 3, 2, 1)});
  x = b.node("Relu", {b.conv(x, 65, 3, 1, 1)});
  x = b.pool("MaxPool", x, 3, 2, 1);
  x = b.conv(x, 17, 1, 1, 0);
  const FunctionalResult r = run(b.finish({x}), isa::DType::kFp32, 2);
  EXPECT_EQ(r.cores, 2u);
  expect_matches(r);
}

TEST(FunctionalEdgeCases, ActivationsSpilledToDramWithASmallSbuf) {
  TestGraph b("spill");
  int x = b.input({1, 16, 40, 40});
  x = b.node("Relu", {b.conv(x, 32, 3, 1, 1)});
  x = b.node("Relu", {b.conv(x, 32, 3, 1, 1)});
  x = b.conv(x, 8, 3, 2, 1);
  isa::InstanceConfig small;
  // 12 KiB per partition: one 42 x 42 fp32 map (40 x 40 with its halo) needs 7 KiB (with 16 KiB,
  // the tight layout keeps them all on chip).
  small.chip.core.sbuf.size = 128 * 12 * 1024;
  const FunctionalResult r = run(b.finish({x}), isa::DType::kFp32, 1, small);
  int spills = 0;
  for (const isa::TensorDecl& t : r.program.tensors) spills += t.kind == isa::TensorKind::kSpill;
  EXPECT_GT(spills, 0) << "the program was expected to spill activations to DRAM";
  expect_matches(r);
}

}  // namespace
}  // namespace infsim::driver
