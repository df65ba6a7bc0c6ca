#include "models/shape_inference.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "models/model_error.h"
#include "models/shape_rules.h"

namespace infsim::models {

namespace shape_detail {

[[noreturn]] void fail(const Node& node, const std::string& what) {
  throw_node_error(node, what);
}

// A form of an operator the IR does not know (not a malformed model): `analyze` lists it.
[[noreturn]] void unsupported(const Node& node, const std::string& what) {
  throw_node_error(node, what, ErrorKind::kUnsupportedOperator);
}

// Wraps a possibly negative axis into [0, rank), as ONNX allows.
std::int64_t normalize_axis(const Node& node, std::int64_t axis, std::size_t rank) {
  auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r) {
    fail(node, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + r : axis;
}

const Tensor& input(const Graph& g, const Node& node, std::size_t i) {
  if (i >= node.inputs.size() || node.inputs[i] < 0) {
    fail(node, "missing input " + std::to_string(i));
  }
  return g.tensors[static_cast<std::size_t>(node.inputs[i])];
}

bool has_input(const Node& node, std::size_t i) {
  return i < node.inputs.size() && node.inputs[i] >= 0;
}

const Shape& in_shape(const Graph& g, const Node& node, std::size_t i) {
  return input(g, node, i).shape;
}

// Integer values of a shape-like input (Reshape's shape, Pad's pads, ...), which must be known.
std::vector<std::int64_t> const_ints(const Graph& g, const Node& node, std::size_t i) {
  const Tensor& t = input(g, node, i);
  if (!t.int_data.empty() || (t.is_constant && num_elements(t.shape) == 0)) return t.int_data;
  if (t.is_constant && !t.data.empty()) {
    std::vector<std::int64_t> v;
    for (float f : t.data) v.push_back(static_cast<std::int64_t>(f));
    return v;
  }
  fail(node, "input '" + t.name + "' must be a constant with known integer values");
}

std::vector<float> const_floats(const Graph& g, const Node& node, std::size_t i) {
  const Tensor& t = input(g, node, i);
  if (!t.data.empty()) return t.data;
  std::vector<float> v;
  for (auto x : t.int_data) v.push_back(static_cast<float>(x));
  if (v.empty() && num_elements(t.shape) != 0) {
    fail(node, "input '" + t.name + "' must be a constant with known values");
  }
  return v;
}

void set_output(Graph& g, const Node& node, std::size_t i, Shape shape, DType dtype) {
  if (i >= node.outputs.size() || node.outputs[i] < 0) return;
  try {
    num_elements(shape);  // no negative dimension, no overflow
  } catch (const ModelError& e) {
    fail(node, std::string("output: ") + e.what());
  }
  Tensor& t = g.tensors[static_cast<std::size_t>(node.outputs[i])];
  t.shape = std::move(shape);
  t.dtype = dtype;
}

Shape broadcast(const Node& node, const Shape& a, const Shape& b) {
  std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      fail(node, "shapes " + shape_string(a) + " and " + shape_string(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::int64_t pooled_size(const Node& node, std::int64_t in, std::int64_t kernel,
                         std::int64_t stride, std::int64_t pad_begin, std::int64_t pad_end,
                         std::int64_t dilation, bool ceil_mode) {
  std::int64_t pad_total = pad_begin + pad_end;
  std::int64_t effective = dilation * (kernel - 1) + 1;
  std::int64_t span = in + pad_total - effective;
  if (span < 0) {
    fail(node, "window " + std::to_string(kernel) + " does not fit input extent " +
                   std::to_string(in) + " with padding " + std::to_string(pad_total));
  }
  std::int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // ONNX/PyTorch: with ceil_mode the last window must start inside the input or left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

}  // namespace shape_detail

using namespace shape_detail;

// Kernel sizes, strides, dilations and pads above this are certainly a corrupt file.
constexpr std::int64_t kMaxWindowExtent = std::int64_t{1} << 24;

SpatialWindow spatial_window(const Node& node, const Shape& x,
                             const std::vector<std::int64_t>& kernel) {
  std::size_t n = kernel.size();
  if (x.size() != n + 2) fail(node, "input " + shape_string(x) + " does not match the kernel rank");
  SpatialWindow w;
  w.kernel = kernel;
  w.strides = attr_ints(node, "strides", std::vector<std::int64_t>(n, 1));
  w.dilations = attr_ints(node, "dilations", std::vector<std::int64_t>(n, 1));
  w.pads = attr_ints(node, "pads", std::vector<std::int64_t>(2 * n, 0));
  if (w.strides.size() != n || w.dilations.size() != n || w.pads.size() != 2 * n) {
    fail(node, "strides/dilations/pads do not match the " + std::to_string(n) + "-d kernel");
  }
  // Bounded so that the window arithmetic below cannot overflow.
  auto check = [&](const char* what, const std::vector<std::int64_t>& v, std::int64_t lo) {
    for (std::int64_t e : v) {
      if (e < lo || e > kMaxWindowExtent) {
        fail(node, std::string(what) + " " + std::to_string(e) + " out of range [" +
                       std::to_string(lo) + ", " + std::to_string(kMaxWindowExtent) + "]");
      }
    }
  };
  check("kernel size", w.kernel, 1);
  check("stride", w.strides, 1);
  check("dilation", w.dilations, 1);
  check("padding", w.pads, 0);
  std::string auto_pad = attr_string(node, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t in = x[2 + i];
      std::int64_t out = (in + w.strides[i] - 1) / w.strides[i];
      std::int64_t total = std::max<std::int64_t>(
          0, (out - 1) * w.strides[i] + w.dilations[i] * (kernel[i] - 1) + 1 - in);
      std::int64_t small = total / 2;
      w.pads[i] = auto_pad == "SAME_UPPER" ? small : total - small;
      w.pads[i + n] = total - w.pads[i];
    }
  } else if (auto_pad == "VALID") {
    std::fill(w.pads.begin(), w.pads.end(), 0);
  } else if (auto_pad != "NOTSET") {
    unsupported(node, "unsupported auto_pad '" + auto_pad + "'");
  }
  return w;
}

namespace shape_detail {

Shape infer_conv(const Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  const Shape& w = in_shape(g, node, 1);
  if (x.size() != 4 || w.size() != 4) {
    fail(node, "only 2-D convolution is supported (input " + shape_string(x) + ", weight " +
                   shape_string(w) + ")");
  }
  std::int64_t group = attr_int(node, "group", 1);
  if (group <= 0 || group > x[1] || x[1] != w[1] * group || w[0] % group != 0) {
    fail(node, "input channels " + std::to_string(x[1]) + " do not match weight " +
                   shape_string(w) + " with group " + std::to_string(group));
  }
  auto kernel = attr_ints(node, "kernel_shape", {w[2], w[3]});
  if (kernel.size() != 2 || kernel[0] != w[2] || kernel[1] != w[3]) {
    fail(node, "kernel_shape does not match weight " + shape_string(w));
  }
  if (has_input(node, 2) && in_shape(g, node, 2) != Shape{w[0]}) {
    fail(node, "bias " + shape_string(in_shape(g, node, 2)) + " does not match " +
                   std::to_string(w[0]) + " output channels");
  }
  SpatialWindow win = spatial_window(node, x, kernel);
  Shape out{x[0], w[0], 0, 0};
  for (std::size_t i = 0; i < 2; ++i) {
    out[2 + i] = pooled_size(node, x[2 + i], kernel[i], win.strides[i], win.pads[i],
                             win.pads[i + 2], win.dilations[i], false);
  }
  return out;
}

Shape infer_pool(const Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  if (x.size() != 4) fail(node, "pooling needs an NCHW input, got " + shape_string(x));
  auto kernel = attr_ints(node, "kernel_shape");
  if (kernel.size() != 2) fail(node, "kernel_shape must have 2 entries");
  SpatialWindow win = spatial_window(node, x, kernel);
  bool ceil_mode = attr_int(node, "ceil_mode", 0) != 0;
  Shape out{x[0], x[1], 0, 0};
  for (std::size_t i = 0; i < 2; ++i) {
    out[2 + i] = pooled_size(node, x[2 + i], kernel[i], win.strides[i], win.pads[i],
                             win.pads[i + 2], win.dilations[i], ceil_mode);
  }
  return out;
}

Shape infer_matmul(const Node& node, Shape a, Shape b) {
  if (a.empty() || b.empty()) fail(node, "MatMul operands must have rank >= 1");
  bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a.insert(a.begin(), 1);
  if (b_vec) b.push_back(1);
  if (a.back() != b[b.size() - 2]) {
    fail(node, "inner dimensions differ: " + shape_string(a) + " x " + shape_string(b));
  }
  Shape batch = broadcast(node, Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!a_vec) batch.push_back(a[a.size() - 2]);
  if (!b_vec) batch.push_back(b.back());
  return batch;
}

void same_as_input(Graph& g, const Node& node) {
  set_output(g, node, 0, in_shape(g, node, 0), input(g, node, 0).dtype);
}

void infer_conv_node(Graph& g, const Node& node) {
  set_output(g, node, 0, infer_conv(g, node), DType::kFp32);
}

void infer_batch_normalization(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  if (x.size() < 2) fail(node, "input must have a channel dimension");
  for (std::size_t i = 1; i <= 4; ++i) {
    if (in_shape(g, node, i) != Shape{x[1]}) {
      fail(node, "parameter '" + input(g, node, i).name + "' has shape " +
                     shape_string(in_shape(g, node, i)) + ", expected [" + std::to_string(x[1]) +
                     "]");
    }
  }
  same_as_input(g, node);
}

void infer_unary(Graph& g, const Node& node) {
  same_as_input(g, node);
}

void infer_dropout(Graph& g, const Node& node) {
  same_as_input(g, node);
  set_output(g, node, 1, in_shape(g, node, 0), DType::kBool);
}

void infer_softmax(Graph& g, const Node& node) {
  normalize_axis(node, attr_int(node, "axis", -1), in_shape(g, node, 0).size());
  same_as_input(g, node);
}

void infer_layer_normalization(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto axis = normalize_axis(node, attr_int(node, "axis", -1), x.size());
  Shape norm(x.begin() + axis, x.end());
  for (std::size_t i = 1; i <= 2; ++i) {
    if (has_input(node, i) && broadcast(node, norm, in_shape(g, node, i)) != norm) {
      fail(node, "scale/bias " + shape_string(in_shape(g, node, i)) +
                     " do not match normalized shape " + shape_string(norm));
    }
  }
  same_as_input(g, node);
  Shape stat = x;
  for (std::size_t i = static_cast<std::size_t>(axis); i < stat.size(); ++i) stat[i] = 1;
  set_output(g, node, 1, stat, DType::kFp32);
  set_output(g, node, 2, stat, DType::kFp32);
}

void infer_window_pool(Graph& g, const Node& node) {
  set_output(g, node, 0, infer_pool(g, node), DType::kFp32);
}

void infer_global_pool(Graph& g, const Node& node) {
  Shape x = in_shape(g, node, 0);
  if (x.size() < 3) fail(node, "needs an N,C,spatial... input, got " + shape_string(x));
  std::fill(x.begin() + 2, x.end(), 1);
  set_output(g, node, 0, x, DType::kFp32);
}

void infer_binary(Graph& g, const Node& node) {
  set_output(g, node, 0, broadcast(node, in_shape(g, node, 0), in_shape(g, node, 1)),
             input(g, node, 0).dtype);
}

void infer_matmul_node(Graph& g, const Node& node) {
  set_output(g, node, 0, infer_matmul(node, in_shape(g, node, 0), in_shape(g, node, 1)),
             DType::kFp32);
}

void infer_gemm(Graph& g, const Node& node) {
  Shape a = in_shape(g, node, 0), b = in_shape(g, node, 1);
  if (a.size() != 2 || b.size() != 2) {
    fail(node, "operands must be 2-D, got " + shape_string(a) + " and " + shape_string(b));
  }
  if (attr_int(node, "transA", 0)) std::swap(a[0], a[1]);
  if (attr_int(node, "transB", 0)) std::swap(b[0], b[1]);
  if (a[1] != b[0]) {
    fail(node, "inner dimensions differ: " + shape_string(a) + " x " + shape_string(b) +
                   " (after transA/transB)");
  }
  Shape out{a[0], b[1]};
  if (has_input(node, 2) && broadcast(node, out, in_shape(g, node, 2)) != out) {
    fail(node,
         "C " + shape_string(in_shape(g, node, 2)) + " does not broadcast to " + shape_string(out));
  }
  set_output(g, node, 0, out, DType::kFp32);
}

void infer_concat(Graph& g, const Node& node) {
  Shape out = in_shape(g, node, 0);
  auto axis = static_cast<std::size_t>(normalize_axis(node, attr_int(node, "axis", 0), out.size()));
  for (std::size_t i = 1; i < node.inputs.size(); ++i) {
    const Shape& s = in_shape(g, node, i);
    bool fits = s.size() == out.size();
    for (std::size_t d = 0; fits && d < s.size(); ++d) fits = d == axis || s[d] == out[d];
    if (!fits) {
      fail(node, "input '" + input(g, node, i).name + "' " + shape_string(s) + " does not match " +
                     shape_string(in_shape(g, node, 0)) + " outside axis " + std::to_string(axis));
    }
    out[axis] += s[axis];
  }
  set_output(g, node, 0, out, input(g, node, 0).dtype);
}

using InferFn = void (*)(Graph&, const Node&);

// Every operator the IR knows, with its shape rule: the one list behind supported_ops(),
// infer_node_shapes() and validate().
const std::map<std::string, InferFn>& shape_rules() {
  static const std::map<std::string, InferFn> kRules = {
      {"Abs", infer_unary},
      {"Add", infer_binary},
      {"AveragePool", infer_window_pool},
      {"BatchNormalization", infer_batch_normalization},
      {"Cast", infer_cast},
      {"Clip", infer_unary},
      {"Concat", infer_concat},
      {"CumSum", infer_unary},
      {"ConstantOfShape", infer_constant_of_shape},
      {"Conv", infer_conv_node},
      {"Div", infer_binary},
      {"Dropout", infer_dropout},
      {"Equal", infer_compare},
      {"Erf", infer_unary},
      {"Exp", infer_unary},
      {"Expand", infer_expand},
      {"Flatten", infer_flatten},
      {"Gather", infer_gather},
      {"Gelu", infer_unary},
      {"Gemm", infer_gemm},
      {"GlobalAveragePool", infer_global_pool},
      {"GlobalMaxPool", infer_global_pool},
      {"Greater", infer_compare},
      {"HardSigmoid", infer_unary},
      {"HardSwish", infer_unary},
      {"Identity", infer_unary},
      {"LayerNormalization", infer_layer_normalization},
      {"LeakyRelu", infer_unary},
      {"Less", infer_compare},
      {"MatMul", infer_matmul_node},
      {"Max", infer_binary},
      {"MaxPool", infer_window_pool},
      {"Min", infer_binary},
      {"Mish", infer_unary},
      {"Mul", infer_binary},
      {"Neg", infer_unary},
      {"Not", infer_not},
      {"Pad", infer_pad},
      {"Pow", infer_binary},
      {"Range", infer_range},
      {"Reciprocal", infer_unary},
      {"ReduceL2", infer_reduce},
      {"ReduceMax", infer_reduce},
      {"ReduceMean", infer_reduce},
      {"ReduceSum", infer_reduce},
      {"Relu", infer_unary},
      {"Reshape", infer_reshape_node},
      {"Resize", infer_resize_node},
      {"Shape", infer_shape},
      {"Sigmoid", infer_unary},
      {"Slice", infer_slice_node},
      {"Softmax", infer_softmax},
      {"Softplus", infer_unary},
      {"Split", infer_split},
      {"Sqrt", infer_unary},
      {"Squeeze", infer_squeeze},
      {"Sub", infer_binary},
      {"Tanh", infer_unary},
      {"TopK", infer_topk},
      {"Transpose", infer_transpose},
      {"Unsqueeze", infer_unsqueeze},
      {"Where", infer_where},
  };
  return kRules;
}

}  // namespace shape_detail

const std::vector<std::string>& supported_ops() {
  static const std::vector<std::string> kOps = [] {
    std::vector<std::string> ops;
    for (const auto& [op, rule] : shape_rules()) ops.push_back(op);
    return ops;
  }();
  return kOps;
}

bool is_supported_op(const std::string& op) {
  return shape_rules().count(op) > 0;
}

void infer_node_shapes(Graph& graph, std::size_t node_index) {
  const Node& node = graph.nodes.at(node_index);
  // Every supported operator has at least one output; folding and execution write outputs[0].
  if (node.outputs.empty()) fail(node, "has no output");
  for (int id : node.inputs) {
    if (id >= static_cast<int>(graph.tensors.size())) fail(node, "input id out of range");
  }
  for (int id : node.outputs) {
    if (id < 0 || id >= static_cast<int>(graph.tensors.size())) {
      fail(node, "output id out of range");
    }
  }
  auto rule = shape_rules().find(node.op);
  if (rule == shape_rules().end()) unsupported(node, "unsupported operator");
  rule->second(graph, node);
}

void infer_shapes(Graph& graph) {
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) infer_node_shapes(graph, i);
}

}  // namespace infsim::models
