#include "isa/cost_model.h"

#include <algorithm>
#include <cmath>

namespace infsim::isa {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return (a + b - 1) / b;
}

// Rounded up: a partial cycle still occupies the engine for the whole cycle. The tolerance keeps
// products like 1 us * 0.95 GHz (950.0000000001 in binary floating point) at 950.
Cycles ceil_cycles(double x) {
  return x <= 0 ? 0 : static_cast<Cycles>(std::ceil(x - 1e-9 * std::max(1.0, x)));
}

Cycles overhead(int cycles) {
  return static_cast<Cycles>(std::max(cycles, 0));
}

// Elements of the innermost run of `ap` with consecutive addresses.
std::uint64_t contiguous_run_elements(const AccessPattern& ap) {
  std::uint64_t run = 1;
  std::int64_t expected = 1;
  bool whole_pattern = true;
  for (int d = 2; d >= 0; --d) {
    const Axis& axis = ap.dims[d];
    if (axis.count <= 1) continue;
    if (axis.stride != expected) {
      whole_pattern = false;
      break;
    }
    run *= axis.count;
    expected *= axis.count;
  }
  // SBUF/PSUM partitions are separate SRAMs; only DRAM rows can continue one another.
  if (whole_pattern && ap.space == MemSpace::kDram && ap.partitions > 1 &&
      ap.partition_stride == expected) {
    run *= ap.partitions;
  }
  return run;
}

}  // namespace

EngineContext engine_context(const NeuronCoreConfig& cfg) {
  return EngineContext{cfg.instruction_overhead_cycles, cfg.sbuf.partitions};
}

double tensor_rate(DType dtype, const TensorEngineConfig& cfg) {
  switch (dtype) {
    case DType::kBf16:
      return cfg.bf16_rate;
    case DType::kFp16:
      return cfg.fp16_rate;
    case DType::kFp32:
      return cfg.fp32_rate;
    case DType::kInt8:
      return cfg.int8_rate;
  }
  return cfg.bf16_rate;
}

// Weights enter the array one row (one contraction index k, all M columns at once) per
// weight_load_cycles_per_row; K = the partitions of the weight tile, so a short K loads faster
// (unless weight_load_full_array: then every load shifts through all the rows).
Cycles load_weights_cycles(const Instruction& inst, const TensorEngineConfig& cfg,
                           const EngineContext& ctx) {
  const int shifts = cfg.weight_load_full_array ? cfg.rows : inst.src0.partitions;
  return overhead(ctx.instruction_overhead_cycles) +
         ceil_cycles(shifts * cfg.weight_load_cycles_per_row);
}

bool waits_for_drain(const Instruction& inst, const TensorEngineConfig& cfg) {
  return !cfg.weight_load_overlap && inst.opcode == Opcode::kLoadWeights;
}

Cycles tensor_engine_cycles(const CoreProgram& core, const NeuronCoreConfig& core_cfg) {
  const TensorEngineConfig& cfg = core_cfg.tensor;
  const EngineContext ctx = engine_context(core_cfg);
  Cycles free = 0, drained = 0, done = 0;
  for (const Queue& q : core.queues) {
    if (q.engine != EngineKind::kTensor) continue;
    for (const Instruction& inst : q.instructions) {
      const Cycles start = waits_for_drain(inst, cfg) ? std::max(free, drained) : free;
      Cycles occupancy = 0, latency = 0;
      switch (inst.opcode) {
        case Opcode::kMatMul:
          occupancy = matmul_cycles(inst, cfg, ctx);
          latency = matmul_latency(inst, cfg, ctx);
          break;
        case Opcode::kLoadWeights:
          occupancy = latency = load_weights_cycles(inst, cfg, ctx);
          break;
        case Opcode::kTranspose:
          occupancy = latency = transpose_cycles(inst, cfg, ctx);
          break;
        default:
          break;
      }
      free = start + occupancy;
      if (inst.opcode == Opcode::kMatMul) drained = std::max(drained, start + latency);
      done = std::max({done, free, start + latency});
    }
  }
  return done;
}

// The moving tile enters one column (one n, all K partitions) per cycle at bf16/fp16; the engine
// can accept the next instruction's first column right after this one's last, so occupancy does
// not depend on the array shape or on K and M.
Cycles matmul_cycles(const Instruction& inst, const TensorEngineConfig& cfg,
                     const EngineContext& ctx) {
  const double columns = static_cast<double>(inst.src0.free_elements());
  return overhead(ctx.instruction_overhead_cycles) +
         ceil_cycles(columns / tensor_rate(inst.src0.dtype, cfg));
}

