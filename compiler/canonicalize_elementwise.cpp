// Activations (fused into the producing layer's epilogue where possible), the exported GELU
// pattern, and binary operators between activations or with a per-channel constant.

#include "compiler/canonicalizer.h"

#include <cmath>
#include <map>

#include "compiler/compile_error.h"

namespace infsim::compiler {

// x * 0.5 * (1 + erf(x / sqrt(2))) as torch exports GELU: Div, Erf, Add, Mul(x, .), Mul(., 0.5)
// becomes one Gelu activation; true when `n` (the Div) starts that pattern.
bool Canonicalizer::rewrite_gelu(const Node& n) {
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
  rewrite_activation(g);
  out_.graph.layers.back().fused = {n.name, graph_.nodes[erf].name, graph_.nodes[add].name,
                                    graph_.nodes[mul].name, g.name};
  return true;
}

// x * tanh(softplus(x)) as torch exports F.mish: Softplus, Tanh, Mul(x, .) becomes one Mish
// activation (fused into the producing convolution's epilogue); true when `n` (the Softplus)
// starts that pattern. The pattern reads x twice, as one activation reads it once.
bool Canonicalizer::rewrite_mish(const Node& n) {
  const int x = n.inputs[0];
  auto only_consumer = [&](int tensor, const std::string& op) -> int {
    if (use_count_[tensor] != 1 || consumers_[tensor].size() != 1) return -1;
    const int c = consumers_[tensor][0];
    return graph_.nodes[c].op == op ? c : -1;
  };
  const int tanh = only_consumer(n.outputs[0], "Tanh");
  if (tanh < 0) return false;
  const int mul = only_consumer(graph_.nodes[tanh].outputs[0], "Mul");
  if (mul < 0) return false;
  const Node& m = graph_.nodes[mul];
  const int t = graph_.nodes[tanh].outputs[0];
  if (!((m.inputs[0] == x && m.inputs[1] == t) || (m.inputs[0] == t && m.inputs[1] == x)))
    return false;
  skip_node_[tanh] = skip_node_[mul] = true;
  --use_count_[x];
  Node g{m.name, "Mish", {x}, {m.outputs[0]}, {}};
  rewrite_activation(g);
  // Fused into a convolution, the Mish is that layer's; standalone, it is a layer of its own.
  std::vector<std::string>& fused = out_.graph.layers.back().fused;
  fused.insert(fused.end() - 1, {n.name, graph_.nodes[tanh].name});
  return true;
}

Epilogue Canonicalizer::activation_of(const Node& n) const {
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
  } else if (op == "Softplus") {
    e.func = isa::ActivationFunc::kSoftplus;
  } else if (op == "Mish") {
    e.func = isa::ActivationFunc::kMish;
  } else if (op == "LeakyRelu") {
    e.func = isa::ActivationFunc::kLeakyRelu;
    e.alpha = models::attr_float(n, "alpha", 0.01f);
  } else {  // Clip: bounds as attributes (opset < 11) or constant inputs
    e.func = isa::ActivationFunc::kClip;
    e.alpha = models::attr_float(n, "min", -3.4028235e38f);
    e.beta = models::attr_float(n, "max", 3.4028235e38f);
    auto bound = [&](std::size_t i, float& dst) {
      if (i >= n.inputs.size() || n.inputs[i] < 0) return;
      const models::Tensor& t = graph_.tensors[n.inputs[i]];
      if (!t.is_constant || t.data.size() != 1)
        throw CompileError("node '" + n.name + "' (Clip): bounds must be scalar constants");
      dst = t.data[0];
    };
    bound(1, e.alpha);
    bound(2, e.beta);
    if (e.alpha == 0.0f && e.beta > 3e38f) e.func = isa::ActivationFunc::kRelu;
  }
  return e;
}

void Canonicalizer::rewrite_activation(const Node& n) {
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
  Layer l = node_layer(n, LayerKind::kActivation, {in.value});
  l.epilogue = act;
  l.fused.push_back(n.name);
  l.flops = static_cast<std::uint64_t>(x.channels) * x.pixels();  // before x may move
  int v = add_layer(std::move(l), n.outputs[0]);
  bind_output(n, v);
}

void Canonicalizer::rewrite_binary(const Node& n) {
  const models::Tensor* c0 = constant(n, 0);
  const models::Tensor* c1 = constant(n, 1);
  if (c0 || c1) {
    rewrite_binary_constant(n, c0 ? 1 : 0, c0 ? c0 : c1);
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
  Layer l = node_layer(n, LayerKind::kEltwise, {a.value, b.value});
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
void Canonicalizer::rewrite_binary_constant(const Node& n, std::size_t act_input,
                                            const models::Tensor* k) {
  const TensorBinding& in = input_binding(n, act_input);
  if (in.flattened) fail(n, "element-wise op on a flattened tensor");
  const Value& x = out_.graph.values[in.value];
  std::int64_t count = models::num_elements(k->shape);
  if (count != 1 && count != x.channels)
    fail(n, "only scalar or per-channel constants are supported, got " +
                models::shape_string(k->shape));
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
  scale_bias(n, act_input, in.value, have, std::move(scale), std::move(shift));
}

}  // namespace infsim::compiler
