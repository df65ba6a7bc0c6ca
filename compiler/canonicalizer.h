#pragma once
// The canonicalizer's state and its graph-level rewrites (private to compiler/): one Graph node
// (or a recognised pattern of nodes) becomes zero or more LayerGraph layers. The rewrites of one
// operator family live in one file each:
//   canonicalize.cpp             the driver: host placement (--cpu-fallback), values, bindings
//   canonicalize_conv.cpp        Conv, Gemm/MatMul against constants, BatchNormalization folding
//   canonicalize_elementwise.cpp activations (and the GELU pattern), binary operators
//   canonicalize_data.cpp        Reshape/Flatten/Squeeze, Pad, Concat, Resize
//   canonicalize_window.cpp      Slice and Split of 4-D values, Pad with a value
//   canonicalize_topk.cpp        TopK
//   canonicalize_pool.cpp        MaxPool, AveragePool, global pools
//   canonicalize_transformer.cpp multi-head attention views, Slice of packed QKV, LayerNorm
//   canonicalize_mask.cpp        attention masks folded into the masked softmax
//   canonicalize_reduce.cpp      F.normalize over the channels (SSD's L2Norm)
// The back end's lower_*.cpp turn the resulting layers into instructions; the names here are
// rewrite_* so that no name means both.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/canonicalize.h"
#include "compiler/layer_graph.h"
#include "models/graph.h"

namespace infsim::compiler {

using models::Graph;
using models::Node;

// What a graph tensor is, on the device side.
struct TensorBinding {
  int value = -1;
  bool flattened = false;  // a [N, C*H*W] view of a C x H x W value
  // A zero Pad not applied yet: the next Conv or AveragePool takes it into its own padding.
  std::array<int, 4> pad{};  // top, left, bottom, right
  bool padded() const { return pad[0] || pad[1] || pad[2] || pad[3]; }
  // Inside a multi-head attention pattern (lower_transformer.h): which view of it this is.
  // `value` is Q (or the split/transposed value itself); keys/vals are K and V once met.
  enum class View { kNone, kSplit, kHeads, kKeysT, kScores, kProbs, kContext, kContextT, kKeyMask };
  View view = View::kNone;
  int heads = 0;
  int keys = -1, vals = -1;
  float scale = 1.0f;
  int head_dim = 0;
  // A channel range [channel0, channel0 + slice_channels) of the value (Slice of a packed QKV
  // projection); 0 channels = the whole value. Only a head split may read a slice.
  int channel0 = 0, slice_channels = 0;
  std::array<int, 3> offsets{};  // kContext: channel offsets of Q, K, V
  // kKeyMask: a function of a [B, S] 0/1 mask row (`value`), element-wise and broadcast only, so
  // known by its values at m = 0 and m = 1. kScores onwards: the additive bias it puts on the
  // scores of every head (`mask` the row value, -1 = none), after the scale.
  std::array<float, 2> mask_v{};
  bool mask_is_bool = false;  // the row was a bool tensor (not an integer one taken as 0/1)
  int mask = -1;
  bool poisoned = false;  // survey: produced by a rejected node
};

// Thrown in a survey when a node reads a tensor whose producer was rejected.
struct BlockedInput {};

// The layer a node becomes: its name and operator, `kind`, reading `inputs`.
inline Layer node_layer(const Node& n, LayerKind kind, std::vector<int> inputs) {
  Layer l;
  l.name = n.name;
  l.op = n.op;
  l.kind = kind;
  l.inputs = std::move(inputs);
  return l;
}

class Canonicalizer {
 public:
  Canonicalizer(const Graph& graph, std::uint32_t batch, bool cpu_fallback, bool survey = false)
      : graph_(graph), batch_(batch), cpu_fallback_(cpu_fallback), survey_(survey) {}

  // The canonical graph; in a survey, the partial graph, with rejected() filled.
  CanonicalGraph run();
  const std::vector<int>& rejected() const { return rejected_; }

 private:
  using View = TensorBinding::View;

  // --- canonicalize.cpp: host placement, values and bindings, the dispatch ---
  void survey_node(int i);
  // --cpu-fallback: unsupported nodes that only depend on graph inputs (a prefix) or only feed
  // graph outputs (a suffix) run on the host; the tensors crossing become device inputs/outputs.
  void place_on_host();
  std::vector<bool> host_work_nodes() const;
  std::vector<bool> host_form_nodes() const;
  bool produced_by_host_suffix(int t) const;
  bool host_tensor(int t) const { return host_tensor_[t]; }
  bool is_graph_input(int t) const;
  isa::HostOp host_op(const Node& n, bool before) const;
  std::uint64_t tensor_bytes(int t) const;
  [[noreturn]] void fail(const Node& n, const std::string& why) const;
  // A new Value from a graph tensor's shape: [N, C, H, W], [N, F] or [N, S, F].
  int new_value(int t);
  void bind_input(int t);
  void mark_output(int t);
  const TensorBinding& input_binding(const Node& n, std::size_t i, bool accepts_pad = false);
  const TensorBinding& raw_binding(const Node& n, std::size_t i) const;
  const models::Tensor* constant(const Node& n, std::size_t i) const;
  // The layer producing value `v` may take a fused epilogue step iff nothing else reads v.
  Layer* fusable_producer(const Node& n, int tensor, LayerKind kind);
  void bind_output(const Node& n, int value);
  int add_layer(Layer layer, int out_tensor);
  // A scratch value for the last layer added, sized for the target by size_scratch().
  void add_scratch();
  void rewrite_node(const Node& n);

