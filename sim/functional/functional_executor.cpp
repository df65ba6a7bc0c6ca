#include "sim/functional/functional_executor.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Dense>

#include "isa/instruction_text.h"
#include "sim/core/sim_error.h"
#include "sim/functional/pattern_access.h"
#include "sim/memory/psum.h"
#include "sim/memory/sbuf.h"
#include "sim/neuroncore/neuron_core.h"

namespace infsim::sim {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::string count_text(std::uint64_t p, std::uint64_t n) {
  return std::to_string(p) + " x " + std::to_string(n);
}

// Compute engines reach only the SBUF and PSUM of the core that runs them.
PatternAccess local_operand(const isa::AccessPattern& ap, ExecContext& ctx, const char* what) {
  switch (ap.space) {
    case isa::MemSpace::kSbuf:
      return PatternAccess(ctx.sbuf(), ap);
    case isa::MemSpace::kPsum:
      return PatternAccess(ctx.psum(), ap);
    default:
      throw SimError(std::string(what) + " must be in SBUF or PSUM");
  }
}

// DMA reaches any memory of the program: another core's SBUF/PSUM, any chip's DRAM region.
PatternAccess dma_operand(const isa::AccessPattern& ap, ExecContext& ctx, const char* what) {
  if (ap.core >= ctx.execution().num_program_cores()) {
    throw SimError(std::string(what) + " names program core " + std::to_string(ap.core) + " of a " +
                   std::to_string(ctx.execution().num_program_cores()) + "-core program");
  }
  switch (ap.space) {
    case isa::MemSpace::kSbuf:
      return PatternAccess(ctx.sbuf_of(ap.core), ap);
    case isa::MemSpace::kPsum:
      return PatternAccess(ctx.psum_of(ap.core), ap);
    case isa::MemSpace::kDram:
      return PatternAccess(ctx.dram_of(ap.core), ctx.dram_base(ap.core), ap);
    default:
      throw SimError(std::string(what) + " has no memory space");
  }
}

void require_same_shape(const PatternAccess& a, const char* a_name, const PatternAccess& b,
                        const char* b_name) {
  if (a.partitions() != b.partitions() || a.free_elements() != b.free_elements()) {
    throw SimError(std::string(a_name) + " is " + count_text(a.partitions(), a.free_elements()) +
                   " (partitions x free elements) but " + b_name + " is " +
                   count_text(b.partitions(), b.free_elements()));
  }
}

float alu(isa::AluOp op, float a, float b) {
  switch (op) {
    case isa::AluOp::kNone:
      return a;
    case isa::AluOp::kAdd:
      return a + b;
    case isa::AluOp::kSub:
      return a - b;
    case isa::AluOp::kMul:
      return a * b;
    case isa::AluOp::kDiv:
      return a / b;
    case isa::AluOp::kMax:
      return std::max(a, b);
    case isa::AluOp::kMin:
      return std::min(a, b);
    case isa::AluOp::kIsGe:
      return a >= b ? 1.0f : 0.0f;
  }
  return a;
}

isa::AluOp alu_op(std::uint8_t code) {
  if (code >= isa::kNumAluOps) throw SimError("unknown ALU op " + std::to_string(code));
  return static_cast<isa::AluOp>(code);
}

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

// log(1 + e^x); past x = 20 the correction e^-x is below fp32's resolution of x.
float softplus(float x) {
  return x > 20.0f ? x : std::log1p(std::exp(x));
}

// Applies `func` to `values` in place.
void apply(isa::ActivationFunc func, float alpha, float beta, float* v, std::size_t n) {
  using F = isa::ActivationFunc;
  switch (func) {
    case F::kIdentity:
      return;
    case F::kRelu:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::max(v[i], 0.0f);
      return;
    case F::kClip:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::min(std::max(v[i], alpha), beta);
      return;
    case F::kSigmoid:
      for (std::size_t i = 0; i < n; ++i) v[i] = sigmoid(v[i]);
      return;
    case F::kTanh:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::tanh(v[i]);
      return;
    case F::kGelu:
      // The exact (erf) form: ONNX Gelu's default and PyTorch's nn.GELU().
      for (std::size_t i = 0; i < n; ++i)
        v[i] = 0.5f * v[i] * (1.0f + std::erf(v[i] * static_cast<float>(M_SQRT1_2)));
      return;
    case F::kExp:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::exp(v[i]);
      return;
    case F::kReciprocal:
      for (std::size_t i = 0; i < n; ++i) v[i] = 1.0f / v[i];
      return;
    case F::kSqrt:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::sqrt(v[i]);
      return;
    case F::kRsqrt:
      for (std::size_t i = 0; i < n; ++i) v[i] = 1.0f / std::sqrt(v[i]);
      return;
    case F::kSquare:
      for (std::size_t i = 0; i < n; ++i) v[i] = v[i] * v[i];
      return;
    case F::kSilu:
      for (std::size_t i = 0; i < n; ++i) v[i] = v[i] * sigmoid(v[i]);
      return;
    case F::kLeakyRelu:
      for (std::size_t i = 0; i < n; ++i) v[i] = v[i] >= 0.0f ? v[i] : alpha * v[i];
      return;
    case F::kErf:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::erf(v[i]);
      return;
    case F::kLog:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::log(v[i]);
      return;
    case F::kSoftplus:
      for (std::size_t i = 0; i < n; ++i) v[i] = softplus(v[i]);
      return;
    case F::kMish:
      for (std::size_t i = 0; i < n; ++i) v[i] = v[i] * std::tanh(softplus(v[i]));
      return;
  }
}

void fit(std::vector<float>& v, std::uint64_t n) {
  if (v.size() < n) v.resize(static_cast<std::size_t>(n));
}

}  // namespace

