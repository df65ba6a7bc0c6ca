// Attention and LayerNormalization lowerings; the scheme is in lower_transformer.h.

#include "compiler/lower_transformer.h"

#include <algorithm>

#include "compiler/compile_error.h"
#include "compiler/layout.h"
#include "compiler/lower_topk.h"
#include "compiler/lowering.h"

namespace infsim::compiler {
namespace {

using isa::axis;
using isa::dims;

// Keys per chunk and queries per block: min(array rows, array cols), at least kMinChunk (the
// scratch is sized for the smallest).
constexpr int kMinChunk = 32;
constexpr std::uint64_t kAlignElements = 32;  // 64 bytes of the smallest dtype we compile for
// max, -scale*max, sum, 1/sum and a spare: per-partition scalars are read in pairs.
constexpr int kStats = 5;

int chunk_of(const isa::NeuronCoreConfig& core) {
  return std::min({core.tensor.rows, core.tensor.cols, core.sbuf.partitions});
}

// One double-buffer half of the attention scratch: [P: S][P^T: chunks x chunk][V^T: chunks x dh]
// [stats], with P^T's chunks x chunk <= S + chunk - 1 <= S + partitions - 1.
std::uint64_t attention_buffer_elements(int seq_len, int head_dim,
                                        const isa::NeuronCoreConfig& core) {
  const auto s = static_cast<std::uint64_t>(seq_len);
  const auto parts = static_cast<std::uint64_t>(core.sbuf.partitions);
  const std::uint64_t chunks = (s + kMinChunk - 1) / kMinChunk;
  return s + (s + parts - 1) + chunks * head_dim + kStats;
}

void check_sizes(const Lowering& L, const Layer& layer, int seq_len) {
  auto fail = [&](const std::string& why) {
    throw CompileError("layer '" + layer.name + "' (" + layer.op + "): " + why,
                       ErrorKind::kDoesNotFit);
  };
  if (chunk_of(L.core) < kMinChunk) fail("needs a Tensor Engine of at least 32 x 32");
  if (static_cast<std::uint64_t>(seq_len) > psum_bank_elements(L.core))
    fail(std::to_string(seq_len) + " tokens exceed one PSUM bank (" +
         std::to_string(psum_bank_elements(L.core)) + " fp32 values)");
  // A head is one LoadWeights (dh rows) and one PSUM block (dh partitions) and must not cross a
  // channel tile of the SBUF partitions.
  const int dh = layer.kind == LayerKind::kAttention ? layer.attention.head_dim : 0;
  if (dh > 0 && (dh > chunk_of(L.core) || L.partitions() % dh != 0))
    fail("head size " + std::to_string(dh) + " must divide the " + std::to_string(L.partitions()) +
         " SBUF partitions and fit the " + std::to_string(L.core.tensor.rows) + " x " +
         std::to_string(L.core.tensor.cols) + " array");
  for (int v : layer.inputs)
    if (L.plan.in_dram[v]) fail("its input is kept in DRAM, which it cannot read");
}

isa::Instruction make(isa::Opcode op, const isa::AccessPattern& dst, const isa::AccessPattern& src0,
                      const isa::AccessPattern& src1 = {}) {
  isa::Instruction ins;
  ins.opcode = op;
  ins.dst = dst;
  ins.src0 = src0;
  ins.src1 = src1;
  return ins;
}

isa::Instruction activate(isa::ActivationFunc f, const isa::AccessPattern& dst,
                          const isa::AccessPattern& src0, float scale = 1.0f,
                          const isa::AccessPattern& bias = {}) {
  isa::Instruction ins = make(isa::Opcode::kActivate, dst, src0, bias);
  ins.func = static_cast<std::uint8_t>(f);
  ins.scale = scale;
  return ins;
}

isa::Instruction alu(isa::Opcode op, isa::AluOp f, const isa::AccessPattern& dst,
                     const isa::AccessPattern& src0, const isa::AccessPattern& src1 = {}) {
  isa::Instruction ins = make(op, dst, src0, src1);
  ins.func = static_cast<std::uint8_t>(f);
  return ins;
}

}  // namespace

std::uint64_t attention_scratch_elements(int seq_len, int head_dim, bool masked,
                                         const isa::NeuronCoreConfig& core) {
  // Room to start the second buffer on a 64-byte boundary; a mask adds a ones row (at most one
  // element per partition) and the scaled mask row on partition 0.
  return 2 * (attention_buffer_elements(seq_len, head_dim, core) + kAlignElements) +
         (masked ? static_cast<std::uint64_t>(core.sbuf.partitions) + seq_len : 0);
}

std::uint64_t layer_norm_scratch_elements(int channels, int seq_len,
                                          const isa::NeuronCoreConfig& core) {
  return kLayerNormRows +
         static_cast<std::uint64_t>(channel_tiles(channels, core.sbuf.partitions) + 2) * seq_len;
}

void size_scratch(LayerGraph& graph, const isa::NeuronCoreConfig& core) {
  for (const Layer& l : graph.layers) {
    if (l.scratch < 0) continue;
    const Value& out = graph.values[l.output];
    const Value& in = graph.values[l.inputs[0]];
    const std::uint64_t elements =
        l.kind == LayerKind::kAttention
            ? attention_scratch_elements(out.width, l.attention.head_dim, l.inputs.size() > 3, core)
        : l.kind == LayerKind::kTopK
            ? topk_scratch_elements(in.channels * static_cast<int>(in.pixels()), l.topk)
            : layer_norm_scratch_elements(out.channels, out.width, core);
    graph.values[l.scratch].width = static_cast<int>(elements);
    graph.values[l.scratch].shape[3] = static_cast<std::int64_t>(elements);
  }
}

namespace {

// What each step of a layer's lowering on one core needs: the layer, the core's queues, and
// SBUF operands and instructions in its name.
class LayerLowering {
 protected:
  LayerLowering(Lowering& L, int li, int core)
      : L_(L), layer_(L.graph.layers[li]), li_(li), q_(L.queues[core]), core_(core) {}

