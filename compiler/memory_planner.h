#pragma once
// The steps of SBUF planning (memory_plan.h says what a plan holds), one method each, so that
// each step can be read and tested alone. plan_memory and plan_memory_segmented run them as:
//   place_dram_inputs, place_constants, plan_staging     (what does not depend on the batch)
//   choose_sub_batch  or  choose_segments                (how many images per pass, what spills)
//   lay_out                                               (offsets of every region and value)
// plan_memory runs them again after tighten() (the tight layout, memory_plan.h) when the plan
// does not fit, with widen_ring() after choose_sub_batch, and last after tighten() and
// stream_constants().
// Steps change the plan in place; the queries between them (activation_items, weights, need,
// spillable, crossing, ...) read it.

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/memory_plan.h"

namespace infsim::compiler {

// The SBUF room of one activation over its lifetime (layers start..end, inclusive) in a stage.
struct ActivationItem {
  int value = 0;
  int start = 0, end = 0;
  std::uint64_t size = 0;  // per partition, all channel tiles
  int images = 0;
  std::uint64_t offset = 0;  // set by first_fit
  int buffers_of = -1;       // tight layout: not a value but layer buffers_of's staging and bounce
  bool last = false;  // placed after the others (a graph input first read mid-stage: first_fit)
};

// First fit over lifetimes: sets each item's offset; returns the peak. Items are placed in order
// of first use, those marked `last` after all the others, each where it fits beside every item
// live with it. A graph input first read in the middle of a stage -- an attention mask, read by
// every layer's attention -- placed at its first use would land amid the activations live then
// and split, for the rest of its long life, the room that later and larger activations (a
// transformer's FFN intermediate) reuse; placed last, it costs at most its own size.
std::uint64_t first_fit(std::vector<ActivationItem>& items);

// A stage's weights, per partition: all of them aligned per layer, and the largest block that
// is ever streamed (one weight ring slot).
struct StageWeights {
  std::uint64_t total = 0;
  std::uint64_t largest_block = 0;
};

// Bytes per partition a core needs, by use; weights counts only the ring when not all fit.
struct CoreNeed {
  std::uint64_t activations = 0, weights = 0, buffers = 0, constants = 0;
  std::uint64_t total() const { return constants + weights + buffers + activations; }
};

class MemoryPlanner {
 public:
  MemoryPlanner(const LayerGraph& graph, const StagePlan& stages, const isa::NeuronCoreConfig& core,
                isa::DType dtype);

  // --- Steps, in order.
  // The tight layout from here on (first, before the other steps); `column_windows`: a
  // convolution's DRAM input too wide for the staging share is staged in windows of columns.
  void tighten(bool column_windows = false);
  // Tight layout, after tighten: each layer's constants loaded when it runs, beside its staging
  // and bounce slots (live only while it runs), instead of resident for the whole program.
  void stream_constants();
  // Graph inputs read only by convolutions and larger than 1/16 of a partition stay in DRAM.
  void place_dram_inputs();
  // Per-channel constants (biases, scale/shift) of each layer, from address 0 of its core
  // (streamed: only sized here; lay_out places them with the layer's buffers).
  void place_constants();
  // Staging (bands of DRAM inputs) and bounce buffers (results on their way to DRAM), which
  // follow the values kept in DRAM: rerun whenever in_dram or reload change.
  void plan_staging();
  // The most images per pass that fit on every core, spilling only what one image needs or,
  // with spill_for_batch, as much as it takes. Throws CompileError (kDoesNotFit) saying which
  // core is short and by how much.
  void choose_sub_batch(bool spill_for_batch);
  // Tight layout, after choose_sub_batch: the largest weight-ring slot (down to one tap of a
  // block) with which every core still fits.
  void widen_ring();
  // One core: the segments of layers and their images per pass that stream the fewest bytes.
  // False when there is no segmented plan (plan_memory's plans are then the ones to use).
  bool choose_segments();
  // Offsets of every region of every core, resident weights and activation slots, for the
  // images per pass chosen.
  void lay_out();

  // Only stage s from here on (place_constants, plan_staging and spill_until_fits leave the
  // others alone): whether a candidate pipeline stage fits on its core (stage_shortfall).
  void only_stage(int s) { only_ = s; }

  const MemoryPlan& plan() const { return plan_; }
  MemoryPlan take() { return std::move(plan_); }

