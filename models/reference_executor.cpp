#include "models/reference_executor.h"

#include "models/reference_executor_impl.h"

namespace infsim::models::reference {

std::vector<HostTensor> Executor::run(const std::vector<HostTensor>& inputs) {
  if (inputs.size() != g_.inputs.size()) {
    throw ModelError("graph '" + g_.name + "': expects " + std::to_string(g_.inputs.size()) +
                     " inputs, got " + std::to_string(inputs.size()));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = tensor(g_.inputs[i]);
    if (inputs[i].shape != t.shape ||
        static_cast<std::int64_t>(inputs[i].data.size()) != num_elements(t.shape)) {
      throw ModelError("graph '" + g_.name + "': input '" + t.name + "' has shape " +
                       shape_string(t.shape) + ", got " + shape_string(inputs[i].shape) + " with " +
                       std::to_string(inputs[i].data.size()) + " values");
    }
    values_[static_cast<std::size_t>(g_.inputs[i])] = inputs[i];
  }
  for (const Node& node : g_.nodes) {
    std::vector<HostTensor> outs = eval(node);
    for (std::size_t k = 0; k < outs.size() && k < node.outputs.size(); ++k) {
      const Tensor& declared = tensor(node.outputs[k]);
      if (outs[k].shape != declared.shape) {
        fail(node, "computed shape " + shape_string(outs[k].shape) + " differs from the graph's " +
                       shape_string(declared.shape) + " for '" + declared.name + "'");
      }
      values_[static_cast<std::size_t>(node.outputs[k])] = std::move(outs[k]);
    }
  }
  std::vector<HostTensor> result;
  for (int id : g_.outputs) result.push_back(value(id));
  return result;
}

const HostTensor& Executor::value(int id) {
  auto& slot = values_[static_cast<std::size_t>(id)];
  if (!slot) {
    const Tensor& t = tensor(id);
    if (!t.is_constant) throw ModelError("tensor '" + t.name + "' has no value yet");
    HostTensor h;
    h.shape = t.shape;
    if (!t.data.empty()) {
      h.data = t.data;
    } else {
      h.data.assign(t.int_data.begin(), t.int_data.end());
    }
    if (static_cast<std::int64_t>(h.data.size()) != num_elements(t.shape)) {
      throw ModelError("constant '" + t.name + "' has no values (was the model built without " +
                       "weights?)");
    }
    slot = std::move(h);
  }
  return *slot;
}

std::vector<HostTensor> Executor::eval(const Node& node) {
  const std::string& op = node.op;
  if (op == "Conv") return {conv(node)};
  if (op == "BatchNormalization") return {batch_norm(node)};
  if (op == "MaxPool" || op == "AveragePool") return {pool(node)};
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") return {global_pool(node)};
  if (op == "Gemm") return {gemm(node)};
  if (op == "MatMul") return {matmul(node)};
  if (op == "Softmax") return {softmax(node)};
  if (op == "LayerNormalization") return {layer_norm(node)};
  if (op == "Concat") return {concat(node)};
  if (op == "Transpose") return {transpose(node)};
  if (op == "Pad") return {pad(node)};
  if (op == "Resize") return {resize(node)};
  if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceL2" || op == "ReduceMax")
    return {reduce(node)};
  if (op == "Slice") return {slice(node)};
  if (op == "Gather") return {gather(node)};
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" ||
      op == "Identity" || op == "Dropout") {
    HostTensor t = in(node, 0);
    t.shape = tensor(node.outputs[0]).shape;
    return {t};
  }
  if (op == "Shape") {
    HostTensor t = make({static_cast<std::int64_t>(in(node, 0).shape.size())});
    for (std::size_t i = 0; i < t.data.size(); ++i) {
      t.data[i] = static_cast<float>(in(node, 0).shape[i]);
    }
    return {t};
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Max" ||
      op == "Min" || op == "Equal" || op == "Less" || op == "Greater") {
    return {binary(node)};
  }
  if (op == "Cast" || op == "Where" || op == "Expand" || op == "ConstantOfShape" || op == "Range" ||
      op == "Split" || op == "TopK" || op == "CumSum")
    return selection(node);
  return {unary(node)};
}

