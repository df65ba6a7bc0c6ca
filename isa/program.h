#pragma once
// A compiled program: per-engine instruction queues for every NeuronCore it spans, the DRAM
// tensors it reads and writes, its on-chip memory plan, the options it was compiled with, and
// the operator-support report. Written to disk as an .ifx file (isa/ifx_format.h).

#include <cstdint>
#include <string>
#include <vector>

#include "isa/instruction.h"

namespace infsim::isa {

struct Queue {
  EngineKind engine = EngineKind::kTensor;
  std::uint8_t dma_engine = 0;  // kDma only: which of the core's DMA engines
  std::uint8_t dma_queue = 0;   // kDma only: which of that engine's queues
  std::vector<Instruction> instructions;
};

// Queues of one program-relative core. Semaphore i of a core counts signals sent to it.
// `setup` runs once when the program is loaded onto the core, and again whenever a context
// switch brings it back: it moves static (SBUF-resident) weights in. `queues` run per inference;
// semaphores are reset to zero before each.
struct CoreProgram {
  std::vector<Queue> setup;
  std::vector<Queue> queues;
};

enum class TensorKind : std::uint8_t {
  kInput,     // written by the host before each inference (over PCIe)
  kOutput,    // read by the host after each inference
  kWeight,    // constant, loaded once at model load
  kSpill,     // activations that did not fit in SBUF
  kTransfer,  // activations passed between the cores of a pipeline
};
inline constexpr int kNumTensorKinds = 5;

struct TensorDecl {
  std::string name;
  TensorKind kind = TensorKind::kWeight;
  DType dtype = DType::kBf16;
  std::vector<std::int64_t> shape;  // logical shape (NCHW for images)
  std::vector<int> dim_order;       // memory order of the logical dims, outermost first
  std::uint16_t core = 0;           // program-relative core whose chip's DRAM holds it
  std::uint64_t dram_offset = 0;    // bytes from the program's DRAM base on that chip
  std::uint64_t bytes = 0;
  std::vector<std::uint8_t> data;  // initial contents (weights), in dtype and dim_order; may
                                   // be empty in timing-only programs
};

// One operator of the source graph, after fusion: what per-operator profiles are keyed by.
struct LayerInfo {
  std::string name;
  std::string op;           // e.g. "Conv", "MatMul", "MaxPool"
  std::uint64_t macs = 0;   // multiply-accumulates of the Tensor Engine part
  std::uint64_t flops = 0;  // other arithmetic (Vector/Scalar)
  std::uint16_t core = 0;   // program-relative core it runs on
  // Bytes of its core's SBUF and PSUM in use while it runs (all partitions): the fixed regions
  // (constants, resident weights, weight ring, staging and bounce buffers) plus the activations
  // live during the layer; the PSUM banks its instructions accumulate into.
  std::uint64_t sbuf_bytes = 0;
  std::uint64_t psum_bytes = 0;
};

// Operators placed on the host (--cpu-fallback); the runtime's host model times them.
struct HostOp {
  std::string name;
  std::string op;
  std::uint64_t flops = 0;
  std::uint64_t bytes = 0;    // bytes read + written on the host
  bool before_device = true;  // runs before the device part (else after)
};

struct OperatorCount {
  std::string op;
  std::uint32_t count = 0;
  bool supported = true;
  bool arithmetic = true;
};

struct SupportReport {
  std::vector<OperatorCount> operators;  // sorted by op name
};

struct CompileOptions {
  std::string model;  // zoo name or file the program came from
  std::uint32_t batch = 1;
  DType dtype = DType::kBf16;
  std::uint32_t pipeline_cores = 1;
  bool cpu_fallback = false;
};

struct CoreMemoryPlan {
  std::uint64_t sbuf_peak = 0;            // bytes per core at the busiest point
  std::uint64_t sbuf_static_weights = 0;  // weights resident in SBUF across inferences
  std::uint64_t weights_streamed = 0;     // weight bytes read from DRAM per inference
  std::uint64_t psum_peak = 0;            // the most PSUM any of its layers uses
  std::uint64_t dram_bytes = 0;           // this core's share of device DRAM
};

struct Program {
  CompileOptions options;
  std::vector<CoreProgram> cores;
  std::vector<TensorDecl> tensors;
  std::vector<LayerInfo> layers;
  std::vector<HostOp> host_ops;
  std::vector<CoreMemoryPlan> memory;  // one per core
  SupportReport support;

  std::size_t num_cores() const { return cores.size(); }
};

}  // namespace infsim::isa