  // --- canonicalize_conv.cpp ---
  void rewrite_conv(const Node& n);
  // Gemm / MatMul against constant weights: a 1x1 convolution (or H x W over a flattened map).
  void rewrite_gemm(const Node& n);
  // Folds y = x * scale + shift (per channel) into the Conv producing `tensor`, when that Conv has
  // no epilogue yet, and binds the node's output to `value`. Without constant data (a shape-only
  // model) the Conv's weights are dropped, as they could not be folded. False: no such Conv.
  bool fold_into_conv(const Node& n, int tensor, int value, int channels, bool have_data,
                      const std::vector<float>& scale, const std::vector<float>& shift);
  // y = x * scale + shift per channel, x being input `slot` of `n` (bound to `value`): folded
  // into the Conv producing it when possible, else a scale/bias layer (timing only when
  // !have_data).
  void scale_bias(const Node& n, std::size_t slot, int value, bool have_data,
                  std::vector<float> scale, std::vector<float> shift);
  void rewrite_batchnorm(const Node& n);

  // --- canonicalize_elementwise.cpp ---
  Epilogue activation_of(const Node& n) const;
  void rewrite_activation(const Node& n);
  // x * 0.5 * (1 + erf(x / sqrt(2))) as torch exports GELU: Div, Erf, Add, Mul(x, .), Mul(., 0.5)
  // becomes one Gelu activation; true when `n` (the Div) starts that pattern.
  bool rewrite_gelu(const Node& n);
  bool rewrite_mish(const Node& n);
  void rewrite_binary(const Node& n);
  // x op constant with a per-channel or scalar constant: folded into a preceding convolution's
  // bias/scale when possible, else a per-channel scale/bias layer.
  void rewrite_binary_constant(const Node& n, std::size_t act_input, const models::Tensor* k);

  // --- canonicalize_data.cpp ---
  void rewrite_reshape(const Node& n);
  // A constant zero Pad of H and W is left to the consumer (Conv or AveragePool).
  void rewrite_pad(const Node& n);
  // Concatenation along the channels (axis 1 of NCHW or of [N, F]).
  void rewrite_concat(const Node& n);
  // Resize of H and W by integer factors: nearest in a coordinate mode that maps output o to
  // input floor(o / factor), or linear (half_pixel or asymmetric) as one layer per axis (see
  // lower_resize.cpp).
  void rewrite_resize(const Node& n);
  void rewrite_linear_resize(const Node& n, int value, int fh, int fw);

  // --- canonicalize_window.cpp ---
  // A kSlice layer for output `output` of `n`: channels, rows, columns from `first` by `step`.
  int add_window(const Node& n, int value, std::size_t output, const std::array<int, 3>& first,
                 const std::array<int, 3>& step);
  // Slice of the channels (step 1), rows and columns (positive steps) of a 4-D value.
  void rewrite_window_slice(const Node& n);
  // Split of the channels, rows or columns of a 4-D value: one window per used output.
  void rewrite_split(const Node& n);
  // Constant padding of H and W with a value other than zero: a padding layer.
  void add_pad(const Node& n, const TensorBinding& in, const std::array<int, 2>& top_left,
               float value);

  // --- canonicalize_topk.cpp ---
  // TopK over the features of [N, F], largest first, values only.
  void rewrite_topk(const Node& n);

  // --- canonicalize_reduce.cpp ---
  // A layer whose output is a new value shaped like value `like` (intermediates of a pattern).
  int add_layer_like(Layer layer, int like, const std::string& name);
  // F.normalize over the channels; true when `n` (the ReduceL2) starts that pattern.
  bool rewrite_l2_norm(const Node& n);

  // --- canonicalize_pool.cpp ---
  void rewrite_pool(const Node& n);

  // --- canonicalize_transformer.cpp: multi-head attention views until the merge to [B, S, D] ---
  // Reshape [B, S, D] -> [B, S, H, dh] (at batch 1 also [S, 1, D] -> [S, H, dh]): a head split;
  // the context [B, S, H, dh] -> [B, S, D] (or [S, D], [S, 1, D]): the attention layer.
  bool attention_reshape(const Node& n);
  void attention_transpose(const Node& n);
  bool attention_matmul(const Node& n);
  // A scalar scale of the scores (or of Q or K before their product).
  bool attention_scale(const Node& n);
  void attention_softmax(const Node& n);
  void add_attention(const Node& n, const TensorBinding& ctx);
  // Slice of the last (feature) axis with constant bounds and step 1: a channel range view.
  void rewrite_slice(const Node& n);
  void rewrite_layer_norm(const Node& n);
  // --- canonicalize_mask.cpp ---
  // Element-wise and broadcast ops on a key mask, and its addition to (or masked_fill of) the
  // attention scores; false when `n` reads no mask.
  bool rewrite_mask(const Node& n);
  bool mask_scores(const Node& n, const TensorBinding& m, int mask_in, int scores_in);

  const Graph& graph_;
  std::uint32_t batch_;
  bool cpu_fallback_;
  bool survey_;
  std::vector<int> rejected_;  // survey: nodes rejected on their own account
  CanonicalGraph out_;
  std::vector<int> use_count_;
  std::vector<TensorBinding> bindings_;
  std::vector<bool> host_node_;
  std::vector<bool> host_tensor_;
  std::vector<int> device_outputs_;
  std::vector<bool> skip_node_;              // folded into an earlier node's layer (GELU)
  std::vector<std::vector<int>> consumers_;  // per tensor: the nodes reading it
};

// The operators rewrite_node dispatches to a rewrite (canonicalize.cpp).
bool is_activation_op(const std::string& op);
// Integer and bool tensors on the device are attention masks (canonicalize.cpp).
bool is_mask_dtype(models::DType d);
bool is_tensor_engine_op(const std::string& op);

}  // namespace infsim::compiler
