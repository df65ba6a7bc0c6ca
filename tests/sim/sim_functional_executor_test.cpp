// Functional mode, opcode by opcode: small hand-written programs run on an Instance with the
// FunctionalExecutor, their results read back from SBUF/PSUM/DRAM and checked against values
// worked out by hand (in the comments) or computed independently in the test.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "isa/access_pattern_builders.h"
#include "sim/core/sim_error.h"
#include "sim/core/stats.h"
#include "sim/functional/functional_executor.h"
#include "sim/functional/number_format.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "sim/memory/dram.h"
#include "sim/neuroncore/neuron_core.h"

namespace infsim::sim {
namespace {

using isa::ActivationFunc;
using isa::AluOp;
using isa::axis;
using isa::DType;
using isa::EngineKind;
using isa::Instruction;
using isa::Opcode;

// One instance in functional mode; put/get move values in and out of memory as the host would.
class World {
 public:
  World() : inst_("inst", config(), stats_, nullptr) { inst_.enable_functional_mode(&fx_); }

  static isa::InstanceConfig config() {
    isa::InstanceConfig c;
    c.chips = 2;  // cross-chip DMA
    return c;
  }

  void put_sbuf(int core, int partition, std::uint64_t offset, DType dtype,
                const std::vector<float>& v) {
    std::vector<std::uint8_t> bytes(v.size() * static_cast<std::size_t>(isa::dtype_bytes(dtype)));
    encode_elements(dtype, v.data(), bytes.data(), v.size());
    std::copy(bytes.begin(), bytes.end(),
              inst_.core(core).sbuf().bytes(partition, offset, bytes.size()));
  }
  std::vector<float> get(OnChipMemory& m, int partition, std::uint64_t offset, DType dtype,
                         std::size_t n) {
    std::vector<float> out(n);
    decode_elements(dtype, m.bytes(partition, offset, n * isa::dtype_bytes(dtype)), out.data(), n);
    return out;
  }
  std::vector<float> get_sbuf(int core, int partition, std::uint64_t offset, DType dtype,
                              std::size_t n) {
    return get(inst_.core(core).sbuf(), partition, offset, dtype, n);
  }
  std::vector<float> get_psum(int partition, std::uint64_t offset, std::size_t n) {
    return get(inst_.core(0).psum(), partition, offset, DType::kFp32, n);
  }
  void put_dram(int chip, std::uint64_t address, DType dtype, const std::vector<float>& v) {
    std::vector<std::uint8_t> bytes(v.size() * static_cast<std::size_t>(isa::dtype_bytes(dtype)));
    encode_elements(dtype, v.data(), bytes.data(), v.size());
    inst_.dram(chip).write(address, bytes.data(), bytes.size());
  }
  std::vector<float> get_dram(int chip, std::uint64_t address, DType dtype, std::size_t n) {
    std::vector<std::uint8_t> bytes(n * static_cast<std::size_t>(isa::dtype_bytes(dtype)));
    inst_.dram(chip).read(address, bytes.data(), bytes.size());
    std::vector<float> out(n);
    decode_elements(dtype, bytes.data(), out.data(), n);
    return out;
  }

  // Runs a program whose queues are given per core, program core i on global core i.
  void run(const isa::Program& program) {
    sc_core::sc_spawn(
        [&] { run_program(inst_, program, default_binding(program), Phase::kInference); });
    simulate(inst_);
  }
  void run(std::vector<isa::Queue> queues) {
    isa::Program p;
    p.cores.resize(1);
    p.cores[0].queues = std::move(queues);
    run(p);
  }
  void run(EngineKind engine, std::vector<Instruction> instructions) {
    isa::Queue q;
    q.engine = engine;
    q.instructions = std::move(instructions);
    run(std::vector<isa::Queue>{q});
  }

  Instance& instance() { return inst_; }
  FunctionalExecutor& executor() { return fx_; }

