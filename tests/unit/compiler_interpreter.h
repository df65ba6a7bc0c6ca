#pragma once
// A plain, slow interpreter of fp32 programs for the compiler's tests: every queue of every core
// runs in order, an instruction runs once its semaphore waits hold, and each opcode does exactly
// what the comment at the top of isa/instruction.h says. It lets the compiler's tests check the
// numbers a compiled program computes against the reference executor without the simulator.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "isa/program.h"

namespace infsim::compiler::testing {

class Interpreter {
 public:
  Interpreter(const isa::Program& program, const isa::NeuronCoreConfig& core)
      : program_(program), core_(core) {
    std::uint64_t dram = 0;
    for (const auto& t : program.tensors) dram = std::max(dram, t.dram_offset + t.bytes);
    dram_.assign(dram, 0);
    for (const auto& t : program.tensors)
      if (!t.data.empty()) std::memcpy(&dram_[t.dram_offset], t.data.data(), t.data.size());
    for (std::size_t c = 0; c < program.cores.size(); ++c) {
      sbuf_.emplace_back(core.sbuf.size, 0);
      psum_.emplace_back(core.psum.size, 0);
      weights_.emplace_back();
    }
  }

  // C-major fp32 values of a tensor (as TensorDecl::dim_order lays them out).
  void write_tensor(const std::string& name, const std::vector<float>& values) {
    const auto& t = tensor(name);
    if (values.size() * 4 != t.bytes) throw std::runtime_error("size mismatch for " + name);
    std::memcpy(&dram_[t.dram_offset], values.data(), t.bytes);
  }
  std::vector<float> read_tensor(const std::string& name) const {
    const auto& t = tensor(name);
    std::vector<float> v(t.bytes / 4);
    std::memcpy(v.data(), &dram_[t.dram_offset], t.bytes);
    return v;
  }

  // Runs the setup queues, then the inference queues; throws on a deadlock. `interleaved` runs
  // one instruction per queue per round, visiting the queues last to first, instead of running
  // each queue as far as it can: a missing wait shows up as a different result in one order.
  void run(bool interleaved = false) {
    for (bool setup : {true, false}) {
      sems_.assign(program_.cores.size(), std::vector<std::uint32_t>(256, 0));
      std::vector<std::vector<std::size_t>> pc(program_.cores.size());
      for (std::size_t c = 0; c < program_.cores.size(); ++c)
        pc[c].assign(queues(c, setup).size(), 0);
      bool progress = true, done = false;
      while (progress && !done) {
        progress = false;
        done = true;
        for (std::size_t ci = 0; ci < program_.cores.size(); ++ci) {
          const std::size_t c = interleaved ? program_.cores.size() - 1 - ci : ci;
          const auto& qs = queues(c, setup);
          for (std::size_t qi = 0; qi < qs.size(); ++qi) {
            const std::size_t q = interleaved ? qs.size() - 1 - qi : qi;
            for (bool first = true; pc[c][q] < qs[q].instructions.size() && (first || !interleaved);
                 first = false) {
              const isa::Instruction& ins = qs[q].instructions[pc[c][q]];
              bool ready = true;
              for (const auto& w : ins.waits)
                if (w.semaphore != isa::kNoSemaphore && sems_[c][w.semaphore] < w.value)
                  ready = false;
              if (!ready) break;
              execute(static_cast<int>(c), ins);
              if (ins.signal.semaphore != isa::kNoSemaphore) {
                std::size_t target = ins.signal.core == isa::kThisCore ? c : ins.signal.core;
                sems_[target][ins.signal.semaphore] += ins.signal.increment;
              }
              ++pc[c][q];
              progress = true;
            }
            if (pc[c][q] < qs[q].instructions.size()) done = false;
          }
        }
      }
      if (!done) throw std::runtime_error("deadlock");
    }
  }

 private:
  const std::vector<isa::Queue>& queues(std::size_t c, bool setup) const {
    return setup ? program_.cores[c].setup : program_.cores[c].queues;
  }

  const isa::TensorDecl& tensor(const std::string& name) const {
    for (const auto& t : program_.tensors)
      if (t.name == name) return t;
    throw std::runtime_error("no tensor " + name);
  }

