// Attention masks as Hugging Face and torch export them: the [B, S] mask input goes through
// element-wise and broadcast operators (Unsqueeze, Cast, 1 - m, * finfo.min, Not, Where, Equal)
// and is added to the scaled scores (or fills them through Where) before the Softmax. A 0/1 mask
// m makes every such chain a function of one bit, known by its values at m = 0 and m = 1, so the
// chain is folded into those two numbers and the attention layer adds
// bias(m) = v0 + (v1 - v0) m to every head's scores: the masked softmax (lower_transformer.h).

#include "compiler/canonicalizer.h"

#include <cmath>
#include <limits>

#include "compiler/compile_error.h"

namespace infsim::compiler {

namespace {

// Element-wise operator `op` of the mask value `v` and the scalar `c` (v is the left operand
// unless `swapped`).
float mask_binary(const std::string& op, float v, float c, bool swapped) {
  const float a = swapped ? c : v, b = swapped ? v : c;
  if (op == "Add") return a + b;
  if (op == "Sub") return a - b;
  if (op == "Mul") return a * b;
  if (op == "Div") return a / b;
  return a == b ? 1.0f : 0.0f;  // Equal
}

// The value of a constant whose elements are all equal (a scalar, or torch's zeros_like fill).
bool uniform(const models::Tensor* t, float& value) {
  if (!t || t->data.empty()) return false;
  value = t->data[0];
  for (float v : t->data)
    if (v != value && !(std::isnan(v) && std::isnan(value))) return false;
  return true;
}

}  // namespace

bool Canonicalizer::rewrite_mask(const Node& n) {
  int mask_in = -1, scores_in = -1;
  for (std::size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] < 0) continue;
    const View v = bindings_[n.inputs[i]].view;
    if (v == View::kKeyMask) mask_in = static_cast<int>(i);
    if (v == View::kScores) scores_in = static_cast<int>(i);
  }
  if (mask_in < 0) return false;
  const TensorBinding m = bindings_[n.inputs[mask_in]];
  const auto& os = graph_.tensors[n.outputs[0]].shape;
  const std::int64_t tokens = out_.graph.values[m.value].width;
  if (os.empty() || os.back() != tokens)
    fail(n,
         "an attention mask must keep its " + std::to_string(tokens) + " tokens on the last axis");
  const std::string& op = n.op;
  if (scores_in >= 0) return mask_scores(n, m, mask_in, scores_in);
  TensorBinding r = m;
  auto each = [&](auto f) {
    for (float& v : r.mask_v) v = f(v);
  };
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Reshape" || op == "Flatten" ||
      op == "Expand" || op == "Identity" || op == "Dropout") {
  } else if (op == "Cast") {
    const models::DType to = graph_.tensors[n.outputs[0]].dtype;
    if (to == models::DType::kBool) each([](float v) { return v != 0.0f ? 1.0f : 0.0f; });
    if (is_mask_dtype(to) && to != models::DType::kBool)
      each([](float v) { return std::trunc(v); });
  } else if (op == "Not") {
    each([](float v) { return v == 0.0f ? 1.0f : 0.0f; });
  } else if (op == "Where" && mask_in == 0) {
    float a = 0, b = 0;
    if (!uniform(constant(n, 1), a) || !uniform(constant(n, 2), b))
      fail(n, "Where on a mask needs uniform constant branches (or the attention scores)");
    each([&](float v) { return v != 0.0f ? a : b; });
  } else if ((op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal") &&
             n.inputs.size() == 2) {
    float c = 0;
    if (!uniform(constant(n, 1 - static_cast<std::size_t>(mask_in)), c))
      fail(n, "a mask may only be combined with a uniform constant or the attention scores");
    if (op == "Equal" && !m.mask_is_bool)
      fail(n,
           "Equal of an integer input: the device compares 0/1 masks only; token ids go to "
           "the host with --cpu-fallback");
    each([&](float v) { return mask_binary(op, v, c, mask_in == 1); });
  } else {
    fail(n, op + " of an attention mask is not supported");
  }
  bindings_[n.outputs[0]] = r;
  return true;
}

// Add(scores, mask), or Where(mask, fill, scores) as masked_fill exports (the fill, at most
// -1e4, is added instead of replacing: after the softmax both weigh 0).
bool Canonicalizer::mask_scores(const Node& n, const TensorBinding& m, int mask_in, int scores_in) {
  TensorBinding r = bindings_[n.inputs[scores_in]];
  std::array<float, 2> bias = m.mask_v;
  if (n.op == "Where" && mask_in == 0 && scores_in == 2) {
    float fill = 0;
    if (!uniform(constant(n, 1), fill) || fill > -1e4f)
      fail(n, "masked_fill of the attention scores must fill a constant of at most -1e4");
    for (std::size_t i = 0; i < 2; ++i) bias[i] = m.mask_v[i] != 0.0f ? fill : 0.0f;
  } else if (n.op != "Add") {
    fail(n, "attention scores may only be masked by Add or Where");
  }
  if (r.mask >= 0 && r.mask != m.value) fail(n, "a second attention mask");
  r.mask = m.value;
  r.mask_v[0] += bias[0];
  r.mask_v[1] += bias[1];
  bindings_[n.outputs[0]] = r;
  return true;
}

}  // namespace infsim::compiler
