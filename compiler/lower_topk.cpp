// TopK on the engines (the K largest of each image's F features, largest first; values only).
//
// Each image's features become one SBUF row (images on partitions): Tensor Engine transposes of
// every channel tile at every pixel into a PSUM bank, evacuated by the Scalar Engine. Then, with
// a comparison (is_ge: 1 where a >= b) and the Vector Engine's reductions, in fp32 scratch:
//   round r = 1..K:  m_r = max(R_r)           (R_1 = X)
//                    c_r = sum(X >= m_r)      (how many are at least m_r; c_0 = 0)
//                    R_{r+1} = X - kRemoved * (X >= m_r)
// Ties are why the counts are kept: the j-th largest is m_r for the first r with c_r >= j, i.e.
// the smallest m_r among the rounds with c_{r-1} < j, so out_j = -max_r(-m_r - kMasked * [c_{r-1}
// >= j]) -- one is_ge-then-scale, one subtraction and one max per j. The row of K results is
// transposed back (K channels on partitions) and negated on its way out of PSUM.

#include <algorithm>
#include <string>

#include "compiler/compile_error.h"
#include "compiler/layout.h"
#include "compiler/lower_topk.h"
#include "compiler/lowering.h"

namespace infsim::compiler {
namespace {

using isa::axis;
using isa::dims;

// Subtracted from removed features: far below any activation, so never a maximum again.
constexpr float kRemoved = 1e30f;
// Masks a round out of the final selection: far beyond kRemoved, so that even a round that only
// saw removed features (all F taken by ties) loses to every round it must lose to.
constexpr float kMasked = 1e36f;

struct Scratch {
  std::uint64_t x, r, g, m, c, t, o;  // byte offsets; fp32 rows of F, F, F, K, K + 1, K, K
};

Scratch scratch_of(std::uint64_t base, int f, int k) {
  Scratch s{};
  s.x = base;
  s.r = s.x + 4ull * f;
  s.g = s.r + 4ull * f;
  s.m = s.g + 4ull * f;
  s.c = s.m + 4ull * k;
  s.t = s.c + 4ull * (k + 1);
  s.o = s.t + 4ull * k;
  return s;
}

class TopKLowering {
 public:
  TopKLowering(Lowering& L, int li, int core)
      : L_(L),
        layer_(L.graph.layers[li]),
        in_(L.graph.values[layer_.inputs[0]]),
        core_(core),
        core16_(static_cast<std::uint16_t>(core)),
        id_(static_cast<std::uint32_t>(li)),
        n_(L.images),
        hw_(static_cast<int>(in_.pixels())),
        f_(in_.channels * hw_),
        k_(layer_.topk),
        s_(scratch_of(L.plan.slot(layer_.scratch, core).offset, f_, k_)) {}

  void run() {
    check_shapes();
    gather_rows();
    for (int r = 1; r <= k_; ++r) round(r);
    for (int j = 1; j <= k_; ++j) select(j);
    scatter_results();
  }

 private:
  void check_shapes() const {
    const isa::TensorEngineConfig& te = L_.core.tensor;
    if (n_ > te.rows || n_ > te.cols || n_ > L_.core.psum.partitions || k_ > te.cols ||
        k_ > L_.partitions() || k_ > L_.core.psum.partitions)
      throw CompileError("layer '" + layer_.name + "': TopK of " + std::to_string(n_) +
                             " image(s) per pass with k = " + std::to_string(k_) +
                             " needs both within the array's rows and columns",
                         ErrorKind::kDoesNotFit);
  }

  isa::AccessPattern row(std::uint64_t at, int count) const {
    return isa::sbuf(0, static_cast<std::uint16_t>(n_), at, {static_cast<std::uint32_t>(count)},
                     isa::DType::kFp32, core16_);
  }
  // One element per image, read `count` times (a broadcast operand).
  isa::AccessPattern repeated(std::uint64_t at, int count) const {
    return isa::sbuf(0, static_cast<std::uint16_t>(n_), at,
                     dims({axis(static_cast<std::uint32_t>(count), 0)}), isa::DType::kFp32,
                     core16_);
  }
  isa::AccessPattern bank_of(std::uint64_t bank, int partitions, const std::array<isa::Axis, 3>& d,
                             std::uint64_t element) const {
    return isa::psum(0, static_cast<std::uint16_t>(partitions),
                     bank * L_.core.psum.bank_bytes() + 4 * element, d, isa::DType::kFp32, core16_);
  }
  void emit(int queue, isa::Instruction ins) { L_.sched.emit(core_, queue, ins, id_); }
  isa::Instruction op(isa::Opcode code, isa::AluOp func, const isa::AccessPattern& dst,
                      const isa::AccessPattern& src0,
                      const isa::AccessPattern& src1 = isa::AccessPattern{}) const {
    isa::Instruction ins;
    ins.opcode = code;
    ins.func = static_cast<std::uint8_t>(func);
    ins.dst = dst;
    ins.src0 = src0;
    ins.src1 = src1;
    return ins;
  }

