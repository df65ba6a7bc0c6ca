// Attention and LayerNormalization lowerings; the scheme is in lower_transformer.h.

#include "compiler/lower_transformer.h"

#include <algorithm>

#include "compiler/compile_error.h"
#include "compiler/layout.h"
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
    const std::uint64_t elements =
        l.kind == LayerKind::kAttention
            ? attention_scratch_elements(out.width, l.attention.head_dim, l.inputs.size() > 3, core)
            : layer_norm_scratch_elements(out.channels, out.width, core);
    graph.values[l.scratch].width = static_cast<int>(elements);
    graph.values[l.scratch].shape[3] = static_cast<std::int64_t>(elements);
  }
}

void lower_attention(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const AttentionParams& a = layer.attention;
  const int q_id = layer.inputs[0], k_id = layer.inputs[1], v_id = layer.inputs[2];
  const Value& out = L.graph.values[layer.output];
  const int seq = out.width, dh = a.head_dim;
  check_sizes(L, layer, seq);
  const CoreQueues& q = L.queues[core];
  const auto layer_id = static_cast<std::uint32_t>(li);
  const auto core16 = static_cast<std::uint16_t>(core);
  const isa::DType dt = L.dtype();
  const isa::DType f32 = isa::DType::kFp32;
  const std::uint64_t bank_bytes = L.core.psum.bank_bytes();
  const int kc = chunk_of(L.core), chunks = (seq + kc - 1) / kc;
  const std::uint64_t scratch = L.plan.slot(layer.scratch, core).offset;
  const std::uint64_t buffer = (attention_buffer_elements(seq, dh, L.core) * L.dsize + 63) & ~63ull;
  auto emit = [&](int queue, const isa::Instruction& ins) {
    L.sched.emit(core, queue, ins, layer_id);
  };
  auto bank = [&]() { return static_cast<std::uint64_t>(L.next_bank()) * bank_bytes; };
  auto sb = [&](int p, int parts, std::uint64_t at, std::uint32_t n) {
    return isa::sbuf(static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(parts), at, {n}, dt,
                     core16);
  };
  auto ps = [&](int parts, std::uint64_t at, std::uint32_t n) {
    return isa::psum(0, static_cast<std::uint16_t>(parts), at, {n}, f32, core16);
  };
  // The key mask: bias/scale is added to the raw scores (the exp applies the scale), as a ones
  // [1 x queries] weight times the mask row accumulated into the scores' PSUM. The two values
  // are clamped to +-30000 (exp(-30000 * scale) is 0 in every dtype; fp16 holds 30000).
  const bool masked = layer.inputs.size() > 3;
  const std::uint64_t ones_at = scratch + 2 * buffer;
  const std::uint64_t mrow_at = ones_at + static_cast<std::uint64_t>(L.partitions()) * L.dsize;
  float mask_a = 0.0f, mask_b = 0.0f;
  if (masked) {
    auto clamp = [&](float v) { return std::clamp(v / a.scale, -30000.0f, 30000.0f); };
    mask_b = clamp(a.mask_bias[0]);
    mask_a = clamp(a.mask_bias[1]) - mask_b;
    isa::Instruction ones = make(isa::Opcode::kMemset, sb(0, 1, ones_at, kc), {});
    ones.scale = 1.0f;
    emit(q.vector, ones);
  }
  for (int image = 0; image < L.images; ++image) {
    if (masked) {
      isa::AccessPattern m = L.interior(layer.inputs[3], core, 0, 0, 1, image, 1, 0, 1);
      m.dims = isa::dense_dims({static_cast<std::uint32_t>(seq)});
      isa::Instruction scaled =
          activate(isa::ActivationFunc::kIdentity,
                   sb(0, 1, mrow_at, static_cast<std::uint32_t>(seq)), m, mask_a);
      scaled.bias = mask_b;
      emit(q.scalar, scaled);
    }
    for (int h = 0; h < a.heads; ++h) {
      const std::uint64_t buf = scratch + static_cast<std::uint64_t>(h % 2) * buffer;
      const std::uint64_t p_at = buf;
      const std::uint64_t pt_at = p_at + static_cast<std::uint64_t>(seq) * L.dsize;
      const std::uint64_t vt_at = pt_at + static_cast<std::uint64_t>(chunks) * kc * L.dsize;
      const std::uint64_t st_at = vt_at + static_cast<std::uint64_t>(chunks) * dh * L.dsize;
      // Tokens [t0, t0 + n) of head h of a value whose heads start at channel `offset`.
      auto tokens = [&](int value, int offset, int t0, int n) {
        const int channel = offset + h * dh;
        isa::AccessPattern ap = L.interior(value, core, channel / L.partitions(),
                                           channel % L.partitions(), dh, image, 1, 0, 1);
        ap.offset += static_cast<std::uint64_t>(t0) * L.dsize;
        ap.dims = isa::dense_dims({static_cast<std::uint32_t>(n)});
        return ap;
      };
      // V^T per key chunk: [keys][dh].
      for (int c = 0; c < chunks; ++c) {
        const int k0 = c * kc, kn = std::min(kc, seq - k0);
        const std::uint64_t b = bank();
        emit(q.tensor, make(isa::Opcode::kTranspose, ps(kn, b, static_cast<std::uint32_t>(dh)),
                            tokens(v_id, a.offsets[2], k0, kn)));
        emit(q.scalar, activate(isa::ActivationFunc::kIdentity,
                                sb(0, kn, vt_at + static_cast<std::uint64_t>(c) * dh * L.dsize,
                                   static_cast<std::uint32_t>(dh)),
                                ps(kn, b, static_cast<std::uint32_t>(dh))));
      }
      for (int q0 = 0; q0 < seq; q0 += kc) {
        const int mq = std::min(kc, seq - q0);
        const auto mq32 = static_cast<std::uint32_t>(mq), seq32 = static_cast<std::uint32_t>(seq);
        isa::Instruction lw;
        lw.opcode = isa::Opcode::kLoadWeights;
        lw.src0 = tokens(q_id, a.offsets[0], q0, mq);
        emit(q.tensor, lw);
        const std::uint64_t scores = bank();
        emit(q.tensor,
             make(isa::Opcode::kMatMul, ps(mq, scores, seq32), tokens(k_id, a.offsets[1], 0, seq)));
        if (masked) {
          isa::Instruction w;
          w.opcode = isa::Opcode::kLoadWeights;
          w.src0 = sb(0, 1, ones_at, mq32);
          emit(q.tensor, w);
          isa::Instruction add =
              make(isa::Opcode::kMatMul, ps(mq, scores, seq32), sb(0, 1, mrow_at, seq32));
          add.flags = isa::kAccumulate;
          emit(q.tensor, add);
        }
        auto stat = [&](int i, std::uint32_t n = 1) {
          return sb(0, mq, st_at + static_cast<std::uint64_t>(i) * L.dsize, n);
        };
        emit(q.vector, alu(isa::Opcode::kReduce, isa::AluOp::kMax, stat(0), ps(mq, scores, seq32)));
        isa::Instruction neg = alu(isa::Opcode::kTensorScalar, isa::AluOp::kMul, stat(1), stat(0));
        neg.scale = -a.scale;
        neg.func2 = static_cast<std::uint8_t>(isa::AluOp::kNone);
        emit(q.vector, neg);
        emit(q.scalar, activate(isa::ActivationFunc::kExp, sb(0, mq, p_at, seq32),
                                ps(mq, scores, seq32), a.scale, stat(1)));
        emit(q.vector,
             alu(isa::Opcode::kReduce, isa::AluOp::kAdd, stat(2), sb(0, mq, p_at, seq32)));
        emit(q.scalar, activate(isa::ActivationFunc::kReciprocal, stat(3), stat(2)));
        isa::Instruction norm = alu(isa::Opcode::kTensorScalar, isa::AluOp::kMul,
                                    sb(0, mq, p_at, seq32), sb(0, mq, p_at, seq32), stat(3, 2));
        norm.flags = isa::kPerPartition;
        norm.func2 = static_cast<std::uint8_t>(isa::AluOp::kNone);
        emit(q.vector, norm);
        // P^T per key chunk: [keys][queries].
        for (int c = 0; c < chunks; ++c) {
          const int k0 = c * kc, kn = std::min(kc, seq - k0);
          const std::uint64_t b = bank();
          emit(q.tensor, make(isa::Opcode::kTranspose, ps(kn, b, mq32),
                              sb(0, mq, p_at + static_cast<std::uint64_t>(k0) * L.dsize,
                                 static_cast<std::uint32_t>(kn))));
          emit(q.vector, alu(isa::Opcode::kTensorScalar, isa::AluOp::kNone,
                             sb(0, kn, pt_at + static_cast<std::uint64_t>(c) * kc * L.dsize, mq32),
                             ps(kn, b, mq32)));
        }
        const std::uint64_t ctx = bank();
        for (int c = 0; c < chunks; ++c) {
          const int kn = std::min(kc, seq - c * kc);
          isa::Instruction w;
          w.opcode = isa::Opcode::kLoadWeights;
          w.src0 = sb(0, kn, vt_at + static_cast<std::uint64_t>(c) * dh * L.dsize,
                      static_cast<std::uint32_t>(dh));
          emit(q.tensor, w);
          isa::Instruction mm =
              make(isa::Opcode::kMatMul, ps(dh, ctx, mq32),
                   sb(0, kn, pt_at + static_cast<std::uint64_t>(c) * kc * L.dsize, mq32));
          mm.flags = c == 0 ? 0 : isa::kAccumulate;
          emit(q.tensor, mm);
        }
        emit(q.scalar, activate(isa::ActivationFunc::kIdentity, tokens(layer.output, 0, q0, mq),
                                ps(dh, ctx, mq32)));
      }
    }
  }
}

