// Reductions over the channels. F.normalize(x, dim=1) as torch exports it -- ReduceL2 over the
// channels (keepdims), Clip(min=eps), Expand, Div(x, .) -- becomes four device layers: x^2 on the
// Scalar Engine; a 1x1 convolution with all-ones C x C weights, which sums the squares over the
// partitions and leaves the sum on every channel (clamped to eps^2 in its epilogue, the same as
// clamping the norm to eps); rsqrt; and x * rsqrt on the Vector Engine. SSD300's conv4_3 L2Norm.

#include "compiler/canonicalizer.h"

#include "compiler/compile_error.h"

namespace infsim::compiler {

int Canonicalizer::add_layer_like(Layer layer, int like, const std::string& name) {
  Value v = out_.graph.values[like];
  v.name = name;
  v.graph_input = v.graph_output = false;
  v.producer = static_cast<int>(out_.graph.layers.size());
  v.consumers.clear();
  v.halo_h = v.halo_w = 0;
  out_.graph.values.push_back(v);
  const int id = static_cast<int>(out_.graph.values.size()) - 1;
  layer.output = id;
  out_.graph.layers.push_back(std::move(layer));
  return id;
}

bool Canonicalizer::rewrite_l2_norm(const Node& n) {
  const auto axes = models::attr_ints(n, "axes");
  if (axes != std::vector<std::int64_t>{1} || models::attr_int(n, "keepdims", 1) != 1) return false;
  auto only_consumer = [&](int tensor, const std::string& op) -> int {
    if (use_count_[tensor] != 1 || consumers_[tensor].size() != 1) return -1;
    const int c = consumers_[tensor][0];
    return graph_.nodes[c].op == op ? c : -1;
  };
  const int x = n.inputs[0];
  const int clip = only_consumer(n.outputs[0], "Clip");
  if (clip < 0) return false;
  int denom = graph_.nodes[clip].outputs[0];
  const int expand = only_consumer(denom, "Expand");
  if (expand >= 0) denom = graph_.nodes[expand].outputs[0];
  const int div = only_consumer(denom, "Div");
  if (div < 0 || graph_.nodes[div].inputs[0] != x) return false;
  const Epilogue bounds = activation_of(graph_.nodes[clip]);
  if (bounds.func != isa::ActivationFunc::kClip || bounds.beta < 3e38f || bounds.alpha < 0.0f)
    fail(graph_.nodes[clip], "only a lower bound (clamp_min) of an L2 norm is supported");
  const TensorBinding& in = input_binding(n, 0);
  if (in.flattened) fail(n, "L2 normalization of a flattened tensor");
  const int xv = in.value;
  const int c = out_.graph.values[xv].channels;
  const std::uint64_t pixels = static_cast<std::uint64_t>(out_.graph.values[xv].pixels());
  for (int k : {clip, expand, div})
    if (k >= 0) skip_node_[k] = true;
  const std::string& name = graph_.nodes[div].name;
  auto activation = [&](const std::string& suffix, isa::ActivationFunc f, int src) {
    Layer l;
    l.name = name + suffix;
    l.op = n.op;
    l.kind = LayerKind::kActivation;
    l.inputs = {src};
    l.epilogue.func = f;
    l.flops = c * pixels;
    return add_layer_like(std::move(l), xv, name + suffix);
  };
  int sq = activation(".square", isa::ActivationFunc::kSquare, xv);
  Layer sum;
  sum.name = name + ".sum";
  sum.op = n.op;
  sum.kind = LayerKind::kConv;
  sum.inputs = {sq};
  sum.conv.weights.assign(static_cast<std::size_t>(c) * c, 1.0f);
  sum.epilogue.func = isa::ActivationFunc::kClip;
  sum.epilogue.alpha = bounds.alpha * bounds.alpha;
  sum.epilogue.beta = bounds.beta;
  sum.macs = static_cast<std::uint64_t>(c) * c * pixels;
  int s = add_layer_like(std::move(sum), xv, name + ".sum");
  int r = activation(".rsqrt", isa::ActivationFunc::kRsqrt, s);
  Layer mul;
  mul.name = name;
  mul.op = "Div";
  mul.kind = LayerKind::kEltwise;
  mul.alu = isa::AluOp::kMul;
  mul.inputs = {xv, r};
  mul.flops = c * pixels;
  for (int k : {clip, expand, div})
    if (k >= 0) mul.fused.push_back(graph_.nodes[k].name);
  mul.fused.insert(mul.fused.begin(), n.name);
  int v = add_layer(std::move(mul), graph_.nodes[div].outputs[0]);
  bind_output(graph_.nodes[div], v);
  return true;
}

}  // namespace infsim::compiler
