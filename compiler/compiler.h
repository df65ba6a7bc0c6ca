#pragma once
// The compiler's entry point: a models::Graph (already built at the batch to compile for) ->
// an isa::Program for one NeuronCore, or a pipeline over several.
//
// Passes, in order (one file each): canonicalize (fold BN, fuse epilogues, drop no-ops),
// layout (channels on partitions, halos, weight blocks), partition (pipeline stages),
// memory_plan (SBUF: constants, resident/streamed weights, activations, sub-batches), the
// lowerings (lower_conv, lower_pool, lower_elementwise) that emit tile-level instructions through
// schedule (queues, semaphores, timing estimate), and emit (tensors, layers, the Program).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "isa/program.h"
#include "models/graph.h"

namespace infsim::compiler {

// What the program records of its compilation (model, batch, dtype, pipeline cores, CPU
// fallback: isa::CompileOptions, written into Program::options) and what only the compiler needs.
// An empty `model` keeps the graph's name.
struct CompilerOptions : isa::CompileOptions {
  bool weight_data = false;  // embed weight values (functional mode)
};

struct LayerEstimate {
  std::string name;
  std::string op;
  int core = 0;
  std::uint64_t macs = 0;
  std::array<std::uint64_t, 4> busy{};  // cycles per engine: tensor, vector, scalar, dma
  // A dense (one-group) convolution or matrix product as one M x N x K product per inference:
  // M output pixels x batch, N output channels, K input channels x kernel taps; 0 otherwise.
  std::array<std::uint64_t, 3> gemm{};
};

struct CoreReport {
  std::array<std::uint64_t, 4> instructions{};  // per engine: tensor, vector, scalar, dma
  std::uint64_t setup_instructions = 0;
  std::uint64_t sbuf_peak = 0;         // bytes per partition at the busiest point
  std::uint64_t sbuf_capacity = 0;     // bytes per partition
  std::uint64_t weights_resident = 0;  // bytes (all partitions) kept in SBUF
  std::uint64_t weights_streamed = 0;  // bytes read from DRAM per inference
  std::uint64_t estimated_cycles = 0;  // one inference, from the schedule estimate
  int first_layer = 0, last_layer = 0;
};

// Layers [first_layer, last_layer] run through the batch in `passes` passes of `sub_batch`
// images before the next segment starts.
struct PassSegment {
  int first_layer = 0, last_layer = 0;
  int sub_batch = 1;
  int passes = 1;
};

struct CompileReport {
  std::string model;
  std::uint32_t batch = 1;
  isa::DType dtype = isa::DType::kBf16;
  int sub_batch = 1;  // images per pass over the layers (with segments: the smallest)
  int passes = 1;     // with segments: the most any segment makes
  std::vector<PassSegment> segments;  // empty: every layer in the same passes
  std::uint64_t macs = 0;             // whole batch
  std::uint64_t weight_bytes = 0;
  std::uint64_t instructions = 0;
  double clock_hz = 0;
  std::vector<CoreReport> cores;
  std::vector<LayerEstimate> layers;
  std::vector<isa::HostOp> host_ops;
  std::uint32_t graph_nodes = 0;           // of the source graph; host_ops of them on the host
  std::uint64_t estimated_cycles() const;  // the slowest core
};

struct CompileResult {
  isa::Program program;
  CompileReport report;
};

// Throws CompileError when the graph cannot be compiled as asked. `core` is trusted: a loaded
// config passed its ranges and driver::validate_config() (an array no wider than PSUM, ...).
CompileResult compile(const models::Graph& graph, const isa::NeuronCoreConfig& core,
                      const CompilerOptions& options);

std::string format_compile_report(const CompileReport& report);

}  // namespace infsim::compiler
