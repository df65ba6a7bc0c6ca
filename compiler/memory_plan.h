#pragma once
// SBUF planning, per core (per pipeline stage). Per partition, from address 0:
//   constants (biases, per-channel scale/shift; fp32)    loaded at model load
//   resident weights                                      loaded at model load
//   weight ring (streamed weight blocks, double buffered) refilled per inference
//   input staging (bands of a DRAM input, double buffered)
//   bounce buffers (results on their way to DRAM, double buffered)
//   activations (first fit over layer lifetimes)
// When that does not fit, the tight layout drops the fixed staging and bounce regions: each
// layer's staging and bounce slots live only while the layer runs, placed by first fit among the
// activations; pooling from DRAM takes bands within the staging share as convolutions do; and the
// weight ring's slots shrink to what fits, a streamed block then moving in pieces (a segment, or
// a group of its taps) instead of whole; and when even that does not fit, a convolution's DRAM
// input too wide for the staging share is staged in windows of columns; and last, each layer's
// constants are loaded from DRAM when it runs, into a slot beside its staging and bounce slots,
// instead of all staying resident from address 0 (BERT-base's 7.5 KiB of biases and LayerNorm
// parameters per partition in 16 KiB).
// The batch runs as ceil(batch / sub_batch) passes over the layers, with the largest sub-batch
// whose activations fit, spilling activations to DRAM as needed (the largest first, among those
// convolutions, windowed pooling and concatenations write and only they read, in bands of rows or
// whole-image copies); weights that do not fit beside them are streamed from DRAM once per pass.
// When not even one image fits and nothing is left to spill, compilation fails saying which core
// is short and by how much. One-core plans may instead choose the passes per segment of layers
// (plan_memory_segmented).

#include <cstdint>
#include <map>
#include <string>
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

// A layer's staging slots (bands of a DRAM input) and bounce slots (results on their way to DRAM
// and residuals from it): slot 0's per-partition offset and the bytes between slots.
struct LayerBuffers {
  std::uint64_t staging = 0, staging_slot = 0;
  std::uint64_t bounce = 0, bounce_slot = 0;
};

// A run of consecutive layers of a one-core plan that goes through the whole batch, in passes
// of its own sub-batch, before the next run starts; activations crossing into it come from DRAM.
struct Segment {
  int first = 0, last = 0;  // layers
  int sub_batch = 1;
  int passes = 1;
};

struct MemoryPlan {
  int sub_batch = 1;              // with segments: the smallest segment's
  int passes = 1;                 // with segments: the most any segment makes
  std::vector<Segment> segments;  // empty: every layer in `passes` passes of `sub_batch`
  std::vector<CorePlan> cores;
  std::map<std::pair<int, int>, ValueSlot> slots;  // (value, core) -> SBUF placement
  std::vector<bool> in_dram;  // per value: kept in DRAM (large graph input or spill), read in bands
  // Per value: handed between segments through DRAM (so also in_dram), its producer writing it
  // there and the segment that reads it loading it whole into its SBUF slot at the start of
  // each pass (its first consumer, a convolution, does; it has no halo).
  std::vector<bool> reload;
  std::vector<ConvGeometry> geometry;        // per layer (convolutions)
  std::vector<bool> resident;                // per layer: weights resident in SBUF
  std::vector<std::uint64_t> weight_offset;  // per layer: resident weights' offset
  std::vector<std::uint64_t> const_offset;   // per layer: constants' offset
  std::vector<std::uint64_t> staging_bytes;  // per layer: one staging slot (0 = none)
  std::vector<LayerBuffers> buffers;         // per layer
  // Per layer: output rows per band of a pooling's DRAM input (0 = as many as a PSUM bank holds).
  std::vector<int> band_rows;
  // Per layer, tight layout: output columns per band of a convolution's DRAM input when one
  // whole row is more than the staging share (a MatMul's M tokens are one row); the band then
  // holds the window of input columns those read (0 = whole rows).
  std::vector<int> band_cols;
  bool tight = false;  // the tight layout (above)
  // Tight layout, last resort: each layer's constants loaded per inference, when it runs, at
  // const_offset (among the activations) instead of at model load.
  bool constants_streamed = false;
  // Per layer: bytes per partition of its core's SBUF in use while it runs, i.e. every region
  // below the activations plus the activations (and, tight, layer buffers and streamed constants)
  // live during it. At most the core's total(): first fit may leave holes between the live
  // activations.
  std::vector<std::uint64_t> sbuf_in_use;

  const ValueSlot& slot(int value, int core) const { return slots.at({value, core}); }
  bool has_slot(int value, int core) const { return slots.count({value, core}) > 0; }
};

std::uint64_t psum_bank_elements(const isa::NeuronCoreConfig& core);

// A convolution reading a DRAM input takes chunks of at most this many output rows, so that one
// staging slot stays within 1/kStagingShare of a partition.
inline constexpr int kStagingShare = 16;
int staged_rows(const LayerGraph& graph, int layer, const isa::NeuronCoreConfig& core,
                isa::DType dtype);

// The steps of planning are MemoryPlanner's (memory_planner.h).
//
// spill_for_batch: spill more activations to run more images per pass (fewer passes re-stream
// the weights fewer times, but the spills cost DMA traffic; compile() tries both).
MemoryPlan plan_memory(const LayerGraph& graph, const StagePlan& stages,
                       const isa::NeuronCoreConfig& core, isa::DType dtype,
                       bool spill_for_batch = false);

// The tight layout (above) with one image per pass; no cores when even that does not fit.
MemoryPlan plan_memory_tight(const LayerGraph& graph, const StagePlan& stages,
                             const isa::NeuronCoreConfig& core, isa::DType dtype);

// Why stage s of `stages` fits its core in none of plan_memory's layouts, even at one image per
// pass with every activation it may spill in DRAM (what plan_memory would say about that core);
// empty when it fits in one of them. A stage's room does not depend on the other stages (a
// value crossing cores is never spilled), so the pipeline partition checks candidate stages
// one by one.
std::string stage_shortfall(const LayerGraph& graph, const StagePlan& stages, int s,
                            const isa::NeuronCoreConfig& core, isa::DType dtype);

// One core only: the pass structure chosen per segment of layers, as a real scheduler does.
// Early layers (large activations, small weights) run in passes of the few images that fit; late
// layers (small activations, large weights) run over many images per pass, so each streamed
// weight tile is read from DRAM once per pass instead of once per image. Segments meet at points
// where every live activation can be spilled to DRAM; the cut points minimise weight bytes
// streamed (once per pass) plus the spilled bytes (written and read back once per image).
// Without segments when none fit (then plan_memory's plans are the ones to use).
MemoryPlan plan_memory_segmented(const LayerGraph& graph, const StagePlan& stages,
                                 const isa::NeuronCoreConfig& core, isa::DType dtype);

}  // namespace infsim::compiler
