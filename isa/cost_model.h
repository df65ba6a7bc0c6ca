#pragma once
// Pure cost functions of the NeuronCore engines: how many cycles one tile-level instruction keeps
// its engine busy. The simulator (sim/neuroncore) advances time by them and the compiler uses
// them to estimate schedules, so they take only the instruction and config and never include
// SystemC. A per-engine function takes its engine's own config struct, plus an EngineContext
// when it needs the two core-level values; whole-core functions take the NeuronCoreConfig.
//
// The model, per engine (every figure is a config field; the defaults come from
// isa/hardware_config.h and the reasoning is in cost_model.cpp beside each function):
//   Tensor  weight-stationary systolic array of rows x cols (128 x 64). LoadWeights shifts K rows
//           in; MatMul streams the moving tile through one column per cycle at bf16/fp16 (fp32 at
//           fp32_rate, int8 at int8_rate); results reach PSUM rows + cols cycles after the last
//           column entered (fill/drain), which delays the result but not the next instruction.
//   Scalar  flops_per_cycle spread evenly over the SBUF partitions: each partition lane does
//           flops_per_cycle / partitions FLOP per cycle, so a tile with fewer partitions is not
//           faster. Every function costs a fixed number of FLOP per element
//           (activation_flops_per_element).
//   Vector  same shape with its own FLOP per cycle; pooling costs the window per output.
//   DMA     descriptor latency + effective bytes / bandwidth, where contiguous runs shorter than
//           DmaConfig::element_chunk cost a full chunk.
// Every engine instruction also pays the core's instruction_overhead_cycles (one value for the
// three engines' in-order queues: decode, access-pattern setup, semaphore handshake), except Nop,
// which only the sequencer handles.

#include <cstdint>

#include "isa/hardware_config.h"
#include "isa/instruction.h"
#include "isa/program.h"

namespace infsim::isa {

using Cycles = std::uint64_t;

// The core-level values a compute engine needs beside its own config struct.
struct EngineContext {
  int instruction_overhead_cycles = 0;  // NeuronCoreConfig::instruction_overhead_cycles
  int partitions = 0;                   // SbufConfig::partitions: the Scalar/Vector lanes
};
EngineContext engine_context(const NeuronCoreConfig& cfg);

// Tensor Engine.
Cycles load_weights_cycles(const Instruction& inst, const TensorEngineConfig& cfg,
                           const EngineContext& ctx);
Cycles matmul_cycles(const Instruction& inst, const TensorEngineConfig& cfg,
                     const EngineContext& ctx);  // occupancy
Cycles matmul_latency(const Instruction& inst, const TensorEngineConfig& cfg,
                      const EngineContext& ctx);  // + fill/drain
Cycles transpose_cycles(const Instruction& inst, const TensorEngineConfig& cfg,
                        const EngineContext& ctx);
// A LoadWeights that must wait until the previous MatMul's results have drained out of the array
// (TensorEngineConfig::weight_load_overlap false).
bool waits_for_drain(const Instruction& inst, const TensorEngineConfig& cfg);
// Cycles the Tensor Engine needs for one core's tensor queue with every operand ready (no wait on
// other engines or DMA): instructions back to back by their occupancy, a LoadWeights after the
// drain when it waits for it, until the last result is visible. The compute-only cycle count a
// systolic-array model such as SCALE-Sim reports.
Cycles tensor_engine_cycles(const CoreProgram& core, const NeuronCoreConfig& cfg);
// Moving-tile columns per cycle for a dtype (bf16_rate, fp16_rate, fp32_rate, int8_rate).
double tensor_rate(DType dtype, const TensorEngineConfig& cfg);

// Scalar Engine; its lanes are spread over the SBUF partitions (ctx.partitions).
Cycles activate_cycles(const Instruction& inst, const ScalarEngineConfig& cfg,
                       const EngineContext& ctx);
// FLOP per element of an Activate: the function's own cost plus one for a non-unit scale and
// one for a bias (immediate or per-partition).
int activation_flops_per_element(const Instruction& inst);

// Vector Engine: Pool, TensorTensor, TensorScalar, Reduce, Memset; lanes as the Scalar Engine's.
Cycles vector_cycles(const Instruction& inst, const VectorEngineConfig& cfg,
                     const EngineContext& ctx);
// FLOP per partition of a vector instruction (its total work divided by its partitions).
std::uint64_t vector_flops_per_partition(const Instruction& inst);

// Any opcode, dispatched to the functions above. DmaCopy: the uncontended estimate at the DMA
// engine's own bandwidth (the memory behind it is assumed not to be the bottleneck).
Cycles instruction_cycles(const Instruction& inst, const NeuronCoreConfig& cfg);

// DMA. Bytes of the longest contiguous run an access pattern reads or writes (partitions of SBUF
// and PSUM are separate memories, so a run never crosses a partition there; DRAM rows join when
// partition_stride continues the free pattern).
std::uint64_t contiguous_run_bytes(const AccessPattern& ap);
// Bytes of bandwidth a DmaCopy consumes: its runs (the shorter of source's and destination's)
// each cost at least element_chunk bytes.
std::uint64_t dma_effective_bytes(const Instruction& inst, const DmaConfig& cfg);
// Seconds for a DmaCopy with nothing else competing: descriptor_latency + effective bytes at the
// lower of the DMA engine's and the memory's bandwidth.
double dma_seconds_uncontended(const Instruction& inst, const NeuronCoreConfig& cfg,
                               double memory_bandwidth);

}  // namespace infsim::isa
