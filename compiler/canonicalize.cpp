#include "compiler/canonicalize.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <string>

#include "compiler/canonicalizer.h"
#include "compiler/compile_error.h"
#include "compiler/layout.h"
#include "compiler/lower_transformer.h"
#include "models/model_error.h"
#include "models/size_budget.h"

namespace infsim::compiler {
namespace {

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
                                            "Split",
                                            "TopK",
                                            "Erf",
                                            "Softplus",
                                            "Mish",
                                            "ReduceL2",
                                            "Expand",
                                            "Cast",
                                            "Not",
                                            "Where",
                                            "Equal"};
  return ops;
}

// Device operators only inside a recognised pattern (multi-head attention, GELU): at the end of
// a graph (a classifier's Softmax) --cpu-fallback still puts them on the host.
bool context_only_op(const std::string& op) {
  return op == "Transpose" || op == "Softmax" || op == "Slice" || op == "Erf" || op == "ReduceL2" ||
         op == "Expand" || op == "Cast" || op == "Not" || op == "Where" || op == "Equal";
}

}  // namespace

bool is_mask_dtype(models::DType d) {
  return d == models::DType::kInt64 || d == models::DType::kInt32 || d == models::DType::kInt8 ||
         d == models::DType::kBool;
}

bool is_activation_op(const std::string& op) {
  return op == "Relu" || op == "Clip" || op == "Sigmoid" || op == "Tanh" || op == "LeakyRelu" ||
         op == "Gelu" || op == "Softplus" || op == "Mish";
}

