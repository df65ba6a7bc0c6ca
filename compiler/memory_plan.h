#pragma once
// SBUF planning, per core (per pipeline stage). Per partition, from address 0:
//   constants (biases, per-channel scale/shift; fp32)    loaded at model load
//   resident weights                                      loaded at model load
//   weight ring (streamed weight blocks, double buffered) refilled per inference
//   input staging (bands of a DRAM input, double buffered)
//   bounce buffers (results on their way to DRAM, double buffered)
//   activations (first fit over layer lifetimes)
// The batch runs as ceil(batch / sub_batch) passes over the layers, with the largest sub-batch
// whose activations fit, spilling activations to DRAM as needed (the largest first, among those
// a convolution writes and only convolutions and pooling read); weights that do not fit beside
// them are streamed from DRAM once per pass. When not even one image fits and nothing is left to
// spill, compilation fails saying which core is short and by how much.

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "compiler/layer_graph.h"
#include "compiler/layout.h"
#include "compiler/partition.h"
#include "isa/hardware_config.h"

namespace infsim::compiler {

inline constexpr int kWeightRingSlots = 2;
inline constexpr int kStagingSlots = 2;
inline constexpr int kBounceSlots = 2;

struct ValueSlot {
  std::uint64_t offset = 0;      // per-partition byte offset of tile 0
  std::uint64_t tile_bytes = 0;  // per partition, one channel tile of the sub-batch
};

struct CorePlan {
  std::uint64_t const_bytes = 0;
  std::uint64_t resident_offset = 0, resident_bytes = 0;
  std::uint64_t ring_offset = 0, ring_slot_bytes = 0;
  std::uint64_t staging_offset = 0, staging_slot_bytes = 0;
  std::uint64_t bounce_offset = 0, bounce_slot_bytes = 0;
  std::uint64_t act_offset = 0, act_peak = 0;
  std::uint64_t weights_streamed = 0;  // bytes per pass
  std::uint64_t total() const { return act_offset + act_peak; }
};

struct MemoryPlan {
  int sub_batch = 1;
  int passes = 1;
  std::vector<CorePlan> cores;
  std::map<std::pair<int, int>, ValueSlot> slots;  // (value, core) -> SBUF placement
  std::vector<bool> in_dram;  // per value: kept in DRAM (large graph input or spill), read in bands
  std::vector<ConvGeometry> geometry;        // per layer (convolutions)
  std::vector<bool> resident;                // per layer: weights resident in SBUF
  std::vector<std::uint64_t> weight_offset;  // per layer: resident weights' offset
  std::vector<std::uint64_t> const_offset;   // per layer: constants' offset
  std::vector<std::uint64_t> staging_bytes;  // per layer: one staging slot (0 = none)

  const ValueSlot& slot(int value, int core) const { return slots.at({value, core}); }
  bool has_slot(int value, int core) const { return slots.count({value, core}) > 0; }
};

std::uint64_t psum_bank_elements(const isa::NeuronCoreConfig& core);

// A convolution reading a DRAM input takes chunks of at most this many output rows, so that one
// staging slot stays within 1/kStagingShare of a partition.
inline constexpr int kStagingShare = 16;
int staged_rows(const LayerGraph& graph, int layer, const isa::NeuronCoreConfig& core,
                isa::DType dtype);

// spill_for_batch: spill more activations to run more images per pass (fewer passes re-stream
// the weights fewer times, but the spills cost DMA traffic; compile() tries both).
MemoryPlan plan_memory(const LayerGraph& graph, const StagePlan& stages,
                       const isa::NeuronCoreConfig& core, isa::DType dtype,
                       bool spill_for_batch = false);

}  // namespace infsim::compiler
