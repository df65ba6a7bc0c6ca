#pragma once
// The zoo's graph builder (private to models/): appends nodes written the way the exporters
// write them, infers each output's shape as it goes, and synthesizes seeded parameter values
// when asked. The model families are built in zoo.cpp (CNN classifiers), zoo_transformer.cpp
// (BERT/RoBERTa encoders) and zoo_detection.cpp (YOLOv4, SSD300, OpenPose).

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "models/graph.h"
#include "models/seeded_random.h"
#include "models/shape_inference.h"
#include "models/zoo.h"

namespace infsim::models::zoo_detail {

using Ints = std::vector<std::int64_t>;

// Appends nodes and their (shape-inferred) outputs; synthesizes parameter values on request.
class Builder {
 public:
  Builder(const std::string& name, const ZooOptions& options)
      : options_(options), rng_(options.seed) {
    graph_.name = name;
  }

  int input(const std::string& name, Shape shape, DType dtype = DType::kFp32) {
    int id = add_tensor(graph_, name, std::move(shape), dtype);
    graph_.inputs.push_back(id);
    return id;
  }

  int weight(const std::string& name, Shape shape, double fan_in) {
    std::vector<float> data;
    if (options_.with_weights) {
      data.resize(static_cast<std::size_t>(num_elements(shape)));
      fill_he_uniform(data, fan_in, rng_);
    }
    return add_constant(graph_, name, std::move(shape), std::move(data));
  }

  int uniform(const std::string& name, std::int64_t n, float lo, float hi) {
    std::vector<float> data;
    if (options_.with_weights) {
      std::uniform_real_distribution<float> dist(lo, hi);
      data.resize(static_cast<std::size_t>(n));
      for (float& v : data) v = dist(rng_);
    }
    return add_constant(graph_, name, {n}, std::move(data));
  }

  int normal(const std::string& name, std::int64_t n, float stddev) {
    std::vector<float> data;
    if (options_.with_weights) {
      std::normal_distribution<float> dist(0.0f, stddev);
      data.resize(static_cast<std::size_t>(n));
      for (float& v : data) v = dist(rng_);
    }
    return add_constant(graph_, name, {n}, std::move(data));
  }

  // Operand constants (clip bounds, scale factors) always carry values: they are not weights.
  int scalar(const std::string& name, float value) {
    return add_constant(graph_, name, {}, {value});
  }

  int int_constant(const std::string& name, Ints values) {
    return add_int_constant(graph_, name, std::move(values));
  }

  int node(const std::string& name, const std::string& op, std::vector<int> inputs,
           std::map<std::string, AttributeValue> attributes = {}) {
    int out = add_tensor(graph_, name + ".output", {});
    add_node(graph_, Node{name, op, std::move(inputs), {out}, std::move(attributes)});
    infer_node_shapes(graph_, graph_.nodes.size() - 1);
    return out;
  }

  const Shape& shape(int id) const { return graph_.tensors[static_cast<std::size_t>(id)].shape; }

  int conv(const std::string& name, int x, std::int64_t out_ch, Ints kernel, Ints stride, Ints pad,
           std::int64_t group = 1, bool bias = false, std::int64_t dilation = 1) {
    std::int64_t in_ch = shape(x)[1];
    double fan_in = static_cast<double>(in_ch / group * kernel[0] * kernel[1]);
    int w = weight(name + ".weight", {out_ch, in_ch / group, kernel[0], kernel[1]}, fan_in);
    std::vector<int> inputs{x, w};
    if (bias) inputs.push_back(normal(name + ".bias", out_ch, 0.01f));
    return node(name, "Conv", inputs,
                {{"kernel_shape", kernel},
                 {"strides", stride},
                 {"pads", Ints{pad[0], pad[1], pad[0], pad[1]}},
                 {"dilations", Ints{dilation, dilation}},
                 {"group", group}});
  }

  int conv(const std::string& name, int x, std::int64_t out_ch, std::int64_t k, std::int64_t s,
           std::int64_t p, std::int64_t group = 1, bool bias = false) {
    return conv(name, x, out_ch, {k, k}, {s, s}, {p, p}, group, bias);
  }

  // Realistic running statistics, so that folding BN into the conv is actually exercised.
  int batch_norm(const std::string& name, int x, float epsilon = 1e-5f) {
    std::int64_t c = shape(x)[1];
    int gamma = uniform(name + ".weight", c, 0.4f, 0.8f);
    int beta = normal(name + ".bias", c, 0.1f);
    int mean = normal(name + ".running_mean", c, 0.1f);
    int var = uniform(name + ".running_var", c, 0.5f, 1.5f);
    return node(name, "BatchNormalization", {x, gamma, beta, mean, var},
                {{"epsilon", epsilon}, {"momentum", 0.9f}});
  }

  int relu(const std::string& name, int x) { return node(name, "Relu", {x}); }

  int leaky_relu(const std::string& name, int x, float alpha) {
    return node(name, "LeakyRelu", {x}, {{"alpha", alpha}});
  }