  void emit(int queue, const isa::Instruction& ins) {
    L_.sched.emit(core_, queue, ins, static_cast<std::uint32_t>(li_));
  }
  std::uint64_t bank_bytes() const { return L_.core.psum.bank_bytes(); }
  isa::AccessPattern sb(int p, int parts, std::uint64_t at, std::uint32_t n) const {
    return isa::sbuf(static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(parts), at, {n},
                     L_.dtype(), static_cast<std::uint16_t>(core_));
  }

  Lowering& L_;
  const Layer& layer_;
  const int li_;
  const CoreQueues& q_;
  const int core_;
};

// One attention layer on one core (the scheme is in lower_transformer.h): the geometry its
// steps share, and one method per step.
class AttentionLowering : LayerLowering {
 public:
  AttentionLowering(Lowering& L, int li, int core)
      : LayerLowering(L, li, core),
        a_(layer_.attention),
        seq_(L.graph.values[layer_.output].width),
        dh_(a_.head_dim),
        kc_(chunk_of(L.core)),
        chunks_((seq_ + kc_ - 1) / kc_),
        scratch_(L.plan.slot(layer_.scratch, core).offset),
        buffer_((attention_buffer_elements(seq_, dh_, L.core) * L.dsize + 63) & ~63ull),
        masked_(layer_.inputs.size() > 3),
        ones_at_(scratch_ + 2 * buffer_),
        mrow_at_(ones_at_ + static_cast<std::uint64_t>(L.partitions()) * L.dsize) {}

  void run() {
    if (masked_) prepare_mask();
    for (image_ = 0; image_ < L_.images; ++image_) {
      if (masked_) scale_mask_row();
      for (head_ = 0; head_ < a_.heads; ++head_) {
        const std::uint64_t buf = scratch_ + static_cast<std::uint64_t>(head_ % 2) * buffer_;
        p_at_ = buf;
        pt_at_ = p_at_ + static_cast<std::uint64_t>(seq_) * L_.dsize;
        vt_at_ = pt_at_ + static_cast<std::uint64_t>(chunks_) * kc_ * L_.dsize;
        st_at_ = vt_at_ + static_cast<std::uint64_t>(chunks_) * dh_ * L_.dsize;
        transpose_values();
        for (int q0 = 0; q0 < seq_; q0 += kc_) {
          const int mq = std::min(kc_, seq_ - q0);
          const std::uint64_t scores = score(q0, mq);
          softmax(mq, scores);
          transpose_probabilities(mq);
          context(q0, mq);
        }
      }
    }
  }

