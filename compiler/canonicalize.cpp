#include "compiler/canonicalize.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <string>

#include "compiler/compile_error.h"
#include "compiler/layout.h"
#include "compiler/lower_transformer.h"
#include "models/size_budget.h"

namespace infsim::compiler {
namespace {

using models::Graph;
using models::Node;

std::int64_t get_int(const Node& node, const std::string& key, std::int64_t fallback) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return fallback;
  if (const auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  throw CompileError(
      "node '" + node.name + "' (" + node.op + "): attribute '" + key + "' is not an integer",
      ErrorKind::kInvalidModel, ErrorLocation::at_node(node.name, node.op));
}

float get_float(const Node& node, const std::string& key, float fallback) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return fallback;
  if (const auto* v = std::get_if<float>(&it->second)) return *v;
  if (const auto* v = std::get_if<std::int64_t>(&it->second)) return static_cast<float>(*v);
  throw CompileError(
      "node '" + node.name + "' (" + node.op + "): attribute '" + key + "' is not a number",
      ErrorKind::kInvalidModel, ErrorLocation::at_node(node.name, node.op));
}

std::string get_string(const Node& node, const std::string& key) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return "";
  if (const auto* v = std::get_if<std::string>(&it->second)) return *v;
  return "";
}

std::vector<std::int64_t> get_ints(const Node& node, const std::string& key) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return {};
  if (const auto* v = std::get_if<std::vector<std::int64_t>>(&it->second)) return *v;
  throw CompileError("node '" + node.name + "' (" + node.op + "): attribute '" + key +
                         "' is not a list of integers",
                     ErrorKind::kInvalidModel, ErrorLocation::at_node(node.name, node.op));
}

const std::set<std::string>& device_ops() {
  static const std::set<std::string> ops = {"Conv",
                                            "Gemm",
                                            "MatMul",
                                            "BatchNormalization",
                                            "Relu",
                                            "Clip",
                                            "Sigmoid",
                                            "Tanh",
                                            "LeakyRelu",
                                            "Gelu",
                                            "Add",
                                            "Sub",
                                            "Mul",
                                            "Div",
                                            "Max",
                                            "Min",
                                            "MaxPool",
                                            "AveragePool",
                                            "GlobalAveragePool",
                                            "GlobalMaxPool",
                                            "Flatten",
                                            "Reshape",
                                            "Squeeze",
                                            "Unsqueeze",
                                            "Identity",
                                            "Dropout",
                                            "Concat",
                                            "Pad",
                                            "Transpose",
                                            "Softmax",
                                            "LayerNormalization",
                                            "Resize",
                                            "Slice",
                                            "Erf"};
  return ops;
}

// Device operators only inside a recognised pattern (multi-head attention, GELU): at the end of
// a graph (a classifier's Softmax) --cpu-fallback still puts them on the host.
bool context_only_op(const std::string& op) {
  return op == "Transpose" || op == "Softmax" || op == "Slice" || op == "Erf";
}

bool is_activation_op(const std::string& op) {
  return op == "Relu" || op == "Clip" || op == "Sigmoid" || op == "Tanh" || op == "LeakyRelu" ||
         op == "Gelu";
}

// What a graph tensor is, on the device side.
struct TensorBinding {
  int value = -1;
  bool flattened = false;  // a [N, C*H*W] view of a C x H x W value
  // A zero Pad not applied yet: the next Conv or AveragePool takes it into its own padding.
  std::array<int, 4> pad{};  // top, left, bottom, right
  bool padded() const { return pad[0] || pad[1] || pad[2] || pad[3]; }
  // Inside a multi-head attention pattern (lower_transformer.h): which view of it this is.
  // `value` is Q (or the split/transposed value itself); keys/vals are K and V once met.
  enum class View { kNone, kSplit, kHeads, kKeysT, kScores, kProbs, kContext, kContextT };
  View view = View::kNone;
  int heads = 0;
  int keys = -1, vals = -1;
  float scale = 1.0f;
  int head_dim = 0;
  // A channel range [channel0, channel0 + slice_channels) of the value (Slice of a packed QKV
  // projection); 0 channels = the whole value. Only a head split may read a slice.
  int channel0 = 0, slice_channels = 0;
  std::array<int, 3> offsets{};  // kContext: channel offsets of Q, K, V
};

class Canonicalizer {
 public:
  Canonicalizer(const Graph& graph, std::uint32_t batch, bool cpu_fallback)
      : graph_(graph), batch_(batch), cpu_fallback_(cpu_fallback) {}

  CanonicalGraph run() {
    // The model size budget before anything is sized from the graph: each activation alone, the
    // constants together (zoo graphs and programmatic ones have not been through the importer).
    models::SizeBudget budget;
    for (const models::Tensor& t : graph_.tensors) {
      const std::uint64_t bytes = models::tensor_bytes(t.shape, t.dtype);
      if (t.is_constant) {
        budget.claim(bytes, "model '" + graph_.name + "'", t.name, t.shape);
      } else {
        budget.check(bytes, "model '" + graph_.name + "'", t.name, t.shape);
      }
    }
    out_.graph.name = graph_.name;
    out_.graph.batch = static_cast<int>(batch_);
    use_count_.assign(graph_.tensors.size(), 0);
    for (const Node& n : graph_.nodes)
      for (int t : n.inputs)
        if (t >= 0) ++use_count_[t];
    for (int t : graph_.outputs) ++use_count_[t];
    bindings_.assign(graph_.tensors.size(), TensorBinding{});
    place_on_host();
    for (int t : graph_.inputs)
      if (!host_tensor(t)) bind_input(t);
    skip_node_.assign(graph_.nodes.size(), false);
    consumers_.assign(graph_.tensors.size(), {});
    for (std::size_t i = 0; i < graph_.nodes.size(); ++i)
      for (int t : graph_.nodes[i].inputs)
        if (t >= 0) consumers_[t].push_back(static_cast<int>(i));
    for (std::size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (host_node_[i] || skip_node_[i]) continue;
      lower_node(graph_.nodes[i]);
    }
    for (int t : device_outputs_) mark_output(t);
    if (out_.graph.layers.empty())
      throw CompileError("model '" + graph_.name + "' has no operator to place on the device");
    for (std::size_t li = 0; li < out_.graph.layers.size(); ++li)
      for (int v : out_.graph.layers[li].inputs)
        out_.graph.values[v].consumers.push_back(static_cast<int>(li));
    for (std::size_t li = 0; li < out_.graph.layers.size(); ++li) {
      int r = out_.graph.layers[li].epilogue.residual;
      if (r >= 0) out_.graph.values[r].consumers.push_back(static_cast<int>(li));
    }
    for (Value& v : out_.graph.values) {
      std::sort(v.consumers.begin(), v.consumers.end());
      v.consumers.erase(std::unique(v.consumers.begin(), v.consumers.end()), v.consumers.end());
    }
    return std::move(out_);
  }