  // x * tanh(softplus(x)), as torch.onnx writes F.mish (opset < 18 has no Mish operator).
  int mish(const std::string& name, int x) {
    int t = node(name + ".Tanh", "Tanh", {node(name + ".Softplus", "Softplus", {x})});
    return node(name, "Mul", {x, t});
  }

  // F.interpolate(scale_factor=f, mode="nearest") as torch exports it: Resize with scales.
  int upsample_nearest(const std::string& name, int x, float f) {
    int roi = add_constant(graph_, name + ".roi", {0}, {});
    int scales = add_constant(graph_, name + ".scales", {4}, {1.0f, 1.0f, f, f});
    return node(name, "Resize", {x, roi, scales},
                {{"mode", std::string("nearest")},
                 {"coordinate_transformation_mode", std::string("asymmetric")},
                 {"nearest_mode", std::string("floor")}});
  }

  int concat(const std::string& name, std::vector<int> parts, std::int64_t axis = 1) {
    return node(name, "Concat", std::move(parts), {{"axis", axis}});
  }

  // x[..., start:end] along `axis` (constant bounds, step 1).
  int slice(const std::string& name, int x, std::int64_t axis, std::int64_t start,
            std::int64_t end) {
    return node(name, "Slice",
                {x, int_constant(name + ".starts", {start}), int_constant(name + ".ends", {end}),
                 int_constant(name + ".axes", {axis})});
  }

  int relu6(const std::string& name, int x) {
    return node(name, "Clip", {x, scalar(name + ".min", 0.0f), scalar(name + ".max", 6.0f)});
  }

  int max_pool(const std::string& name, int x, std::int64_t k, std::int64_t s, std::int64_t p) {
    return node(name, "MaxPool", {x},
                {{"kernel_shape", Ints{k, k}},
                 {"strides", Ints{s, s}},
                 {"pads", Ints{p, p, p, p}},
                 {"ceil_mode", std::int64_t{0}}});
  }

  int avg_pool(const std::string& name, int x, std::int64_t k, std::int64_t s, std::int64_t p) {
    return node(name, "AveragePool", {x},
                {{"kernel_shape", Ints{k, k}},
                 {"strides", Ints{s, s}},
                 {"pads", Ints{p, p, p, p}},
                 {"ceil_mode", std::int64_t{0}},
                 {"count_include_pad", std::int64_t{1}}});
  }

  // GlobalAveragePool -> Flatten -> Gemm, as torchvision's classifiers export.
  int classifier(int x, std::int64_t classes, const std::string& fc = "fc") {
    int pooled = node("avgpool", "GlobalAveragePool", {x});
    int flat = node("flatten", "Flatten", {pooled}, {{"axis", std::int64_t{1}}});
    return linear(fc, flat, classes);
  }

  int linear(const std::string& name, int x, std::int64_t out) {
    std::int64_t in = shape(x).back();
    int w = weight(name + ".weight", {out, in}, static_cast<double>(in) * 2.0);
    int b = normal(name + ".bias", out, 0.01f);
    return node(name, "Gemm", {x, w, b},
                {{"alpha", 1.0f}, {"beta", 1.0f}, {"transB", std::int64_t{1}}});
  }

  // x @ W + b with W stored [in, out], the way Linear layers on 3-D inputs export.
  int dense(const std::string& name, int x, std::int64_t out) {
    std::int64_t in = shape(x).back();
    int w = weight(name + ".weight", {in, out}, static_cast<double>(in) * 2.0);
    int mm = node(name + ".MatMul", "MatMul", {x, w});
    return node(name + ".Add", "Add", {mm, normal(name + ".bias", out, 0.01f)});
  }

  int layer_norm(const std::string& name, int x, float epsilon) {
    std::int64_t c = shape(x).back();
    int gamma = uniform(name + ".weight", c, 0.9f, 1.1f);
    int beta = normal(name + ".bias", c, 0.02f);
    return node(name, "LayerNormalization", {x, gamma, beta},
                {{"axis", std::int64_t{-1}}, {"epsilon", epsilon}});
  }

  int reshape(const std::string& name, int x, Ints target) {
    return node(name, "Reshape", {x, add_int_constant(graph_, name + ".shape", target)});
  }

  int transpose(const std::string& name, int x, Ints perm) {
    return node(name, "Transpose", {x}, {{"perm", perm}});
  }

  Graph finish(std::vector<int> outputs) {
    graph_.outputs = std::move(outputs);
    validate(graph_);
    return std::move(graph_);
  }
  Graph finish(int output) { return finish(std::vector<int>{output}); }

  Graph& graph() { return graph_; }

 private:
  ZooOptions options_;
  SplitMix64 rng_;
  Graph graph_;
};

inline std::int64_t image_size(const ZooOptions& o, std::int64_t fallback) {
  return o.image_size > 0 ? o.image_size : fallback;
}

Graph bert_encoder(const std::string& name, const ZooOptions& o, int layers);
Graph bert_base_cased(const ZooOptions& o);
Graph bert_large(const ZooOptions& o);
Graph roberta_encoder(const std::string& name, const ZooOptions& o, int layers);
Graph yolov4(const ZooOptions& o);
Graph ssd300(const ZooOptions& o);
Graph openpose(const ZooOptions& o);

}  // namespace infsim::models::zoo_detail