 private:
  std::uint64_t bank() { return static_cast<std::uint64_t>(L_.next_bank()) * bank_bytes(); }
  isa::AccessPattern ps(int parts, std::uint64_t at, std::uint32_t n) const {
    return isa::psum(0, static_cast<std::uint16_t>(parts), at, {n}, isa::DType::kFp32,
                     static_cast<std::uint16_t>(core_));
  }
  // Tokens [t0, t0 + n) of the current head of a value whose heads start at channel `offset`.
  isa::AccessPattern tokens(int value, int offset, int t0, int n) const {
    const int channel = offset + head_ * dh_;
    isa::AccessPattern ap = L_.interior(value, core_, channel / L_.partitions(),
                                        channel % L_.partitions(), dh_, image_, 1, 0, 1);
    ap.offset += static_cast<std::uint64_t>(t0) * L_.dsize;
    ap.dims = isa::dense_dims({static_cast<std::uint32_t>(n)});
    return ap;
  }
  // Softmax statistic i of the current query block (see kStats).
  isa::AccessPattern stat(int mq, int i, std::uint32_t n = 1) const {
    return sb(0, mq, st_at_ + static_cast<std::uint64_t>(i) * L_.dsize, n);
  }

  // The key mask: bias/scale is added to the raw scores (the exp applies the scale), as a ones
  // [1 x queries] weight times the mask row accumulated into the scores' PSUM. The two values
  // are clamped to +-30000 (exp(-30000 * scale) is 0 in every dtype; fp16 holds 30000).
  void prepare_mask() {
    auto clamp = [&](float v) { return std::clamp(v / a_.scale, -30000.0f, 30000.0f); };
    mask_b_ = clamp(a_.mask_bias[0]);
    mask_a_ = clamp(a_.mask_bias[1]) - mask_b_;
    isa::Instruction ones = make(isa::Opcode::kMemset, sb(0, 1, ones_at_, kc_), {});
    ones.scale = 1.0f;
    emit(q_.vector, ones);
  }

  // The current image's mask row, scaled into the scratch.
  void scale_mask_row() {
    isa::AccessPattern m = L_.interior(layer_.inputs[3], core_, 0, 0, 1, image_, 1, 0, 1);
    m.dims = isa::dense_dims({static_cast<std::uint32_t>(seq_)});
    isa::Instruction scaled =
        activate(isa::ActivationFunc::kIdentity,
                 sb(0, 1, mrow_at_, static_cast<std::uint32_t>(seq_)), m, mask_a_);
    scaled.bias = mask_b_;
    emit(q_.scalar, scaled);
  }

  // V^T per key chunk: [keys][dh].
  void transpose_values() {
    for (int c = 0; c < chunks_; ++c) {
      const int k0 = c * kc_, kn = std::min(kc_, seq_ - k0);
      const std::uint64_t b = bank();
      emit(q_.tensor, make(isa::Opcode::kTranspose, ps(kn, b, static_cast<std::uint32_t>(dh_)),
                           tokens(layer_.inputs[2], a_.offsets[2], k0, kn)));
      emit(q_.scalar, activate(isa::ActivationFunc::kIdentity,
                               sb(0, kn, vt_at_ + static_cast<std::uint64_t>(c) * dh_ * L_.dsize,
                                  static_cast<std::uint32_t>(dh_)),
                               ps(kn, b, static_cast<std::uint32_t>(dh_))));
    }
  }