// Column m of the moving tile enters row r at cycle m + r (skewed) and meets array column c at
// m + r + c, so the last partial sum (m = M - 1, r = rows - 1, c = cols - 1) is out at cycle
// M + rows + cols - 3: the result is visible rows + cols - 2 cycles after the last column entered.
// The pipeline depth is physical, so the full array counts even for a smaller tile.
Cycles matmul_latency(const Instruction& inst, const TensorEngineConfig& cfg,
                      const EngineContext& ctx) {
  return matmul_cycles(inst, cfg, ctx) + static_cast<Cycles>(cfg.rows) +
         static_cast<Cycles>(cfg.cols) - 2;
}

// A matmul against the identity: src0 (P x N) is loaded as the stationary weights (P rows), the
// P x P identity streams through (P columns), and the result drains to PSUM. Transpose replaces
// the stationary weights, so the engine stays busy until the result is out (no overlap with the
// next instruction).
Cycles transpose_cycles(const Instruction& inst, const TensorEngineConfig& cfg,
                        const EngineContext& ctx) {
  const double p = inst.src0.partitions;
  return overhead(ctx.instruction_overhead_cycles) +
         ceil_cycles(p * cfg.weight_load_cycles_per_row) +
         ceil_cycles(p / tensor_rate(inst.src0.dtype, cfg)) + static_cast<Cycles>(cfg.rows) +
         static_cast<Cycles>(cfg.cols);
}

// FLOP per element of each function, counted as the multiply-add / compare / table-lookup steps
// a scalar ALU with a small interpolation table would need (assumed; not published):
//   identity, relu, square       1   (copy, max with 0, one multiply)
//   clip, leaky_relu             2   (max + min; multiply + max)
//   reciprocal, sqrt, rsqrt      4   (table seed + one Newton step)
//   exp, log                     8   (range reduction + polynomial)
//   sigmoid, tanh, erf           10  (exp + add + reciprocal)
//   silu                         11  (sigmoid + multiply)
//   gelu                         12  (tanh form: polynomial + tanh + multiplies)
int activation_flops_per_element(const Instruction& inst) {
  int flops = 1;
  switch (static_cast<ActivationFunc>(inst.func)) {
    case ActivationFunc::kIdentity:
    case ActivationFunc::kRelu:
    case ActivationFunc::kSquare:
      flops = 1;
      break;
    case ActivationFunc::kClip:
    case ActivationFunc::kLeakyRelu:
      flops = 2;
      break;
    case ActivationFunc::kReciprocal:
    case ActivationFunc::kSqrt:
    case ActivationFunc::kRsqrt:
      flops = 4;
      break;
    case ActivationFunc::kExp:
    case ActivationFunc::kLog:
      flops = 8;
      break;
    case ActivationFunc::kSigmoid:
    case ActivationFunc::kTanh:
    case ActivationFunc::kErf:
      flops = 10;
      break;
    case ActivationFunc::kSilu:
      flops = 11;
      break;
    case ActivationFunc::kGelu:
      flops = 12;
      break;
    case ActivationFunc::kSoftplus:  // exp, add, log
      flops = 17;
      break;
    case ActivationFunc::kMish:  // softplus, tanh, multiply
      flops = 28;
      break;
  }
  if (inst.scale != 1.0f) flops += 1;
  if (inst.src1.valid() || inst.bias != 0.0f) flops += 1;
  return flops;
}

// Each partition lane does flops_per_cycle / partitions FLOP per cycle (512 / 128 = 4); all lanes
// run in lock step, so the time is one partition's work. Computed as
// ceil(flop per partition * partitions / flops_per_cycle) to stay exact for any shape.
Cycles activate_cycles(const Instruction& inst, const ScalarEngineConfig& cfg,
                       const EngineContext& ctx) {
  const std::uint64_t work =
      inst.src0.free_elements() * static_cast<std::uint64_t>(activation_flops_per_element(inst));
  return overhead(ctx.instruction_overhead_cycles) +
         ceil_div(work * static_cast<std::uint64_t>(ctx.partitions),
                  static_cast<std::uint64_t>(cfg.flops_per_cycle));
}