  // Address of element (p, n) of a pattern.
  std::uint8_t* at(int core, const isa::AccessPattern& ap, std::uint64_t p, std::uint64_t n) {
    std::uint64_t c2 = ap.dims[2].count, c1 = ap.dims[1].count;
    std::uint64_t k = n % c2, j = (n / c2) % c1, i = n / (c2 * c1);
    std::int64_t elems = static_cast<std::int64_t>(i) * ap.dims[0].stride +
                         static_cast<std::int64_t>(j) * ap.dims[1].stride +
                         static_cast<std::int64_t>(k) * ap.dims[2].stride;
    if (ap.dtype != isa::DType::kFp32) throw std::runtime_error("interpreter runs fp32 only");
    std::int64_t bytes = elems * 4;
    int owner = ap.core == isa::kThisCore ? core : ap.core;
    switch (ap.space) {
      case isa::MemSpace::kDram: {
        std::uint64_t a =
            ap.offset + static_cast<std::uint64_t>(
                            static_cast<std::int64_t>(p) * ap.partition_stride * 4 + bytes);
        check(a + 4 <= dram_.size(), "dram");
        return &dram_[a];
      }
      case isa::MemSpace::kSbuf: {
        std::uint64_t part = core_.sbuf.partition_bytes();
        std::uint64_t off = ap.offset + static_cast<std::uint64_t>(bytes);
        check(
            ap.partition + p < static_cast<std::uint64_t>(core_.sbuf.partitions) && off + 4 <= part,
            "sbuf");
        return &sbuf_[owner][(ap.partition + p) * part + off];
      }
      case isa::MemSpace::kPsum: {
        std::uint64_t part = core_.psum.partition_bytes();
        std::uint64_t off = ap.offset + static_cast<std::uint64_t>(bytes);
        check(
            ap.partition + p < static_cast<std::uint64_t>(core_.psum.partitions) && off + 4 <= part,
            "psum");
        return &psum_[owner][(ap.partition + p) * part + off];
      }
      default:
        throw std::runtime_error("bad space");
    }
  }
  static void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("out of range: ") + what);
  }
  float get(int core, const isa::AccessPattern& ap, std::uint64_t p, std::uint64_t n) {
    float v;
    std::memcpy(&v, at(core, ap, p, n), 4);
    return v;
  }
  void put(int core, const isa::AccessPattern& ap, std::uint64_t p, std::uint64_t n, float v) {
    std::memcpy(at(core, ap, p, n), &v, 4);
  }

  static float alu(isa::AluOp op, float a, float b) {
    switch (op) {
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
      case isa::AluOp::kNone:
        return a;
    }
    return a;
  }

  static float activation(const isa::Instruction& ins, float x) {
    switch (static_cast<isa::ActivationFunc>(ins.func)) {
      case isa::ActivationFunc::kIdentity:
        return x;
      case isa::ActivationFunc::kRelu:
        return std::max(x, 0.0f);
      case isa::ActivationFunc::kClip:
        return std::min(std::max(x, ins.alpha), ins.beta);
      case isa::ActivationFunc::kSigmoid:
        return 1.0f / (1.0f + std::exp(-x));
      case isa::ActivationFunc::kTanh:
        return std::tanh(x);
      case isa::ActivationFunc::kLeakyRelu:
        return x >= 0 ? x : ins.alpha * x;
      case isa::ActivationFunc::kExp:
        return std::exp(x);
      case isa::ActivationFunc::kSquare:
        return x * x;
      case isa::ActivationFunc::kRsqrt:
        return 1.0f / std::sqrt(x);
      case isa::ActivationFunc::kReciprocal:
        return 1.0f / x;
      case isa::ActivationFunc::kGelu:
        return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
      case isa::ActivationFunc::kSoftplus:
        return x > 20.0f ? x : std::log1p(std::exp(x));
      case isa::ActivationFunc::kMish:
        return x * std::tanh(x > 20.0f ? x : std::log1p(std::exp(x)));
      default:
        throw std::runtime_error("activation not in the interpreter");
    }
  }

  void execute(int c, const isa::Instruction& ins) {
    const std::uint64_t P = ins.dst.valid() ? ins.dst.partitions : ins.src0.partitions;
    const std::uint64_t N = ins.dst.valid() ? ins.dst.free_elements() : ins.src0.free_elements();
    if (ins.opcode != isa::Opcode::kDmaCopy)
      for (const isa::AccessPattern* ap : {&ins.dst, &ins.src0, &ins.src1})
        if (ap->valid() && ap->space != isa::MemSpace::kDram && ap->core != c)
          throw std::runtime_error("an engine touches another core's memory");
    switch (ins.opcode) {
      case isa::Opcode::kNop:
        return;
      case isa::Opcode::kDmaCopy:
        check(ins.src0.partitions == P && ins.src0.free_elements() == N, "dma shape");
        for (std::uint64_t p = 0; p < P; ++p)
          for (std::uint64_t n = 0; n < N; ++n) put(c, ins.dst, p, n, get(c, ins.src0, p, n));
        return;
      case isa::Opcode::kMemset:
        for (std::uint64_t p = 0; p < P; ++p)
          for (std::uint64_t n = 0; n < N; ++n) put(c, ins.dst, p, n, ins.scale);
        return;
      case isa::Opcode::kLoadWeights: {
        auto& w = weights_[c];
        w.k = ins.src0.partitions;
        w.m = ins.src0.free_elements();
        w.v.assign(w.k * w.m, 0.0f);
        for (std::uint64_t k = 0; k < w.k; ++k)
          for (std::uint64_t m = 0; m < w.m; ++m) w.v[k * w.m + m] = get(c, ins.src0, k, m);
        return;
      }
      case isa::Opcode::kMatMul: {
        const auto& w = weights_[c];
        check(ins.src0.partitions == w.k && ins.dst.partitions == w.m, "matmul shape");
        check(ins.src0.free_elements() == N, "matmul N");
        for (std::uint64_t n = 0; n < N; ++n)
          for (std::uint64_t m = 0; m < w.m; ++m) {
            float acc = (ins.flags & isa::kAccumulate) ? get(c, ins.dst, m, n) : 0.0f;
            for (std::uint64_t k = 0; k < w.k; ++k)
              acc += w.v[k * w.m + m] * get(c, ins.src0, k, n);
            put(c, ins.dst, m, n, acc);
          }
        return;
      }
      case isa::Opcode::kActivate:
        for (std::uint64_t p = 0; p < P; ++p) {
          float b = ins.src1.valid() ? get(c, ins.src1, p, 0) : ins.bias;
          for (std::uint64_t n = 0; n < N; ++n)
            put(c, ins.dst, p, n, activation(ins, get(c, ins.src0, p, n) * ins.scale + b));
        }
        return;
      case isa::Opcode::kTensorTensor:
        for (std::uint64_t p = 0; p < P; ++p)
          for (std::uint64_t n = 0; n < N; ++n) {
            float v = alu(static_cast<isa::AluOp>(ins.func), get(c, ins.src0, p, n),
                          get(c, ins.src1, p, n));
            if (ins.flags & isa::kRelu) v = std::max(v, 0.0f);
            put(c, ins.dst, p, n, v);
          }
        return;
      case isa::Opcode::kTensorScalar:
        for (std::uint64_t p = 0; p < P; ++p) {
          float s0 = (ins.flags & isa::kPerPartition) ? get(c, ins.src1, p, 0) : ins.scale;
          float s1 = (ins.flags & isa::kPerPartition) ? get(c, ins.src1, p, 1) : ins.bias;
          for (std::uint64_t n = 0; n < N; ++n) {
            float v = alu(static_cast<isa::AluOp>(ins.func), get(c, ins.src0, p, n), s0);
            if (static_cast<isa::AluOp>(ins.func2) != isa::AluOp::kNone)
              v = alu(static_cast<isa::AluOp>(ins.func2), v, s1);
            put(c, ins.dst, p, n, v);
          }
        }
        return;
      case isa::Opcode::kReduce: {
        const std::uint64_t K = ins.src0.dims[2].count;
        for (std::uint64_t p = 0; p < P; ++p)
          for (std::uint64_t n = 0; n < N; ++n) {
            float acc = get(c, ins.src0, p, n * K);
            for (std::uint64_t k = 1; k < K; ++k)
              acc = alu(static_cast<isa::AluOp>(ins.func), acc, get(c, ins.src0, p, n * K + k));
            put(c, ins.dst, p, n, acc * ins.scale);
          }
        return;
      }
      case isa::Opcode::kPool: {
        const auto& s = ins.src0.dims;
        const auto& d = ins.dst.dims;
        const std::uint64_t H = s[1].count, W = s[2].count, OH = d[1].count, OW = d[2].count;
        for (std::uint64_t p = 0; p < P; ++p)
          for (std::uint64_t b = 0; b < d[0].count; ++b)
            for (std::uint64_t oh = 0; oh < OH; ++oh)
              for (std::uint64_t ow = 0; ow < OW; ++ow) {
                float acc =
                    static_cast<isa::PoolFunc>(ins.func) == isa::PoolFunc::kMax ? -INFINITY : 0.0f;
                int count = 0;
                for (int i = 0; i < ins.window_h; ++i)
                  for (int j = 0; j < ins.window_w; ++j) {
                    std::int64_t ih =
                        static_cast<std::int64_t>(oh * ins.stride_h) - ins.pad_top + i;
                    std::int64_t iw =
                        static_cast<std::int64_t>(ow * ins.stride_w) - ins.pad_left + j;
                    if (ih < 0 || iw < 0 || ih >= static_cast<std::int64_t>(H) ||
                        iw >= static_cast<std::int64_t>(W)) {
                      if (ins.flags & isa::kCountIncludePad) ++count;
                      continue;
                    }
                    float v = get(c, ins.src0, p, (b * H + ih) * W + iw);
                    ++count;
                    acc = static_cast<isa::PoolFunc>(ins.func) == isa::PoolFunc::kMax
                              ? std::max(acc, v)
                              : acc + v;
                  }
                if (static_cast<isa::PoolFunc>(ins.func) == isa::PoolFunc::kAvg)
                  acc /= static_cast<float>(count);
                put(c, ins.dst, p, (b * OH + oh) * OW + ow, acc);
              }
        return;
      }
      case isa::Opcode::kTranspose:
        check(ins.dst.partitions == ins.src0.free_elements() &&
                  ins.dst.free_elements() == ins.src0.partitions,
              "transpose shape");
        for (std::uint64_t p = 0; p < ins.src0.partitions; ++p)
          for (std::uint64_t n = 0; n < ins.src0.free_elements(); ++n)
            put(c, ins.dst, n, p, get(c, ins.src0, p, n));
        return;
    }
  }

  struct Weights {
    std::uint64_t k = 0, m = 0;
    std::vector<float> v;
  };
  const isa::Program& program_;
  isa::NeuronCoreConfig core_;
  std::vector<std::uint8_t> dram_;
  std::vector<std::vector<std::uint8_t>> sbuf_, psum_;
  std::vector<Weights> weights_;
  std::vector<std::vector<std::uint32_t>> sems_;
};

// [N, C, ...] row-major -> C-major [C, N, ...], and back.
inline std::vector<float> to_channel_major(const std::vector<float>& x, std::int64_t n,
                                           std::int64_t c) {
  std::vector<float> out(x.size());
  const std::int64_t inner = static_cast<std::int64_t>(x.size()) / (n * c);
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (std::int64_t i = 0; i < inner; ++i)
        out[(ch * n + b) * inner + i] = x[(b * c + ch) * inner + i];
  return out;
}
inline std::vector<float> from_channel_major(const std::vector<float>& x, std::int64_t n,
                                             std::int64_t c) {
  std::vector<float> out(x.size());
  const std::int64_t inner = static_cast<std::int64_t>(x.size()) / (n * c);
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (std::int64_t i = 0; i < inner; ++i)
        out[(b * c + ch) * inner + i] = x[(ch * n + b) * inner + i];
  return out;
}

}  // namespace infsim::compiler::testing
