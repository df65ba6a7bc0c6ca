#include "compiler/memory_plan.h"

#include <vector>

#include "compiler/compile_error.h"
#include "compiler/memory_planner.h"

namespace infsim::compiler {

std::uint64_t psum_bank_elements(const isa::NeuronCoreConfig& core) {
  return core.psum.bank_bytes() / 4;
}

int staged_rows(const LayerGraph& graph, int layer, const isa::NeuronCoreConfig& core,
                isa::DType dtype) {
  const Layer& l = graph.layers[layer];
  const ConvParams& c = l.conv;
  const Value& in = graph.values[l.inputs[0]];
  const std::uint64_t row_bytes =
      static_cast<std::uint64_t>(channel_tiles(in.channels, core.sbuf.partitions)) *
      (in.width + c.pad_left + c.pad_right) * static_cast<std::uint64_t>(isa::dtype_bytes(dtype));
  const std::uint64_t budget = core.sbuf.partition_bytes() / kStagingShare;
  int rows = 1;
  while (true) {
    const std::uint64_t rows_in = static_cast<std::uint64_t>(rows) * c.stride_h +
                                  static_cast<std::uint64_t>(c.kernel_h - 1) * c.dilation_h + 1;
    if (rows_in * row_bytes > budget) break;
    ++rows;
  }
  return rows;
}

namespace {

// The tight layout with windows of columns comes late: one-row bands of a few columns
// re-stream a layer's weights for every band. Streaming constants (with whole rows, then with
// windows) comes last: every layer then waits for its constants' DMA, and the plans of models
// that fit without it stay as they were.
enum class Layout {
  kUsual,
  kTight,
  kTightWindows,
  kTightStreamedConstants,
  kTightStreamedConstantsWindows
};

// plan_memory's layouts, in the order it tries them.
const std::vector<Layout> kEveryLayout = {Layout::kUsual, Layout::kTight, Layout::kTightWindows,
                                          Layout::kTightStreamedConstants,
                                          Layout::kTightStreamedConstantsWindows};

void prepare(MemoryPlanner& planner, Layout layout) {
  if (layout != Layout::kUsual)
    planner.tighten(layout == Layout::kTightWindows ||
                    layout == Layout::kTightStreamedConstantsWindows);
  if (layout >= Layout::kTightStreamedConstants) planner.stream_constants();
  planner.place_dram_inputs();
  planner.place_constants();
  planner.plan_staging();
}

MemoryPlan plan_uniform(const LayerGraph& graph, const StagePlan& stages,
                        const isa::NeuronCoreConfig& core, isa::DType dtype, bool spill_for_batch,
                        Layout layout) {
  MemoryPlanner planner(graph, stages, core, dtype);
  prepare(planner, layout);
  planner.choose_sub_batch(spill_for_batch);
  if (layout != Layout::kUsual) planner.widen_ring();
  planner.lay_out();
  return planner.take();
}

// The first of `layouts` that fits; rethrows the last one's error when none does.
MemoryPlan first_that_fits(const LayerGraph& graph, const StagePlan& stages,
                           const isa::NeuronCoreConfig& core, isa::DType dtype,
                           bool spill_for_batch, const std::vector<Layout>& layouts) {
  for (std::size_t i = 0;; ++i) {
    try {
      return plan_uniform(graph, stages, core, dtype, spill_for_batch, layouts[i]);
    } catch (const CompileError& e) {
      if (e.kind() != ErrorKind::kDoesNotFit || i + 1 == layouts.size()) throw;
    }
  }
}

}  // namespace

MemoryPlan plan_memory_tight(const LayerGraph& graph, const StagePlan& stages,
                             const isa::NeuronCoreConfig& core, isa::DType dtype) {
  try {
    return first_that_fits(graph, stages, core, dtype, false,
                           {Layout::kTight, Layout::kTightWindows});
  } catch (const CompileError& e) {
    if (e.kind() != ErrorKind::kDoesNotFit) throw;
  }
  return MemoryPlan{};
}

// The tight layout only when the usual one does not fit: its buffers share room with the
// activations (so a layer may wait for the one before to release it) and its ring may move
// weights in smaller pieces, both slower where the usual layout fits.
MemoryPlan plan_memory(const LayerGraph& graph, const StagePlan& stages,
                       const isa::NeuronCoreConfig& core, isa::DType dtype, bool spill_for_batch) {
  return first_that_fits(graph, stages, core, dtype, spill_for_batch, kEveryLayout);
}

std::string stage_shortfall(const LayerGraph& graph, const StagePlan& stages, int s,
                            const isa::NeuronCoreConfig& core, isa::DType dtype) {
  std::string why;
  for (Layout layout : kEveryLayout) {
    MemoryPlanner planner(graph, stages, core, dtype);
    planner.only_stage(s);
    prepare(planner, layout);
    if (planner.spill_until_fits(1)) return "";
    why = planner.shortfall();
  }
  return why;
}

MemoryPlan plan_memory_segmented(const LayerGraph& graph, const StagePlan& stages,
                                 const isa::NeuronCoreConfig& core, isa::DType dtype) {
  MemoryPlanner planner(graph, stages, core, dtype);
  planner.place_dram_inputs();
  planner.place_constants();
  planner.plan_staging();
  if (!planner.choose_segments()) return MemoryPlan{};
  planner.lay_out();
  return planner.take();
}

}  // namespace infsim::compiler