 private:
  Stats stats_;
  FunctionalExecutor fx_;
  Instance inst_;
};

Instruction op(Opcode opcode) {
  Instruction i;
  i.opcode = opcode;
  return i;
}

std::vector<float> iota(std::size_t n, float start = 0.0f, float step = 1.0f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

TEST(NumberFormat, Bf16RoundsToNearestEven) {
  // bf16 keeps 7 mantissa bits: 1 + 2^-8 is half-way between 1 and 1 + 2^-7 and goes to the
  // even neighbour 1; 1 + 3 * 2^-8 is half-way between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
  EXPECT_EQ(round_to(DType::kBf16, 1.0f + std::ldexp(1.0f, -8)), 1.0f);
  EXPECT_EQ(round_to(DType::kBf16, 1.0f + 3 * std::ldexp(1.0f, -8)), 1.0f + std::ldexp(1.0f, -6));
  EXPECT_EQ(round_to(DType::kBf16, 1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)),
            1.0f + std::ldexp(1.0f, -7));
  EXPECT_EQ(float_to_bf16(-2.0f), 0xc000);
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(std::nanf("")))));
  EXPECT_TRUE(std::isinf(round_to(DType::kBf16, std::numeric_limits<float>::max())));
}

TEST(NumberFormat, Fp16RoundsOverflowsAndKeepsSubnormals) {
  // fp16 keeps 10 mantissa bits: 1 + 2^-11 ties to 1, 1 + 3 * 2^-11 ties up to 1 + 2^-9.
  EXPECT_EQ(round_to(DType::kFp16, 1.0f + std::ldexp(1.0f, -11)), 1.0f);
  EXPECT_EQ(round_to(DType::kFp16, 1.0f + 3 * std::ldexp(1.0f, -11)), 1.0f + std::ldexp(1.0f, -9));
  EXPECT_EQ(float_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_fp16(65519.0f), 0x7bff);
  EXPECT_EQ(float_to_fp16(65520.0f), 0x7c00);  // tie between 65504 (odd) and 65536 -> inf
  EXPECT_EQ(float_to_fp16(-1e6f), 0xfc00);
  EXPECT_EQ(float_to_fp16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie with 0 -> even (0)
  EXPECT_EQ(float_to_fp16(std::ldexp(3.0f, -25)), 0x0002);  // tie between 1 and 2 -> 2
  EXPECT_EQ(fp16_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(fp16_to_float(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_float(0xc000), -2.0f);
  EXPECT_TRUE(std::isinf(fp16_to_float(0x7c00)));
  for (std::uint32_t h = 0; h < 0x7c00; ++h) {  // every finite non-negative fp16 round-trips
    ASSERT_EQ(float_to_fp16(fp16_to_float(static_cast<std::uint16_t>(h))), h);
  }
  EXPECT_EQ(round_to(DType::kInt8, 2.5f), 2.0f);
  EXPECT_EQ(round_to(DType::kInt8, 300.0f), 127.0f);
  EXPECT_EQ(round_to(DType::kInt8, -300.0f), -128.0f);
}

TEST(FunctionalDma, DramToSbufCastsAndReverses) {
  World w;
  // Two rows of 6 fp32 values in DRAM; the DMA reads each row backwards (negative stride) into
  // bf16 SBUF partitions 3 and 4.
  w.put_dram(0, 0, DType::kFp32, {1, 2, 3, 4, 5, 6.0078125f, 7, 8, 9, 10, 11, 12});
  Instruction d = op(Opcode::kDmaCopy);
  d.src0 = isa::dram(5 * 4, 2, 6, isa::dims({axis(6, -1)}), DType::kFp32);
  d.dst = isa::sbuf(3, 2, 64, {6}, DType::kBf16);
  w.run(EngineKind::kDma, {d});
  // 6.0078125 = 6 + 2^-7 is half-way between the bf16 neighbours 6 and 6.03125: ties to 6.
  EXPECT_EQ(w.get_sbuf(0, 3, 64, DType::kBf16, 6), (std::vector<float>{6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(w.get_sbuf(0, 4, 64, DType::kBf16, 6), (std::vector<float>{12, 11, 10, 9, 8, 7}));
}

TEST(FunctionalDma, StridedDramWriteKeepsTheBytesBetween) {
  World w;
  w.put_dram(0, 4096, DType::kFp16, iota(8, 100));
  w.put_sbuf(0, 0, 0, DType::kFp32, {1, 2});
  w.put_sbuf(0, 1, 0, DType::kFp32, {3, 4});
  // Column-major write of a 2 x 2 block into a row-major 2 x 4 DRAM matrix (fp32 -> fp16):
  // partition p is column p, its free elements go down the rows (stride 4).
  Instruction d = op(Opcode::kDmaCopy);
  d.src0 = isa::sbuf(0, 2, 0, {2}, DType::kFp32);
  d.dst = isa::dram(4096, 2, 1, isa::dims({axis(2, 4)}), DType::kFp16);
  w.run(EngineKind::kDma, {d});
  EXPECT_EQ(w.get_dram(0, 4096, DType::kFp16, 8),
            (std::vector<float>{1, 3, 102, 103, 2, 4, 106, 107}));
}

TEST(FunctionalDma, ZeroStrideBroadcastsAndReachesAnotherCoresSbuf) {
  World w;
  w.put_sbuf(0, 0, 0, DType::kBf16, {7});
  isa::Program p;
  p.cores.resize(2);
  isa::Queue q;
  q.engine = EngineKind::kDma;
  Instruction d = op(Opcode::kDmaCopy);
  d.src0 = isa::sbuf(0, 1, 0, isa::dims({axis(4, 0)}), DType::kBf16, 0);
  d.dst = isa::sbuf(5, 1, 32, {4}, DType::kBf16, 1);
  q.instructions = {d};
  p.cores[0].queues = {q};
  w.run(p);
  EXPECT_EQ(w.get_sbuf(1, 5, 32, DType::kBf16, 4), (std::vector<float>{7, 7, 7, 7}));
}

TEST(FunctionalDma, ReachesTheDramOfAnotherChip) {
  World w;
  // Program core 1 runs on global core 4 = chip 1 (4 cores per chip): its DRAM operand is in
  // chip 1's DRAM at the program's base.
  w.put_dram(1, 256, DType::kFp32, {1.5f, -2.5f});
  isa::Program p;
  p.cores.resize(2);
  isa::Queue q;
  q.engine = EngineKind::kDma;
  Instruction d = op(Opcode::kDmaCopy);
  d.src0 = isa::dram(256, 1, {2}, DType::kFp32, 1);
  d.dst = isa::sbuf(0, 1, 0, {2}, DType::kFp16, 0);
  q.instructions = {d};
  p.cores[0].queues = {q};
  CoreBinding b;
  b.cores = {0, 4};
  b.dram_base = {0, 0};
  sc_core::sc_spawn([&] { run_program(w.instance(), p, b, Phase::kInference); });
  simulate(w.instance());
  EXPECT_EQ(w.get_sbuf(0, 0, 0, DType::kFp16, 2), (std::vector<float>{1.5f, -2.5f}));
}

TEST(FunctionalDma, PsumToSbufRoundsFp32ToBf16) {
  World w;
  // 1 + 2^-8 + 2^-10 is above the half-way point between bf16's 1 and 1 + 2^-7: rounds up.
  const std::vector<float> v = {1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -10), -3.0f};
  std::vector<std::uint8_t> bytes(8);
  encode_elements(DType::kFp32, v.data(), bytes.data(), 2);
  std::copy(bytes.begin(), bytes.end(), w.instance().core(0).psum().bytes(7, 64, 8));
  Instruction d = op(Opcode::kDmaCopy);
  d.src0 = isa::psum(7, 1, 64, {2}, DType::kFp32);
  d.dst = isa::sbuf(100, 1, 0, {2}, DType::kBf16);
  w.run(EngineKind::kDma, {d});
  EXPECT_EQ(w.get_sbuf(0, 100, 0, DType::kBf16, 2),
            (std::vector<float>{1.0f + std::ldexp(1.0f, -7), -3.0f}));
}

TEST(FunctionalTensor, MatMulAccumulatesInFp32) {
  World w;
  // W is K x M = 3 x 2, X is K x N = 3 x 4, both bf16.
  const std::vector<std::vector<float>> wk = {{1, 2}, {3, 4}, {5, 6}};
  const std::vector<std::vector<float>> xk = {{1, 0, 2, -1}, {0, 1, 1, 2}, {1, 1, 0, 0.5f}};
  for (int k = 0; k < 3; ++k) {
    w.put_sbuf(0, k, 0, DType::kBf16, wk[k]);
    w.put_sbuf(0, k, 64, DType::kBf16, xk[k]);
  }
  Instruction lw = op(Opcode::kLoadWeights);
  lw.src0 = isa::sbuf(0, 3, 0, {2}, DType::kBf16);
  Instruction mm = op(Opcode::kMatMul);
  mm.src0 = isa::sbuf(0, 3, 64, {4}, DType::kBf16);
  mm.dst = isa::psum(0, 2, 0, {4}, DType::kFp32);
  Instruction acc = mm;
  acc.flags = isa::kAccumulate;
  w.run(EngineKind::kTensor, {lw, mm, acc});
  // Y[m, n] = sum_k W[k, m] X[k, n], twice (the second accumulates):
  //   m=0: [1+5, 3+5, 2+3, -1+6+2.5] = [6, 8, 5, 7.5];  m=1: [2+6, 4+6, 4+4, -2+8+3] = [8, 10, 8,
  //   9]
  EXPECT_EQ(w.get_psum(0, 0, 4), (std::vector<float>{12, 16, 10, 15}));
  EXPECT_EQ(w.get_psum(1, 0, 4), (std::vector<float>{16, 20, 16, 18}));
  EXPECT_EQ(w.executor().executed(Opcode::kMatMul), 2u);
}

TEST(FunctionalTensor, MatMulSumsBeyondBf16PrecisionInFp32) {
  World w;
  // 128 rows of 1 + 2^-7 (exact in bf16) times 1: the fp32 sum 128 + 1 = 129 is exact, which a
  // bf16 accumulator (8 significant bits: 128, 130, ...) could not hold.
  std::vector<float> ones(1, 1.0f + std::ldexp(1.0f, -7));
  for (int k = 0; k < 128; ++k) {
    w.put_sbuf(0, k, 0, DType::kBf16, ones);
    w.put_sbuf(0, k, 64, DType::kBf16, {1.0f});
  }
  Instruction lw = op(Opcode::kLoadWeights);
  lw.src0 = isa::sbuf(0, 128, 0, {1}, DType::kBf16);
  Instruction mm = op(Opcode::kMatMul);
  mm.src0 = isa::sbuf(0, 128, 64, {1}, DType::kBf16);
  mm.dst = isa::psum(0, 1, 0, {1}, DType::kFp32);
  w.run(EngineKind::kTensor, {lw, mm});
  EXPECT_EQ(w.get_psum(0, 0, 1)[0], 129.0f);
}

TEST(FunctionalTensor, TransposeSwapsPartitionsAndFreeElements) {
  World w;
  w.put_sbuf(0, 0, 0, DType::kBf16, {1, 2, 3});
  w.put_sbuf(0, 1, 0, DType::kBf16, {4, 5, 6});
  Instruction t = op(Opcode::kTranspose);
  t.src0 = isa::sbuf(0, 2, 0, {3}, DType::kBf16);
  t.dst = isa::psum(0, 3, 128, {2}, DType::kFp32);
  w.run(EngineKind::kTensor, {t});
  EXPECT_EQ(w.get_psum(0, 128, 2), (std::vector<float>{1, 4}));
  EXPECT_EQ(w.get_psum(1, 128, 2), (std::vector<float>{2, 5}));
  EXPECT_EQ(w.get_psum(2, 128, 2), (std::vector<float>{3, 6}));
}

TEST(FunctionalTensor, MatMulWithoutWeightsOrWithTheWrongKIsAnError) {
  {
    World w;
    Instruction mm = op(Opcode::kMatMul);
    mm.src0 = isa::sbuf(0, 4, 0, {4}, DType::kBf16);
    mm.dst = isa::psum(0, 4, 0, {4}, DType::kFp32);
    Instruction lw = op(Opcode::kLoadWeights);
    lw.src0 = isa::sbuf(0, 8, 0, {4}, DType::kBf16);
    EXPECT_THROW(
        {
          try {
            w.run(EngineKind::kTensor, {lw, mm});
          } catch (const SimError& e) {
            EXPECT_NE(std::string(e.what()).find("4 partitions but the loaded weights have 8"),
                      std::string::npos)
                << e.what();
            EXPECT_NE(std::string(e.what()).find("instruction 1 (matmul)"), std::string::npos);
            throw;
          }
        },
        SimError);
  }
}

TEST(FunctionalScalar, ActivateEveryFunctionWithPerPartitionBias) {
  struct Case {
    ActivationFunc func;
    float alpha, beta;
    double (*ref)(double, double, double);
  };
  const Case cases[] = {
      {ActivationFunc::kIdentity, 0, 0, [](double x, double, double) { return x; }},
      {ActivationFunc::kRelu, 0, 0, [](double x, double, double) { return std::max(x, 0.0); }},
      {ActivationFunc::kClip, -0.5f, 0.75f,
       [](double x, double a, double b) { return std::min(std::max(x, a), b); }},
      {ActivationFunc::kSigmoid, 0, 0,
       [](double x, double, double) { return 1 / (1 + std::exp(-x)); }},
      {ActivationFunc::kTanh, 0, 0, [](double x, double, double) { return std::tanh(x); }},
      {ActivationFunc::kGelu, 0, 0,
       [](double x, double, double) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {ActivationFunc::kExp, 0, 0, [](double x, double, double) { return std::exp(x); }},
      {ActivationFunc::kReciprocal, 0, 0, [](double x, double, double) { return 1 / x; }},
      {ActivationFunc::kSqrt, 0, 0, [](double x, double, double) { return std::sqrt(x); }},
      {ActivationFunc::kRsqrt, 0, 0, [](double x, double, double) { return 1 / std::sqrt(x); }},
      {ActivationFunc::kSquare, 0, 0, [](double x, double, double) { return x * x; }},
      {ActivationFunc::kSilu, 0, 0,
       [](double x, double, double) { return x / (1 + std::exp(-x)); }},
      {ActivationFunc::kLeakyRelu, 0.1f, 0,
       [](double x, double a, double) { return x >= 0 ? x : a * x; }},
      {ActivationFunc::kErf, 0, 0, [](double x, double, double) { return std::erf(x); }},
      {ActivationFunc::kLog, 0, 0, [](double x, double, double) { return std::log(x); }},
      {ActivationFunc::kSoftplus, 0, 0,
       [](double x, double, double) { return std::log1p(std::exp(x)); }},
      {ActivationFunc::kMish, 0, 0,
       [](double x, double, double) { return x * std::tanh(std::log1p(std::exp(x))); }},
  };
  ASSERT_EQ(std::size(cases), static_cast<std::size_t>(isa::kNumActivationFuncs));
  World w;
  // Inputs in PSUM (fp32), 2 partitions x 5; bias per partition from an fp32 SBUF column.
  const std::vector<std::vector<float>> x = {{-1.5f, -0.25f, 0.5f, 1.0f, 2.0f},
                                             {0.125f, 0.75f, 1.5f, 3.0f, 4.0f}};
  for (int p = 0; p < 2; ++p) {
    std::vector<std::uint8_t> bytes(20);
    encode_elements(DType::kFp32, x[p].data(), bytes.data(), 5);
    std::copy(bytes.begin(), bytes.end(), w.instance().core(0).psum().bytes(p, 0, 20));
  }
  const float bias[2] = {0.25f, 0.5f};
  w.put_sbuf(0, 0, 4096, DType::kFp32, {bias[0], 99});
  w.put_sbuf(0, 1, 4096, DType::kFp32, {bias[1], 99});
  std::vector<Instruction> prog;
  for (std::size_t c = 0; c < std::size(cases); ++c) {
    Instruction a = op(Opcode::kActivate);
    a.func = static_cast<std::uint8_t>(cases[c].func);
    a.alpha = cases[c].alpha;
    a.beta = cases[c].beta;
    a.scale = 0.5f;
    a.src0 = isa::psum(0, 2, 0, {5}, DType::kFp32);
    a.src1 = isa::sbuf(0, 2, 4096, {2}, DType::kFp32);
    a.dst = isa::sbuf(0, 2, c * 32, {5}, DType::kFp32);
    prog.push_back(a);
  }
  w.run(EngineKind::kScalar, prog);
  for (std::size_t c = 0; c < std::size(cases); ++c) {
    for (int p = 0; p < 2; ++p) {
      const std::vector<float> got = w.get_sbuf(0, p, c * 32, DType::kFp32, 5);
      for (int i = 0; i < 5; ++i) {
        const double arg = x[p][i] * 0.5 + bias[p];
        const double want = cases[c].ref(arg, cases[c].alpha, cases[c].beta);
        if (std::isnan(want)) {  // sqrt/rsqrt/log of a negative argument
          EXPECT_TRUE(std::isnan(got[i])) << "case " << c << " p " << p << " i " << i;
        } else {
          EXPECT_NEAR(got[i], want, 1e-6 * std::max(1.0, std::abs(want)))
              << "case " << c << " p " << p << " i " << i;
        }
      }
    }
  }
}

TEST(FunctionalScalar, ActivateImmediateBiasRoundsToBf16) {
  World w;
  w.put_sbuf(0, 0, 0, DType::kFp32, {1.0f, 2.0f});
  Instruction a = op(Opcode::kActivate);
  a.func = static_cast<std::uint8_t>(ActivationFunc::kIdentity);
  a.scale = 1.0f;
  a.bias = std::ldexp(1.0f, -9);  // 1 + 2^-9 rounds to 1 in bf16; 2 + 2^-9 to 2
  a.src0 = isa::sbuf(0, 1, 0, {2}, DType::kFp32);
  a.dst = isa::sbuf(0, 1, 64, {2}, DType::kBf16);
  w.run(EngineKind::kScalar, {a});
  EXPECT_EQ(w.get_sbuf(0, 0, 64, DType::kBf16, 2), (std::vector<float>{1.0f, 2.0f}));
}

TEST(FunctionalVector, PoolMaxAndAvgWithPadding) {
  World w;
  // One partition, 1 image of 3 x 3: 1..9. Window 3 x 3, stride 2, pad 1 -> 2 x 2 outputs whose
  // windows cover rows/cols {-1,0,1} and {1,2,3} (-1 and 3 are padding).
  w.put_sbuf(0, 0, 0, DType::kFp32, iota(9, 1));
  auto pool = [](isa::PoolFunc f, std::uint8_t flags, std::uint64_t out) {
    Instruction p = op(Opcode::kPool);
    p.func = static_cast<std::uint8_t>(f);
    p.flags = flags;
    p.window_h = p.window_w = 3;
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_left = 1;
    p.src0 = isa::sbuf(0, 1, 0, {1, 3, 3}, DType::kFp32);
    p.dst = isa::sbuf(0, 1, out, {1, 2, 2}, DType::kFp32);
    return p;
  };
  w.run(EngineKind::kVector, {pool(isa::PoolFunc::kMax, 0, 64), pool(isa::PoolFunc::kAvg, 0, 128),
                              pool(isa::PoolFunc::kAvg, isa::kCountIncludePad, 192)});
  // Windows: {1,2,4,5}, {2,3,5,6}, {4,5,7,8}, {5,6,8,9}.
  EXPECT_EQ(w.get_sbuf(0, 0, 64, DType::kFp32, 4), (std::vector<float>{5, 6, 8, 9}));
  EXPECT_EQ(w.get_sbuf(0, 0, 128, DType::kFp32, 4), (std::vector<float>{3, 4, 6, 7}));
  EXPECT_EQ(w.get_sbuf(0, 0, 192, DType::kFp32, 4),
            (std::vector<float>{12.0f / 9, 16.0f / 9, 24.0f / 9, 28.0f / 9}));
}

TEST(FunctionalVector, PoolOverBatchAndPartitionsWithStridedSource) {
  World w;
  // 2 partitions x 2 images of 2 x 2 stored with a row pitch of 3 (one unused column).
  for (int p = 0; p < 2; ++p) w.put_sbuf(0, p, 0, DType::kBf16, iota(12, 10.0f * p));
  Instruction pl = op(Opcode::kPool);
  pl.func = static_cast<std::uint8_t>(isa::PoolFunc::kMax);
  pl.window_h = pl.window_w = 2;
  pl.stride_h = pl.stride_w = 2;
  pl.src0 = isa::sbuf(0, 2, 0, isa::dims({axis(2, 6), axis(2, 3), axis(2, 1)}), DType::kBf16);
  pl.dst = isa::sbuf(0, 2, 64, {2, 1, 1}, DType::kBf16);
  w.run(EngineKind::kVector, {pl});
  // Image 0 of partition 0 is {0,1,3,4} -> 4; image 1 is {6,7,9,10} -> 10.
  EXPECT_EQ(w.get_sbuf(0, 0, 64, DType::kBf16, 2), (std::vector<float>{4, 10}));
  EXPECT_EQ(w.get_sbuf(0, 1, 64, DType::kBf16, 2), (std::vector<float>{14, 20}));
}

TEST(FunctionalVector, TensorTensorOpsAndRelu) {
  World w;
  w.put_sbuf(0, 0, 0, DType::kFp32, {1, -2, 3, 8});
  w.put_sbuf(0, 0, 64, DType::kFp32, {2, 2, -4, 2});
  const AluOp ops[] = {AluOp::kAdd, AluOp::kSub, AluOp::kMul, AluOp::kDiv,
                       AluOp::kMax, AluOp::kMin, AluOp::kIsGe};
  std::vector<Instruction> prog;
  for (std::size_t i = 0; i < std::size(ops); ++i) {
    Instruction t = op(Opcode::kTensorTensor);
    t.func = static_cast<std::uint8_t>(ops[i]);
    t.src0 = isa::sbuf(0, 1, 0, {4}, DType::kFp32);
    t.src1 = isa::sbuf(0, 1, 64, {4}, DType::kFp32);
    t.dst = isa::sbuf(0, 1, 128 + 32 * i, {4}, DType::kFp32);
    prog.push_back(t);
  }
  Instruction relu = prog[0];
  relu.flags = isa::kRelu;
  relu.dst.offset = 512;
  prog.push_back(relu);
  w.run(EngineKind::kVector, prog);
  EXPECT_EQ(w.get_sbuf(0, 0, 128, DType::kFp32, 4), (std::vector<float>{3, 0, -1, 10}));
  EXPECT_EQ(w.get_sbuf(0, 0, 160, DType::kFp32, 4), (std::vector<float>{-1, -4, 7, 6}));
  EXPECT_EQ(w.get_sbuf(0, 0, 192, DType::kFp32, 4), (std::vector<float>{2, -4, -12, 16}));
  EXPECT_EQ(w.get_sbuf(0, 0, 224, DType::kFp32, 4), (std::vector<float>{0.5f, -1, -0.75f, 4}));
  EXPECT_EQ(w.get_sbuf(0, 0, 256, DType::kFp32, 4), (std::vector<float>{2, 2, 3, 8}));
  EXPECT_EQ(w.get_sbuf(0, 0, 288, DType::kFp32, 4), (std::vector<float>{1, -2, -4, 2}));
  EXPECT_EQ(w.get_sbuf(0, 0, 320, DType::kFp32, 4), (std::vector<float>{0, 0, 1, 1}));
  EXPECT_EQ(w.get_sbuf(0, 0, 512, DType::kFp32, 4), (std::vector<float>{3, 0, 0, 10}));
}

TEST(FunctionalVector, TensorScalarImmediateAndPerPartition) {
  World w;
  w.put_sbuf(0, 0, 0, DType::kBf16, {1, 2, 3});
  w.put_sbuf(0, 1, 0, DType::kBf16, {4, 5, 6});
  w.put_sbuf(0, 0, 64, DType::kFp32, {2, 1});    // partition 0: * 2, + 1
  w.put_sbuf(0, 1, 64, DType::kFp32, {-1, 10});  // partition 1: * -1, + 10
  Instruction imm = op(Opcode::kTensorScalar);
  imm.func = static_cast<std::uint8_t>(AluOp::kSub);
  imm.func2 = static_cast<std::uint8_t>(AluOp::kNone);
  imm.scale = 1.5f;
  imm.bias = 1000.0f;  // ignored: op2 none
  imm.src0 = isa::sbuf(0, 2, 0, {3}, DType::kBf16);
  imm.dst = isa::sbuf(0, 2, 128, {3}, DType::kFp32);
  Instruction per = imm;
  per.func = static_cast<std::uint8_t>(AluOp::kMul);
  per.func2 = static_cast<std::uint8_t>(AluOp::kAdd);
  per.flags = isa::kPerPartition;
  per.src1 = isa::sbuf(0, 2, 64, {2}, DType::kFp32);
  per.dst.offset = 256;
  w.run(EngineKind::kVector, {imm, per});
  EXPECT_EQ(w.get_sbuf(0, 0, 128, DType::kFp32, 3), (std::vector<float>{-0.5f, 0.5f, 1.5f}));
  EXPECT_EQ(w.get_sbuf(0, 1, 128, DType::kFp32, 3), (std::vector<float>{2.5f, 3.5f, 4.5f}));
  EXPECT_EQ(w.get_sbuf(0, 0, 256, DType::kFp32, 3), (std::vector<float>{3, 5, 7}));
  EXPECT_EQ(w.get_sbuf(0, 1, 256, DType::kFp32, 3), (std::vector<float>{6, 5, 4}));
}

TEST(FunctionalVector, ReduceSumAndMaxOverTheInnermostDim) {
  World w;
  w.put_sbuf(0, 0, 0, DType::kFp32, iota(6, 1));  // [[1,2,3],[4,5,6]]
  Instruction sum = op(Opcode::kReduce);
  sum.func = static_cast<std::uint8_t>(AluOp::kAdd);
  sum.scale = 1.0f / 3;
  sum.src0 = isa::sbuf(0, 1, 0, {2, 3}, DType::kFp32);
  sum.dst = isa::sbuf(0, 1, 64, {2}, DType::kFp32);
  Instruction max = sum;
  max.func = static_cast<std::uint8_t>(AluOp::kMax);
  max.scale = 1.0f;
  // Transposed view: reduce down the columns ([[1,4],[2,5],[3,6]] over the inner dim of 2).
  max.src0 = isa::sbuf(0, 1, 0, isa::dims({axis(3, 1), axis(2, 3)}), DType::kFp32);
  max.dst = isa::sbuf(0, 1, 128, {3}, DType::kFp32);
  w.run(EngineKind::kVector, {sum, max});
  EXPECT_EQ(w.get_sbuf(0, 0, 64, DType::kFp32, 2), (std::vector<float>{2, 5}));
  EXPECT_EQ(w.get_sbuf(0, 0, 128, DType::kFp32, 3), (std::vector<float>{4, 5, 6}));
}

TEST(FunctionalVector, MemsetFillsOnlyThePattern) {
  World w;
  w.put_sbuf(0, 2, 0, DType::kFp16, iota(6, 1));
  Instruction m = op(Opcode::kMemset);
  m.scale = -3.0f;
  m.dst = isa::sbuf(2, 1, 2, isa::dims({axis(2, 3)}), DType::kFp16);  // elements 1 and 4
  w.run(EngineKind::kVector, {m});
  EXPECT_EQ(w.get_sbuf(0, 2, 0, DType::kFp16, 6), (std::vector<float>{1, -3, 3, 4, -3, 6}));
}

TEST(FunctionalPipeline, MatMulThenActivateThroughSemaphores) {
  World w;
  // Tensor: W (2 x 2 identity scaled by 2) times X; Scalar waits for it and applies relu(y - 1)
  // into bf16 SBUF; DMA waits for that and copies the result to DRAM.
  w.put_sbuf(0, 0, 0, DType::kBf16, {2, 0});
  w.put_sbuf(0, 1, 0, DType::kBf16, {0, 2});
  w.put_sbuf(0, 0, 64, DType::kBf16, {1, -1, 3});
  w.put_sbuf(0, 1, 64, DType::kBf16, {0.25f, 2, -2});
  Instruction lw = op(Opcode::kLoadWeights);
  lw.src0 = isa::sbuf(0, 2, 0, {2}, DType::kBf16);
  Instruction mm = op(Opcode::kMatMul);
  mm.src0 = isa::sbuf(0, 2, 64, {3}, DType::kBf16);
  mm.dst = isa::psum(0, 2, 0, {3}, DType::kFp32);
  mm.signal = isa::signal_to(0);
  Instruction act = op(Opcode::kActivate);
  act.func = static_cast<std::uint8_t>(ActivationFunc::kRelu);
  act.bias = -1.0f;
  act.src0 = isa::psum(0, 2, 0, {3}, DType::kFp32);
  act.dst = isa::sbuf(0, 2, 256, {3}, DType::kBf16);
  act.waits[0] = isa::wait_for(0, 1);
  act.signal = isa::signal_to(1);
  Instruction out = op(Opcode::kDmaCopy);
  out.src0 = isa::sbuf(0, 2, 256, {3}, DType::kBf16);
  out.dst = isa::dram(1024, 2, {3}, DType::kFp32);
  out.waits[0] = isa::wait_for(1, 1);
  isa::Queue t, s, d;
  t.engine = EngineKind::kTensor;
  t.instructions = {lw, mm};
  s.engine = EngineKind::kScalar;
  s.instructions = {act};
  d.engine = EngineKind::kDma;
  d.instructions = {out};
  w.run(std::vector<isa::Queue>{d, s, t});
  EXPECT_EQ(w.get_dram(0, 1024, DType::kFp32, 6), (std::vector<float>{1, 0, 5, 0, 3, 0}));
}

}  // namespace
}  // namespace infsim::sim