 private:
  // --cpu-fallback: unsupported nodes that only depend on graph inputs (a prefix) or only feed
  // graph outputs (a suffix) run on the host; the tensors crossing become device inputs/outputs.
  void place_on_host() {
    host_node_.assign(graph_.nodes.size(), false);
    host_tensor_.assign(graph_.tensors.size(), false);
    for (std::size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& n = graph_.nodes[i];
      if (is_device_op(n.op) || !cpu_fallback_) continue;
      bool prefix = std::all_of(n.inputs.begin(), n.inputs.end(), [&](int t) {
        return t < 0 || graph_.tensors[t].is_constant || host_tensor_[t] || is_graph_input(t);
      });
      if (!prefix) continue;
      host_node_[i] = true;
      for (int t : n.outputs) host_tensor_[t] = true;
      out_.host_ops.push_back(host_op(n, true));
    }
    std::vector<bool> feeds_host_only(graph_.tensors.size(), false);
    for (std::size_t k = graph_.nodes.size(); k-- > 0;) {
      const Node& n = graph_.nodes[k];
      if (host_node_[k] || (is_device_op(n.op) && !context_only_op(n.op)) || !cpu_fallback_)
        continue;
      bool suffix = std::all_of(n.outputs.begin(), n.outputs.end(), [&](int t) {
        for (std::size_t j = k + 1; j < graph_.nodes.size(); ++j) {
          const Node& m = graph_.nodes[j];
          if (std::find(m.inputs.begin(), m.inputs.end(), t) != m.inputs.end() && !host_node_[j])
            return false;
        }
        return true;
      });
      if (!suffix) continue;
      host_node_[k] = true;
      out_.host_ops.push_back(host_op(n, false));
    }
    // Device outputs: graph outputs produced on the device, and device tensors read by the host.
    for (int t : graph_.outputs)
      if (!host_tensor_[t] && !produced_by_host_suffix(t)) device_outputs_.push_back(t);
    for (std::size_t k = 0; k < graph_.nodes.size(); ++k) {
      if (!host_node_[k]) continue;
      for (int t : graph_.nodes[k].inputs)
        if (t >= 0 && !graph_.tensors[t].is_constant && !host_tensor_[t] && !is_graph_input(t) &&
            std::find(device_outputs_.begin(), device_outputs_.end(), t) == device_outputs_.end())
          device_outputs_.push_back(t);
    }
    // Host prefix results read by the device are device inputs.
    for (std::size_t k = 0; k < graph_.nodes.size(); ++k) {
      if (host_node_[k]) continue;
      for (int t : graph_.nodes[k].inputs)
        if (t >= 0 && host_tensor_[t] && bindings_[t].value < 0) bind_input(t);
    }
  }

  bool produced_by_host_suffix(int t) const {
    for (std::size_t k = 0; k < graph_.nodes.size(); ++k)
      if (host_node_[k] && std::find(graph_.nodes[k].outputs.begin(), graph_.nodes[k].outputs.end(),
                                     t) != graph_.nodes[k].outputs.end())
        return true;
    return false;
  }

  bool host_tensor(int t) const { return host_tensor_[t]; }

  bool is_graph_input(int t) const {
    return std::find(graph_.inputs.begin(), graph_.inputs.end(), t) != graph_.inputs.end();
  }

  isa::HostOp host_op(const Node& n, bool before) const {
    isa::HostOp op;
    op.name = n.name;
    op.op = n.op;
    op.before_device = before;
    std::uint64_t bytes = 0, elements = 0;
    for (int t : n.inputs)
      if (t >= 0) bytes += tensor_bytes(t);
    for (int t : n.outputs) {
      bytes += tensor_bytes(t);
      elements += static_cast<std::uint64_t>(numel(graph_.tensors[t].shape));
    }
    op.bytes = bytes;
    op.flops = elements;  // one operation per output element: these are data-movement ops
    return op;
  }

  std::uint64_t tensor_bytes(int t) const {
    const models::Tensor& tensor = graph_.tensors[t];
    std::uint64_t e = static_cast<std::uint64_t>(numel(tensor.shape));
    switch (tensor.dtype) {
      case models::DType::kFp32:
      case models::DType::kInt32:
        return e * 4;
      case models::DType::kInt64:
        return e * 8;
      case models::DType::kFp16:
      case models::DType::kBf16:
        return e * 2;
      default:
        return e;
    }
  }

