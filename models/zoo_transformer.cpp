// Transformer encoders as Hugging Face's BertLayer / RobertaLayer export them (the embedding
// lookup stays on the host): per layer Q, K, V projections split into heads, scaled Q x K^T,
// the additive attention mask (RoBERTa), Softmax, P x V, merge, output projection, residual +
// LayerNorm, GELU feed-forward, residual + LayerNorm.

#include <cmath>

#include "models/model_error.h"
#include "models/zoo_builder.h"

namespace infsim::models::zoo_detail {

namespace {

struct EncoderShape {
  int layers = 12;
  std::int64_t hidden = 768, heads = 12, ffn = 3072;
  float epsilon = 1e-12f;
  bool mask = false;  // an attention_mask [B, S] input (1 = token, 0 = padding)
  // > 0: the whole Hugging Face BertModel front (token ids in, the embedding lookups, their sum
  // and LayerNorm) instead of an `embeddings` input.
  std::int64_t vocab = 0, max_positions = 512, token_types = 2;
};

// Hugging Face's get_extended_attention_mask: mask[:, None, None, :], cast to float,
// (1 - mask) * finfo(float32).min, added to the scaled scores of every head.
int extended_mask(Builder& b, int mask) {
  int m = b.node("mask.Unsqueeze", "Unsqueeze", {mask, b.int_constant("mask.axes", {1, 2})});
  m = b.node("mask.Cast", "Cast", {m}, {{"to", std::int64_t{1}}});
  m = b.node("mask.Sub", "Sub", {b.scalar("mask.one", 1.0f), m});
  return b.node("mask.Mul", "Mul", {m, b.scalar("mask.min", -3.4028234663852886e38f)});
}

// Hugging Face's BertEmbeddings in the order BertModel.forward takes its inputs (input_ids,
// attention_mask, token_type_ids): word + token type + position embedding lookups (Gather), their
// sum, LayerNorm; `mask` gets the extended attention mask. The position ids are the constant
// 0 .. S-1 per sequence (the position_ids buffer, sliced and traced as a constant).
int embeddings(Builder& b, const EncoderShape& e, std::int64_t n, std::int64_t s, int& mask) {
  const int ids = b.input("input_ids", {n, s}, DType::kInt64);
  mask = extended_mask(b, b.input("attention_mask", {n, s}, DType::kInt64));
  const int types = b.input("token_type_ids", {n, s}, DType::kInt64);
  const double fan_in = static_cast<double>(e.hidden);
  auto lookup = [&](const std::string& name, std::int64_t rows, int indices) {
    return b.node("embeddings." + name, "Gather",
                  {b.weight("embeddings." + name + ".weight", {rows, e.hidden}, fan_in), indices});
  };
  Ints positions;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t t = 0; t < s; ++t) positions.push_back(t);
  const int position_ids = b.int_constant("embeddings.position_ids", positions);
  b.graph().tensors[static_cast<std::size_t>(position_ids)].shape = {n, s};
  int x = b.node("embeddings.add_token_type", "Add",
                 {lookup("word_embeddings", e.vocab, ids),
                  lookup("token_type_embeddings", e.token_types, types)});
  x = b.node("embeddings.add_position", "Add",
             {x, lookup("position_embeddings", e.max_positions, position_ids)});
  return b.layer_norm("embeddings.LayerNorm", x, e.epsilon);
}

Graph encoder(const std::string& name, const ZooOptions& o, const EncoderShape& e) {
  if (o.seq_len <= 0) throw ModelError(name + ": seq_len must be positive");
  const std::int64_t head_dim = e.hidden / e.heads;
  Builder b(name, o);
  const std::int64_t n = o.batch, s = o.seq_len;
  int x = -1, mask = -1;
  if (e.vocab > 0) {
    x = embeddings(b, e, n, s, mask);
  } else {
    x = b.input("embeddings", {n, s, e.hidden});
    if (e.mask) mask = extended_mask(b, b.input("attention_mask", {n, s}, DType::kInt64));
  }
  for (int l = 0; l < e.layers; ++l) {
    std::string p = "encoder.layer." + std::to_string(l);
    std::string a = p + ".attention.self";
    auto heads = [&](const std::string& which, Ints perm) {
      int y = b.dense(a + "." + which, x, e.hidden);
      y = b.reshape(a + "." + which + ".Reshape", y, {n, s, e.heads, head_dim});
      return b.transpose(a + "." + which + ".Transpose", y, std::move(perm));
    };
    int q = heads("query", {0, 2, 1, 3});
    int k = heads("key", {0, 2, 3, 1});
    int v = heads("value", {0, 2, 1, 3});
    int scores = b.node(a + ".MatMul_qk", "MatMul", {q, k});
    scores = b.node(a + ".Div", "Div",
                    {scores, b.scalar(a + ".scale", std::sqrt(static_cast<float>(head_dim)))});
    if (mask >= 0) scores = b.node(a + ".mask.Add", "Add", {scores, mask});
    int probs = b.node(a + ".Softmax", "Softmax", {scores}, {{"axis", std::int64_t{-1}}});
    int ctx = b.node(a + ".MatMul_pv", "MatMul", {probs, v});
    ctx = b.transpose(a + ".context.Transpose", ctx, {0, 2, 1, 3});
    ctx = b.reshape(a + ".context.Reshape", ctx, {n, s, e.hidden});
    int attn = b.dense(p + ".attention.output.dense", ctx, e.hidden);
    attn = b.node(p + ".attention.output.residual", "Add", {attn, x});
    attn = b.layer_norm(p + ".attention.output.LayerNorm", attn, e.epsilon);
    int h = b.dense(p + ".intermediate.dense", attn, e.ffn);
    h = b.node(p + ".intermediate.gelu", "Gelu", {h});
    h = b.dense(p + ".output.dense", h, e.hidden);
    h = b.node(p + ".output.residual", "Add", {h, attn});
    x = b.layer_norm(p + ".output.LayerNorm", h, e.epsilon);
  }
  return b.finish(x);
}

}  // namespace

Graph bert_encoder(const std::string& name, const ZooOptions& o, int layers) {
  EncoderShape e;
  e.layers = layers;
  return encoder(name, o, e);
}

// Hugging Face bert-base-cased as torch-neuron traces BertModel for the Inf1 encoder benchmarks
// (ref §3.5): token ids, attention mask and token type ids in (int64), the three embedding lookups
// (vocabulary 28,996), the extended attention mask, the 12 layers; the output is the last hidden
// state (the pooler, one 768 x 768 dense on the first token, is left out). aten::embedding does not
// run on Neuron (ref §5.1), so compiled with the CPU fallback the lookups are host work.
Graph bert_base_cased(const ZooOptions& o) {
  EncoderShape e;
  e.vocab = 28996;
  return encoder("bert_base_cased", o, e);
}

// BERT-large as the Neuron BERT-large demo ran it: 24 layers, hidden 1024, 16 heads, FFN 4096.
Graph bert_large(const ZooOptions& o) {
  EncoderShape e;
  e.layers = 24;
  e.hidden = 1024;
  e.heads = 16;
  e.ffn = 4096;
  return encoder("bert_large", o, e);
}

// roberta-base / distilroberta-base: BERT-base's layers with LayerNorm epsilon 1e-5 and the
// padding mask in the graph.
Graph roberta_encoder(const std::string& name, const ZooOptions& o, int layers) {
  EncoderShape e;
  e.layers = layers;
  e.epsilon = 1e-5f;
  e.mask = true;
  return encoder(name, o, e);
}

}  // namespace infsim::models::zoo_detail
