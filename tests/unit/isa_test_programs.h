#pragma once
// Hand-built programs shared by the isa_* tests.

#include <cmath>
#include <cstring>
#include <limits>

#include "isa/access_pattern_builders.h"
#include "isa/program.h"

namespace infsim::isa::testing {

inline float float_from_bits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Every opcode, every field set to something other than its default somewhere, every value of
// every enum (dtypes, memory spaces, engines, tensor kinds, activation funcs, ALU ops, pool funcs,
// flags), awkward floats (NaN with payload, -0, infinities, denormals) and awkward strings. Not
// meant to be a valid program, only a faithful one.
inline Program kitchen_sink_program() {
  Program p;
  p.options.model = "zoo \"resnet\"\\50;\n\x01";
  p.options.batch = 7;
  p.options.dtype = DType::kFp16;
  p.options.pipeline_cores = 2;
  p.options.cpu_fallback = true;

  for (int k = 0; k < kNumTensorKinds; ++k) {
    TensorDecl t;
    t.name = "t" + std::to_string(k) + " with space";
    t.kind = static_cast<TensorKind>(k);
    t.dtype = static_cast<DType>(k % kNumDTypes);
    t.shape = {1, 3, 224, -1};
    t.dim_order = {0, 2, 3, 1};
    t.core = static_cast<std::uint16_t>(k % 2);
    t.dram_offset = 0x100000ull * k + 0xffffffff0ull;
    t.bytes = 150 + k;
    for (int i = 0; i < 150 + k; ++i) t.data.push_back(static_cast<std::uint8_t>(i * 37 + k));
    p.tensors.push_back(t);
  }
  p.tensors.push_back(TensorDecl{});  // all defaults, empty name and data

  p.layers.push_back({"conv1", "Conv", 118013952, 12, 1});
  p.layers.push_back({"", "", 0, 0, 0});
  p.host_ops.push_back({"embed", "Gather", 1000, 4096, true});
  p.host_ops.push_back({"argmax", "ArgMax", 5, 8, false});
  p.memory.push_back({1, 2, 3, 4, 5});
  p.memory.push_back({~0ull, 0, 0, 0, 0});
  p.support.operators.push_back({"Conv", 53, true, true});
  p.support.operators.push_back({"RoiAlign", 1, false, false});

  std::vector<Instruction> all;
  for (int op = 0; op < kNumOpcodes; ++op) {
    Instruction ins;
    ins.opcode = static_cast<Opcode>(op);
    all.push_back(ins);
  }
  for (int f = 0; f < kNumActivationFuncs; ++f) {
    Instruction ins;
    ins.opcode = Opcode::kActivate;
    ins.func = static_cast<std::uint8_t>(f);
    ins.dst = sbuf(0, 128, 0, {64}, DType::kBf16);
    ins.src0 = psum(0, 64, 0x40, {64}, DType::kFp32);
    ins.src1 = sbuf(0, 128, 0x200, {1}, DType::kFp32);
    ins.scale = 0.1f;
    ins.bias = -0.0f;
    ins.alpha = std::numeric_limits<float>::infinity();
    ins.beta = -std::numeric_limits<float>::infinity();
    all.push_back(ins);
  }
  for (int a = 0; a < kNumAluOps; ++a) {
    for (Opcode op : {Opcode::kTensorTensor, Opcode::kTensorScalar, Opcode::kReduce}) {
      Instruction ins;
      ins.opcode = op;
      ins.func = static_cast<std::uint8_t>(a);
      ins.func2 = static_cast<std::uint8_t>(op == Opcode::kTensorScalar ? (a + 1) % kNumAluOps : 0);
      ins.flags = op == Opcode::kTensorTensor ? kRelu : kPerPartition;
      ins.dst = sbuf(1, 3, 8, dims({axis(2, -5), axis(3, 7)}), DType::kInt8);
      ins.src0 = sbuf(1, 3, 16, dims({axis(4, 1), axis(2, 0), axis(3, 9)}), DType::kFp16);
      ins.scale = float_from_bits(0x00000001);  // smallest denormal
      ins.bias = float_from_bits(0x7fc12345);   // NaN with a payload
      all.push_back(ins);
    }
  }
  for (int f = 0; f < kNumPoolFuncs; ++f) {
    Instruction ins;
    ins.opcode = Opcode::kPool;
    ins.func = static_cast<std::uint8_t>(f);
    ins.flags = kCountIncludePad;
    ins.window_h = 3;
    ins.window_w = 2;
    ins.stride_h = 2;
    ins.stride_w = 255;
    ins.pad_top = 1;
    ins.pad_left = 0;
    ins.dst = sbuf(0, 64, 0, {1, 56, 56}, DType::kBf16);
    ins.src0 = sbuf(0, 64, 0x4000, {1, 112, 112}, DType::kBf16);
    all.push_back(ins);
  }
  {
    Instruction ins;  // every semaphore field, every flag, odd values
    ins.opcode = Opcode::kMatMul;
    ins.func = 9;
    ins.func2 = 200;
    ins.flags = kAccumulate | kRelu | kPerPartition | kCountIncludePad;
    ins.waits[1] = wait_for(3, 5);
    ins.signal = signal_to(kNoSemaphore, 0, 1);
    ins.dst = psum(0, 64, 0, {512}, DType::kFp32, 1);
    ins.src0 = sbuf(0, 128, 0x1000, {512}, DType::kBf16);
    ins.layer = 0xffffffffu;
    all.push_back(ins);
    ins.waits[0] = wait_for(0, 0);
    ins.waits[1] = wait_for(kNoSemaphore, 17);
    ins.signal = signal_to(31, 0xffffffffu);
    ins.layer = 1;
    ins.dst =
        dram(0xfffffffffull, 65535, -3, dims({axis(0xffffffffu, 0x7fffffff)}), DType::kInt8, 65534);
    ins.dst.partition = 7;
    ins.src1 = sbuf(65535, 0, 0, {1}, DType::kFp32);
    ins.src1.partition_stride = 12;
    all.push_back(ins);
  }

  CoreProgram c0;
  for (int e = 0; e < kNumEngineKinds; ++e) {
    Queue q;
    q.engine = static_cast<EngineKind>(e);
    if (q.engine == EngineKind::kDma) {
      q.dma_engine = 2;
      q.dma_queue = 15;
    }
    c0.setup.push_back(q);
  }
  Queue dma;
  dma.engine = EngineKind::kDma;
  Instruction copy;
  copy.opcode = Opcode::kDmaCopy;
  copy.dst = sbuf(0, 128, 0, {8, 64}, DType::kBf16);
  copy.src0 = dram(0x2000, 128, {8, 64}, DType::kBf16);
  copy.signal = signal_to(2);
  dma.instructions.push_back(copy);
  c0.setup.push_back(dma);

  Queue big;
  big.engine = EngineKind::kVector;
  big.dma_engine = 1;  // meaningless on a vector queue, but representable
  big.instructions = all;
  c0.queues.push_back(big);
  p.cores.push_back(c0);
  p.cores.push_back(CoreProgram{});  // an empty core
  CoreProgram c2;
  c2.queues.push_back(Queue{});  // an empty queue
  p.cores.push_back(c2);
  return p;
}

}  // namespace infsim::isa::testing