HostTensor Executor::unary(const Node& node) {
  const std::string& op = node.op;
  std::function<float(float)> f;
  if (op == "Relu") {
    f = [](float x) { return x > 0.0f ? x : 0.0f; };
  } else if (op == "Clip") {
    float lo = -std::numeric_limits<float>::infinity();
    float hi = std::numeric_limits<float>::infinity();
    if (has(node, 1)) lo = in(node, 1).data.at(0);
    if (has(node, 2)) hi = in(node, 2).data.at(0);
    lo = attr_float(node, "min", lo);
    hi = attr_float(node, "max", hi);
    f = [lo, hi](float x) { return std::min(std::max(x, lo), hi); };
  } else if (op == "Sigmoid") {
    f = [](float x) { return 1.0f / (1.0f + std::exp(-x)); };
  } else if (op == "Tanh") {
    f = [](float x) { return std::tanh(x); };
  } else if (op == "Gelu") {
    if (attr_string(node, "approximate", "none") == "tanh") {
      f = [](float x) {
        const float k = std::sqrt(2.0f / static_cast<float>(M_PI));
        return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
      };
    } else {
      f = [](float x) { return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f))); };
    }
  } else if (op == "Erf") {
    f = [](float x) { return std::erf(x); };
  } else if (op == "Sqrt") {
    f = [](float x) { return std::sqrt(x); };
  } else if (op == "Exp") {
    f = [](float x) { return std::exp(x); };
  } else if (op == "Neg") {
    f = [](float x) { return -x; };
  } else if (op == "Abs") {
    f = [](float x) { return std::fabs(x); };
  } else if (op == "Reciprocal") {
    f = [](float x) { return 1.0f / x; };
  } else if (op == "LeakyRelu") {
    float alpha = attr_float(node, "alpha", 0.01f);
    f = [alpha](float x) { return x >= 0.0f ? x : alpha * x; };
  } else if (op == "HardSigmoid") {
    float alpha = attr_float(node, "alpha", 0.2f), beta = attr_float(node, "beta", 0.5f);
    f = [alpha, beta](float x) { return std::clamp(alpha * x + beta, 0.0f, 1.0f); };
  } else if (op == "HardSwish") {
    f = [](float x) { return x * std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f); };
  } else if (op == "Softplus") {
    f = [](float x) { return softplus(x); };
  } else if (op == "Mish") {
    f = [](float x) { return x * std::tanh(softplus(x)); };
  } else if (op == "Not") {
    f = [](float x) { return x == 0.0f ? 1.0f : 0.0f; };
  } else {
    fail(node, "the reference executor does not implement this operator");
  }
  HostTensor t = in(node, 0);
  for (float& v : t.data) v = f(v);
  return t;
}

HostTensor Executor::binary(const Node& node) {
  const HostTensor& a = in(node, 0);
  const HostTensor& b = in(node, 1);
  const Shape& out_shape = tensor(node.outputs[0]).shape;
  HostTensor out = make(out_shape);
  std::size_t rank = out_shape.size();
  auto bstrides = [&](const Shape& s) {
    std::vector<std::int64_t> st(rank, 0);
    auto own = strides_of(s);
    for (std::size_t i = 0; i < s.size(); ++i) {
      std::size_t d = rank - s.size() + i;
      st[d] = s[i] == 1 ? 0 : own[i];
    }
    return st;
  };
  auto sa = bstrides(a.shape), sb = bstrides(b.shape);
  const std::string& op = node.op;
  std::function<float(float, float)> f;
  if (op == "Add") f = [](float x, float y) { return x + y; };
  if (op == "Sub") f = [](float x, float y) { return x - y; };
  if (op == "Mul") f = [](float x, float y) { return x * y; };
  if (op == "Div") f = [](float x, float y) { return x / y; };
  if (op == "Pow") f = [](float x, float y) { return std::pow(x, y); };
  if (op == "Max") f = [](float x, float y) { return std::max(x, y); };
  if (op == "Min") f = [](float x, float y) { return std::min(x, y); };
  if (op == "Equal") f = [](float x, float y) { return x == y ? 1.0f : 0.0f; };
  if (op == "Less") f = [](float x, float y) { return x < y ? 1.0f : 0.0f; };
  if (op == "Greater") f = [](float x, float y) { return x > y ? 1.0f : 0.0f; };
  std::vector<std::int64_t> idx(rank, 0);
  std::int64_t ia = 0, ib = 0;
  for (std::size_t n = 0; n < out.data.size(); ++n) {
    out.data[n] = f(a.data[static_cast<std::size_t>(ia)], b.data[static_cast<std::size_t>(ib)]);
    for (std::size_t d = rank; d-- > 0;) {
      ++idx[d];
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < out_shape[d]) break;
      ia -= sa[d] * idx[d];
      ib -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace infsim::models::reference

namespace infsim::models {

std::vector<HostTensor> run_reference(const Graph& graph, const std::vector<HostTensor>& inputs) {
  return reference::Executor(graph).run(inputs);
}

}  // namespace infsim::models