void FunctionalExecutor::execute(const isa::Instruction& inst, ExecContext& ctx) {
  try {
    switch (inst.opcode) {
      case isa::Opcode::kDmaCopy:
        dma_copy(inst, ctx);
        break;
      case isa::Opcode::kLoadWeights:
        load_weights(inst, ctx);
        break;
      case isa::Opcode::kMatMul:
        matmul(inst, ctx);
        break;
      case isa::Opcode::kTranspose:
        transpose(inst, ctx);
        break;
      case isa::Opcode::kActivate:
        activate(inst, ctx);
        break;
      case isa::Opcode::kPool:
        pool(inst, ctx);
        break;
      case isa::Opcode::kTensorTensor:
        tensor_tensor(inst, ctx);
        break;
      case isa::Opcode::kTensorScalar:
        tensor_scalar(inst, ctx);
        break;
      case isa::Opcode::kReduce:
        reduce(inst, ctx);
        break;
      case isa::Opcode::kMemset:
        memset(inst, ctx);
        break;
      case isa::Opcode::kNop:
        break;
    }
  } catch (const SimError& e) {
    throw SimError(ctx.core().label() + " (program core " + std::to_string(ctx.program_core()) +
                       ") queue " + std::to_string(ctx.queue_index()) + " instruction " +
                       std::to_string(ctx.instruction_index()) + " (" +
                       std::string(isa::opcode_info(inst.opcode).text) + "): " + e.what(),
                   e.kind(), e.where());
  }
  ++executed_[static_cast<int>(inst.opcode)];
}

void FunctionalExecutor::dma_copy(const isa::Instruction& inst, ExecContext& ctx) {
  PatternAccess src = dma_operand(inst.src0, ctx, "src0");
  PatternAccess dst = dma_operand(inst.dst, ctx, "dst");
  if (src.elements() != dst.elements()) {
    throw SimError("moves " + std::to_string(src.elements()) + " source elements into " +
                   std::to_string(dst.elements()) + " destination elements");
  }
  fit(a_, src.elements());
  src.read(a_.data());
  dst.write(a_.data());
}