CanonicalGraph Canonicalizer::run() {
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
  out_.source_nodes = static_cast<std::uint32_t>(graph_.nodes.size());
  use_count_.assign(graph_.tensors.size(), 0);
  for (const Node& n : graph_.nodes)
    for (int t : n.inputs)
      if (t >= 0) ++use_count_[t];
  for (int t : graph_.outputs) ++use_count_[t];
  bindings_.assign(graph_.tensors.size(), TensorBinding{});
  place_on_host();
  for (int t : graph_.inputs) {
    if (host_tensor(t)) continue;
    if (!survey_) {
      bind_input(t);
      continue;
    }
    try {
      bind_input(t);
    } catch (const CompileError&) {
      bindings_[t].poisoned = true;  // an input the device cannot lay out blocks its readers
    }
  }
  skip_node_.assign(graph_.nodes.size(), false);
  consumers_.assign(graph_.tensors.size(), {});
  for (std::size_t i = 0; i < graph_.nodes.size(); ++i)
    for (int t : graph_.nodes[i].inputs)
      if (t >= 0) consumers_[t].push_back(static_cast<int>(i));
  for (std::size_t i = 0; i < graph_.nodes.size(); ++i) {
    if (host_node_[i] || skip_node_[i]) continue;
    if (survey_) {
      survey_node(static_cast<int>(i));
    } else {
      rewrite_node(graph_.nodes[i]);
    }
  }
  if (survey_) return std::move(out_);
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

// Survey (analyze): a node the rewrites reject is recorded and its outputs poisoned; a node that
// cannot get an input from a poisoned tensor is blocked, not rejected. Kinds, not messages.
void Canonicalizer::survey_node(int i) {
  const Node& n = graph_.nodes[i];
  try {
    rewrite_node(n);
    return;
  } catch (const BlockedInput&) {
  } catch (const CompileError&) {
    rejected_.push_back(i);
  } catch (const models::ModelError&) {  // an attribute of the wrong type
    rejected_.push_back(i);
  }
  for (int t : n.outputs) bindings_[t].poisoned = true;
}

// --cpu-fallback: unsupported nodes that only depend on graph inputs (a prefix) or only feed
// graph outputs (a suffix) run on the host; the tensors crossing become device inputs/outputs.
void Canonicalizer::place_on_host() {
  host_node_.assign(graph_.nodes.size(), false);
  host_tensor_.assign(graph_.tensors.size(), false);
  const std::vector<bool> host_work = cpu_fallback_ ? host_work_nodes() : std::vector<bool>{};
  for (std::size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (!cpu_fallback_ || !host_work[i]) continue;
    bool prefix = std::all_of(n.inputs.begin(), n.inputs.end(), [&](int t) {
      return t < 0 || graph_.tensors[t].is_constant || host_tensor_[t] || is_graph_input(t);
    });
    if (!prefix) continue;
    host_node_[i] = true;
    for (int t : n.outputs) host_tensor_[t] = true;
    out_.host_ops.push_back(host_op(n, true));
  }
  const std::vector<bool> host_form = host_form_nodes();
  for (std::size_t k = graph_.nodes.size(); k-- > 0;) {
    const Node& n = graph_.nodes[k];
    if (host_node_[k] || !host_form[k] || !cpu_fallback_) continue;
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
    for (int t : n.outputs) host_tensor_[t] = true;
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

bool is_tensor_engine_op(const std::string& op) {
  return op == "Conv" || op == "Gemm" || op == "MatMul";
}

// Nodes that may join the host prefix: unsupported operators; Equal (the device compares bool
// masks only, so on token ids -- a padding mask -- it is host work); and the element-wise and
// data-movement nodes whose results feed such work (torchtext's positions: Not, Cast, CumSum,
// Mul, Add before the position Gather), so that the chain is not split across the PCIe link.
std::vector<bool> Canonicalizer::host_work_nodes() const {
  const std::size_t n_nodes = graph_.nodes.size();
  std::vector<std::vector<int>> readers(graph_.tensors.size());
  for (std::size_t j = 0; j < n_nodes; ++j)
    for (int t : graph_.nodes[j].inputs)
      if (t >= 0) readers[t].push_back(static_cast<int>(j));
  std::vector<bool> work(n_nodes, false), feeds(n_nodes, false);
  for (std::size_t k = n_nodes; k-- > 0;) {
    const Node& n = graph_.nodes[k];
    for (int t : n.outputs)
      for (int j : readers[t]) feeds[k] = feeds[k] || work[j];
    work[k] = !is_device_op(n.op) || n.op == "Equal" || (feeds[k] && !is_tensor_engine_op(n.op));
  }
  return work;
}

// After the prefix is placed. Nodes that may join the host suffix: unsupported operators,
// context-only ones, any node that reads or writes a tensor of rank above 4 (no device layout
// holds it: a YOLO layer's [N, anchors, 5 + classes, H, W]), and the element-wise and
// data-movement nodes after those (a Tensor Engine operator after them stays on the device: it
// is not a host job).
std::vector<bool> Canonicalizer::host_form_nodes() const {
  std::vector<bool> host_form(graph_.nodes.size(), false), tainted(graph_.tensors.size(), false);
  for (std::size_t k = 0; k < graph_.nodes.size(); ++k) {
    const Node& n = graph_.nodes[k];
    // Host-only: what the device cannot hold; it taints what follows (a host prefix does not:
    // its results come back to the device as inputs).
    if (host_node_[k]) continue;
    bool host_only = !is_device_op(n.op);
    for (const std::vector<int>* ids : {&n.inputs, &n.outputs})
      for (int t : *ids)
        if (t >= 0 && graph_.tensors[t].shape.size() > 4) host_only = true;
    if (!is_tensor_engine_op(n.op))
      for (int t : n.inputs)
        if (t >= 0 && tainted[t]) host_only = true;
    host_form[k] = host_only || context_only_op(n.op);
    if (host_only)
      for (int t : n.outputs) tainted[t] = true;
  }
  return host_form;
}

bool Canonicalizer::produced_by_host_suffix(int t) const {
  for (std::size_t k = 0; k < graph_.nodes.size(); ++k)
    if (host_node_[k] && std::find(graph_.nodes[k].outputs.begin(), graph_.nodes[k].outputs.end(),
                                   t) != graph_.nodes[k].outputs.end())
      return true;
  return false;
}

bool Canonicalizer::is_graph_input(int t) const {
  return std::find(graph_.inputs.begin(), graph_.inputs.end(), t) != graph_.inputs.end();
}

isa::HostOp Canonicalizer::host_op(const Node& n, bool before) const {
  isa::HostOp op;
  op.name = n.name;
  op.op = n.op;
  op.before_device = before;
  std::uint64_t bytes = 0, elements = 0, written = 0;
  for (int t : n.outputs) {
    written += tensor_bytes(t);
    elements += static_cast<std::uint64_t>(models::num_elements(graph_.tensors[t].shape));
  }
  // A Gather reads only the rows it picks, as many bytes as it writes: an embedding lookup of 128
  // tokens touches 128 rows of its table, not the whole vocabulary.
  for (std::size_t i = 0; i < n.inputs.size(); ++i)
    if (n.inputs[i] >= 0) bytes += n.op == "Gather" && i == 0 ? written : tensor_bytes(n.inputs[i]);
  bytes += written;
  op.bytes = bytes;
  op.flops = elements;  // one operation per output element: these are data-movement ops
  return op;
}

std::uint64_t Canonicalizer::tensor_bytes(int t) const {
  const models::Tensor& tensor = graph_.tensors[t];
  return static_cast<std::uint64_t>(models::num_elements(tensor.shape)) *
         models::dtype_size(tensor.dtype);
}

void Canonicalizer::fail(const Node& n, const std::string& why) const {
  throw CompileError("node '" + n.name + "' (" + n.op + "): " + why,
                     ErrorKind::kUnsupportedOperator, ErrorLocation::at_node(n.name, n.op));
}

// A new Value from a graph tensor's shape: [N, C, H, W], [N, F] or [N, S, F].
int Canonicalizer::new_value(int t) {
  const models::Tensor& tensor = graph_.tensors[t];
  const auto& s = tensor.shape;
  Value v;
  v.name = tensor.name;
  v.shape = s;
  // An integer or bool [B, S] tensor is a row of S token flags per image (an attention mask).
  if (is_mask_dtype(tensor.dtype) && s.size() == 2 && s[0] == static_cast<std::int64_t>(batch_)) {
    v.channels = 1;
    v.width = static_cast<int>(s[1]);
    out_.graph.values.push_back(v);
    return static_cast<int>(out_.graph.values.size()) - 1;
  }
  // At batch 1, sequence-first [S, 1, D] and token-rows [S, D] (torch's TransformerEncoder
  // export) are the [1, S, D] layout.
  if (batch_ == 1 && !s.empty() && s[0] != 1 && (s.size() == 2 || (s.size() == 3 && s[1] == 1))) {
    v.channels = static_cast<int>(s.back());
    v.width = static_cast<int>(s[0]);
    out_.graph.values.push_back(v);
    return static_cast<int>(out_.graph.values.size()) - 1;
  }
  if (s.empty() || s[0] != static_cast<std::int64_t>(batch_))
    throw CompileError("tensor '" + tensor.name + "' has shape " + models::shape_string(s) +
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

void Canonicalizer::bind_input(int t) {
  int v = new_value(t);
  out_.graph.values[v].graph_input = true;
  out_.graph.inputs.push_back(v);
  bindings_[t].value = v;
  const models::Tensor& tensor = graph_.tensors[t];
  if (is_mask_dtype(tensor.dtype) && out_.graph.values[v].channels == 1) {
    // A key mask m in {0, 1}: the binding tracks its value at m = 0 and m = 1.
    bindings_[t].view = View::kKeyMask;
    bindings_[t].mask_v = {0.0f, 1.0f};
    bindings_[t].mask_is_bool = tensor.dtype == models::DType::kBool;
  }
}

void Canonicalizer::mark_output(int t) {
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

const TensorBinding& Canonicalizer::input_binding(const Node& n, std::size_t i, bool accepts_pad) {
  if (i >= n.inputs.size() || n.inputs[i] < 0) fail(n, "missing input " + std::to_string(i));
  const TensorBinding& b = bindings_[n.inputs[i]];
  if (b.poisoned) throw BlockedInput{};
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

const models::Tensor* Canonicalizer::constant(const Node& n, std::size_t i) const {
  if (i >= n.inputs.size() || n.inputs[i] < 0) return nullptr;
  const models::Tensor& t = graph_.tensors[n.inputs[i]];
  return t.is_constant ? &t : nullptr;
}

// The layer producing value `v` may take a fused epilogue step iff nothing else reads v.
Layer* Canonicalizer::fusable_producer(const Node& n, int tensor, LayerKind kind) {
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

void Canonicalizer::bind_output(const Node& n, int value) {
  for (std::size_t i = 0; i < n.outputs.size(); ++i) {
    if (i == 0) {
      bindings_[n.outputs[0]].value = value;
      out_.graph.values[value].name = graph_.tensors[n.outputs[0]].name;
    } else if (use_count_[n.outputs[i]] > 0) {
      fail(n, "only the first output may be used on the device");
    }
  }
}

int Canonicalizer::add_layer(Layer layer, int out_tensor) {
  int v = new_value(out_tensor);
  layer.output = v;
  out_.graph.values[v].producer = static_cast<int>(out_.graph.layers.size());
  out_.graph.layers.push_back(std::move(layer));
  return v;
}

void Canonicalizer::rewrite_node(const Node& n) {
  const std::string& op = n.op;
  if (!is_device_op(op))
    fail(n, "operator not supported on the device" +
                std::string(cpu_fallback_ ? " and not at the start or end of the graph"
                                          : " (try --cpu-fallback)"));
  if (rewrite_mask(n)) {
  } else if (op == "Identity" || op == "Dropout") {
    bindings_[n.outputs[0]] = input_binding(n, 0, true);
  } else if (op == "Reshape" && attention_reshape(n)) {
  } else if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") {
    rewrite_reshape(n);
  } else if (op == "Transpose") {
    attention_transpose(n);
  } else if (op == "MatMul" && attention_matmul(n)) {
  } else if ((op == "Div" || op == "Mul") && attention_scale(n)) {
  } else if (op == "Softmax") {
    attention_softmax(n);
  } else if (op == "LayerNormalization") {
    rewrite_layer_norm(n);
  } else if (op == "Resize") {
    rewrite_resize(n);
  } else if (op == "Slice" && graph_.tensors[n.inputs[0]].shape.size() == 4) {
    rewrite_window_slice(n);
  } else if (op == "Slice") {
    rewrite_slice(n);
  } else if (op == "Split") {
    rewrite_split(n);
  } else if (op == "TopK") {
    rewrite_topk(n);
  } else if (op == "Erf") {
    fail(n, "Erf is only supported inside x * 0.5 * (1 + erf(x / sqrt(2))), which is GELU");
  } else if (op == "Div" && rewrite_gelu(n)) {
  } else if (op == "Softplus" && rewrite_mish(n)) {
  } else if (op == "ReduceL2" && rewrite_l2_norm(n)) {
  } else if (op == "ReduceL2" || op == "Expand") {
    fail(n, op + " is only supported inside F.normalize over the channels (ReduceL2, Clip, "
                 "Expand, Div)");
  } else if (op == "Conv") {
    rewrite_conv(n);
  } else if (op == "Gemm" || op == "MatMul") {
    rewrite_gemm(n);
  } else if (op == "BatchNormalization") {
    rewrite_batchnorm(n);
  } else if (is_activation_op(op)) {
    rewrite_activation(n);
  } else if (op == "Concat") {
    rewrite_concat(n);
  } else if (op == "Pad") {
    rewrite_pad(n);
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" ||
             op == "Min") {
    rewrite_binary(n);
  } else {
    rewrite_pool(n);
  }
}

const TensorBinding& Canonicalizer::raw_binding(const Node& n, std::size_t i) const {
  if (i >= n.inputs.size() || n.inputs[i] < 0) fail(n, "missing input " + std::to_string(i));
  if (bindings_[n.inputs[i]].poisoned) throw BlockedInput{};
  return bindings_[n.inputs[i]];
}

// A scratch value for the last layer added: one channel tile, its elements per partition per
// image set for the target by size_scratch() (lower_transformer.h).
void Canonicalizer::add_scratch() {
  Layer& l = out_.graph.layers.back();
  Value s;
  s.name = l.name + ".scratch";
  s.channels = 1;
  s.width = 0;
  s.shape = {static_cast<std::int64_t>(batch_), 1, 1, 0};
  s.producer = static_cast<int>(out_.graph.layers.size()) - 1;
  out_.graph.values.push_back(s);
  l.scratch = static_cast<int>(out_.graph.values.size()) - 1;
}

bool is_device_op(const std::string& op) {
  return device_ops().count(op) > 0;
}

CanonicalGraph canonicalize(const models::Graph& graph, std::uint32_t batch, bool cpu_fallback) {
  return Canonicalizer(graph, batch, cpu_fallback).run();
}

std::vector<int> unsupported_nodes(const models::Graph& graph, std::uint32_t batch) {
  Canonicalizer c(graph, batch, false, /*survey=*/true);
  c.run();
  return c.rejected();
}

}  // namespace infsim::compiler
