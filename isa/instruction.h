#pragma once
// The NeuronCore instruction set: tile-level instructions, one queue per engine, queues
// synchronised through counting semaphores.
//
// One declarative table (INFSIM_OPCODES below) lists every opcode with the engine that runs it
// and the operands it uses; the text form, the binary encoder, the verifier and the simulator
// all read that table rather than repeating it.
//
// Memory is addressed through access patterns (AccessPattern): a partition range plus up to three
// strided free dimensions, in elements of the pattern's dtype. Semantics of each opcode, with
// P = partitions and N = the free elements of a pattern (dims[0].count * dims[1].count *
// dims[2].count, iterated outermost first):
//
//   DmaCopy       dst[p, n] = cast(src0[p, n]). Any memory to any memory, same P and N. Runs on
//                 a DMA queue. Moves DRAM<->SBUF, SBUF<->SBUF (also to another core's SBUF, over
//                 the on-chip fabric or NeuronLink), PSUM->SBUF.
//   LoadWeights   The stationary operand: W[k, m] = src0[k, m], k < P <= array rows, m < N <=
//                 array cols. src0 is in SBUF. Stays loaded until the next LoadWeights.
//   MatMul        dst[m, n] (= or +=, flag kAccumulate) sum_k W[k, m] * src0[k, n]; src0 is the
//                 moving tile in SBUF with P = k rows (must equal the loaded K); dst is in PSUM
//                 (fp32), m < M. N is at most one PSUM bank.
//   Transpose     dst[n, p] = src0[p, n] (src0 in SBUF, P <= array rows, N <= array cols; dst in
//                 PSUM). Runs on the Tensor Engine as a matmul against the identity.
//   Activate      dst[p, n] = func(src0[p, n] * scale + b[p]), with b[p] = src1[p, 0] when src1
//                 is given, else the immediate bias. src0 in PSUM or SBUF, dst in SBUF. alpha and
//                 beta are func parameters (clip bounds, leaky slope).
//   Pool          dst[p, b, oh, ow] = max or mean over the window of src0[p, b, ih, iw] with
//                 ih = oh*stride_h - pad_top + i, iw = ow*stride_w - pad_left + j; positions out
//                 of range are padding (ignored for max; for avg counted iff kCountIncludePad).
//                 src0/dst dims are {B, H, W} / {B, OH, OW}.
//   TensorTensor  dst[p, n] = src0[p, n] op src1[p, n]; then relu if kRelu.
//   TensorScalar  dst[p, n] = (src0[p, n] op s0) op2 s1, where (s0, s1) = (src1[p, 0],
//                 src1[p, 1]) if kPerPartition, else the immediates (scale, bias). op2 none
//                 skips the second step.
//   Reduce        dst[p, i, j] = reduce_k src0[p, i, j, k] over the innermost dim, times scale
//                 (so mean = sum with scale 1/K). dst has one dim fewer.
//   Memset        dst[p, n] = scale.
//   Nop           nothing: only its semaphore fields act (a barrier on its engine).
//
// Every instruction may wait on two semaphores (sem >= value) before it starts, and increments
// one semaphore (on this core or, for pipelines, on another core of the program) when its result
// is visible.

#include <array>
#include <cstdint>
#include <string_view>