void FunctionalExecutor::load_weights(const isa::Instruction& inst, ExecContext& ctx) {
  PatternAccess src = local_operand(inst.src0, ctx, "src0");
  Weights& w = weights_[ctx.core().global_index()];
  w.rows = src.partitions();
  w.cols = static_cast<int>(src.free_elements());
  w.values.resize(static_cast<std::size_t>(src.elements()));
  src.read(w.values.data());
}

void FunctionalExecutor::matmul(const isa::Instruction& inst, ExecContext& ctx) {
  const auto it = weights_.find(ctx.core().global_index());
  if (it == weights_.end()) throw SimError("no weights loaded (load_weights must come first)");
  const Weights& w = it->second;
  PatternAccess src = local_operand(inst.src0, ctx, "src0");
  PatternAccess dst = local_operand(inst.dst, ctx, "dst");
  if (src.partitions() != w.rows) {
    throw SimError("the moving tile has " + std::to_string(src.partitions()) +
                   " partitions but the loaded weights have " + std::to_string(w.rows) + " rows");
  }
  const std::uint64_t n = src.free_elements();
  if (dst.partitions() != w.cols || dst.free_elements() != n) {
    throw SimError("dst is " + count_text(dst.partitions(), dst.free_elements()) +
                   " but weights of " + std::to_string(w.cols) +
                   " columns times a moving tile of " + std::to_string(n) + " columns make " +
                   count_text(w.cols, n));
  }
  fit(a_, src.elements());
  fit(c_, dst.elements());
  src.read(a_.data());
  const auto k = static_cast<Eigen::Index>(w.rows), m = static_cast<Eigen::Index>(w.cols),
             cols = static_cast<Eigen::Index>(n);
  Eigen::Map<const RowMajor> weights(w.values.data(), k, m);
  Eigen::Map<const RowMajor> moving(a_.data(), k, cols);
  Eigen::Map<RowMajor> out(c_.data(), m, cols);
  if (inst.flags & isa::kAccumulate) {
    dst.read(c_.data());
    out.noalias() += weights.transpose() * moving;
  } else {
    out.noalias() = weights.transpose() * moving;
  }
  dst.write(c_.data());
}

void FunctionalExecutor::transpose(const isa::Instruction& inst, ExecContext& ctx) {
  PatternAccess src = local_operand(inst.src0, ctx, "src0");
  PatternAccess dst = local_operand(inst.dst, ctx, "dst");
  const std::uint64_t p = static_cast<std::uint64_t>(src.partitions()), n = src.free_elements();
  if (static_cast<std::uint64_t>(dst.partitions()) != n || dst.free_elements() != p) {
    throw SimError("dst is " + count_text(dst.partitions(), dst.free_elements()) + ", not the " +
                   count_text(n, p) + " transpose of src0");
  }
  fit(a_, src.elements());
  fit(c_, dst.elements());
  src.read(a_.data());
  Eigen::Map<const RowMajor> in(a_.data(), static_cast<Eigen::Index>(p),
                                static_cast<Eigen::Index>(n));
  Eigen::Map<RowMajor> out(c_.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(p));
  out = in.transpose();
  dst.write(c_.data());
}

void FunctionalExecutor::activate(const isa::Instruction& inst, ExecContext& ctx) {
  if (inst.func >= isa::kNumActivationFuncs) {
    throw SimError("unknown activation function " + std::to_string(inst.func));
  }
  PatternAccess src = local_operand(inst.src0, ctx, "src0");
  PatternAccess dst = local_operand(inst.dst, ctx, "dst");
  require_same_shape(dst, "dst", src, "src0");
  const int parts = src.partitions();
  const std::uint64_t n = src.free_elements();
  fit(a_, src.elements());
  src.read(a_.data());
  if (inst.src1.valid()) {
    PatternAccess bias = local_operand(inst.src1, ctx, "src1");
    if (bias.partitions() < parts || bias.free_elements() < 1) {
      throw SimError("src1 (the per-partition bias) has " + std::to_string(bias.partitions()) +
                     " partitions for " + std::to_string(parts));
    }
    fit(b_, bias.elements());
    bias.read(b_.data());
    const std::uint64_t stride = bias.free_elements();
    for (int p = 0; p < parts; ++p) {
      const float b = b_[p * stride];
      float* row = a_.data() + p * n;
      for (std::uint64_t i = 0; i < n; ++i) row[i] = row[i] * inst.scale + b;
    }
  } else {
    const std::uint64_t total = src.elements();
    for (std::uint64_t i = 0; i < total; ++i) a_[i] = a_[i] * inst.scale + inst.bias;
  }
  apply(static_cast<isa::ActivationFunc>(inst.func), inst.alpha, inst.beta, a_.data(),
        static_cast<std::size_t>(src.elements()));
  dst.write(a_.data());
}

