#include "isa/verifier.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <string>

#include "isa/access_pattern_builders.h"
#include "isa/isa_error.h"

namespace infsim::isa {
namespace {

// Default core: SBUF 128 partitions x 81920 bytes, PSUM 64 partitions x 16384 bytes in 8 banks
// of 2048 bytes (512 fp32), 32 semaphores, 3 DMA engines x 16 queues, a 128 x 64 array.
const NeuronCoreConfig kCore;

constexpr std::uint64_t kInput = 0x0;       // 128 x 512 bf16 = 131072 bytes
constexpr std::uint64_t kWeight = 0x20000;  // 128 x 64 bf16 = 16384 bytes
constexpr std::uint64_t kOutput = 0x30000;  // 64 x 512 bf16 = 65536 bytes

enum QueueIndex { kDmaIn, kTensorQ, kScalarQ, kDmaOut };

Instruction op(Opcode opcode) {
  Instruction ins;
  ins.opcode = opcode;
  return ins;
}

Queue queue(EngineKind engine, std::uint8_t dma_queue = 0) {
  Queue q;
  q.engine = engine;
  q.dma_queue = dma_queue;
  return q;
}

// A correct single-core producer/consumer program: DMA in -> matmul -> activate -> DMA out,
// each stage signalling the next; weights moved to SBUF by the setup queue.
Program good_program() {
  Program p;
  p.options.model = "tiny";
  p.tensors.push_back(
      {"x", TensorKind::kInput, DType::kBf16, {128, 512}, {0, 1}, 0, kInput, 131072, {}});
  p.tensors.push_back(
      {"w", TensorKind::kWeight, DType::kBf16, {128, 64}, {0, 1}, 0, kWeight, 16384, {}});
  p.tensors.push_back(
      {"y", TensorKind::kOutput, DType::kBf16, {64, 512}, {0, 1}, 0, kOutput, 65536, {}});
  p.layers.push_back({"fc", "MatMul", 128 * 64 * 512, 0, 0});
  CoreProgram core;

  Queue setup = queue(EngineKind::kDma);
  Instruction w = op(Opcode::kDmaCopy);
  w.dst = sbuf(0, 128, 0x8000, {64}, DType::kBf16);
  w.src0 = dram(kWeight, 128, {64}, DType::kBf16);
  setup.instructions.push_back(w);
  core.setup.push_back(setup);

  Queue in = queue(EngineKind::kDma);
  Instruction load = op(Opcode::kDmaCopy);
  load.dst = sbuf(0, 128, 0, {512}, DType::kBf16);
  load.src0 = dram(kInput, 128, {512}, DType::kBf16);
  load.signal = signal_to(0);
  in.instructions.push_back(load);

  Queue te = queue(EngineKind::kTensor);
  Instruction lw = op(Opcode::kLoadWeights);
  lw.src0 = sbuf(0, 128, 0x8000, {64}, DType::kBf16);
  te.instructions.push_back(lw);
  Instruction mm = op(Opcode::kMatMul);
  mm.dst = psum(0, 64, 0, {512}, DType::kFp32);
  mm.src0 = sbuf(0, 128, 0, {512}, DType::kBf16);
  mm.waits[0] = wait_for(0, 1);
  mm.signal = signal_to(1);
  te.instructions.push_back(mm);

  Queue act = queue(EngineKind::kScalar);
  Instruction relu = op(Opcode::kActivate);
  relu.func = static_cast<std::uint8_t>(ActivationFunc::kRelu);
  relu.dst = sbuf(0, 64, 0x10000, {512}, DType::kBf16);
  relu.src0 = psum(0, 64, 0, {512}, DType::kFp32);
  relu.waits[0] = wait_for(1, 1);
  relu.signal = signal_to(2);
  act.instructions.push_back(relu);

  Queue out = queue(EngineKind::kDma, 1);
  Instruction store = op(Opcode::kDmaCopy);
  store.dst = dram(kOutput, 64, {512}, DType::kBf16);
  store.src0 = sbuf(0, 64, 0x10000, {512}, DType::kBf16);
  store.waits[0] = wait_for(2, 1);
  out.instructions.push_back(store);

  core.queues = {in, te, act, out};
  p.cores.push_back(core);
  p.memory.push_back({});
  return p;
}

Instruction& at(Program& p, int queue, int index) {
  return p.cores[0].queues[queue].instructions[index];
}

std::string all(const std::vector<Diagnostic>& d) {
  return format_diagnostics(d);
}

// Expects exactly one diagnostic, at `location`, whose message contains `fragment`.
void expect_one(const Program& p, const std::string& location, const std::string& fragment,
                const NeuronCoreConfig& config = kCore) {
  std::vector<Diagnostic> d = verify_program(p, config);
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_EQ(d[0].location, location);
  EXPECT_NE(d[0].message.find(fragment), std::string::npos) << d[0].message;
}

const std::string kDmaInLoc = "core 0 queue 0 (dma e0 q0) instruction 0 (dma_copy)";
const std::string kMatMulLoc = "core 0 queue 1 (tensor) instruction 1 (matmul)";
const std::string kActLoc = "core 0 queue 2 (scalar) instruction 0 (activate)";

TEST(Verifier, ProducerConsumerProgramPasses) {
  Program p = good_program();
  EXPECT_EQ(all(verify_program(p, kCore)), "");
  EXPECT_NO_THROW(verify_or_throw(p, kCore));
}

TEST(Verifier, SbufPartitionsOutOfRange) {
  Program p = good_program();
  at(p, kDmaIn, 0).dst.partition = 1;  // 1..128
  at(p, kDmaIn, 0).src0.partitions = 128;
  expect_one(p, kDmaInLoc, "dst partitions 1..128 exceed the 128 SBUF partitions");
}

TEST(Verifier, SbufBytesOutOfRange) {
  Program p = good_program();
  at(p, kDmaIn, 0).dst.offset = 81920 - 1000;  // 1024 bytes needed
  expect_one(p, kDmaInLoc, "dst bytes [80920, 81944) of each partition exceed the 81920 bytes");
}

TEST(Verifier, NegativeStrideBelowPartitionStart) {
  Program p = good_program();
  // Walks backwards from byte 1000: 511 elements * 2 bytes before it.
  at(p, kDmaIn, 0).dst = sbuf(0, 128, 1000, dims({axis(512, -1)}), DType::kBf16);
  expect_one(p, kDmaInLoc, "dst bytes [-22, 1002)");
  at(p, kDmaIn, 0).dst.offset = 1022;
  EXPECT_EQ(all(verify_program(p, kCore)), "");
}

TEST(Verifier, PsumOutOfRange) {
  Program p = good_program();
  at(p, kScalarQ, 0).src0.partition = 8;  // 8..71 of 64
  expect_one(p, kActLoc, "src0 partitions 8..71 exceed the 64 PSUM partitions");
  p = good_program();
  at(p, kScalarQ, 0).src0.offset = 16384 - 1024;  // 2048 bytes needed
  expect_one(p, kActLoc, "src0 bytes [15360, 17408) of each partition exceed the 16384 bytes");
}

TEST(Verifier, DramOutsideDeclaredTensors) {
  Program p = good_program();
  at(p, kDmaIn, 0).src0.offset = kInput + 2;  // runs 2 bytes past x
  expect_one(p, kDmaInLoc, "src0 DRAM bytes [2, 131074) of core 0 are not inside any tensor");
  p = good_program();
  p.tensors[0].core = 0;
  at(p, kDmaIn, 0).src0.core = 0;
  at(p, kDmaIn, 0).src0.partition_stride = -512;  // rows going down from 0
  expect_one(p, kDmaInLoc, "src0 DRAM bytes [-130048, 1024)");
}

TEST(Verifier, DramInsideOverlappingTensorsIsFound) {
  Program p = good_program();
  // A big region declared after a small one that starts at the same place.
  p.tensors.push_back({"scratch", TensorKind::kSpill, DType::kBf16, {1}, {0}, 0, 0, 4, {}});
  p.tensors.push_back(
      {"arena", TensorKind::kSpill, DType::kInt8, {0x60000}, {0}, 0, 0, 0x60000, {}});
  at(p, kDmaIn, 0).src0.offset = 0x30000;  // 128 x 1024 bytes, inside the arena only
  EXPECT_EQ(all(verify_program(p, kCore)), "");
}

TEST(Verifier, OperandPresencePerOpcode) {
  Program p = good_program();
  at(p, kTensorQ, 1).dst = AccessPattern{};
  expect_one(p, kMatMulLoc, "missing dst operand");
  p = good_program();
  Instruction memset = op(Opcode::kMemset);
  memset.dst = sbuf(0, 1, 0, {1}, DType::kFp32);
  memset.src0 = sbuf(0, 1, 0, {1}, DType::kFp32);
  p.cores[0].queues.push_back(queue(EngineKind::kVector));
  p.cores[0].queues.back().instructions.push_back(memset);
  expect_one(p, "core 0 queue 4 (vector) instruction 0 (memset)", "memset takes no src0 operand");
}

TEST(Verifier, EngineMustMatchOpcodeButNopGoesAnywhere) {
  Program p = good_program();
  at(p, kScalarQ, 0).opcode = Opcode::kTensorTensor;
  at(p, kScalarQ, 0).func = 0;
  at(p, kScalarQ, 0).src1 = at(p, kScalarQ, 0).src0;
  at(p, kScalarQ, 0).src0 = sbuf(0, 64, 0x10000, {512}, DType::kBf16);
  expect_one(p, "core 0 queue 2 (scalar) instruction 0 (tensor_tensor)",
             "tensor_tensor runs on the vector engine, not on a scalar queue");
  p = good_program();
  for (auto& q : p.cores[0].queues) q.instructions.insert(q.instructions.begin(), op(Opcode::kNop));
  EXPECT_EQ(all(verify_program(p, kCore)), "");
}

TEST(Verifier, MatMulMustWriteFp32Psum) {
  Program p = good_program();
  at(p, kTensorQ, 1).dst.dtype = DType::kBf16;
  expect_one(p, kMatMulLoc, "matmul writes fp32 into PSUM");
}

TEST(Verifier, LoadWeightsMustFitTheArray) {
  Program p = good_program();
  NeuronCoreConfig small = kCore;
  small.tensor.rows = 64;
  small.tensor.cols = 32;
  std::vector<Diagnostic> d = verify_program(p, small);
  ASSERT_EQ(d.size(), 2u) << all(d);
  EXPECT_EQ(d[0].location, "core 0 queue 1 (tensor) instruction 0 (load_weights)");
  EXPECT_NE(d[0].message.find("K = 128 weight rows exceed the 64 rows"), std::string::npos);
  EXPECT_NE(d[1].message.find("M = 64 weight columns exceed the 32 columns"), std::string::npos);
}

TEST(Verifier, MatMulNMustFitOnePsumBank) {
  Program p = good_program();
  at(p, kTensorQ, 1).dst = psum(0, 64, 0, {1024}, DType::kFp32);
  at(p, kTensorQ, 1).src0 = sbuf(0, 128, 0, {1024}, DType::kBf16);
  std::vector<Diagnostic> d = verify_program(p, kCore);
  ASSERT_GE(d.size(), 1u);
  EXPECT_EQ(d[0].location, kMatMulLoc);
  EXPECT_NE(d[0].message.find("N = 1024 fp32 columns exceed one 2048-byte PSUM bank"),
            std::string::npos)
      << all(d);
  p = good_program();
  at(p, kTensorQ, 1).dst.offset = 1024;
  at(p, kScalarQ, 0).src0.offset = 1024;
  expect_one(p, kMatMulLoc, "dst bytes [1024, 3072) straddle a PSUM bank boundary");
}

TEST(Verifier, MatMulShapesFollowTheLoadedWeights) {
  Program p = good_program();
  at(p, kTensorQ, 1).src0.partitions = 64;
  expect_one(p, kMatMulLoc, "moving tile has 64 partitions but the loaded weights have K = 128");
  p = good_program();
  p.cores[0].queues[kTensorQ].instructions.erase(p.cores[0].queues[kTensorQ].instructions.begin());
  expect_one(p, "core 0 queue 1 (tensor) instruction 0 (matmul)",
             "matmul with no load_weights before it on this queue");
}

TEST(Verifier, ElementCountsMustMatch) {
  Program p = good_program();
  at(p, kScalarQ, 0).dst = sbuf(0, 64, 0x10000, {256}, DType::kBf16);
  expect_one(p, kActLoc, "dst is 64 x 256 but src0 is 64 x 512");
}

TEST(Verifier, SemaphoreIdsAndSignalTargets) {
  Program p = good_program();
  at(p, kDmaIn, 0).signal.semaphore = 40;
  at(p, kTensorQ, 1).waits[0].semaphore = 40;
  at(p, kScalarQ, 0).signal.core = 3;
  std::vector<Diagnostic> d = verify_program(p, kCore);
  std::string text = all(d);
  EXPECT_NE(text.find(kDmaInLoc + ": signals semaphore 40 but a core has 32"), std::string::npos)
      << text;
  EXPECT_NE(text.find(kMatMulLoc + ": waits on semaphore 40 but the core has 32"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(kActLoc + ": signals core 3, not a core of this program (1 cores)"),
            std::string::npos)
      << text;
}

TEST(Verifier, ComputeEnginesCannotTouchDram) {
  Program p = good_program();
  at(p, kScalarQ, 0).dst = dram(kOutput, 64, {512}, DType::kBf16);
  std::vector<Diagnostic> d = verify_program(p, kCore);
  ASSERT_EQ(d.size(), 2u) << all(d);
  EXPECT_EQ(d[0].location, kActLoc);
  EXPECT_EQ(d[0].message, "dst is in DRAM: only DMA queues access DRAM");
  EXPECT_EQ(d[1].message, "activate writes SBUF");
}

TEST(Verifier, ReportsEveryProblemAtOnce) {
  Program p = good_program();
  at(p, kDmaIn, 0).dst.partition = 5;                                // SBUF partitions
  at(p, kTensorQ, 1).dst.dtype = DType::kBf16;                       // matmul dtype
  at(p, kScalarQ, 0).dst = sbuf(0, 64, 0x10000, {8}, DType::kBf16);  // element count
  at(p, kDmaOut, 0).dst.offset = 0x90000;                            // outside tensors
  p.tensors[1].data.resize(3);                                       // data size
  std::vector<Diagnostic> d = verify_program(p, kCore);
  EXPECT_EQ(d.size(), 5u) << all(d);
  try {
    verify_or_throw(p, kCore);
    FAIL() << "expected an IsaError";
  } catch (const IsaError& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("program 'tiny' failed verification with 5 problems:\n", 0), 0u) << msg;
    for (const Diagnostic& x : d) {
      EXPECT_NE(msg.find(x.location + ": " + x.message), std::string::npos) << msg;
    }
  }
}

TEST(Verifier, TwoQueuesWaitingOnEachOtherDeadlock) {
  Program p = good_program();
  // The input DMA now waits for the activation, which waits (through the matmul) for it.
  at(p, kDmaIn, 0).waits[0] = wait_for(2, 1);
  std::vector<Diagnostic> d = verify_program(p, kCore);
  ASSERT_EQ(d.size(), 4u) << all(d);
  EXPECT_EQ(d[0].location, kDmaInLoc);
  EXPECT_EQ(d[0].message,
            "deadlock: the dma e0 q0 queue waits forever for semaphore 2 of core 0 >= 1; it "
            "reaches 0 before every queue is stuck (signals to it in this phase add up to 1, but "
            "they come after waits that never end)");
  EXPECT_EQ(d[1].location, kMatMulLoc);
  EXPECT_NE(d[1].message.find("the tensor queue waits forever for semaphore 0 of core 0 >= 1"),
            std::string::npos);
  EXPECT_EQ(d[2].location, kActLoc);
  EXPECT_EQ(d[3].location, "core 0 queue 3 (dma e0 q1) instruction 0 (dma_copy)");
}

TEST(Verifier, TooFewSignalsIsADeadlock) {
  Program p = good_program();
  at(p, kScalarQ, 0).waits[0] = wait_for(1, 2);
  std::vector<Diagnostic> d = verify_program(p, kCore);
  ASSERT_EQ(d.size(), 2u) << all(d);
  EXPECT_EQ(d[0].location, kActLoc);
  EXPECT_NE(d[0].message.find(
                "semaphore 1 of core 0 >= 2; it reaches 1 before every queue is stuck, and all "
                "signals to it in this phase add up to only 1"),
            std::string::npos)
      << d[0].message;
}

TEST(Verifier, SetupAndInferenceSemaphoresAreSeparate) {
  Program p = good_program();
  // A setup wait cannot be satisfied by inference signals.
  p.cores[0].setup[0].instructions[0].waits[0] = wait_for(0, 1);
  std::vector<Diagnostic> d = verify_program(p, kCore);
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_EQ(d[0].location, "core 0 setup queue 0 (dma e0 q0) instruction 0 (dma_copy)");
  EXPECT_NE(d[0].message.find("deadlock"), std::string::npos);
}

TEST(Verifier, CrossCoreSignalsUnblockTheOtherCore) {
  Program p = good_program();
  p.cores.push_back(CoreProgram{});
  p.memory.push_back({});
  Queue waiter = queue(EngineKind::kVector);
  Instruction nop = op(Opcode::kNop);
  nop.waits[0] = wait_for(5, 1);
  waiter.instructions.push_back(nop);
  p.cores[1].queues.push_back(waiter);
  EXPECT_NE(all(verify_program(p, kCore))
                .find("core 1 queue 0 (vector) instruction 0 (nop): "
                      "deadlock"),
            std::string::npos);
  at(p, kDmaOut, 0).signal = signal_to(5, 1, 1);
  EXPECT_EQ(all(verify_program(p, kCore)), "");
}

TEST(Verifier, QueuesMustExistOnTheCore) {
  Program p = good_program();
  p.cores[0].queues[kDmaOut].dma_engine = 3;
  p.cores[0].queues.push_back(queue(EngineKind::kTensor));
  std::string text = all(verify_program(p, kCore));
  EXPECT_NE(text.find("core 0 queue 3 (dma e3 q1): DMA engine 3 queue 1 does not exist"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("core 0 queue 4 (tensor): a second queue for the tensor engine"),
            std::string::npos)
      << text;
}

TEST(Verifier, TensorDeclarationsAreChecked) {
  Program p = good_program();
  p.tensors[0].bytes = 100;
  p.tensors[1].dim_order = {1, 1};
  p.tensors[2].core = 4;
  std::string text = all(verify_program(p, kCore));
  EXPECT_NE(text.find("tensor 0 (x): shape needs 131072 bytes but the tensor declares 100"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tensor 1 (w): dim_order is not a permutation of its 2 dims"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tensor 2 (y): core 4 is not a core of this program"), std::string::npos)
      << text;
}

TEST(Verifier, ExtremeValuesAreReportedNotOverflowed) {
  Program p = good_program();
  Instruction& load = at(p, kDmaIn, 0);
  load.src0.dims[2] = axis(0xffffffffu, 0x7fffffff);  // ~2^62 elements from DRAM
  load.src0.partition_stride = std::numeric_limits<std::int64_t>::max() / 4;
  load.dst.dims[2] = axis(0xffffffffu, -0x7fffffff);
  std::string text = all(verify_program(p, kCore));
  // 0x7fffffff * 0xfffffffe * 2 bytes + 2, and (2^63-1)/4 * 127 * 2 + that: beyond 64 bits.
  EXPECT_NE(text.find("dst bytes [-18446744056529682436, 2) of each partition"), std::string::npos)
      << text;
  EXPECT_NE(text.find("src0 DRAM bytes [0, 604130868396807945992) of core 0"), std::string::npos)
      << text;
}

// The verifier runs before every simulation: 400k instructions of ping-pong between two queues
// (the worst case for the deadlock search) must verify in well under a second.
TEST(Verifier, IsLinearInInstructions) {
  Program p = good_program();
  Queue a = queue(EngineKind::kVector), b = queue(EngineKind::kDma, 2);
  const std::uint32_t n = 200000;
  for (std::uint32_t i = 0; i < n; ++i) {
    Instruction x = op(Opcode::kNop);
    x.waits[0] = wait_for(4, i);
    x.signal = signal_to(3);
    a.instructions.push_back(x);
    Instruction y = op(Opcode::kNop);  // Nop may sit on any queue
    y.waits[0] = wait_for(3, i + 1);
    y.signal = signal_to(4);
    b.instructions.push_back(y);
  }
  p.cores[0].queues.push_back(a);
  p.cores[0].queues.push_back(b);
  // No wall-clock bound (speed belongs in a benchmark): 400,000 instructions in one ping-pong
  // chain take milliseconds when the verifier is linear, while a verifier that rescans the queues
  // per semaphore step needs ~n^2 = 4e10 steps and runs into ctest's timeout, failing this test.
  EXPECT_EQ(all(verify_program(p, kCore)), "");
}

}  // namespace
}  // namespace infsim::isa