namespace infsim::isa {

enum class DType : std::uint8_t { kFp32, kBf16, kFp16, kInt8 };

constexpr int dtype_bytes(DType t) {
  switch (t) {
    case DType::kFp32:
      return 4;
    case DType::kBf16:
      return 2;
    case DType::kFp16:
      return 2;
    case DType::kInt8:
      return 1;
  }
  return 0;
}

enum class MemSpace : std::uint8_t { kNone, kDram, kSbuf, kPsum };

enum class EngineKind : std::uint8_t { kTensor, kVector, kScalar, kDma };

// Enumerator counts, for range checks when reading enums from files.
inline constexpr int kNumDTypes = 4;
inline constexpr int kNumMemSpaces = 4;
inline constexpr int kNumEngineKinds = 4;

// Which operands an opcode uses (a bit set).
enum Operand : std::uint8_t { kDst = 1, kSrc0 = 2, kSrc1 = 4 };

// What an opcode's `func` (and TensorScalar's `func2`) name: an ActivationFunc, an AluOp, a
// PoolFunc, or nothing.
enum class FuncKind : std::uint8_t { kNone, kActivation, kAlu, kPool };

// opcode name, engine, operands (kSrc1 means "may use src1"), what func and func2 name
// clang-format off
#define INFSIM_OPCODES(X)                                                           \
  X(DmaCopy, "dma_copy", kDma, kDst | kSrc0, kNone, kNone)                          \
  X(LoadWeights, "load_weights", kTensor, kSrc0, kNone, kNone)                      \
  X(MatMul, "matmul", kTensor, kDst | kSrc0, kNone, kNone)                          \
  X(Transpose, "transpose", kTensor, kDst | kSrc0, kNone, kNone)                    \
  X(Activate, "activate", kScalar, kDst | kSrc0 | kSrc1, kActivation, kNone)        \
  X(Pool, "pool", kVector, kDst | kSrc0, kPool, kNone)                              \
  X(TensorTensor, "tensor_tensor", kVector, kDst | kSrc0 | kSrc1, kAlu, kNone)      \
  X(TensorScalar, "tensor_scalar", kVector, kDst | kSrc0 | kSrc1, kAlu, kAlu)       \
  X(Reduce, "reduce", kVector, kDst | kSrc0, kAlu, kNone)                           \
  X(Memset, "memset", kVector, kDst, kNone, kNone)                                  \
  X(Nop, "nop", kVector, 0, kNone, kNone)
// clang-format on

enum class Opcode : std::uint8_t {
#define INFSIM_OPCODE_ENUM(name, text, engine, operands, func, func2) k##name,
  INFSIM_OPCODES(INFSIM_OPCODE_ENUM)
#undef INFSIM_OPCODE_ENUM
};

struct OpcodeInfo {
  Opcode opcode;
  std::string_view text;
  EngineKind engine;  // the engine kind whose queue runs it (Nop may sit on any queue)
  std::uint8_t operands;
  FuncKind func;   // what Instruction::func names
  FuncKind func2;  // what Instruction::func2 names
};

inline constexpr OpcodeInfo kOpcodeTable[] = {
#define INFSIM_OPCODE_INFO(name, text, engine, operands, func, func2)                        \
  {Opcode::k##name, text,           EngineKind::engine, static_cast<std::uint8_t>(operands), \
   FuncKind::func,  FuncKind::func2},
    INFSIM_OPCODES(INFSIM_OPCODE_INFO)
#undef INFSIM_OPCODE_INFO
};
inline constexpr int kNumOpcodes = sizeof(kOpcodeTable) / sizeof(kOpcodeTable[0]);

constexpr const OpcodeInfo& opcode_info(Opcode op) {
  return kOpcodeTable[static_cast<int>(op)];
}

// Activate's func. (One entry per line: clang-format does not reflow X-macro lists stably.)
// clang-format off
#define INFSIM_ACTIVATION_FUNCS(X) \
  X(Identity, "identity")          \
  X(Relu, "relu")                  \
  X(Clip, "clip")                  \
  X(Sigmoid, "sigmoid")            \
  X(Tanh, "tanh")                  \
  X(Gelu, "gelu")                  \
  X(Exp, "exp")                    \
  X(Reciprocal, "reciprocal")      \
  X(Sqrt, "sqrt")                  \
  X(Rsqrt, "rsqrt")                \
  X(Square, "square")              \
  X(Silu, "silu")                  \
  X(LeakyRelu, "leaky_relu")       \
  X(Erf, "erf")                    \
  X(Log, "log")                    \
  X(Softplus, "softplus")          \
  X(Mish, "mish")
// clang-format on
enum class ActivationFunc : std::uint8_t {
#define INFSIM_ENUM(name, text) k##name,
  INFSIM_ACTIVATION_FUNCS(INFSIM_ENUM)
#undef INFSIM_ENUM
};
inline constexpr int kNumActivationFuncs = 0
#define INFSIM_COUNT(name, text) +1
    INFSIM_ACTIVATION_FUNCS(INFSIM_COUNT)
#undef INFSIM_COUNT
    ;

// TensorTensor / TensorScalar op; Reduce uses kAdd (sum) and kMax. is_ge is 1 where a >= b,
// else 0 (the masks of a selection: TopK).
// clang-format off
#define INFSIM_ALU_OPS(X) \
  X(None, "none")         \
  X(Add, "add") X(Sub, "sub") X(Mul, "mul") X(Div, "div") X(Max, "max") X(Min, "min") \
  X(IsGe, "is_ge")
// clang-format on
enum class AluOp : std::uint8_t {
#define INFSIM_ENUM(name, text) k##name,
  INFSIM_ALU_OPS(INFSIM_ENUM)
#undef INFSIM_ENUM
};
inline constexpr int kNumAluOps = 0
#define INFSIM_COUNT(name, text) +1
    INFSIM_ALU_OPS(INFSIM_COUNT)
#undef INFSIM_COUNT
    ;

enum class PoolFunc : std::uint8_t { kMax, kAvg };
inline constexpr int kNumPoolFuncs = 2;

// How many values a func of this kind has (kNone: any byte, it names nothing).
constexpr int func_values(FuncKind k) {
  switch (k) {
    case FuncKind::kActivation:
      return kNumActivationFuncs;
    case FuncKind::kAlu:
      return kNumAluOps;
    case FuncKind::kPool:
      return kNumPoolFuncs;
    case FuncKind::kNone:
      break;
  }
  return 256;
}

// Instruction::flags
enum InstructionFlag : std::uint8_t {
  kAccumulate = 1,       // MatMul: += into PSUM instead of =
  kRelu = 2,             // TensorTensor: relu after the op
  kPerPartition = 4,     // TensorScalar: scalars from src1 per partition
  kCountIncludePad = 8,  // Pool avg: padding counts in the divisor
};
inline constexpr std::uint8_t kAllInstructionFlags =
    kAccumulate | kRelu | kPerPartition | kCountIncludePad;

struct Axis {
  std::int32_t stride = 0;  // elements; 0 repeats (broadcast)
  std::uint32_t count = 1;
};

struct AccessPattern {
  MemSpace space = MemSpace::kNone;
  DType dtype = DType::kBf16;
  std::uint16_t core = 0;             // program-relative core whose memory (or chip's DRAM) this is
  std::uint16_t partition = 0;        // first partition (SBUF/PSUM); DRAM: 0
  std::uint16_t partitions = 1;       // partition count (SBUF/PSUM); DRAM: row count
  std::int64_t partition_stride = 0;  // DRAM only: elements between rows
  std::uint64_t offset = 0;           // bytes: into each partition, or into the program's DRAM
  std::array<Axis, 3> dims{};         // free dims, outermost first