  // --- Queries the steps use.
  std::vector<int> uniform(int images) const { return std::vector<int>(layers(), images); }
  // Images per pass of each layer, as chosen (segments or sub_batch).
  std::vector<int> layer_images() const;
  // The activations stage s holds; `layer_images` per layer (a value sized for its producer's,
  // a graph input for its first consumer's; values of layers at 0 images take no room).
  std::vector<ActivationItem> activation_items(int s, const std::vector<int>& layer_images) const;
  StageWeights weights(int s) const;
  CoreNeed need(int s, const std::vector<int>& layer_images) const;
  bool fits(int s, const std::vector<int>& layer_images) const {
    return need(s, layer_images).total() <= capacity_;
  }
  // Whether value v, produced on core s, may live in DRAM: a convolution, a windowed pooling or
  // a concatenation writes it, and only those (a convolution as input or residual) on the same
  // core read it.
  static bool banded(const Layer& l);
  bool spillable(int v, int s) const;
  // Keeps activations in DRAM until `images` per pass fit on every core: each time the largest
  // spillable one on the first short core. False when a core is still short with nothing left
  // to spill (then shortfall() says by how much).
  bool spill_until_fits(int images);
  const std::string& shortfall() const { return shortfall_; }
  // Bytes per partition of stage s's weight-ring slot: the largest streamed unit, or in the
  // tight layout what widen_ring chose (at first the smallest piece, one tap of a block).
  std::uint64_t ring_slot(int s) const;

  // --- Segments (one core). The values in DRAM before any hand-over are fixed by
  // choose_segments' first step (spilling what one image needs); until then, none.
  // Values live across the cut after layer k.
  std::vector<int> crossing(int k) const;
  // Whether v may be handed between segments: already in DRAM (read in bands by any segment),
  // or spillable, without halo and read only by convolutions (loaded whole by its first reader).
  bool reloadable(int v) const;
  // Sends the values crossing the cut after layer k through DRAM (reloaded by the next segment).
  void hand_over(int k);
  // -1, every k whose crossing values are all reloadable, and the last layer.
  std::vector<int> cut_points() const;
  // Bytes a cut after layer k costs: its handed-over values written and read back, every image.
  std::uint64_t cut_bytes(int k) const;
  // The most images per pass layers (a, b] fit with the values crossing its ends in DRAM; 0
  // when not even one does or a value handed over at a is read after b.
  int segment_images(int a, int b);

 private:
  int layers() const { return static_cast<int>(graph_.layers.size()); }
  bool planned(int s) const { return only_ < 0 || only_ == s; }
  std::uint64_t tiles_bytes(int v, int images) const;
  std::string shortfall_of(int s, int images, const CoreNeed& need) const;
  // Whether layer l's result goes to DRAM or its residual comes from there (through bounce slots).
  bool needs_bounce(int l) const;
  std::uint64_t bounce_slot_bytes() const;
  // Tight layout: output rows per band of pooling layer l's DRAM input, within the staging share.
  int pool_band_rows(int l) const;
  // Tight layout: output columns per band of convolution l's DRAM input (0: whole rows fit).
  int conv_band_cols(int l) const;
  // Whether weights that cannot all stay resident beside one image per pass exist (otherwise
  // passes cost nothing and only spills count).
  bool weights_matter() const;
  // The cheapest chain of segments over the cut points; empty when none fits.
  std::vector<Segment> cheapest_segments(const std::vector<int>& points);
  void lay_out_core(int s, const std::vector<int>& layer_images);

  const LayerGraph& graph_;
  const StagePlan& stages_;
  const isa::NeuronCoreConfig& core_;
  isa::DType dtype_;
  std::uint64_t dsize_;
  std::uint64_t capacity_;  // bytes per partition
  std::uint64_t bank_;      // PSUM bank elements
  MemoryPlan plan_;
  std::vector<bool> base_;  // segments: in_dram before any hand-over (set by choose_segments)
  std::vector<std::uint64_t> ring_slot_;   // tight layout: per core
  std::vector<std::uint64_t> const_size_;  // per layer: its constants, per partition
  bool column_windows_ = false;
  int only_ = -1;  // only_stage: the one stage planned, or -1 for all
  std::string shortfall_;
};

}  // namespace infsim::compiler