void lower_layer_norm(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const int in_id = layer.inputs[0];
  const Value& out = L.graph.values[layer.output];
  const int seq = out.width, d = out.channels, tiles = L.tiles(d);
  check_sizes(L, layer, seq);
  const CoreQueues& q = L.queues[core];
  const auto layer_id = static_cast<std::uint32_t>(li);
  const auto core16 = static_cast<std::uint16_t>(core);
  const isa::DType dt = L.dtype();
  const std::uint64_t bank_bytes = L.core.psum.bank_bytes();
  const int rows = std::min({kLayerNormRows, d, L.core.tensor.cols});
  const std::uint64_t scratch = L.plan.slot(layer.scratch, core).offset;
  const int per_chunk =
      std::max(1, static_cast<int>(psum_bank_elements(L.core) / static_cast<std::uint64_t>(seq)));
  auto emit = [&](int queue, const isa::Instruction& ins) {
    L.sched.emit(core, queue, ins, layer_id);
  };
  auto sb = [&](int p, int parts, std::uint64_t at, std::uint32_t n) {
    return isa::sbuf(static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(parts), at, {n}, dt,
                     core16);
  };
  isa::Instruction ones = make(isa::Opcode::kMemset, sb(0, L.partitions(), scratch, rows), {});
  ones.scale = 1.0f;
  emit(q.vector, ones);
  for (int image0 = 0; image0 < L.images; image0 += per_chunk) {
    const int images = std::min(per_chunk, L.images - image0);
    const auto n = static_cast<std::uint32_t>(images * seq);
    const std::uint64_t sq_at = scratch + kLayerNormRows * L.dsize;
    const std::uint64_t mean_at = sq_at + static_cast<std::uint64_t>(tiles) * n * L.dsize;
    const std::uint64_t var_at = mean_at + n * L.dsize;
    auto x = [&](int value, int t, int p, int parts) {
      isa::AccessPattern ap = L.interior(value, core, t, p, parts, image0, images, 0, 1);
      ap.dims = isa::dense_dims({n});
      return ap;
    };
    const std::uint64_t sum = static_cast<std::uint64_t>(L.next_bank()) * bank_bytes;
    const std::uint64_t sumsq = static_cast<std::uint64_t>(L.next_bank()) * bank_bytes;
    auto ps = [&](std::uint64_t at) {
      return isa::psum(0, static_cast<std::uint16_t>(rows), at, {n}, isa::DType::kFp32, core16);
    };
    // Two passes (sum x, then sum (x - mean)^2): the one-pass E[x^2] - mean^2 loses digits.
    // Each tile is summed in slices of at most the array's rows (a LoadWeights of k ones rows
    // from partition p, then the matmul of those partitions), all accumulated into one bank.
    const int k_step = L.core.tensor.rows;
    auto sum_tile = [&](std::uint64_t bank, int t, int cnt, auto moving) {
      for (int p = 0; p < cnt; p += k_step) {
        const int k = std::min(k_step, cnt - p);
        isa::Instruction lw;
        lw.opcode = isa::Opcode::kLoadWeights;
        lw.src0 = sb(p, k, scratch, static_cast<std::uint32_t>(rows));
        emit(q.tensor, lw);
        isa::Instruction mm = make(isa::Opcode::kMatMul, ps(bank), moving(p, k));
        mm.flags = t == 0 && p == 0 ? 0 : isa::kAccumulate;
        emit(q.tensor, mm);
      }
    };
    for (int t = 0; t < tiles; ++t)
      sum_tile(sum, t, L.tile_size(d, t), [&](int p, int k) { return x(in_id, t, p, k); });
    const float inv_d = 1.0f / static_cast<float>(d);
    emit(q.scalar,
         activate(isa::ActivationFunc::kIdentity, sb(0, rows, mean_at, n), ps(sum), inv_d));
    for (int t = 0; t < tiles; ++t) {
      const int cnt = L.tile_size(d, t);
      const std::uint64_t sq = sq_at + static_cast<std::uint64_t>(t) * n * L.dsize;
      for (int p = 0; p < cnt; p += rows) {
        const int k = std::min(rows, cnt - p);
        emit(q.vector, alu(isa::Opcode::kTensorTensor, isa::AluOp::kSub, x(layer.output, t, p, k),
                           x(in_id, t, p, k), sb(0, k, mean_at, n)));
      }
      emit(q.scalar,
           activate(isa::ActivationFunc::kSquare, sb(0, cnt, sq, n), x(layer.output, t, 0, cnt)));
      sum_tile(sumsq, t, cnt, [&](int p, int k) { return sb(p, k, sq, n); });
    }
    isa::Instruction var =
        alu(isa::Opcode::kTensorScalar, isa::AluOp::kMul, sb(0, rows, var_at, n), ps(sumsq));
    var.func2 = static_cast<std::uint8_t>(isa::AluOp::kAdd);
    var.scale = inv_d;
    var.bias = layer.epsilon;
    emit(q.vector, var);
    emit(q.scalar,
         activate(isa::ActivationFunc::kRsqrt, sb(0, rows, var_at, n), sb(0, rows, var_at, n)));
    for (int t = 0; t < tiles; ++t) {
      const int cnt = L.tile_size(d, t);
      for (int p = 0; p < cnt; p += rows) {
        const int k = std::min(rows, cnt - p);
        const isa::AccessPattern y = x(layer.output, t, p, k);
        emit(q.vector,
             alu(isa::Opcode::kTensorTensor, isa::AluOp::kMul, y, y, sb(0, k, var_at, n)));
        isa::Instruction affine =
            alu(isa::Opcode::kTensorScalar, isa::AluOp::kMul, y, y,
                isa::sbuf(static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(k),
                          L.plan.const_offset[li] + static_cast<std::uint64_t>(t) * 8, {2},
                          isa::DType::kFp32, core16));
        affine.func2 = static_cast<std::uint8_t>(isa::AluOp::kAdd);
        affine.flags = isa::kPerPartition;
        emit(q.vector, affine);
      }
    }
  }
}

}  // namespace infsim::compiler
