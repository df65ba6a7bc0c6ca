#pragma once
// The compiler's own graph, after canonicalization: every activation is a Value laid out with
// channels on SBUF partitions (per image C x H x W; batch is a loop outside), and every operator
// is one Layer with its epilogue (bias, activation, residual add) already fused. Gemm and MatMul
// against constant weights are 1x1 convolutions here (Flatten -> Gemm becomes a valid H x W
// convolution), so one lowering serves them all.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "isa/instruction.h"

namespace infsim::compiler {

struct Value {
  std::string name;
  int channels = 0;  // on partitions
  int height = 1;
  int width = 1;
  bool graph_input = false;
  bool graph_output = false;
  int producer = -1;                // layer index; -1 for graph inputs
  std::vector<int> consumers;       // layer indices, ascending
  std::vector<std::int64_t> shape;  // the source graph's shape (NCHW, [N, F], [N, S, F])
  // Zero border kept around each image in SBUF so that padded convolutions read it directly.
  int halo_h = 0;
  int halo_w = 0;

  std::int64_t pixels() const { return std::int64_t{height} * width; }
  int padded_height() const { return height + 2 * halo_h; }
  int padded_width() const { return width + 2 * halo_w; }
};

enum class LayerKind {
  kConv,        // Conv, Gemm, MatMul (Tensor Engine), epilogue on the Scalar Engine
  kPool,        // MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (Vector Engine)
  kEltwise,     // Add/Sub/Mul/Div/Max/Min of two values (Vector Engine)
  kActivation,  // a standalone activation (Scalar Engine)
  kScaleBias,   // standalone BatchNormalization / per-channel affine (Vector Engine)
  kConcat,      // channel concatenation (DMA copies into the output's channel slices)
  kAttention,   // multi-head self-attention core, inputs {Q, K, V[, mask]} (lower_transformer.h)
  kLayerNorm,   // LayerNormalization over the channels, gamma/beta in scale/shift
  kResize,      // upsampling by integer factors, nearest or linear (lower_resize.cpp)
  kSlice,       // a strided window of a value: Slice, Split (lower_data.cpp)
  kPad,         // constant padding of H and W with a non-zero value (lower_data.cpp)
  kTopK,        // the `topk` largest of each image's features, largest first (lower_topk.cpp)
};

// kAttention: softmax(scale * Q_h^T K_h + bias) V_h per head h (head h = channels
// [h*head_dim, ...)). With a fourth input, a [1 x S] 0/1 key mask row m per image, the bias of
// key k is mask_bias[0] + (mask_bias[1] - mask_bias[0]) * m[k]; without, 0.
struct AttentionParams {
  int heads = 1;
  int head_dim = 1;
  float scale = 1.0f;
  std::array<int, 3> offsets{};  // first channel of the heads in Q, K and V
  std::array<float, 2> mask_bias{};
};

struct ConvParams {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int groups = 1;
  // [co][ci / groups][kh][kw]; empty when the graph carries no values (timing-only)
  std::vector<float> weights;
  std::vector<float> bias;  // [co]; empty = zero
};

struct PoolParams {
  isa::PoolFunc func = isa::PoolFunc::kMax;
  int window_h = 1, window_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
  bool count_include_pad = false;
  bool global = false;
};

// kSlice: output channel c, row y, column x is input channel channel0 + c, row start_h + step_h
// * y, column start_w + step_w * x.
struct SliceParams {
  int channel0 = 0;
  int start_h = 0, step_h = 1;
  int start_w = 0, step_w = 1;
};

// kPad: the input sits at (top, left) of an output filled with `value`.
struct PadParams {
  int top = 0, left = 0;
  float value = 0.0f;
};

struct Epilogue {
  isa::ActivationFunc func = isa::ActivationFunc::kIdentity;
  float alpha = 0.0f;  // clip low / leaky slope
  float beta = 0.0f;   // clip high
  int residual = -1;   // value added after the activation-free epilogue (then relu if set)
  bool residual_relu = false;
};

struct Layer {
  std::string name;
  std::string op;  // the source operator (after fusion, the leading one), for profiles
  LayerKind kind = LayerKind::kConv;
  std::vector<int> inputs;  // value ids
  int output = -1;
  ConvParams conv;
  PoolParams pool;
  Epilogue epilogue;
  isa::AluOp alu = isa::AluOp::kAdd;  // kEltwise
  bool eltwise_relu = false;          // kEltwise
  std::vector<float> scale, shift;    // kScaleBias: y = x * scale[c] + shift[c]; kLayerNorm
  AttentionParams attention;          // kAttention
  float epsilon = 0.0f;               // kLayerNorm
  int resize_h = 1, resize_w = 1;     // kResize: output = input repeated resize_h x resize_w
  // kResize linear (one axis per layer): output o samples input (o + 0.5) / f - 0.5 with
  // half_pixel, o / f otherwise (asymmetric), interpolating between the two nearest pixels.
  bool resize_linear = false;
  bool resize_half_pixel = true;
  SliceParams slice;  // kSlice
  PadParams pad;      // kPad
  int topk = 0;       // kTopK: how many
  int scratch = -1;   // value the layer may overwrite while it runs (kAttention, kLayerNorm, kTopK)
  std::vector<std::string> fused;  // source nodes folded into this layer
  std::uint64_t macs = 0;          // per image
  std::uint64_t flops = 0;         // per image, Vector/Scalar work
};

struct LayerGraph {
  std::string name;
  int batch = 1;
  std::vector<Value> values;
  std::vector<Layer> layers;  // topological
  std::vector<int> inputs;
  std::vector<int> outputs;
};

}  // namespace infsim::compiler