  // X[b, c * HW + p] = input[c, b, p], one PSUM bank of features at a time.
  void gather_rows() {
    const auto bank_elems = static_cast<int>(psum_bank_elements(L_.core));
    const int rows = L_.core.tensor.rows;
    for (int f0 = 0; f0 < f_; f0 += bank_elems) {
      const int f1 = std::min(f_, f0 + bank_elems);
      const std::uint64_t bank = static_cast<std::uint64_t>(L_.next_bank());
      for (int t = 0; t < L_.tiles(in_.channels); ++t) {
        const int c0 = t * L_.partitions(), ct = L_.tile_size(in_.channels, t);
        for (int cs = c0; cs < c0 + ct; cs += rows) {
          const int ce = std::min(c0 + ct, cs + rows);
          for (int p = 0; p < hw_; ++p) {
            // Channels c in [cs, ce) whose feature c * HW + p lies in [f0, f1).
            const int lo = std::max(cs, (f0 - p + hw_ - 1) / hw_);
            const int hi = std::min(ce, (f1 - 1 - p) / hw_ + 1);
            if (lo >= hi) continue;
            isa::AccessPattern src =
                L_.interior(layer_.inputs[0], core_, t, lo - c0, hi - lo, 0, n_, p / in_.width, 1);
            src.offset += static_cast<std::uint64_t>(p % in_.width) * L_.dsize;
            src.dims[2].count = 1;
            emit(L_.queues[core_].tensor,
                 op(isa::Opcode::kTranspose, isa::AluOp::kNone,
                    bank_of(bank, n_, dims({axis(static_cast<std::uint32_t>(hi - lo), hw_)}),
                            static_cast<std::uint64_t>(lo) * hw_ + p - f0),
                    src));
          }
        }
      }
      isa::Instruction out;
      out.opcode = isa::Opcode::kActivate;
      out.func = static_cast<std::uint8_t>(isa::ActivationFunc::kIdentity);
      out.dst = row(s_.x + 4ull * f0, f1 - f0);
      out.src0 = bank_of(bank, n_, isa::dense_dims({static_cast<std::uint32_t>(f1 - f0)}), 0);
      emit(L_.queues[core_].scalar, out);
    }
    isa::Instruction zero;
    zero.opcode = isa::Opcode::kMemset;
    zero.scale = 0.0f;
    zero.dst = row(s_.c, 1);
    emit(L_.queues[core_].vector, zero);
  }

  void round(int r) {
    const int v = L_.queues[core_].vector;
    const std::uint64_t m = s_.m + 4ull * (r - 1);
    emit(v, op(isa::Opcode::kReduce, isa::AluOp::kMax, row(m, 1), row(r == 1 ? s_.x : s_.r, f_)));
    emit(v, op(isa::Opcode::kTensorTensor, isa::AluOp::kIsGe, row(s_.g, f_), row(s_.x, f_),
               repeated(m, f_)));
    emit(v, op(isa::Opcode::kReduce, isa::AluOp::kAdd, row(s_.c + 4ull * r, 1), row(s_.g, f_)));
    if (r == k_) return;
    isa::Instruction scale =
        op(isa::Opcode::kTensorScalar, isa::AluOp::kMul, row(s_.g, f_), row(s_.g, f_));
    scale.scale = kRemoved;
    emit(v, scale);
    emit(v, op(isa::Opcode::kTensorTensor, isa::AluOp::kSub, row(s_.r, f_), row(s_.x, f_),
               row(s_.g, f_)));
  }

  // -(the j-th largest) into O[j - 1].
  void select(int j) {
    const int v = L_.queues[core_].vector;
    isa::Instruction mask =
        op(isa::Opcode::kTensorScalar, isa::AluOp::kIsGe, row(s_.t, k_), row(s_.c, k_));
    mask.scale = static_cast<float>(j);
    mask.func2 = static_cast<std::uint8_t>(isa::AluOp::kMul);
    mask.bias = -kMasked;
    emit(v, mask);
    emit(v, op(isa::Opcode::kTensorTensor, isa::AluOp::kSub, row(s_.t, k_), row(s_.t, k_),
               row(s_.m, k_)));
    emit(v,
         op(isa::Opcode::kReduce, isa::AluOp::kMax, row(s_.o + 4ull * (j - 1), 1), row(s_.t, k_)));
  }

  // O^T into PSUM, negated into the output (K channels on partitions, one element per image).
  void scatter_results() {
    const std::uint64_t bank = static_cast<std::uint64_t>(L_.next_bank());
    const auto n32 = static_cast<std::uint32_t>(n_);
    emit(L_.queues[core_].tensor, op(isa::Opcode::kTranspose, isa::AluOp::kNone,
                                     bank_of(bank, k_, isa::dense_dims({n32}), 0), row(s_.o, k_)));
    isa::Instruction out;
    out.opcode = isa::Opcode::kActivate;
    out.func = static_cast<std::uint8_t>(isa::ActivationFunc::kIdentity);
    out.scale = -1.0f;
    out.src0 = bank_of(bank, k_, isa::dense_dims({n32}), 0);
    out.dst = L_.interior(layer_.output, core_, 0, 0, k_, 0, n_, 0, 1);
    emit(L_.queues[core_].scalar, out);
  }

  Lowering& L_;
  const Layer& layer_;
  const Value& in_;
  int core_;
  std::uint16_t core16_;
  std::uint32_t id_;
  int n_, hw_, f_, k_;
  Scratch s_;
};

}  // namespace

std::uint64_t topk_scratch_elements(int features, int k) {
  // fp32 rows in a value of the program's dtype (2 or 4 bytes): twice the fp32 elements.
  return 2 * (3 * static_cast<std::uint64_t>(features) + 4 * static_cast<std::uint64_t>(k) + 1);
}

void lower_topk(Lowering& L, int li, int core) {
  TopKLowering(L, li, core).run();
}

}  // namespace infsim::compiler
