// Multi-head attention as torch and Hugging Face export it: Reshape/Transpose/MatMul/Softmax
// views of Q, K and V until the merge back to [B, S, D] becomes one kAttention layer
// (lower_transformer.h); Slice of a packed QKV projection; LayerNormalization.

#include "compiler/canonicalizer.h"

#include <algorithm>

#include "compiler/compile_error.h"
#include "compiler/layout.h"
#include "compiler/lower_transformer.h"

namespace infsim::compiler {

// Reshape [B, S, D] -> [B, S, H, dh] (at batch 1 also [S, 1, D] -> [S, H, dh]): a head split;
// the context [B, S, H, dh] -> [B, S, D] (or [S, D], [S, 1, D]): the attention layer.
bool Canonicalizer::attention_reshape(const Node& n) {
  const TensorBinding& in = raw_binding(n, 0);
  const auto& os = graph_.tensors[n.outputs[0]].shape;
  if (in.view == View::kContextT) {
    const Value& q = out_.graph.values[in.value];
    const std::int64_t d = std::int64_t{in.heads} * in.head_dim;
    const bool bsd = os.size() == 3 && os[0] == batch_ && os[1] == q.width && os[2] == d;
    const bool sd = batch_ == 1 && os.size() == 2 && os[0] == q.width && os[1] == d;
    const bool s1d = batch_ == 1 && os.size() == 3 && os[0] == q.width && os[1] == 1 && os[2] == d;
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
  if (in.channel0 % dh != 0)
    fail(n, "the head offsets must be multiples of the head size " + std::to_string(dh));
  TensorBinding b = in;
  b.view = View::kSplit;
  b.heads = static_cast<int>(heads);
  b.head_dim = static_cast<int>(dh);
  bindings_[n.outputs[0]] = b;
  return true;
}

void Canonicalizer::attention_transpose(const Node& n) {
  TensorBinding b = raw_binding(n, 0);
  const std::vector<std::int64_t> perm = models::attr_ints(n, "perm");
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

bool Canonicalizer::attention_matmul(const Node& n) {
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
bool Canonicalizer::attention_scale(const Node& n) {
  const TensorBinding& a = raw_binding(n, 0);
  if (a.view != View::kScores && a.view != View::kHeads && a.view != View::kKeysT) return false;
  const models::Tensor* k = constant(n, 1);
  if (!k || k->data.size() != 1)
    fail(n, "attention scores may only be scaled by a scalar constant");
  TensorBinding r = a;
  const float f = n.op == "Mul" ? k->data[0] : 1.0f / k->data[0];
  r.scale = a.scale * f;
  for (float& v : r.mask_v) v *= f;  // a mask already added is scaled with the scores
  bindings_[n.outputs[0]] = r;
  return true;
}

void Canonicalizer::attention_softmax(const Node& n) {
  const TensorBinding& a = raw_binding(n, 0);
  std::int64_t axis = models::attr_int(n, "axis", -1);
  const auto rank = static_cast<std::int64_t>(graph_.tensors[n.inputs[0]].shape.size());
  if (a.view != View::kScores || (axis != -1 && axis != rank - 1))
    fail(n, "Softmax is only supported over the keys of multi-head attention scores");
  TensorBinding r = a;
  r.view = View::kProbs;
  bindings_[n.outputs[0]] = r;
}

void Canonicalizer::add_attention(const Node& n, const TensorBinding& ctx) {
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
  if (ctx.mask >= 0) {
    l.inputs.push_back(ctx.mask);
    l.attention.mask_bias = ctx.mask_v;
  }
  l.fused.push_back(n.name);
  l.macs = 2ull * seq * seq * d;
  l.flops = 6ull * seq * seq * ctx.heads;
  int v = add_layer(std::move(l), n.outputs[0]);
  if (out_.graph.values[v].channels != d) fail(n, "the merged context is not [B, S, heads x dh]");
  add_scratch();
  bind_output(n, v);
}

// Slice of the last (feature) axis with constant bounds and step 1: a channel range view.
void Canonicalizer::rewrite_slice(const Node& n) {
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

void Canonicalizer::rewrite_layer_norm(const Node& n) {
  const TensorBinding& in = input_binding(n, 0);
  if (in.flattened) fail(n, "layer normalization of a flattened tensor");
  const Value& x = out_.graph.values[in.value];
  const auto& shape = graph_.tensors[n.inputs[0]].shape;
  std::int64_t axis = models::attr_int(n, "axis", -1);
  if (axis < 0) axis += static_cast<std::int64_t>(shape.size());
  if (axis != static_cast<std::int64_t>(shape.size()) - 1 || x.height != 1 ||
      (shape.size() != 2 && shape.size() != 3))
    fail(n, "only normalization over the last axis of [B, D] or [B, S, D] is supported");
  const models::Tensor* gamma = constant(n, 1);
  const models::Tensor* beta = constant(n, 2);
  if (!gamma || (n.inputs.size() > 2 && n.inputs[2] >= 0 && !beta))
    fail(n, "scale and bias must be constants");
  Layer l = node_layer(n, LayerKind::kLayerNorm, {in.value});
  l.epsilon = models::attr_float(n, "epsilon", 1e-5f);
  if (!gamma->data.empty() && (!beta || !beta->data.empty())) {
    l.scale = gamma->data;
    l.shift = beta ? beta->data : std::vector<float>(gamma->data.size(), 0.0f);
    if (static_cast<int>(l.scale.size()) != x.channels ||
        static_cast<int>(l.shift.size()) != x.channels)
      fail(n, "scale and bias must have one value per feature");
  }
  l.fused.push_back(n.name);
  l.flops = 10ull * x.channels * x.pixels();
  int v = add_layer(std::move(l), n.outputs[0]);
  add_scratch();
  bind_output(n, v);
}

}  // namespace infsim::compiler