void FunctionalExecutor::pool(const isa::Instruction& inst, ExecContext& ctx) {
  if (inst.func >= isa::kNumPoolFuncs) throw SimError("unknown pool function");
  PatternAccess src = local_operand(inst.src0, ctx, "src0");
  PatternAccess dst = local_operand(inst.dst, ctx, "dst");
  const isa::AccessPattern& s = src.pattern();
  const isa::AccessPattern& d = dst.pattern();
  const std::int64_t images = s.dims[0].count, h = s.dims[1].count, w = s.dims[2].count;
  const std::int64_t oh = d.dims[1].count, ow = d.dims[2].count;
  if (dst.partitions() != src.partitions() || d.dims[0].count != s.dims[0].count) {
    throw SimError("dst {" + std::to_string(dst.partitions()) + " partitions, " +
                   std::to_string(d.dims[0].count) + " images} does not match src0 {" +
                   std::to_string(src.partitions()) + ", " + std::to_string(images) + "}");
  }
  if (inst.stride_h == 0 || inst.stride_w == 0) throw SimError("pool stride 0");
  fit(a_, src.elements());
  fit(c_, dst.elements());
  src.read(a_.data());
  const bool is_max = static_cast<isa::PoolFunc>(inst.func) == isa::PoolFunc::kMax;
  const bool include_pad = inst.flags & isa::kCountIncludePad;
  const int wh = inst.window_h, ww = inst.window_w;
  float* out = c_.data();
  for (int p = 0; p < src.partitions(); ++p) {
    for (std::int64_t b = 0; b < images; ++b) {
      const float* image = a_.data() + (p * images + b) * h * w;
      for (std::int64_t y = 0; y < oh; ++y) {
        const std::int64_t y0 = y * inst.stride_h - inst.pad_top;
        for (std::int64_t x = 0; x < ow; ++x) {
          const std::int64_t x0 = x * inst.stride_w - inst.pad_left;
          float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
          int count = 0;
          for (std::int64_t i = std::max<std::int64_t>(y0, 0); i < std::min(y0 + wh, h); ++i) {
            for (std::int64_t j = std::max<std::int64_t>(x0, 0); j < std::min(x0 + ww, w); ++j) {
              const float v = image[i * w + j];
              acc = is_max ? std::max(acc, v) : acc + v;
              ++count;
            }
          }
          if (!is_max) {
            const int divisor = include_pad ? wh * ww : count;
            acc = divisor > 0 ? acc / static_cast<float>(divisor) : 0.0f;
          }
          *out++ = acc;
        }
      }
    }
  }
  dst.write(c_.data());
}

void FunctionalExecutor::tensor_tensor(const isa::Instruction& inst, ExecContext& ctx) {
  const isa::AluOp op = alu_op(inst.func);
  PatternAccess lhs = local_operand(inst.src0, ctx, "src0");
  if (!inst.src1.valid()) throw SimError("tensor_tensor needs src1");
  PatternAccess rhs = local_operand(inst.src1, ctx, "src1");
  PatternAccess dst = local_operand(inst.dst, ctx, "dst");
  require_same_shape(rhs, "src1", lhs, "src0");
  require_same_shape(dst, "dst", lhs, "src0");
  const std::uint64_t total = lhs.elements();
  fit(a_, total);
  fit(b_, total);
  lhs.read(a_.data());
  rhs.read(b_.data());
  const bool relu = inst.flags & isa::kRelu;
  for (std::uint64_t i = 0; i < total; ++i) {
    const float v = alu(op, a_[i], b_[i]);
    a_[i] = relu ? std::max(v, 0.0f) : v;
  }
  dst.write(a_.data());
}

