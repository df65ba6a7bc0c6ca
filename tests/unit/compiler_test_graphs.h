#pragma once
// Small graphs for the compiler's tests, with deterministic pseudo-random values.

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "models/graph.h"
#include "models/shape_inference.h"

namespace infsim::compiler::testing {

class GraphBuilder {
 public:
  explicit GraphBuilder(const std::string& name) { graph_.name = name; }

  int input(const std::string& name, models::Shape shape) {
    int id = models::add_tensor(graph_, name, std::move(shape));
    graph_.inputs.push_back(id);
    return id;
  }
  int constant(const std::string& name, models::Shape shape, float scale, float offset = 0.0f) {
    std::vector<float> data(static_cast<std::size_t>(models::num_elements(shape)));
    for (float& v : data) v = offset + scale * next();
    return models::add_constant(graph_, name, std::move(shape), std::move(data));
  }
  int node(const std::string& name, const std::string& op, std::vector<int> inputs,
           std::map<std::string, models::AttributeValue> attributes = {}) {
    int out = models::add_tensor(graph_, name + ".out", {});
    models::add_node(graph_,
                     models::Node{name, op, std::move(inputs), {out}, std::move(attributes)});
    models::infer_node_shapes(graph_, graph_.nodes.size() - 1);
    return out;
  }
  int conv(const std::string& name, int x, std::int64_t out, std::int64_t k, std::int64_t stride,
           std::int64_t pad, std::int64_t group = 1, bool bias = true) {
    std::int64_t in = shape(x)[1];
    std::vector<int> inputs{x, constant(name + ".w", {out, in / group, k, k},
                                        1.0f / std::sqrt(static_cast<float>(in / group * k * k)))};
    if (bias) inputs.push_back(constant(name + ".b", {out}, 0.1f));
    return node(name, "Conv", inputs,
                {{"kernel_shape", std::vector<std::int64_t>{k, k}},
                 {"strides", std::vector<std::int64_t>{stride, stride}},
                 {"pads", std::vector<std::int64_t>{pad, pad, pad, pad}},
                 {"group", group}});
  }
  int batch_norm(const std::string& name, int x) {
    std::int64_t c = shape(x)[1];
    return node(name, "BatchNormalization",
                {x, constant(name + ".scale", {c}, 0.2f, 1.0f), constant(name + ".bias", {c}, 0.1f),
                 constant(name + ".mean", {c}, 0.1f), constant(name + ".var", {c}, 0.2f, 1.0f)},
                {{"epsilon", 1e-5f}});
  }
  int gemm(const std::string& name, int x, std::int64_t out) {
    std::int64_t in = shape(x)[1];
    return node(name, "Gemm",
                {x, constant(name + ".w", {out, in}, 1.0f / std::sqrt(static_cast<float>(in))),
                 constant(name + ".b", {out}, 0.1f)},
                {{"transB", std::int64_t{1}}});
  }
  models::Graph finish(int output) {
    graph_.outputs.push_back(output);
    return graph_;
  }
  const models::Shape& shape(int id) const { return graph_.tensors[id].shape; }
  models::Graph& graph() { return graph_; }

 private:
  // Uniform in [-1, 1).
  float next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(static_cast<std::int32_t>(state_ >> 40)) / 8388608.0f;
  }
  models::Graph graph_;
  std::uint64_t state_ = 12345;
};

using Ints = std::vector<std::int64_t>;

inline models::Graph one_conv(int batch = 1) {
  GraphBuilder b("one_conv");
  int x = b.input("x", {batch, 8, 6, 6});
  return b.finish(b.conv("conv", x, 16, 3, 1, 1));
}

inline models::Graph conv_bn_relu(int batch = 1) {
  GraphBuilder b("conv_bn_relu");
  int x = b.input("x", {batch, 4, 7, 7});
  x = b.batch_norm("bn", b.conv("conv", x, 8, 3, 2, 1, 1, false));
  return b.finish(b.node("relu", "Relu", {x}));
}

inline models::Graph residual_block(int batch = 1) {
  GraphBuilder b("residual_block");
  int x = b.input("x", {batch, 16, 6, 6});
  int y = b.node("relu1", "Relu", {b.batch_norm("bn1", b.conv("conv1", x, 16, 1, 1, 0, 1, false))});
  y = b.batch_norm("bn2", b.conv("conv2", y, 16, 3, 1, 1, 1, false));
  return b.finish(b.node("relu2", "Relu", {b.node("add", "Add", {y, x})}));
}

inline models::Graph linear(int batch = 2) {
  GraphBuilder b("linear");
  int x = b.input("x", {batch, 32});
  return b.finish(b.gemm("fc", x, 10));
}

inline models::Graph pooling(int batch = 1) {
  GraphBuilder b("pooling");
  int x = b.input("x", {batch, 8, 8, 8});
  x = b.node("maxpool", "MaxPool", {x},
             {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
  x = b.node("avgpool", "AveragePool", {x},
             {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  return b.finish(b.node("gap", "GlobalAveragePool", {x}));
}

// Wider than one tile of partitions and of array columns, depthwise, flatten into a classifier.
inline models::Graph mixed(int batch = 2) {
  GraphBuilder b("mixed");
  int x = b.input("x", {batch, 3, 10, 10});
  x = b.node("relu1", "Relu", {b.conv("conv1", x, 136, 3, 1, 1)});
  int dw = b.conv("dw", x, 136, 3, 2, 1, 136);
  x = b.node("clip", "Clip", {dw, b.constant("lo", {}, 0.0f), b.constant("hi", {}, 0.0f, 6.0f)});
  x = b.conv("pw", x, 72, 1, 1, 0);
  x = b.node("flatten", "Flatten", {x}, {{"axis", std::int64_t{1}}});
  return b.finish(b.gemm("fc", x, 10));
}

// A NeuronCore with a rows x cols Tensor Engine, `partitions` SBUF partitions and one PSUM
// partition per array column; bytes per partition stay at the default's (80 KiB of SBUF, 16 KiB
// of PSUM), so only the shape changes.
inline isa::NeuronCoreConfig core_shaped(int rows, int cols, int partitions) {
  isa::NeuronCoreConfig core;
  const std::uint64_t sbuf_per_partition = core.sbuf.partition_bytes();
  const std::uint64_t psum_per_partition = core.psum.partition_bytes();
  core.tensor.rows = rows;
  core.tensor.cols = cols;
  core.sbuf.partitions = partitions;
  core.sbuf.size = sbuf_per_partition * static_cast<std::uint64_t>(partitions);
  core.psum.partitions = cols;
  core.psum.size = psum_per_partition * static_cast<std::uint64_t>(cols);
  return core;
}

}  // namespace infsim::compiler::testing
