// Exact-cycle tests of the engine cost functions, with the arithmetic beside each expectation.
// Defaults: 128 x 64 array, the instruction overhead (one value for every engine) pinned at 16
// cycles, scalar 512 FLOP/cycle and vector 256 FLOP/cycle over 128 SBUF partitions, DMA 32e9 B/s
// with 1 us descriptor latency and 512 B chunks, clock 0.95 GHz.
#include "isa/cost_model.h"

#include <gtest/gtest.h>

namespace infsim::isa {
namespace {

// The arithmetic in the comments is written for a 16-cycle instruction overhead; pin it, so that
// calibrating the shipped value (configs/hardware/neuroncore-v1.yaml) does not change these tests.
NeuronCoreConfig pinned_core() {
  NeuronCoreConfig c;
  c.instruction_overhead_cycles = 16;
  return c;
}

AccessPattern sbuf(int partitions, std::uint32_t n, DType dtype = DType::kBf16) {
  AccessPattern ap;
  ap.space = MemSpace::kSbuf;
  ap.dtype = dtype;
  ap.partitions = static_cast<std::uint16_t>(partitions);
  ap.dims[2] = Axis{1, n};
  return ap;
}

AccessPattern psum(int partitions, std::uint32_t n) {
  AccessPattern ap = sbuf(partitions, n, DType::kFp32);
  ap.space = MemSpace::kPsum;
  return ap;
}

Instruction make(Opcode op, AccessPattern dst, AccessPattern src0) {
  Instruction inst;
  inst.opcode = op;
  inst.dst = dst;
  inst.src0 = src0;
  return inst;
}

TEST(CostModel, LoadWeightsCostsOneCyclePerRow) {
  NeuronCoreConfig cfg = pinned_core();
  // 16 overhead + 128 rows x 1 cycle = 144
  EXPECT_EQ(load_weights_cycles(make(Opcode::kLoadWeights, {}, sbuf(128, 64)), cfg.tensor,
                                engine_context(cfg)),
            144u);
  // 16 + 27 rows (a 3x3x3 conv slice) = 43
  EXPECT_EQ(load_weights_cycles(make(Opcode::kLoadWeights, {}, sbuf(27, 64)), cfg.tensor,
                                engine_context(cfg)),
            43u);
  cfg.tensor.weight_load_cycles_per_row = 0.5;
  // 16 + ceil(27 x 0.5 = 13.5) = 16 + 14 = 30
  EXPECT_EQ(load_weights_cycles(make(Opcode::kLoadWeights, {}, sbuf(27, 64)), cfg.tensor,
                                engine_context(cfg)),
            30u);
}

TEST(CostModel, FullArrayLoadShiftsThroughEveryRow) {
  NeuronCoreConfig cfg = pinned_core();
  cfg.tensor.weight_load_full_array = true;
  // 16 + 128 rows of the array, whatever K (27) = 144
  EXPECT_EQ(load_weights_cycles(make(Opcode::kLoadWeights, {}, sbuf(27, 64)), cfg.tensor,
                                engine_context(cfg)),
            144u);
}

// One core's tensor queue: LoadWeights (K = 128), MatMul (N = 100), LoadWeights, MatMul.
// Overlapped (default): back to back by occupancy, 144 + 116 + 144 + 116 = 520, and the last
// result is visible 190 (128 + 64 - 2) later: 710.
// Not overlapped: the second LoadWeights waits for the first MatMul's drain: 144 + 116 + 190 = 450,
// then 144 + 116 + 190 = 450 more: 900.
TEST(CostModel, TensorEngineCyclesWaitForTheDrainOnlyWithoutOverlap) {
  NeuronCoreConfig cfg = pinned_core();
  CoreProgram core;
  core.queues.resize(2);
  core.queues[1].engine = EngineKind::kVector;
  core.queues[1].instructions.push_back(make(Opcode::kMemset, sbuf(128, 4000), {}));
  for (int i = 0; i < 2; ++i) {
    core.queues[0].instructions.push_back(make(Opcode::kLoadWeights, {}, sbuf(128, 64)));
    core.queues[0].instructions.push_back(make(Opcode::kMatMul, psum(64, 100), sbuf(128, 100)));
  }
  EXPECT_EQ(tensor_engine_cycles(core, cfg), 710u);
  cfg.tensor.weight_load_overlap = false;
  EXPECT_EQ(tensor_engine_cycles(core, cfg), 900u);
}

TEST(CostModel, MatMulStreamsOneColumnPerCycleAtBf16) {
  NeuronCoreConfig cfg = pinned_core();
  const Instruction mm = make(Opcode::kMatMul, psum(64, 512), sbuf(128, 512));
  // 16 + 512 columns / 1.0 = 528
  EXPECT_EQ(matmul_cycles(mm, cfg.tensor, engine_context(cfg)), 528u);
  // 528 + fill/drain (128 rows + 64 cols - 2 = 190: the last sum leaves row 127, column 63 at
  // cycle 127 + 63 after the last column entered) = 718
  EXPECT_EQ(matmul_latency(mm, cfg.tensor, engine_context(cfg)), 718u);
}

TEST(CostModel, MatMulRateDependsOnDtype) {
  NeuronCoreConfig cfg = pinned_core();
  // fp32 at 0.25: 16 + 512 / 0.25 = 16 + 2048 = 2064
  EXPECT_EQ(matmul_cycles(make(Opcode::kMatMul, psum(64, 512), sbuf(128, 512, DType::kFp32)),
                          cfg.tensor, engine_context(cfg)),
            2064u);
  // int8 at 2.0: 16 + 512 / 2 = 272
  EXPECT_EQ(matmul_cycles(make(Opcode::kMatMul, psum(64, 512), sbuf(128, 512, DType::kInt8)),
                          cfg.tensor, engine_context(cfg)),
            272u);
  // int8, odd N: 16 + ceil(49 / 2 = 24.5) = 16 + 25 = 41
  EXPECT_EQ(matmul_cycles(make(Opcode::kMatMul, psum(64, 49), sbuf(128, 49, DType::kInt8)),
                          cfg.tensor, engine_context(cfg)),
            41u);
  // fp16 at 1.0: 16 + 49 = 65; latency 65 + 190 = 255
  const Instruction fp16 = make(Opcode::kMatMul, psum(64, 49), sbuf(128, 49, DType::kFp16));
  EXPECT_EQ(matmul_cycles(fp16, cfg.tensor, engine_context(cfg)), 65u);
  EXPECT_EQ(matmul_latency(fp16, cfg.tensor, engine_context(cfg)), 255u);
}

TEST(CostModel, MatMulOccupancyUsesAllFreeDims) {
  NeuronCoreConfig cfg = pinned_core();
  AccessPattern moving = sbuf(64, 7);
  moving.dims[1] = Axis{7, 7};
  moving.dims[0] = Axis{49, 2};
  // N = 2 x 7 x 7 = 98: 16 + 98 = 114
  EXPECT_EQ(
      matmul_cycles(make(Opcode::kMatMul, psum(64, 98), moving), cfg.tensor, engine_context(cfg)),
      114u);
}

TEST(CostModel, TransposeLoadsStreamsAndDrains) {
  NeuronCoreConfig cfg = pinned_core();
  // P = 128, N = 64: 16 + 128 (load) + 128 (identity columns) + 192 (fill/drain) = 464
  EXPECT_EQ(transpose_cycles(make(Opcode::kTranspose, psum(64, 128), sbuf(128, 64)), cfg.tensor,
                             engine_context(cfg)),
            464u);
  // P = 32 at fp32: 16 + 32 + 32 / 0.25 = 128 + 192 = 368
  EXPECT_EQ(transpose_cycles(make(Opcode::kTranspose, psum(64, 32), sbuf(32, 64, DType::kFp32)),
                             cfg.tensor, engine_context(cfg)),
            368u);
}

TEST(CostModel, ActivationFlopTable) {
  Instruction act = make(Opcode::kActivate, sbuf(128, 1), sbuf(128, 1));
  act.func = static_cast<std::uint8_t>(ActivationFunc::kRelu);
  EXPECT_EQ(activation_flops_per_element(act), 1);
  act.bias = 0.5f;  // + bias
  EXPECT_EQ(activation_flops_per_element(act), 2);
  act.scale = 2.0f;  // + scale
  EXPECT_EQ(activation_flops_per_element(act), 3);
  act.bias = 0.0f;
  act.scale = 1.0f;
  act.src1 = sbuf(128, 1);  // per-partition bias
  EXPECT_EQ(activation_flops_per_element(act), 2);
  act.src1 = {};
  act.func = static_cast<std::uint8_t>(ActivationFunc::kClip);
  EXPECT_EQ(activation_flops_per_element(act), 2);
  act.func = static_cast<std::uint8_t>(ActivationFunc::kRsqrt);
  EXPECT_EQ(activation_flops_per_element(act), 4);
  act.func = static_cast<std::uint8_t>(ActivationFunc::kExp);
  EXPECT_EQ(activation_flops_per_element(act), 8);
  act.func = static_cast<std::uint8_t>(ActivationFunc::kSigmoid);
  EXPECT_EQ(activation_flops_per_element(act), 10);
  act.func = static_cast<std::uint8_t>(ActivationFunc::kSilu);
  EXPECT_EQ(activation_flops_per_element(act), 11);
  act.func = static_cast<std::uint8_t>(ActivationFunc::kGelu);
  EXPECT_EQ(activation_flops_per_element(act), 12);
}

TEST(CostModel, ActivateSpreadsFlopsOverPartitions) {
  NeuronCoreConfig cfg = pinned_core();
  Instruction act = make(Opcode::kActivate, sbuf(128, 512), psum(64, 512));
  act.func = static_cast<std::uint8_t>(ActivationFunc::kRelu);
  // 512 FLOP/cycle / 128 partitions = 4 per partition: 16 + 512 x 1 / 4 = 144
  EXPECT_EQ(activate_cycles(act, cfg.scalar, engine_context(cfg)), 144u);
  // fewer partitions are not faster: the 64-partition tile still costs 144
  act.src0.partitions = 64;
  EXPECT_EQ(activate_cycles(act, cfg.scalar, engine_context(cfg)), 144u);
  // relu with scale + bias: 3 FLOP, 16 + 512 x 3 / 4 = 400
  act.scale = 0.5f;
  act.bias = 1.0f;
  EXPECT_EQ(activate_cycles(act, cfg.scalar, engine_context(cfg)), 400u);
  // gelu, 49 elements: 16 + ceil(49 x 12 / 4 = 147) = 163
  Instruction gelu = make(Opcode::kActivate, sbuf(128, 49), sbuf(128, 49));
  gelu.func = static_cast<std::uint8_t>(ActivationFunc::kGelu);
  EXPECT_EQ(activate_cycles(gelu, cfg.scalar, engine_context(cfg)), 163u);
  // identity, 7 elements: 16 + ceil(7 / 4 = 1.75) = 18
  Instruction id = make(Opcode::kActivate, sbuf(128, 7), sbuf(128, 7));
  EXPECT_EQ(activate_cycles(id, cfg.scalar, engine_context(cfg)), 18u);
}

TEST(CostModel, VectorElementwise) {
  NeuronCoreConfig cfg = pinned_core();
  Instruction tt = make(Opcode::kTensorTensor, sbuf(128, 512), sbuf(128, 512));
  tt.src1 = sbuf(128, 512);
  // 256 / 128 = 2 FLOP per partition per cycle: 16 + 512 / 2 = 272
  EXPECT_EQ(vector_cycles(tt, cfg.vector, engine_context(cfg)), 272u);
  tt.flags = kRelu;  // add + relu: 16 + 1024 / 2 = 528
  EXPECT_EQ(vector_cycles(tt, cfg.vector, engine_context(cfg)), 528u);

  Instruction ts = make(Opcode::kTensorScalar, sbuf(64, 100), sbuf(64, 100));
  ts.func = static_cast<std::uint8_t>(AluOp::kMul);
  // one op: 16 + 100 / 2 = 66
  EXPECT_EQ(vector_cycles(ts, cfg.vector, engine_context(cfg)), 66u);
  ts.func2 = static_cast<std::uint8_t>(AluOp::kAdd);  // two ops: 16 + 200 / 2 = 116
  EXPECT_EQ(vector_cycles(ts, cfg.vector, engine_context(cfg)), 116u);

  // memset, 33 elements: 16 + ceil(33 / 2 = 16.5) = 33
  Instruction ms = make(Opcode::kMemset, sbuf(128, 33), {});
  EXPECT_EQ(vector_cycles(ms, cfg.vector, engine_context(cfg)), 33u);
}

TEST(CostModel, ReduceCountsInputsAndScale) {
  NeuronCoreConfig cfg = pinned_core();
  AccessPattern in = sbuf(128, 49);
  in.dims[1] = Axis{49, 4};  // 4 rows of 49
  Instruction red = make(Opcode::kReduce, sbuf(128, 4), in);
  // sum: 196 inputs: 16 + 196 / 2 = 114
  EXPECT_EQ(vector_cycles(red, cfg.vector, engine_context(cfg)), 114u);
  red.scale = 1.0f / 49;  // mean: + 4 outputs: 16 + 200 / 2 = 116
  EXPECT_EQ(vector_cycles(red, cfg.vector, engine_context(cfg)), 116u);
}

TEST(CostModel, PoolCostsWindowPerOutput) {
  NeuronCoreConfig cfg = pinned_core();
  AccessPattern out = sbuf(64, 56);
  out.dims[1] = Axis{56, 56};  // 56 x 56 outputs = 3136
  Instruction pool = make(Opcode::kPool, out, sbuf(64, 112 * 112));
  pool.window_h = pool.window_w = 3;
  pool.func = static_cast<std::uint8_t>(PoolFunc::kMax);
  // max 3x3: 16 + 3136 x 9 / 2 = 16 + 14112 = 14128
  EXPECT_EQ(vector_cycles(pool, cfg.vector, engine_context(cfg)), 14128u);
  pool.func = static_cast<std::uint8_t>(PoolFunc::kAvg);
  // avg adds the divide: 16 + 3136 x 10 / 2 = 16 + 15680 = 15696
  EXPECT_EQ(vector_cycles(pool, cfg.vector, engine_context(cfg)), 15696u);
}

// The instruction overhead is the issue cost of an engine's in-order queue, one core-wide value:
// raising it by 10 cycles adds exactly 10 to every Tensor, Vector and Scalar Engine instruction
// (none of them pays it twice or skips it), and nothing to a Nop.
TEST(CostModel, OneInstructionOverheadForEveryEngine) {
  NeuronCoreConfig cfg = pinned_core();
  NeuronCoreConfig more = cfg;
  more.instruction_overhead_cycles += 10;
  Instruction ts = make(Opcode::kTensorScalar, sbuf(64, 100), sbuf(64, 100));
  ts.func = static_cast<std::uint8_t>(AluOp::kMul);
  for (const Instruction& inst : {make(Opcode::kLoadWeights, {}, sbuf(128, 64)),
                                  make(Opcode::kMatMul, psum(64, 512), sbuf(128, 512)),
                                  make(Opcode::kTranspose, psum(64, 128), sbuf(128, 64)),
                                  make(Opcode::kActivate, sbuf(128, 512), psum(64, 512)), ts}) {
    EXPECT_EQ(instruction_cycles(inst, more), instruction_cycles(inst, cfg) + 10)
        << opcode_info(inst.opcode).text;
  }
  EXPECT_EQ(instruction_cycles(Instruction{}, more), 0u);
}

TEST(CostModel, NopIsFree) {
  EXPECT_EQ(instruction_cycles(Instruction{}, pinned_core()), 0u);
}

TEST(CostModel, ContiguousRuns) {
  AccessPattern dram;
  dram.space = MemSpace::kDram;
  dram.dtype = DType::kBf16;
  dram.partitions = 64;
  dram.partition_stride = 3136;
  dram.dims[2] = Axis{1, 3136};
  // rows continue one another: the whole 64 x 3136 x 2 B = 401408 B is one run
  EXPECT_EQ(contiguous_run_bytes(dram), 401408u);
  dram.partition_stride = 4000;  // gaps between rows: one row, 3136 x 2 = 6272
  EXPECT_EQ(contiguous_run_bytes(dram), 6272u);
  dram.dims[2] = Axis{2, 100};  // strided innermost: one element
  EXPECT_EQ(contiguous_run_bytes(dram), 2u);
  // SBUF partitions never join: 56 x 56 contiguous inside a partition = 3136 x 2 = 6272
  AccessPattern s = sbuf(128, 56);
  s.dims[1] = Axis{56, 56};
  EXPECT_EQ(contiguous_run_bytes(s), 6272u);
  s.dims[1] = Axis{60, 56};  // row pitch 60 > 56: run = 56 x 2 = 112
  EXPECT_EQ(contiguous_run_bytes(s), 112u);
}

TEST(CostModel, DmaChunksShortRuns) {
  NeuronCoreConfig cfg = pinned_core();
  AccessPattern dram;
  dram.space = MemSpace::kDram;
  dram.dtype = DType::kBf16;
  dram.partitions = 128;
  dram.partition_stride = 1024;
  dram.dims[2] = Axis{1, 1024};
  Instruction dma = make(Opcode::kDmaCopy, sbuf(128, 1024), dram);
  // runs: SBUF rows of 1024 x 2 = 2048 B >= 512: full 128 x 2048 = 262144 B
  EXPECT_EQ(dma_effective_bytes(dma, cfg.dma), 262144u);
  // 1 us + 262144 / 32e9 = 1e-6 + 8.192e-6 = 9.192 us
  EXPECT_DOUBLE_EQ(dma_seconds_uncontended(dma, cfg, 1e12), 9.192e-6);
  // memory slower than the engine: 1 us + 262144 / 16e9 = 1e-6 + 16.384e-6
  EXPECT_DOUBLE_EQ(dma_seconds_uncontended(dma, cfg, 16e9), 17.384e-6);
  // 9.192 us x 0.95 GHz = 8732.4 -> 8733 cycles
  EXPECT_EQ(instruction_cycles(dma, cfg), 8733u);

  // 7 x 7 bf16 rows (98 B) cost a 512 B chunk each: 128 runs x 512 = 65536 B
  Instruction small = make(Opcode::kDmaCopy, sbuf(128, 49), dram);
  small.src0.partition_stride = 49;
  small.src0.dims[2] = Axis{1, 49};
  EXPECT_EQ(dma_effective_bytes(small, cfg.dma), 65536u);
  // 1 us + 65536 / 32e9 = 1e-6 + 2.048e-6 = 3.048 us x 0.95 GHz = 2895.6 -> 2896
  EXPECT_EQ(instruction_cycles(small, cfg), 2896u);
  // exactly 1 us x 0.95 GHz = 950 cycles, not 951, for an empty copy
  Instruction empty = make(Opcode::kDmaCopy, sbuf(128, 0), sbuf(128, 0));
  EXPECT_EQ(instruction_cycles(empty, cfg), 950u);
}

TEST(CostModel, DispatchMatchesEngineFunctions) {
  NeuronCoreConfig cfg = pinned_core();
  const Instruction mm = make(Opcode::kMatMul, psum(64, 512), sbuf(128, 512));
  EXPECT_EQ(instruction_cycles(mm, cfg), matmul_cycles(mm, cfg.tensor, engine_context(cfg)));
  Instruction act = make(Opcode::kActivate, sbuf(128, 512), psum(64, 512));
  EXPECT_EQ(instruction_cycles(act, cfg), activate_cycles(act, cfg.scalar, engine_context(cfg)));
  Instruction pool = make(Opcode::kPool, sbuf(64, 10), sbuf(64, 40));
  pool.window_h = pool.window_w = 2;
  EXPECT_EQ(instruction_cycles(pool, cfg), vector_cycles(pool, cfg.vector, engine_context(cfg)));
}

}  // namespace
}  // namespace infsim::isa