void FunctionalExecutor::tensor_scalar(const isa::Instruction& inst, ExecContext& ctx) {
  const isa::AluOp op = alu_op(inst.func), op2 = alu_op(inst.func2);
  PatternAccess src = local_operand(inst.src0, ctx, "src0");
  PatternAccess dst = local_operand(inst.dst, ctx, "dst");
  require_same_shape(dst, "dst", src, "src0");
  const int parts = src.partitions();
  const std::uint64_t n = src.free_elements();
  fit(a_, src.elements());
  src.read(a_.data());
  std::uint64_t scalar_stride = 0;
  if (inst.flags & isa::kPerPartition) {
    if (!inst.src1.valid()) throw SimError("per-partition scalars need src1");
    PatternAccess scalars = local_operand(inst.src1, ctx, "src1");
    if (scalars.partitions() < parts || scalars.free_elements() < 2) {
      throw SimError("src1 (per-partition scalars) is " +
                     count_text(scalars.partitions(), scalars.free_elements()) + ", needs " +
                     std::to_string(parts) + " partitions of at least 2 elements");
    }
    fit(b_, scalars.elements());
    scalars.read(b_.data());
    scalar_stride = scalars.free_elements();
  }
  for (int p = 0; p < parts; ++p) {
    const float s0 = scalar_stride ? b_[p * scalar_stride] : inst.scale;
    const float s1 = scalar_stride ? b_[p * scalar_stride + 1] : inst.bias;
    float* row = a_.data() + p * n;
    for (std::uint64_t i = 0; i < n; ++i) row[i] = alu(op2, alu(op, row[i], s0), s1);
  }
  dst.write(a_.data());
}

void FunctionalExecutor::reduce(const isa::Instruction& inst, ExecContext& ctx) {
  const isa::AluOp op = alu_op(inst.func);
  if (op != isa::AluOp::kAdd && op != isa::AluOp::kMax) {
    throw SimError("reduce supports add and max, not " + std::string(isa::alu_text(op)));
  }
  PatternAccess src = local_operand(inst.src0, ctx, "src0");
  PatternAccess dst = local_operand(inst.dst, ctx, "dst");
  const std::uint64_t k = src.pattern().dims[2].count;
  const std::uint64_t groups = k == 0 ? 0 : src.free_elements() / k;
  if (dst.partitions() != src.partitions() || dst.free_elements() != groups) {
    throw SimError("dst is " + count_text(dst.partitions(), dst.free_elements()) +
                   " but reducing src0's innermost " + std::to_string(k) + " elements gives " +
                   count_text(src.partitions(), groups));
  }
  fit(a_, src.elements());
  fit(c_, dst.elements());
  src.read(a_.data());
  const std::uint64_t rows = static_cast<std::uint64_t>(src.partitions()) * groups;
  for (std::uint64_t r = 0; r < rows; ++r) {
    const float* in = a_.data() + r * k;
    float acc = in[0];
    for (std::uint64_t i = 1; i < k; ++i)
      acc = op == isa::AluOp::kAdd ? acc + in[i] : std::max(acc, in[i]);
    c_[r] = acc * inst.scale;
  }
  dst.write(c_.data());
}

void FunctionalExecutor::memset(const isa::Instruction& inst, ExecContext& ctx) {
  PatternAccess dst = local_operand(inst.dst, ctx, "dst");
  fit(c_, dst.elements());
  std::fill(c_.begin(), c_.begin() + static_cast<std::ptrdiff_t>(dst.elements()), inst.scale);
  dst.write(c_.data());
}

}  // namespace infsim::sim
