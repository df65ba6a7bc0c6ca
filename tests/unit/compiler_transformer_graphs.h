#pragma once
// Small transformer graphs for the compiler's tests, in the form BERT exports (Hugging Face
// BertSelfAttention): per-head views by Reshape + Transpose, scores scaled by Div, Softmax.

#include <cmath>
#include <cstdint>
#include <string>

#include "compiler_test_graphs.h"

namespace infsim::compiler::testing {

// x @ W + b with W stored [in, out].
inline int dense(GraphBuilder& b, const std::string& name, int x, std::int64_t out) {
  const std::int64_t in = b.shape(x).back();
  int mm =
      b.node(name + ".MatMul", "MatMul",
             {x, b.constant(name + ".w", {in, out}, 1.0f / std::sqrt(static_cast<float>(in)))});
  return b.node(name + ".Add", "Add", {mm, b.constant(name + ".b", {out}, 0.1f)});
}

inline int layer_norm(GraphBuilder& b, const std::string& name, int x) {
  const std::int64_t d = b.shape(x).back();
  return b.node(
      name, "LayerNormalization",
      {x, b.constant(name + ".gamma", {d}, 0.1f, 1.0f), b.constant(name + ".beta", {d}, 0.1f)},
      {{"axis", std::int64_t{-1}}, {"epsilon", 1e-5f}});
}

// Q/K/V projections, multi-head attention, output projection + residual, LayerNorm.
inline int attention(GraphBuilder& b, const std::string& p, int x, std::int64_t heads) {
  const models::Shape s = b.shape(x);
  const std::int64_t n = s[0], seq = s[1], d = s[2], dh = d / heads;
  auto split = [&](const std::string& which, Ints perm) {
    int y = dense(b, p + "." + which, x, d);
    int shape =
        models::add_int_constant(b.graph(), p + "." + which + ".shape", {n, seq, heads, dh});
    y = b.node(p + "." + which + ".Reshape", "Reshape", {y, shape});
    return b.node(p + "." + which + ".Transpose", "Transpose", {y}, {{"perm", perm}});
  };
  int q = split("query", {0, 2, 1, 3});
  int k = split("key", {0, 2, 3, 1});
  int v = split("value", {0, 2, 1, 3});
  int scores = b.node(p + ".MatMul_qk", "MatMul", {q, k});
  scores = b.node(p + ".Div", "Div",
                  {scores, b.constant(p + ".scale", {}, 0.0f, std::sqrt(static_cast<float>(dh)))});
  int probs = b.node(p + ".Softmax", "Softmax", {scores}, {{"axis", std::int64_t{-1}}});
  int ctx = b.node(p + ".MatMul_pv", "MatMul", {probs, v});
  ctx = b.node(p + ".context.Transpose", "Transpose", {ctx}, {{"perm", Ints{0, 2, 1, 3}}});
  int shape = models::add_int_constant(b.graph(), p + ".context.shape", {n, seq, d});
  ctx = b.node(p + ".context.Reshape", "Reshape", {ctx, shape});
  int out = b.node(p + ".residual", "Add", {dense(b, p + ".output", ctx, d), x});
  return layer_norm(b, p + ".LayerNorm", out);
}

inline models::Graph attention_block(int batch = 1, std::int64_t seq = 8, std::int64_t d = 64,
                                     std::int64_t heads = 2) {
  GraphBuilder b("attention_block");
  int x = b.input("x", {batch, seq, d});
  return b.finish(attention(b, "attn", x, heads));
}

inline models::Graph layer_norm_only(int batch = 2, std::int64_t seq = 8, std::int64_t d = 160) {
  GraphBuilder b("layer_norm");
  int x = b.input("x", {batch, seq, d});
  return b.finish(layer_norm(b, "ln", dense(b, "fc", x, d)));
}

}  // namespace infsim::compiler::testing