  // Q x K^T (plus the mask row) of queries [q0, q0 + mq) into a PSUM bank; returns the bank.
  std::uint64_t score(int q0, int mq) {
    const auto mq32 = static_cast<std::uint32_t>(mq), seq32 = static_cast<std::uint32_t>(seq_);
    isa::Instruction lw;
    lw.opcode = isa::Opcode::kLoadWeights;
    lw.src0 = tokens(layer_.inputs[0], a_.offsets[0], q0, mq);
    emit(q_.tensor, lw);
    const std::uint64_t scores = bank();
    emit(q_.tensor, make(isa::Opcode::kMatMul, ps(mq, scores, seq32),
                         tokens(layer_.inputs[1], a_.offsets[1], 0, seq_)));
    if (masked_) {
      isa::Instruction w;
      w.opcode = isa::Opcode::kLoadWeights;
      w.src0 = sb(0, 1, ones_at_, mq32);
      emit(q_.tensor, w);
      isa::Instruction add =
          make(isa::Opcode::kMatMul, ps(mq, scores, seq32), sb(0, 1, mrow_at_, seq32));
      add.flags = isa::kAccumulate;
      emit(q_.tensor, add);
    }
    return scores;
  }

  // Softmax along the keys, PSUM scores -> P in the scratch.
  void softmax(int mq, std::uint64_t scores) {
    const auto seq32 = static_cast<std::uint32_t>(seq_);
    emit(q_.vector,
         alu(isa::Opcode::kReduce, isa::AluOp::kMax, stat(mq, 0), ps(mq, scores, seq32)));
    isa::Instruction neg =
        alu(isa::Opcode::kTensorScalar, isa::AluOp::kMul, stat(mq, 1), stat(mq, 0));
    neg.scale = -a_.scale;
    neg.func2 = static_cast<std::uint8_t>(isa::AluOp::kNone);
    emit(q_.vector, neg);
    emit(q_.scalar, activate(isa::ActivationFunc::kExp, sb(0, mq, p_at_, seq32),
                             ps(mq, scores, seq32), a_.scale, stat(mq, 1)));
    emit(q_.vector,
         alu(isa::Opcode::kReduce, isa::AluOp::kAdd, stat(mq, 2), sb(0, mq, p_at_, seq32)));
    emit(q_.scalar, activate(isa::ActivationFunc::kReciprocal, stat(mq, 3), stat(mq, 2)));
    isa::Instruction norm = alu(isa::Opcode::kTensorScalar, isa::AluOp::kMul,
                                sb(0, mq, p_at_, seq32), sb(0, mq, p_at_, seq32), stat(mq, 3, 2));
    norm.flags = isa::kPerPartition;
    norm.func2 = static_cast<std::uint8_t>(isa::AluOp::kNone);
    emit(q_.vector, norm);
  }

  // P^T per key chunk: [keys][queries].
  void transpose_probabilities(int mq) {
    const auto mq32 = static_cast<std::uint32_t>(mq);
    for (int c = 0; c < chunks_; ++c) {
      const int k0 = c * kc_, kn = std::min(kc_, seq_ - k0);
      const std::uint64_t b = bank();
      emit(q_.tensor, make(isa::Opcode::kTranspose, ps(kn, b, mq32),
                           sb(0, mq, p_at_ + static_cast<std::uint64_t>(k0) * L_.dsize,
                              static_cast<std::uint32_t>(kn))));
      emit(q_.vector, alu(isa::Opcode::kTensorScalar, isa::AluOp::kNone,
                          sb(0, kn, pt_at_ + static_cast<std::uint64_t>(c) * kc_ * L_.dsize, mq32),
                          ps(kn, b, mq32)));
    }
  }

  // V^T x P^T accumulated over the key chunks, into the head's slice of the output.
  void context(int q0, int mq) {
    const auto mq32 = static_cast<std::uint32_t>(mq);
    const std::uint64_t ctx = bank();
    for (int c = 0; c < chunks_; ++c) {
      const int kn = std::min(kc_, seq_ - c * kc_);
      isa::Instruction w;
      w.opcode = isa::Opcode::kLoadWeights;
      w.src0 = sb(0, kn, vt_at_ + static_cast<std::uint64_t>(c) * dh_ * L_.dsize,
                  static_cast<std::uint32_t>(dh_));
      emit(q_.tensor, w);
      isa::Instruction mm =
          make(isa::Opcode::kMatMul, ps(dh_, ctx, mq32),
               sb(0, kn, pt_at_ + static_cast<std::uint64_t>(c) * kc_ * L_.dsize, mq32));
      mm.flags = c == 0 ? 0 : isa::kAccumulate;
      emit(q_.tensor, mm);
    }
    emit(q_.scalar, activate(isa::ActivationFunc::kIdentity, tokens(layer_.output, 0, q0, mq),
                             ps(dh_, ctx, mq32)));
  }