  bool valid() const { return space != MemSpace::kNone; }
  std::uint64_t free_elements() const {
    return std::uint64_t{dims[0].count} * dims[1].count * dims[2].count;
  }
  std::uint64_t elements() const { return free_elements() * partitions; }
  std::uint64_t bytes() const { return elements() * dtype_bytes(dtype); }
};

inline constexpr std::uint8_t kNoSemaphore = 0xff;
inline constexpr std::uint16_t kThisCore = 0xffff;

struct SemaphoreWait {
  std::uint8_t semaphore = kNoSemaphore;
  std::uint32_t value = 0;  // wait until the semaphore's count >= value
};

struct SemaphoreSignal {
  std::uint8_t semaphore = kNoSemaphore;
  std::uint16_t core = kThisCore;  // program-relative core, or kThisCore
  std::uint32_t increment = 1;
};

struct Instruction {
  Opcode opcode = Opcode::kNop;
  std::uint8_t func = 0;   // ActivationFunc (Activate), AluOp (TensorTensor, TensorScalar op,
                           // Reduce), PoolFunc (Pool)
  std::uint8_t func2 = 0;  // AluOp: TensorScalar's second op
  std::uint8_t flags = 0;  // InstructionFlag bits
  std::array<SemaphoreWait, 2> waits{};
  SemaphoreSignal signal{};
  AccessPattern dst, src0, src1;
  float scale = 1.0f;  // Activate scale; TensorScalar s0; Reduce scale; Memset value
  float bias = 0.0f;   // Activate bias; TensorScalar s1
  float alpha = 0.0f;  // func parameters: clip low / leaky slope
  float beta = 0.0f;   // clip high
  std::uint8_t window_h = 1, window_w = 1, stride_h = 1, stride_w = 1;  // Pool
  std::uint8_t pad_top = 0, pad_left = 0;                               // Pool
  std::uint32_t layer = 0;  // index into Program::layers, for per-operator profiles
};

// The operand slots of an instruction, in the order the formats write them and the verifier
// checks them.
struct OperandSlot {
  AccessPattern Instruction::*pattern;
  Operand bit;
  const char* name;
};
inline constexpr OperandSlot kOperandSlots[] = {{&Instruction::dst, kDst, "dst"},
                                                {&Instruction::src0, kSrc0, "src0"},
                                                {&Instruction::src1, kSrc1, "src1"}};

// The float parameters, in the order the formats write them.
struct RealField {
  float Instruction::*value;
  const char* name;
};
inline constexpr RealField kRealFields[] = {{&Instruction::scale, "scale"},
                                            {&Instruction::bias, "bias"},
                                            {&Instruction::alpha, "alpha"},
                                            {&Instruction::beta, "beta"}};

// Pool's pairs of byte fields, in the order the formats write them; the text form joins each
// pair with `separator` (window=3x3, pad=1,1).
struct PoolPair {
  std::uint8_t Instruction::*first;
  std::uint8_t Instruction::*second;
  const char* name;
  char separator;
};
inline constexpr PoolPair kPoolPairs[] = {
    {&Instruction::window_h, &Instruction::window_w, "window", 'x'},
    {&Instruction::stride_h, &Instruction::stride_w, "stride", 'x'},
    {&Instruction::pad_top, &Instruction::pad_left, "pad", ','}};

}  // namespace infsim::isa