// Per partition:
//   TensorTensor  1 per element, +1 with the fused relu
//   TensorScalar  1 per element, +1 when the second op is not none
//   Reduce        1 per input element, +1 per output when scale != 1
//   Memset        1 per element written
//   Pool          window_h * window_w per output element (max: compares, avg: adds), +1 per
//                 output for the average's divide
//   Nop           0
std::uint64_t vector_flops_per_partition(const Instruction& inst) {
  switch (inst.opcode) {
    case Opcode::kTensorTensor:
      return inst.dst.free_elements() * ((inst.flags & kRelu) ? 2 : 1);
    case Opcode::kTensorScalar:
      return inst.dst.free_elements() * (static_cast<AluOp>(inst.func2) != AluOp::kNone ? 2 : 1);
    case Opcode::kReduce:
      return inst.src0.free_elements() + (inst.scale != 1.0f ? inst.dst.free_elements() : 0);
    case Opcode::kMemset:
      return inst.dst.free_elements();
    case Opcode::kPool: {
      const std::uint64_t window = std::uint64_t{inst.window_h} * inst.window_w;
      const bool avg = static_cast<PoolFunc>(inst.func) == PoolFunc::kAvg;
      return inst.dst.free_elements() * (window + (avg ? 1 : 0));
    }
    default:
      return 0;
  }
}

Cycles vector_cycles(const Instruction& inst, const VectorEngineConfig& cfg,
                     const EngineContext& ctx) {
  if (inst.opcode == Opcode::kNop) return 0;
  return overhead(ctx.instruction_overhead_cycles) +
         ceil_div(vector_flops_per_partition(inst) * static_cast<std::uint64_t>(ctx.partitions),
                  static_cast<std::uint64_t>(cfg.flops_per_cycle));
}

std::uint64_t contiguous_run_bytes(const AccessPattern& ap) {
  return contiguous_run_elements(ap) * static_cast<std::uint64_t>(dtype_bytes(ap.dtype));
}

// A DMA engine moves whole bursts: a run shorter than element_chunk still occupies a full chunk
// of bandwidth. The copy is as fragmented as the more fragmented of its two sides, and moves the
// larger of the two sides' byte counts (a cast widens one of them).
std::uint64_t dma_effective_bytes(const Instruction& inst, const DmaConfig& cfg) {
  const std::uint64_t elements = inst.src0.elements();
  if (elements == 0) return 0;
  const int elem_bytes = std::max(dtype_bytes(inst.src0.dtype), dtype_bytes(inst.dst.dtype));
  const std::uint64_t bytes = elements * static_cast<std::uint64_t>(elem_bytes);
  std::uint64_t run = contiguous_run_elements(inst.src0);
  if (inst.dst.valid()) run = std::min(run, contiguous_run_elements(inst.dst));
  const std::uint64_t run_bytes = run * static_cast<std::uint64_t>(elem_bytes);
  if (run_bytes >= cfg.element_chunk) return bytes;
  return ceil_div(elements, run) * cfg.element_chunk;
}

double dma_seconds_uncontended(const Instruction& inst, const NeuronCoreConfig& cfg,
                               double memory_bandwidth) {
  const double bandwidth = std::min(cfg.dma.engine_bandwidth, memory_bandwidth);
  return cfg.dma.descriptor_latency +
         static_cast<double>(dma_effective_bytes(inst, cfg.dma)) / bandwidth;
}

Cycles instruction_cycles(const Instruction& inst, const NeuronCoreConfig& cfg) {
  const EngineContext ctx = engine_context(cfg);
  switch (inst.opcode) {
    case Opcode::kDmaCopy:
      return ceil_cycles(dma_seconds_uncontended(inst, cfg, cfg.dma.engine_bandwidth) * cfg.clock);
    case Opcode::kLoadWeights:
      return load_weights_cycles(inst, cfg.tensor, ctx);
    case Opcode::kMatMul:
      return matmul_cycles(inst, cfg.tensor, ctx);
    case Opcode::kTranspose:
      return transpose_cycles(inst, cfg.tensor, ctx);
    case Opcode::kActivate:
      return activate_cycles(inst, cfg.scalar, ctx);
    case Opcode::kPool:
    case Opcode::kTensorTensor:
    case Opcode::kTensorScalar:
    case Opcode::kReduce:
    case Opcode::kMemset:
    case Opcode::kNop:
      return vector_cycles(inst, cfg.vector, ctx);
  }
  return 0;
}

}  // namespace infsim::isa