  const AttentionParams& a_;
  const int seq_, dh_;
  const int kc_, chunks_;  // keys per chunk, key chunks
  const std::uint64_t scratch_, buffer_;
  const bool masked_;
  const std::uint64_t ones_at_, mrow_at_;
  float mask_a_ = 0.0f, mask_b_ = 0.0f;
  int image_ = 0, head_ = 0;
  // The current head's half of the scratch: P, P^T, V^T, softmax statistics.
  std::uint64_t p_at_ = 0, pt_at_ = 0, vt_at_ = 0, st_at_ = 0;
};

}  // namespace

void lower_attention(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  check_sizes(L, layer, L.graph.values[layer.output].width);
  AttentionLowering(L, li, core).run();
}

namespace {

// One LayerNormalization layer on one core (the scheme is in lower_transformer.h), one method
// per step, for one group of whole images at a time.
class LayerNormLowering : LayerLowering {
 public:
  LayerNormLowering(Lowering& L, int li, int core)
      : LayerLowering(L, li, core),
        seq_(L.graph.values[layer_.output].width),
        d_(L.graph.values[layer_.output].channels),
        tiles_(L.tiles(d_)),
        rows_(std::min({kLayerNormRows, d_, L.core.tensor.cols})),
        scratch_(L.plan.slot(layer_.scratch, core).offset),
        inv_d_(1.0f / static_cast<float>(d_)) {}

  void run() {
    const int per_chunk = std::max(
        1, static_cast<int>(psum_bank_elements(L_.core) / static_cast<std::uint64_t>(seq_)));
    isa::Instruction ones = make(isa::Opcode::kMemset, sb(0, L_.partitions(), scratch_, rows_), {});
    ones.scale = 1.0f;
    emit(q_.vector, ones);
    for (image0_ = 0; image0_ < L_.images; image0_ += per_chunk) {
      images_ = std::min(per_chunk, L_.images - image0_);
      n_ = static_cast<std::uint32_t>(images_ * seq_);
      sq_at_ = scratch_ + kLayerNormRows * L_.dsize;
      mean_at_ = sq_at_ + static_cast<std::uint64_t>(tiles_) * n_ * L_.dsize;
      var_at_ = mean_at_ + n_ * L_.dsize;
      const std::uint64_t sum = static_cast<std::uint64_t>(L_.next_bank()) * bank_bytes();
      const std::uint64_t sumsq = static_cast<std::uint64_t>(L_.next_bank()) * bank_bytes();
      mean(sum);
      center_and_sum_squares(sumsq);
      inverse_deviation(sumsq);
      normalize();
    }
  }

 private:
  isa::AccessPattern ps(std::uint64_t at) const {
    return isa::psum(0, static_cast<std::uint16_t>(rows_), at, {n_}, isa::DType::kFp32,
                     static_cast<std::uint16_t>(core_));
  }
  // Partitions [p, p + parts) of tile t of a value, the current group's tokens.
  isa::AccessPattern x(int value, int t, int p, int parts) const {
    isa::AccessPattern ap = L_.interior(value, core_, t, p, parts, image0_, images_, 0, 1);
    ap.dims = isa::dense_dims({n_});
    return ap;
  }

  // Two passes (sum x, then sum (x - mean)^2): the one-pass E[x^2] - mean^2 loses digits.
  // Each tile is summed in slices of at most the array's rows (a LoadWeights of k ones rows
  // from partition p, then the matmul of those partitions), all accumulated into one bank.
  template <typename Moving>
  void sum_tile(std::uint64_t bank, int t, int cnt, Moving moving) {
    const int k_step = L_.core.tensor.rows;
    for (int p = 0; p < cnt; p += k_step) {
      const int k = std::min(k_step, cnt - p);
      isa::Instruction lw;
      lw.opcode = isa::Opcode::kLoadWeights;
      lw.src0 = sb(p, k, scratch_, static_cast<std::uint32_t>(rows_));
      emit(q_.tensor, lw);
      isa::Instruction mm = make(isa::Opcode::kMatMul, ps(bank), moving(p, k));
      mm.flags = t == 0 && p == 0 ? 0 : isa::kAccumulate;
      emit(q_.tensor, mm);
    }
  }