  static std::int64_t numel(const std::vector<std::int64_t>& shape) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }

  [[noreturn]] void fail(const Node& n, const std::string& why) const {
    throw CompileError("node '" + n.name + "' (" + n.op + "): " + why,
                       ErrorKind::kUnsupportedOperator, ErrorLocation::at_node(n.name, n.op));
  }

  // A new Value from a graph tensor's shape: [N, C, H, W], [N, F] or [N, S, F].
  int new_value(int t) {
    const models::Tensor& tensor = graph_.tensors[t];
    const auto& s = tensor.shape;
    Value v;
    v.name = tensor.name;
    v.shape = s;
    // At batch 1, sequence-first [S, 1, D] and token-rows [S, D] (torch's TransformerEncoder
    // export) are the [1, S, D] layout.
    if (batch_ == 1 && !s.empty() && s[0] != 1 && (s.size() == 2 || (s.size() == 3 && s[1] == 1))) {
      v.channels = static_cast<int>(s.back());
      v.width = static_cast<int>(s[0]);
      out_.graph.values.push_back(v);
      return static_cast<int>(out_.graph.values.size()) - 1;
    }
    if (s.empty() || s[0] != static_cast<std::int64_t>(batch_))
      throw CompileError("tensor '" + tensor.name + "' has shape " + shape_text(s) +
                         " but the model is compiled for batch " + std::to_string(batch_) +
                         " (the leading dimension must be the batch)");
    if (s.size() == 4) {
      v.channels = static_cast<int>(s[1]);
      v.height = static_cast<int>(s[2]);
      v.width = static_cast<int>(s[3]);
    } else if (s.size() == 2) {
      v.channels = static_cast<int>(s[1]);
    } else if (s.size() == 3) {
      v.channels = static_cast<int>(s[2]);
      v.width = static_cast<int>(s[1]);
    } else {
      throw CompileError("tensor '" + tensor.name + "' has rank " + std::to_string(s.size()) +
                         "; the device layout takes rank 2, 3 or 4");
    }
    out_.graph.values.push_back(v);
    return static_cast<int>(out_.graph.values.size()) - 1;
  }

  static std::string shape_text(const std::vector<std::int64_t>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
  }

  void bind_input(int t) {
    int v = new_value(t);
    out_.graph.values[v].graph_input = true;
    out_.graph.inputs.push_back(v);
    bindings_[t].value = v;
  }

  void mark_output(int t) {
    const TensorBinding& b = bindings_[t];
    if (b.value < 0)
      throw CompileError("graph output '" + graph_.tensors[t].name +
                         "' is not computed on the device");
    if (b.flattened)
      throw CompileError("graph output '" + graph_.tensors[t].name +
                         "' is a flattened feature map; add the consuming layer to the model");
    Value& v = out_.graph.values[b.value];
    if (v.graph_input)
      throw CompileError("graph output '" + graph_.tensors[t].name + "' is a graph input");
    v.graph_output = true;
    v.shape = graph_.tensors[t].shape;
    if (std::find(out_.graph.outputs.begin(), out_.graph.outputs.end(), b.value) ==
        out_.graph.outputs.end())
      out_.graph.outputs.push_back(b.value);
  }

  const TensorBinding& input_binding(const Node& n, std::size_t i, bool accepts_pad = false) {
    if (i >= n.inputs.size() || n.inputs[i] < 0) fail(n, "missing input " + std::to_string(i));
    const TensorBinding& b = bindings_[n.inputs[i]];
    if (b.padded() && !accepts_pad)
      fail(n, "reads a zero-padded tensor; only Conv and AveragePool can take a Pad's padding");
    if (b.view != TensorBinding::View::kNone || b.slice_channels > 0)
      fail(n,
           "reads a multi-head attention intermediate; only Q/K/V head splits, MatMul(Q, K^T), "
           "a scalar scale, Softmax, MatMul(P, V) and the merge back to [B, S, D] are supported");
    if (b.value < 0) {
      const models::Tensor& t = graph_.tensors[n.inputs[i]];
      if (t.is_constant)
        fail(n, "input '" + t.name + "' is a constant where an activation is expected");
      fail(n, "input '" + t.name + "' is not available on the device");
    }
    return b;
  }

  const models::Tensor* constant(const Node& n, std::size_t i) const {
    if (i >= n.inputs.size() || n.inputs[i] < 0) return nullptr;
    const models::Tensor& t = graph_.tensors[n.inputs[i]];
    return t.is_constant ? &t : nullptr;
  }

  // The layer producing value `v` may take a fused epilogue step iff nothing else reads v.
  Layer* fusable_producer(const Node& n, int tensor, LayerKind kind) {
    const TensorBinding& b = bindings_[tensor];
    if (b.value < 0 || b.flattened) return nullptr;
    const Value& v = out_.graph.values[b.value];
    if (v.producer < 0 || v.graph_output || use_count_[tensor] != 1) return nullptr;
    if (std::find(device_outputs_.begin(), device_outputs_.end(), tensor) != device_outputs_.end())
      return nullptr;
    Layer& l = out_.graph.layers[v.producer];
    (void)n;
    return l.kind == kind ? &l : nullptr;
  }

  void bind_output(const Node& n, int value) {
    for (std::size_t i = 0; i < n.outputs.size(); ++i) {
      if (i == 0) {
        bindings_[n.outputs[0]].value = value;
        out_.graph.values[value].name = graph_.tensors[n.outputs[0]].name;
      } else if (use_count_[n.outputs[i]] > 0) {
        fail(n, "only the first output may be used on the device");
      }
    }
  }

  int add_layer(Layer layer, int out_tensor) {
    int v = new_value(out_tensor);
    layer.output = v;
    out_.graph.values[v].producer = static_cast<int>(out_.graph.layers.size());
    out_.graph.layers.push_back(std::move(layer));
    return v;
  }

  void lower_node(const Node& n) {
    const std::string& op = n.op;
    if (!is_device_op(op))
      fail(n, "operator not supported on the device" +
                  std::string(cpu_fallback_ ? " and not at the start or end of the graph"
                                            : " (try --cpu-fallback)"));
    if (op == "Identity" || op == "Dropout") {
      bindings_[n.outputs[0]] = input_binding(n, 0, true);
    } else if (op == "Reshape" && attention_reshape(n)) {
    } else if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") {
      lower_reshape(n);
    } else if (op == "Transpose") {
      attention_transpose(n);
    } else if (op == "MatMul" && attention_matmul(n)) {
    } else if ((op == "Div" || op == "Mul") && attention_scale(n)) {
    } else if (op == "Softmax") {
      attention_softmax(n);
    } else if (op == "LayerNormalization") {
      lower_layer_norm(n);
    } else if (op == "Resize") {
      lower_resize(n);
    } else if (op == "Slice") {
      lower_slice(n);
    } else if (op == "Erf") {
      fail(n, "Erf is only supported inside x * 0.5 * (1 + erf(x / sqrt(2))), which is GELU");
    } else if (op == "Div" && gelu(n)) {
    } else if (op == "Conv") {
      lower_conv(n);
    } else if (op == "Gemm" || op == "MatMul") {
      lower_gemm(n);
    } else if (op == "BatchNormalization") {
      lower_batchnorm(n);
    } else if (is_activation_op(op)) {
      lower_activation(n);
    } else if (op == "Concat") {
      lower_concat(n);
    } else if (op == "Pad") {
      lower_pad(n);
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" ||
               op == "Min") {
      lower_binary(n);
    } else {
      lower_pool(n);
    }
  }

  // --- multi-head attention (lower_transformer.h): views until the merge back to [B, S, D] ---
  using View = TensorBinding::View;

  const TensorBinding& raw_binding(const Node& n, std::size_t i) const {
    if (i >= n.inputs.size() || n.inputs[i] < 0) fail(n, "missing input " + std::to_string(i));
    return bindings_[n.inputs[i]];
  }

  // Reshape [B, S, D] -> [B, S, H, dh] (at batch 1 also [S, 1, D] -> [S, H, dh]): a head split;
  // the context [B, S, H, dh] -> [B, S, D] (or [S, D], [S, 1, D]): the attention layer.
  bool attention_reshape(const Node& n) {
    const TensorBinding& in = raw_binding(n, 0);
    const auto& os = graph_.tensors[n.outputs[0]].shape;
    if (in.view == View::kContextT) {
      const Value& q = out_.graph.values[in.value];
      const std::int64_t d = std::int64_t{in.heads} * in.head_dim;
      const bool bsd = os.size() == 3 && os[0] == batch_ && os[1] == q.width && os[2] == d;
      const bool sd = batch_ == 1 && os.size() == 2 && os[0] == q.width && os[1] == d;
      const bool s1d =
          batch_ == 1 && os.size() == 3 && os[0] == q.width && os[1] == 1 && os[2] == d;
      if (!bsd && !sd && !s1d) fail(n, "the attention context must be merged back to [B, S, D]");
      add_attention(n, in);
      return true;
    }
    if (in.view != View::kNone || in.value < 0 || in.flattened || in.padded()) return false;
    const Value& v = out_.graph.values[in.value];
    const int channels = in.slice_channels > 0 ? in.slice_channels : v.channels;
    std::int64_t heads = 0, dh = 0;
    if (v.height == 1 && os.size() == 4 && os[0] == batch_ && os[1] == v.width &&
        os[2] * os[3] == channels) {
      heads = os[2];
      dh = os[3];
    } else if (batch_ == 1 && v.height == 1 && os.size() == 3 && os[0] == v.width && os[1] > 1 &&
               os[1] * os[2] == channels) {
      heads = os[1];
      dh = os[2];
    } else {
      return false;
    }
    if (dh > kPartitions || kPartitions % dh != 0 || in.channel0 % dh != 0)
      fail(n, "head size " + std::to_string(dh) + " must divide 128 (and the head offsets)");
    TensorBinding b = in;
    b.view = View::kSplit;
    b.heads = static_cast<int>(heads);
    b.head_dim = static_cast<int>(dh);
    bindings_[n.outputs[0]] = b;
    return true;
  }

  void attention_transpose(const Node& n) {
    TensorBinding b = raw_binding(n, 0);
    const std::vector<std::int64_t> perm = get_ints(n, "perm");
    using P = std::vector<std::int64_t>;
    const bool rank3 = perm.size() == 3;
    const auto& shape = graph_.tensors[n.inputs[0]].shape;
    if (b.view == View::kNone && b.slice_channels == 0 && batch_ == 1 && perm == P{1, 0, 2} &&
        shape.size() == 3 && (shape[0] == 1 || shape[1] == 1)) {
      // [1, S, D] <-> [S, 1, D] at batch 1: the same layout.
      bindings_[n.outputs[0]] = input_binding(n, 0);
      return;
    }
    if (b.view == View::kSplit && perm == (rank3 ? P{1, 0, 2} : P{0, 2, 1, 3})) {
      b.view = View::kHeads;
    } else if (b.view == View::kSplit && perm == (rank3 ? P{1, 2, 0} : P{0, 2, 3, 1})) {
      b.view = View::kKeysT;
    } else if (b.view == View::kHeads && b.scale == 1.0f &&
               perm == (rank3 ? P{0, 2, 1} : P{0, 1, 3, 2})) {
      b.view = View::kKeysT;
    } else if (b.view == View::kContext && perm == (rank3 ? P{1, 0, 2} : P{0, 2, 1, 3})) {
      b.view = View::kContextT;
    } else {
      fail(n, "only the head split and merge transposes of multi-head attention are supported");
    }
    bindings_[n.outputs[0]] = b;
  }

  bool attention_matmul(const Node& n) {
    const TensorBinding& a = raw_binding(n, 0);
    const TensorBinding& b = raw_binding(n, 1);
    if (a.view == View::kNone && b.view == View::kNone) return false;
    TensorBinding r = a;
    if (a.view == View::kHeads && b.view == View::kKeysT && a.heads == b.heads &&
        a.head_dim == b.head_dim) {
      r.view = View::kScores;
      r.keys = b.value;
      r.scale = a.scale * b.scale;
      r.offsets = {a.channel0, b.channel0, 0};
    } else if (a.view == View::kProbs && b.view == View::kHeads && a.heads == b.heads &&
               b.scale == 1.0f) {
      r.view = View::kContext;
      r.vals = b.value;
      r.offsets[2] = b.channel0;
    } else {
      fail(n, "a MatMul inside multi-head attention must be Q x K^T or P x V");
    }
    bindings_[n.outputs[0]] = r;
    return true;
  }

  // A scalar scale of the scores (or of Q or K before their product).
  bool attention_scale(const Node& n) {
    const TensorBinding& a = raw_binding(n, 0);
    if (a.view != View::kScores && a.view != View::kHeads && a.view != View::kKeysT) return false;
    const models::Tensor* k = constant(n, 1);
    if (!k || k->data.size() != 1)
      fail(n, "attention scores may only be scaled by a scalar constant (masks are not supported)");
    TensorBinding r = a;
    r.scale = n.op == "Mul" ? a.scale * k->data[0] : a.scale / k->data[0];
    bindings_[n.outputs[0]] = r;
    return true;
  }

  void attention_softmax(const Node& n) {
    const TensorBinding& a = raw_binding(n, 0);
    std::int64_t axis = get_int(n, "axis", -1);
    const auto rank = static_cast<std::int64_t>(graph_.tensors[n.inputs[0]].shape.size());
    if (a.view != View::kScores || (axis != -1 && axis != rank - 1))
      fail(n, "Softmax is only supported over the keys of multi-head attention scores");
    TensorBinding r = a;
    r.view = View::kProbs;
    bindings_[n.outputs[0]] = r;
  }

  void add_attention(const Node& n, const TensorBinding& ctx) {
    const int seq = out_.graph.values[ctx.value].width;
    const int dh = ctx.head_dim, d = ctx.heads * dh;
    for (int v : {ctx.value, ctx.keys, ctx.vals}) {
      const Value& o = out_.graph.values[v];
      if (o.width != seq || o.height != 1)
        fail(n, "Q, K and V of an attention must have the same tokens");
    }
    Layer l;
    l.name = n.name;
    l.op = "Attention";
    l.kind = LayerKind::kAttention;
    l.inputs = {ctx.value, ctx.keys, ctx.vals};
    l.attention.heads = ctx.heads;
    l.attention.head_dim = dh;
    l.attention.scale = ctx.scale;
    l.attention.offsets = ctx.offsets;
    l.fused.push_back(n.name);
    l.macs = 2ull * seq * seq * d;
    l.flops = 6ull * seq * seq * ctx.heads;
    int v = add_layer(std::move(l), n.outputs[0]);
    if (out_.graph.values[v].channels != d) fail(n, "the merged context is not [B, S, heads x dh]");
    add_scratch(attention_scratch_elements(seq, dh));
    bind_output(n, v);
  }

  // Slice of the last (feature) axis with constant bounds and step 1: a channel range view.
  void lower_slice(const Node& n) {
    const TensorBinding& in = input_binding(n, 0);
    const auto& shape = graph_.tensors[n.inputs[0]].shape;
    auto ints = [&](std::size_t i) {
      const models::Tensor* t = constant(n, i);
      if (!t) return std::vector<std::int64_t>{};
      if (!t->int_data.empty()) return t->int_data;
      std::vector<std::int64_t> v;
      for (float f : t->data) v.push_back(static_cast<std::int64_t>(f));
      return v;
    };
    const auto starts = ints(1), ends = ints(2), axes = ints(3), steps = ints(4);
    const auto rank = static_cast<std::int64_t>(shape.size());
    std::int64_t axis = axes.empty() ? 0 : axes[0];
    if (axis < 0) axis += rank;
    if (in.flattened || starts.size() != 1 || ends.size() != 1 || axis != rank - 1 ||
        (!steps.empty() && steps[0] != 1) || out_.graph.values[in.value].height != 1)
      fail(n, "only a constant slice of the feature axis of [B, S, D] with step 1 is supported");
    const std::int64_t d = shape.back();
    std::int64_t lo = starts[0] < 0 ? starts[0] + d : starts[0];
    std::int64_t hi = ends[0] < 0 ? ends[0] + d : std::min(ends[0], d);
    if (lo < 0 || hi <= lo) fail(n, "empty slice");
    TensorBinding b = in;
    b.channel0 = static_cast<int>(lo);
    b.slice_channels = static_cast<int>(hi - lo);
    bindings_[n.outputs[0]] = b;
  }

  // x * 0.5 * (1 + erf(x / sqrt(2))) as torch exports GELU: Div, Erf, Add, Mul(x, .), Mul(., 0.5)
  // becomes one Gelu activation; true when `n` (the Div) starts that pattern.
  bool gelu(const Node& n) {
    const models::Tensor* k = constant(n, 1);
    if (!k || k->data.size() != 1 || std::abs(k->data[0] - std::sqrt(2.0f)) > 1e-4f) return false;
    const int x = n.inputs[0];
    auto only_consumer = [&](int tensor, const std::string& op) -> int {
      if (use_count_[tensor] != 1 || consumers_[tensor].size() != 1) return -1;
      const int c = consumers_[tensor][0];
      return graph_.nodes[c].op == op ? c : -1;
    };
    auto other = [&](const Node& m, int tensor) {
      return m.inputs.size() == 2 ? (m.inputs[0] == tensor ? m.inputs[1] : m.inputs[0]) : -2;
    };
    auto scalar_is = [&](int tensor, float value) {
      if (tensor < 0) return false;
      const models::Tensor& t = graph_.tensors[tensor];
      return t.is_constant && t.data.size() == 1 && t.data[0] == value;
    };
    const int erf = only_consumer(n.outputs[0], "Erf");
    if (erf < 0) return false;
    const int add = only_consumer(graph_.nodes[erf].outputs[0], "Add");
    if (add < 0 || !scalar_is(other(graph_.nodes[add], graph_.nodes[erf].outputs[0]), 1.0f))
      return false;
    const int mul = only_consumer(graph_.nodes[add].outputs[0], "Mul");
    if (mul < 0 || other(graph_.nodes[mul], graph_.nodes[add].outputs[0]) != x) return false;
    const int half = only_consumer(graph_.nodes[mul].outputs[0], "Mul");
    if (half < 0 || !scalar_is(other(graph_.nodes[half], graph_.nodes[mul].outputs[0]), 0.5f))
      return false;
    for (int i : {erf, add, mul, half}) skip_node_[i] = true;
    Node g{graph_.nodes[half].name, "Gelu", {x}, {graph_.nodes[half].outputs[0]}, {}};
    lower_activation(g);
    out_.graph.layers.back().fused = {n.name, graph_.nodes[erf].name, graph_.nodes[add].name,
                                      graph_.nodes[mul].name, g.name};
    return true;
  }

  // A scratch value for the last layer added, `elements` per partition per image.
  void add_scratch(std::uint64_t elements) {
    Layer& l = out_.graph.layers.back();
    Value s;
    s.name = l.name + ".scratch";
    s.channels = kPartitions;
    s.width = static_cast<int>(elements);
    s.shape = {static_cast<std::int64_t>(batch_), kPartitions, 1, s.width};
    s.producer = static_cast<int>(out_.graph.layers.size()) - 1;
    out_.graph.values.push_back(s);
    l.scratch = static_cast<int>(out_.graph.values.size()) - 1;
  }

  void lower_layer_norm(const Node& n) {
    const TensorBinding& in = input_binding(n, 0);
    if (in.flattened) fail(n, "layer normalization of a flattened tensor");
    const Value& x = out_.graph.values[in.value];
    const auto& shape = graph_.tensors[n.inputs[0]].shape;
    std::int64_t axis = get_int(n, "axis", -1);
    if (axis < 0) axis += static_cast<std::int64_t>(shape.size());
    if (axis != static_cast<std::int64_t>(shape.size()) - 1 || x.height != 1 ||
        (shape.size() != 2 && shape.size() != 3))
      fail(n, "only normalization over the last axis of [B, D] or [B, S, D] is supported");
    const models::Tensor* gamma = constant(n, 1);
    const models::Tensor* beta = constant(n, 2);
    if (!gamma || (n.inputs.size() > 2 && n.inputs[2] >= 0 && !beta))
      fail(n, "scale and bias must be constants");
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kLayerNorm;
    l.inputs = {in.value};
    l.epsilon = get_float(n, "epsilon", 1e-5f);
    if (!gamma->data.empty() && (!beta || !beta->data.empty())) {
      l.scale = gamma->data;
      l.shift = beta ? beta->data : std::vector<float>(gamma->data.size(), 0.0f);
      if (static_cast<int>(l.scale.size()) != x.channels ||
          static_cast<int>(l.shift.size()) != x.channels)
        fail(n, "scale and bias must have one value per feature");
    }
    l.fused.push_back(n.name);
    l.flops = 10ull * x.channels * x.pixels();
    const auto scratch = layer_norm_scratch_elements(x.channels, x.width);  // before x may move
    int v = add_layer(std::move(l), n.outputs[0]);
    add_scratch(scratch);
    bind_output(n, v);
  }

  void lower_reshape(const Node& n) {
    TensorBinding in = input_binding(n, 0);
    if (in.flattened) fail(n, "reshaping a flattened feature map is not supported");
    const Value& v = out_.graph.values[in.value];
    const auto& out_shape = graph_.tensors[n.outputs[0]].shape;
    bool same_layout = false;
    if (out_shape.size() == 2 && out_shape[1] == v.channels * v.pixels()) {
      if (v.pixels() == 1)
        same_layout = true;
      else
        in.flattened = true;
    }
    if (out_shape.size() == 4 && out_shape[1] == v.channels && out_shape[2] == v.height &&
        out_shape[3] == v.width)
      same_layout = true;
    if (out_shape.size() == 3 && out_shape[2] == v.channels && out_shape[1] == v.width &&
        v.height == 1)
      same_layout = true;
    // Batch 1: [S, 1, D] and [S, D] are [1, S, D] too.
    if (batch_ == 1 && v.height == 1 && !out_shape.empty() && out_shape[0] == v.width &&
        out_shape.back() == v.channels &&
        (out_shape.size() == 2 || (out_shape.size() == 3 && out_shape[1] == 1)))
      same_layout = true;
    if (!same_layout && !in.flattened)
      fail(n, "a reshape to " + shape_text(out_shape) +
                  " changes the channel-major layout, which the compiler does not support");
    bindings_[n.outputs[0]] = in;
  }

  void lower_conv(const Node& n) {
    const TensorBinding& in = input_binding(n, 0, true);
    if (in.flattened) fail(n, "convolution of a flattened tensor");
    const models::Tensor* w = constant(n, 1);
    if (!w || w->shape.size() != 4) fail(n, "the weights must be a constant 4-D tensor");
    const Value& x = out_.graph.values[in.value];
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kConv;
    l.inputs = {in.value};
    ConvParams& c = l.conv;
    c.groups = static_cast<int>(get_int(n, "group", 1));
    c.kernel_h = static_cast<int>(w->shape[2]);
    c.kernel_w = static_cast<int>(w->shape[3]);
    auto strides = get_ints(n, "strides");
    auto dil = get_ints(n, "dilations");
    auto pads = get_ints(n, "pads");
    if (strides.size() == 2)
      c.stride_h = static_cast<int>(strides[0]), c.stride_w = static_cast<int>(strides[1]);
    if (dil.size() == 2)
      c.dilation_h = static_cast<int>(dil[0]), c.dilation_w = static_cast<int>(dil[1]);
    const auto& os = graph_.tensors[n.outputs[0]].shape;
    if (os.size() != 4) fail(n, "the output must be 4-D");
    std::string auto_pad = get_string(n, "auto_pad");
    if (pads.size() == 4) {
      c.pad_top = static_cast<int>(pads[0]);
      c.pad_left = static_cast<int>(pads[1]);
      c.pad_bottom = static_cast<int>(pads[2]);
      c.pad_right = static_cast<int>(pads[3]);
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      auto split = [&](int in_size, int out_size, int k, int s, int d, int& lo, int& hi) {
        int total = std::max(0, (out_size - 1) * s + (k - 1) * d + 1 - in_size);
        lo = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        hi = total - lo;
      };
      split(x.height, static_cast<int>(os[2]), c.kernel_h, c.stride_h, c.dilation_h, c.pad_top,
            c.pad_bottom);
      split(x.width, static_cast<int>(os[3]), c.kernel_w, c.stride_w, c.dilation_w, c.pad_left,
            c.pad_right);
    }
    if (in.padded()) {
      if (pads.size() != 4 && !auto_pad.empty() && auto_pad != "NOTSET")
        fail(n, "auto_pad after a Pad is not supported");
      c.pad_top += in.pad[0];
      c.pad_left += in.pad[1];
      c.pad_bottom += in.pad[2];
      c.pad_right += in.pad[3];
    }
    if (w->shape[1] * c.groups != x.channels || w->shape[0] % c.groups != 0)
      fail(n, "weights " + shape_text(w->shape) + " do not match " + std::to_string(x.channels) +
                  " input channels in " + std::to_string(c.groups) + " groups");
    c.weights = w->data;
    if (const models::Tensor* b = constant(n, 2)) c.bias = b->data;
    // Values are all or nothing: a bias without data makes the layer timing-only.
    if (constant(n, 2) && c.bias.empty()) c.weights.clear();
    if (c.weights.empty()) c.bias.clear();
    l.fused.push_back(n.name);
    // Read from x before add_layer(), which appends to the values and may move x.
    const std::uint64_t macs_per_pixel =
        static_cast<std::uint64_t>(x.channels / c.groups) * c.kernel_h * c.kernel_w;
    int v = add_layer(std::move(l), n.outputs[0]);
    const Value& y = out_.graph.values[v];
    out_.graph.layers.back().macs =
        macs_per_pixel * static_cast<std::uint64_t>(y.channels) * y.pixels();
    bind_output(n, v);
  }

  // Gemm / MatMul against constant weights: a 1x1 convolution (or H x W over a flattened map).
  void lower_gemm(const Node& n) {
    const TensorBinding& in = input_binding(n, 0);
    const models::Tensor* b = constant(n, 1);
    if (!b || b->shape.size() != 2)
      fail(n, "only products with a constant 2-D right-hand side run on the device");
    if (get_int(n, "transA", 0) != 0) fail(n, "transA=1 is not supported");
    bool trans_b = n.op == "Gemm" && get_int(n, "transB", 0) != 0;
    float alpha = n.op == "Gemm" ? get_float(n, "alpha", 1.0f) : 1.0f;
    float beta = n.op == "Gemm" ? get_float(n, "beta", 1.0f) : 1.0f;
    const Value& x = out_.graph.values[in.value];
    std::int64_t k = trans_b ? b->shape[1] : b->shape[0];
    std::int64_t m = trans_b ? b->shape[0] : b->shape[1];
    std::int64_t features = in.flattened ? x.channels * x.pixels() : x.channels;
    if (k != features)
      fail(n, "the weights " + shape_text(b->shape) + " do not match " + std::to_string(features) +
                  " input features");
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kConv;
    l.inputs = {in.value};
    if (in.flattened) {
      l.conv.kernel_h = x.height;
      l.conv.kernel_w = x.width;
    }
    if (!b->data.empty()) {
      // conv weight [co][ci][kh][kw] = B[k = ci*HW + kh*W + kw][co] (or B[co][k] with transB)
      l.conv.weights.resize(static_cast<std::size_t>(m * k));
      for (std::int64_t co = 0; co < m; ++co)
        for (std::int64_t kk = 0; kk < k; ++kk)
          l.conv.weights[co * k + kk] =
              alpha * (trans_b ? b->data[co * k + kk] : b->data[kk * m + co]);
    }
    if (const models::Tensor* c = constant(n, 2)) {
      if (!c->data.empty()) {
        l.conv.bias.resize(static_cast<std::size_t>(m));
        for (std::int64_t co = 0; co < m; ++co)
          l.conv.bias[co] = beta * c->data[c->data.size() == 1 ? 0 : co % c->data.size()];
      }
      if (l.conv.weights.empty()) l.conv.bias.clear();
    } else if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      fail(n, "the bias must be a constant");
    }
    l.fused.push_back(n.name);
    int v = add_layer(std::move(l), n.outputs[0]);
    const Value& y = out_.graph.values[v];
    if (y.channels != m) fail(n, "output features do not match the weights");
    out_.graph.layers.back().macs = static_cast<std::uint64_t>(m) * k * y.pixels();
    bind_output(n, v);
  }

  // Folds y = x * scale + shift (per channel) into the Conv producing `tensor`, when that Conv has
  // no epilogue yet, and binds the node's output to `value`. Without constant data (a shape-only
  // model) the Conv's weights are dropped, as they could not be folded. False: no such Conv.
  bool fold_into_conv(const Node& n, int tensor, int value, int channels, bool have_data,
                      const std::vector<float>& scale, const std::vector<float>& shift) {
    Layer* prod = fusable_producer(n, tensor, LayerKind::kConv);
    if (!prod || prod->epilogue.func != isa::ActivationFunc::kIdentity ||
        prod->epilogue.residual >= 0)
      return false;
    ConvParams& c = prod->conv;
    if (have_data && !c.weights.empty()) {
      std::size_t per_co = c.weights.size() / channels;
      if (c.bias.empty()) c.bias.assign(channels, 0.0f);
      for (int co = 0; co < channels; ++co) {
        for (std::size_t j = 0; j < per_co; ++j) c.weights[co * per_co + j] *= scale[co];
        c.bias[co] = c.bias[co] * scale[co] + shift[co];
      }
    } else {
      c.weights.clear();
      c.bias.clear();
    }
    prod->fused.push_back(n.name);
    bind_output(n, value);
    return true;
  }

  void lower_batchnorm(const Node& n) {
    const TensorBinding& in = input_binding(n, 0);
    if (in.flattened) fail(n, "batch normalization of a flattened tensor");
    const Value& x = out_.graph.values[in.value];
    float eps = get_float(n, "epsilon", 1e-5f);
    std::vector<const models::Tensor*> p;
    for (std::size_t i = 1; i <= 4; ++i) {
      p.push_back(constant(n, i));
      if (!p.back()) fail(n, "scale, bias, mean and variance must be constants");
    }
    bool have_data =
        std::all_of(p.begin(), p.end(), [](const models::Tensor* t) { return !t->data.empty(); });
    std::vector<float> scale, shift;
    if (have_data) {
      scale.resize(x.channels);
      shift.resize(x.channels);
      for (int c = 0; c < x.channels; ++c) {
        scale[c] = p[0]->data[c] / std::sqrt(p[3]->data[c] + eps);
        shift[c] = p[1]->data[c] - p[2]->data[c] * scale[c];
      }
    }
    if (fold_into_conv(n, n.inputs[0], in.value, x.channels, have_data, scale, shift)) return;
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kScaleBias;
    l.inputs = {in.value};
    l.scale = std::move(scale);
    l.shift = std::move(shift);
    l.fused.push_back(n.name);
    l.flops = 2ull * x.channels * x.pixels();  // before add_layer(), which may move x
    int v = add_layer(std::move(l), n.outputs[0]);
    bind_output(n, v);
  }

  Epilogue activation_of(const Node& n) const {
    Epilogue e;
    const std::string& op = n.op;
    if (op == "Relu") {
      e.func = isa::ActivationFunc::kRelu;
    } else if (op == "Sigmoid") {
      e.func = isa::ActivationFunc::kSigmoid;
    } else if (op == "Tanh") {
      e.func = isa::ActivationFunc::kTanh;
    } else if (op == "Gelu") {
      e.func = isa::ActivationFunc::kGelu;
    } else if (op == "LeakyRelu") {
      e.func = isa::ActivationFunc::kLeakyRelu;
      e.alpha = get_float(n, "alpha", 0.01f);
    } else {  // Clip: bounds as attributes (opset < 11) or constant inputs
      e.func = isa::ActivationFunc::kClip;
      e.alpha = get_float(n, "min", -3.4028235e38f);
      e.beta = get_float(n, "max", 3.4028235e38f);
      auto bound = [&](std::size_t i, float& dst) {
        if (i >= n.inputs.size() || n.inputs[i] < 0) return;
        const models::Tensor& t = graph_.tensors[n.inputs[i]];
        if (!t.is_constant || t.data.size() != 1)
          throw CompileError("node '" + n.name + "' (Clip): bounds must be scalar constants",
                             ErrorKind::kUnsupportedOperator, ErrorLocation::at_node(n.name, n.op));
        dst = t.data[0];
      };
      bound(1, e.alpha);
      bound(2, e.beta);
      if (e.alpha == 0.0f && e.beta > 3e38f) e.func = isa::ActivationFunc::kRelu;
    }
    return e;
  }

  void lower_activation(const Node& n) {
    const TensorBinding& in = input_binding(n, 0);
    if (in.flattened) fail(n, "activation of a flattened tensor");
    Epilogue act = activation_of(n);
    if (Layer* prod = fusable_producer(n, n.inputs[0], LayerKind::kConv)) {
      Epilogue& e = prod->epilogue;
      if (e.func == isa::ActivationFunc::kIdentity && e.residual < 0) {
        e.func = act.func;
        e.alpha = act.alpha;
        e.beta = act.beta;
        prod->fused.push_back(n.name);
        bind_output(n, in.value);
        return;
      }
      if (e.residual >= 0 && !e.residual_relu && act.func == isa::ActivationFunc::kRelu) {
        e.residual_relu = true;
        prod->fused.push_back(n.name);
        bind_output(n, in.value);
        return;
      }
    }
    if (Layer* prod = fusable_producer(n, n.inputs[0], LayerKind::kEltwise)) {
      if (!prod->eltwise_relu && act.func == isa::ActivationFunc::kRelu) {
        prod->eltwise_relu = true;
        prod->fused.push_back(n.name);
        bind_output(n, in.value);
        return;
      }
    }
    const Value& x = out_.graph.values[in.value];
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kActivation;
    l.inputs = {in.value};
    l.epilogue = act;
    l.fused.push_back(n.name);
    l.flops = static_cast<std::uint64_t>(x.channels) * x.pixels();  // before x may move
    int v = add_layer(std::move(l), n.outputs[0]);
    bind_output(n, v);
  }

  void lower_binary(const Node& n) {
    const models::Tensor* c0 = constant(n, 0);
    const models::Tensor* c1 = constant(n, 1);
    if (c0 || c1) {
      lower_binary_constant(n, c0 ? 1 : 0, c0 ? c0 : c1);
      return;
    }
    const TensorBinding& a = input_binding(n, 0);
    const TensorBinding& b = input_binding(n, 1);
    if (a.flattened || b.flattened) fail(n, "element-wise op on a flattened tensor");
    const Value& va = out_.graph.values[a.value];
    const Value& vb = out_.graph.values[b.value];
    if (va.channels != vb.channels || va.height != vb.height || va.width != vb.width)
      fail(n, "operands of different shapes (broadcasting between activations is not supported)");
    if (n.op == "Add") {
      // Residual: fuse into whichever operand's producing convolution comes later, so that the
      // other operand already exists when the epilogue runs.
      int ia = out_.graph.values[a.value].producer, ib = out_.graph.values[b.value].producer;
      int first = ia >= ib ? 0 : 1;
      for (int k = 0; k < 2; ++k) {
        int which = k == 0 ? first : 1 - first;
        int tensor = n.inputs[which];
        const TensorBinding& other = which == 0 ? b : a;
        Layer* prod = fusable_producer(n, tensor, LayerKind::kConv);
        if (!prod || prod->epilogue.residual >= 0) continue;
        int self = bindings_[tensor].value;
        if (other.value == self) continue;
        if (out_.graph.values[other.value].producer > out_.graph.values[self].producer) continue;
        prod->epilogue.residual = other.value;
        prod->fused.push_back(n.name);
        prod->flops += static_cast<std::uint64_t>(va.channels) * va.pixels();
        bind_output(n, self);
        return;
      }
    }
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kEltwise;
    l.inputs = {a.value, b.value};
    static const std::map<std::string, isa::AluOp> ops = {
        {"Add", isa::AluOp::kAdd}, {"Sub", isa::AluOp::kSub}, {"Mul", isa::AluOp::kMul},
        {"Div", isa::AluOp::kDiv}, {"Max", isa::AluOp::kMax}, {"Min", isa::AluOp::kMin}};
    l.alu = ops.at(n.op);
    l.fused.push_back(n.name);
    l.flops = static_cast<std::uint64_t>(va.channels) * va.pixels();  // before va may move
    int v = add_layer(std::move(l), n.outputs[0]);
    bind_output(n, v);
  }

  // x op constant with a per-channel or scalar constant: folded into a preceding convolution's
  // bias/scale when possible, else a per-channel scale/bias layer.
  void lower_binary_constant(const Node& n, std::size_t act_input, const models::Tensor* k) {
    const TensorBinding& in = input_binding(n, act_input);
    if (in.flattened) fail(n, "element-wise op on a flattened tensor");
    const Value& x = out_.graph.values[in.value];
    std::int64_t count = numel(k->shape);
    if (count != 1 && count != x.channels)
      fail(n, "only scalar or per-channel constants are supported, got " + shape_text(k->shape));
    if ((n.op == "Sub" || n.op == "Div") && act_input != 0)
      fail(n, "constant on the left of " + n.op + " is not supported");
    if (n.op != "Add" && n.op != "Sub" && n.op != "Mul" && n.op != "Div")
      fail(n, n.op + " with a constant is not supported");
    bool have = !k->data.empty();
    std::vector<float> scale(x.channels, 1.0f), shift(x.channels, 0.0f);
    for (int c = 0; c < x.channels && have; ++c) {
      float v = k->data[count == 1 ? 0 : c];
      if (n.op == "Add") shift[c] = v;
      if (n.op == "Sub") shift[c] = -v;
      if (n.op == "Mul") scale[c] = v;
      if (n.op == "Div") scale[c] = 1.0f / v;
    }
    if (fold_into_conv(n, n.inputs[act_input], in.value, x.channels, have, scale, shift)) return;
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kScaleBias;
    l.inputs = {in.value};
    if (have) {
      l.scale = std::move(scale);
      l.shift = std::move(shift);
    }
    l.fused.push_back(n.name);
    l.flops = 2ull * x.channels * x.pixels();  // before add_layer(), which may move x
    int v = add_layer(std::move(l), n.outputs[0]);
    bind_output(n, v);
  }

  // A constant zero Pad of H and W is left to the consumer (Conv or AveragePool).
  void lower_pad(const Node& n) {
    TensorBinding in = input_binding(n, 0, true);
    if (in.flattened) fail(n, "padding a flattened tensor");
    if (!get_string(n, "mode").empty() && get_string(n, "mode") != "constant")
      fail(n, "only constant padding is supported");
    std::vector<std::int64_t> pads = get_ints(n, "pads");
    if (pads.empty()) {
      const models::Tensor* t = constant(n, 1);
      if (!t) fail(n, "the pads must be constant");
      pads = t->int_data;
      if (pads.empty())
        for (float f : t->data) pads.push_back(static_cast<std::int64_t>(f));
    }
    if (const models::Tensor* v = constant(n, 2))
      if (!v->data.empty() && v->data[0] != 0.0f) fail(n, "only zero padding is supported");
    if (pads.size() != 8 || pads[0] || pads[1] || pads[4] || pads[5])
      fail(n, "only padding of the height and width of a 4-D tensor is supported");
    for (auto p : pads)
      if (p < 0) fail(n, "negative padding (cropping) is not supported");
    in.pad = {in.pad[0] + static_cast<int>(pads[2]), in.pad[1] + static_cast<int>(pads[3]),
              in.pad[2] + static_cast<int>(pads[6]), in.pad[3] + static_cast<int>(pads[7])};
    bindings_[n.outputs[0]] = in;
  }

  // Concatenation along the channels (axis 1 of NCHW or of [N, F]).
  void lower_concat(const Node& n) {
    const auto& os = graph_.tensors[n.outputs[0]].shape;
    std::int64_t axis = get_int(n, "axis", 1);
    if (axis < 0) axis += static_cast<std::int64_t>(os.size());
    if (axis != 1 || os.size() == 3) fail(n, "only concatenation along the channels is supported");
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kConcat;
    int channels = 0;
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      const TensorBinding& in = input_binding(n, i);
      if (in.flattened) fail(n, "concatenation of a flattened tensor");
      l.inputs.push_back(in.value);
      channels += out_.graph.values[in.value].channels;
    }
    l.fused.push_back(n.name);
    int v = add_layer(std::move(l), n.outputs[0]);
    if (out_.graph.values[v].channels != channels) fail(n, "channel counts do not add up");
    bind_output(n, v);
  }

  // Nearest Resize of H and W by integer factors, in a coordinate mode that maps output o to
  // input floor(o / factor) (see lower_resize.cpp).
  void lower_resize(const Node& n) {
    const TensorBinding& in = input_binding(n, 0);
    if (in.flattened) fail(n, "resizing a flattened tensor");
    const Value& x = out_.graph.values[in.value];
    const auto& os = graph_.tensors[n.outputs[0]].shape;
    const std::string mode = get_string(n, "mode");
    if (!mode.empty() && mode != "nearest") fail(n, "only nearest resizing is supported");
    if (os.size() != 4 || os[1] != x.channels || os[2] % x.height != 0 || os[3] % x.width != 0)
      fail(n, "only resizing H and W by integer factors is supported");
    const int fh = static_cast<int>(os[2] / x.height), fw = static_cast<int>(os[3] / x.width);
    std::string transform = get_string(n, "coordinate_transformation_mode");
    std::string nearest = get_string(n, "nearest_mode");
    if (transform.empty()) transform = "half_pixel";
    if (nearest.empty()) nearest = "round_prefer_floor";
    const int f = std::max(fh, fw);
    const bool half_pixel = transform == "half_pixel" || transform == "pytorch_half_pixel";
    const bool floor_like =
        f == 1 ||
        (transform == "asymmetric" &&
         (nearest == "floor" || (nearest == "round_prefer_floor" && f <= 2))) ||
        (half_pixel && (nearest == "round_prefer_floor" || nearest == "round_prefer_ceil"));
    if (!floor_like)
      fail(n, "coordinate mode '" + transform + "' with nearest mode '" + nearest +
                  "' does not repeat each pixel; it is not supported");
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kResize;
    l.inputs = {in.value};
    l.resize_h = fh;
    l.resize_w = fw;
    l.fused.push_back(n.name);
    int v = add_layer(std::move(l), n.outputs[0]);
    const Value& y = out_.graph.values[v];
    out_.graph.layers.back().flops = static_cast<std::uint64_t>(y.channels) * y.pixels();
    bind_output(n, v);
  }

  void lower_pool(const Node& n) {
    const TensorBinding& in = input_binding(n, 0, n.op == "AveragePool");
    if (in.flattened) fail(n, "pooling of a flattened tensor");
    const Value& x = out_.graph.values[in.value];
    Layer l;
    l.name = n.name;
    l.op = n.op;
    l.kind = LayerKind::kPool;
    l.inputs = {in.value};
    PoolParams& p = l.pool;
    p.func =
        (n.op == "MaxPool" || n.op == "GlobalMaxPool") ? isa::PoolFunc::kMax : isa::PoolFunc::kAvg;
    if (n.op == "GlobalAveragePool" || n.op == "GlobalMaxPool") {
      p.global = true;
      p.window_h = x.height;
      p.window_w = x.width;
    } else {
      auto k = get_ints(n, "kernel_shape");
      auto s = get_ints(n, "strides");
      auto pads = get_ints(n, "pads");
      if (k.size() != 2) fail(n, "only 2-D pooling is supported");
      p.window_h = static_cast<int>(k[0]);
      p.window_w = static_cast<int>(k[1]);
      p.stride_h = s.size() == 2 ? static_cast<int>(s[0]) : 1;
      p.stride_w = s.size() == 2 ? static_cast<int>(s[1]) : 1;
      if (pads.size() == 4) {
        p.pad_top = static_cast<int>(pads[0]);
        p.pad_left = static_cast<int>(pads[1]);
      }
      if (!get_string(n, "auto_pad").empty() && get_string(n, "auto_pad") != "NOTSET")
        fail(n, "auto_pad pooling is not supported");
      p.count_include_pad = get_int(n, "count_include_pad", 0) != 0;
      if (in.padded()) {
        // Zeros padded in and averaged over: the pool's own padding, counted.
        if ((p.pad_top || p.pad_left) && !p.count_include_pad)
          fail(n, "a Pad before an AveragePool that excludes its own padding");
        p.pad_top += in.pad[0];
        p.pad_left += in.pad[1];
        p.count_include_pad = true;
      }
      if (get_ints(n, "dilations").size() == 2 &&
          (get_ints(n, "dilations")[0] != 1 || get_ints(n, "dilations")[1] != 1))
        fail(n, "dilated pooling is not supported");
    }
    if (p.window_h > 255 || p.window_w > 255 || p.stride_h > 255 || p.stride_w > 255 ||
        p.pad_top > 255 || p.pad_left > 255)
      fail(n, "pooling window, stride or padding above 255");
    l.fused.push_back(n.name);
    int v = add_layer(std::move(l), n.outputs[0]);
    const Value& y = out_.graph.values[v];
    out_.graph.layers.back().flops = static_cast<std::uint64_t>(y.channels) * y.pixels() *
                                     out_.graph.layers.back().pool.window_h *
                                     out_.graph.layers.back().pool.window_w;
    bind_output(n, v);
  }

  const Graph& graph_;
  std::uint32_t batch_;
  bool cpu_fallback_;
  CanonicalGraph out_;
  std::vector<int> use_count_;
  std::vector<TensorBinding> bindings_;
  std::vector<bool> host_node_;
  std::vector<bool> host_tensor_;
  std::vector<int> device_outputs_;
  std::vector<bool> skip_node_;              // folded into an earlier node's layer (GELU)
  std::vector<std::vector<int>> consumers_;  // per tensor: the nodes reading it
};

}  // namespace

bool is_device_op(const std::string& op) {
  return device_ops().count(op) > 0;
}

CanonicalGraph canonicalize(const models::Graph& graph, std::uint32_t batch, bool cpu_fallback) {
  return Canonicalizer(graph, batch, cpu_fallback).run();
}

}  // namespace infsim::compiler
