#pragma once
// Transformer encoders (BERT, DistilBERT, torch's TransformerEncoder) on the CNN machinery.
//
// Layout: a [B, S, D] activation is feature-major like a feature map: D on SBUF partitions in
// tiles of P (the configured partitions), the B x S tokens on the free dim (C = D, H = 1, W = S,
// images = B). A MatMul with a constant [D, F] weight (+ bias, + Gelu) is then a 1x1 convolution
// and a residual Add is a convolution epilogue, both already lowered by lower_conv.
//
// Canonicalize recognises the multi-head attention core -- Q/K/V reshaped [B,S,D] -> [B,S,H,dh]
// and transposed to [B,H,S,dh] (K to [B,H,dh,S]), MatMul(Q, K^T), Div/Mul by a scalar, Softmax
// over the keys, MatMul(P, V), transposed and reshaped back to [B,S,D] -- as one kAttention
// layer with inputs {Q, K, V}: the reshapes and transposes are views (head h is the dh-partition
// slice at channel h*dh of the feature-major tensor), so nothing moves for them.
// torch's TransformerEncoder export is recognised too (at batch 1, where [S, 1, D] and [S, D]
// are the [1, S, D] layout): a packed QKV projection cut by Slices of the feature axis (channel
// views; Layer::attention.offsets say where each input's heads start), [S, H, dh] head splits,
// Q scaled before Q x K^T, and GELU written as x * 0.5 * (1 + erf(x / sqrt 2)).
// LayerNormalization over the last dim is one kLayerNorm layer. Both layers get a scratch value
// (Layer::scratch) that the memory plan places like an activation living only during the layer.
//
// lower_attention, per image, per head h, per block of at most min(rows, cols, P) queries:
//   scores[q, k] = sum_d Q[d, q] K[d, k]: LoadWeights Q_h (K = dh rows at the head's partition
//     offset, M = queries), MatMul with K_h moving -> PSUM [queries][keys] (queries on partitions).
//   softmax along the free dim: Reduce max; TensorScalar -scale * max; Activate exp with the
//     scale folded in and the per-partition bias -scale*max, PSUM -> scratch P; Reduce sum;
//     Activate reciprocal; TensorScalar multiply per partition.
//   context[d, q] = sum_k V[d, k] P[q, k]: Transpose V_h and P per key chunk (as many keys) into
//     PSUM and copy to scratch (V^T once per head), LoadWeights V^T (K = keys, M = dh), MatMul
//     moving P^T, accumulated over key chunks -> PSUM [dh][queries], evacuated into the head's
//     partition slice of the output. The scratch is double buffered by head parity so that one
//     head's softmax overlaps the previous head's matmuls.
// lower_layer_norm, per group of whole images of at most one PSUM bank of tokens, in two passes
// (E[x^2] - mean^2 loses too many digits): a [K][64] ones tile as weights sums x over all D
// tiles on the Tensor Engine into PSUM [64][tokens] (the sum replicated on 64 partitions);
// mean = sum/D; for each 64-partition half of each D tile y = x - mean (TensorTensor, the stats
// on partitions 0..63 against the half's partitions); the same ones matmul sums y^2 (Activate
// square); rstd = rsqrt(sum/D + eps); then y * rstd and y * gamma + beta per partition.
//
// A key mask (canonicalize_mask.cpp; a fourth input, one [1 x S] row per image) is scaled once
// per image into the scratch (Activate: bias / scale), and accumulated into each scores block
// by a ones [1 x queries] LoadWeights and a K = 1 MatMul of that row: the masked softmax.
//
// Limits (CompileError otherwise): S <= one PSUM bank of fp32 (512 tokens at the default), dh
// <= min(rows, cols) and dividing P, masks only as a per-key bias (canonicalize_mask.cpp), Softmax
// only inside attention, LayerNormalization only over the last axis of a [B, S, D] or [B, D]
// tensor, sequence-first layouts only at batch 1.

#include <cstdint>

#include "compiler/layer_graph.h"
#include "isa/hardware_config.h"

namespace infsim::compiler {

// Scratch elements per partition per image that a kAttention / kLayerNorm layer needs on `core`.
std::uint64_t attention_scratch_elements(int seq_len, int head_dim, bool masked,
                                         const isa::NeuronCoreConfig& core);
std::uint64_t layer_norm_scratch_elements(int channels, int seq_len,
                                          const isa::NeuronCoreConfig& core);
// Sizes every layer's scratch value (canonicalize leaves them empty) for `core`.
void size_scratch(LayerGraph& graph, const isa::NeuronCoreConfig& core);

// Rows of the ones tile the LayerNorm sums replicate on (and the half-tile width).
inline constexpr int kLayerNormRows = 64;

}  // namespace infsim::compiler