  void mean(std::uint64_t sum) {
    const int in_id = layer_.inputs[0];
    for (int t = 0; t < tiles_; ++t)
      sum_tile(sum, t, L_.tile_size(d_, t), [&](int p, int k) { return x(in_id, t, p, k); });
    emit(q_.scalar,
         activate(isa::ActivationFunc::kIdentity, sb(0, rows_, mean_at_, n_), ps(sum), inv_d_));
  }

  // y = x - mean into the output, y^2 into the scratch, summed into `sumsq`.
  void center_and_sum_squares(std::uint64_t sumsq) {
    for (int t = 0; t < tiles_; ++t) {
      const int cnt = L_.tile_size(d_, t);
      const std::uint64_t sq = sq_at_ + static_cast<std::uint64_t>(t) * n_ * L_.dsize;
      for (int p = 0; p < cnt; p += rows_) {
        const int k = std::min(rows_, cnt - p);
        emit(q_.vector, alu(isa::Opcode::kTensorTensor, isa::AluOp::kSub, x(layer_.output, t, p, k),
                            x(layer_.inputs[0], t, p, k), sb(0, k, mean_at_, n_)));
      }
      emit(q_.scalar,
           activate(isa::ActivationFunc::kSquare, sb(0, cnt, sq, n_), x(layer_.output, t, 0, cnt)));
      sum_tile(sumsq, t, cnt, [&](int p, int k) { return sb(p, k, sq, n_); });
    }
  }

  // rstd = rsqrt(sum / D + eps).
  void inverse_deviation(std::uint64_t sumsq) {
    isa::Instruction var =
        alu(isa::Opcode::kTensorScalar, isa::AluOp::kMul, sb(0, rows_, var_at_, n_), ps(sumsq));
    var.func2 = static_cast<std::uint8_t>(isa::AluOp::kAdd);
    var.scale = inv_d_;
    var.bias = layer_.epsilon;
    emit(q_.vector, var);
    emit(q_.scalar, activate(isa::ActivationFunc::kRsqrt, sb(0, rows_, var_at_, n_),
                             sb(0, rows_, var_at_, n_)));
  }

  // y * rstd, then y * gamma + beta per partition.
  void normalize() {
    for (int t = 0; t < tiles_; ++t) {
      const int cnt = L_.tile_size(d_, t);
      for (int p = 0; p < cnt; p += rows_) {
        const int k = std::min(rows_, cnt - p);
        const isa::AccessPattern y = x(layer_.output, t, p, k);
        emit(q_.vector,
             alu(isa::Opcode::kTensorTensor, isa::AluOp::kMul, y, y, sb(0, k, var_at_, n_)));
        isa::Instruction affine =
            alu(isa::Opcode::kTensorScalar, isa::AluOp::kMul, y, y,
                isa::sbuf(static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(k),
                          L_.plan.const_offset[li_] + static_cast<std::uint64_t>(t) * 8, {2},
                          isa::DType::kFp32, static_cast<std::uint16_t>(core_)));
        affine.func2 = static_cast<std::uint8_t>(isa::AluOp::kAdd);
        affine.flags = isa::kPerPartition;
        emit(q_.vector, affine);
      }
    }
  }

  const int seq_, d_, tiles_;
  const int rows_;  // partitions the sums are replicated on
  const std::uint64_t scratch_;
  const float inv_d_;
  // The current group of images and where its statistics live in the scratch.
  int image0_ = 0, images_ = 0;
  std::uint32_t n_ = 0;
  std::uint64_t sq_at_ = 0, mean_at_ = 0, var_at_ = 0;
};

}  // namespace

void lower_layer_norm(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  check_sizes(L, layer, L.graph.values[layer.output].width);
  LayerNormLowering(L, li, core).run();
}

}  // namespace infsim::compiler
