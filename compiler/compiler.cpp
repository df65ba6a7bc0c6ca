#include "compiler/compiler.h"

#include <algorithm>

#include "compiler/analyze.h"
#include "compiler/canonicalize.h"
#include "compiler/compile_error.h"
#include "compiler/emit.h"
#include "compiler/layout.h"
#include "compiler/lower_transformer.h"
#include "compiler/memory_plan.h"
#include "compiler/partition.h"

namespace infsim::compiler {
namespace {

// Cycles a layer should take, for balancing pipeline stages: the array at full use, the
// vector work, and its weights at one DMA engine's rate, whichever is largest.
std::vector<double> layer_costs(const LayerGraph& g, const isa::NeuronCoreConfig& core,
                                std::uint64_t dsize) {
  std::vector<double> cost;
  const double macs_per_cycle = static_cast<double>(core.tensor.rows) * core.tensor.cols;
  const double dma_bytes_per_cycle = core.dma.engine_bandwidth / core.clock;
  for (const Layer& l : g.layers) {
    double compute = static_cast<double>(l.macs) * g.batch / macs_per_cycle;
    double vector = static_cast<double>(l.flops) * g.batch / core.vector.flops_per_cycle;
    double weights = l.kind == LayerKind::kConv
                         ? static_cast<double>(l.macs) /
                               std::max<std::int64_t>(1, g.values[l.output].pixels()) * dsize /
                               dma_bytes_per_cycle
                         : 0.0;
    cost.push_back(std::max({compute, vector, weights}) + 1.0);
  }
  return cost;
}

CompileResult emit_plan(const CanonicalGraph& canonical, const LayerGraph& g,
                        const StagePlan& stages, const MemoryPlan& plan,
                        const isa::NeuronCoreConfig& core, const CompilerOptions& options);

}  // namespace

std::uint64_t CompileReport::estimated_cycles() const {
  std::uint64_t c = 0;
  for (const CoreReport& r : cores) c = std::max(c, r.estimated_cycles);
  return c;
}

CompileResult compile(const models::Graph& graph, const isa::NeuronCoreConfig& core,
                      const CompilerOptions& options) {
  if (options.batch == 0)
    throw CompileError("batch must be at least 1", ErrorKind::kImpossibleRequest);
  if (options.pipeline_cores == 0)
    throw CompileError("pipeline cores must be at least 1", ErrorKind::kImpossibleRequest);
  if (options.dtype == isa::DType::kInt8)
    throw CompileError(
        "int8 is not supported (the Neuron compiler for Inf1 does not support it "
        "either); use bf16, fp16 or fp32",
        ErrorKind::kImpossibleRequest);
  CanonicalGraph canonical = canonicalize(graph, options.batch, options.cpu_fallback);
  LayerGraph& g = canonical.graph;
  if (!options.model.empty()) g.name = options.model;
  assign_halos(g);
  size_scratch(g, core);
  const std::uint64_t dsize = static_cast<std::uint64_t>(isa::dtype_bytes(options.dtype));
  const std::vector<double> costs = layer_costs(g, core, dsize);
  const int cores = static_cast<int>(options.pipeline_cores);
  StagePlan stages = partition_layers(g, cores, costs);
  // The stages balanced by time may hold more than a core's SBUF: then the most balanced
  // partition among those whose every stage has a plan that fits (the same planner, in any of
  // its layouts). Pipelines that fit as balanced keep their stages.
  std::vector<MemoryPlan> plans;
  try {
    plans.push_back(plan_memory(g, stages, core, options.dtype, false));
  } catch (const CompileError& e) {
    if (e.kind() != ErrorKind::kDoesNotFit || cores == 1) throw;
    stages = partition_layers(g, cores, costs, [&](const StagePlan& plan, int s) {
      return stage_shortfall(g, plan, s, core, options.dtype);
    });
    plans.push_back(plan_memory(g, stages, core, options.dtype, false));
  }
  // Plans that differ: fewer passes with more spilling, or the reverse, and on one core passes
  // chosen per segment of layers; the one with the lower estimated latency wins. At batch 1,
  // where none of those has a choice to make, the tight layout (buffers among the activations:
  // room for more resident weights and fewer spills) is the other candidate; with a batch it is
  // only what plan_memory falls back on when nothing else fits.
  if (options.batch > 1) {
    MemoryPlan more = plan_memory(g, stages, core, options.dtype, true);
    if (more.sub_batch > plans[0].sub_batch) plans.push_back(std::move(more));
  }
  if (options.batch == 1 && !plans[0].tight) {
    MemoryPlan tight = plan_memory_tight(g, stages, core, options.dtype);
    if (!tight.cores.empty()) plans.push_back(std::move(tight));
  }
  if (options.batch > 1 && stages.stages() == 1) {
    MemoryPlan segmented = plan_memory_segmented(g, stages, core, options.dtype);
    if (segmented.segments.size() > 1) plans.push_back(std::move(segmented));
  }
  CompileResult result;
  for (const MemoryPlan& plan : plans) {
    CompileResult r = emit_plan(canonical, g, stages, plan, core, options);
    if (result.program.cores.empty() ||
        r.report.estimated_cycles() < result.report.estimated_cycles())
      result = std::move(r);
  }
  for (const isa::TensorDecl& t : result.program.tensors)
    if (t.kind == isa::TensorKind::kWeight) result.report.weight_bytes += t.bytes;
  for (const isa::CoreProgram& c : result.program.cores)
    for (const isa::Queue& q : c.queues) result.report.instructions += q.instructions.size();
  // Without --cpu-fallback the canonicalization above accepted every node: nothing to look for.
  result.program.support =
      support_report(options.cpu_fallback ? analyze(graph) : analyze(graph, ""));
  return result;
}

namespace {

CompileResult emit_plan(const CanonicalGraph& canonical, const LayerGraph& g,
                        const StagePlan& stages, const MemoryPlan& plan,
                        const isa::NeuronCoreConfig& core, const CompilerOptions& options) {
  CompileResult result;
  CompileReport& report = result.report;
  report.model = g.name;
  report.batch = options.batch;
  report.dtype = options.dtype;
  report.sub_batch = plan.sub_batch;
  report.passes = plan.passes;
  for (const Segment& s : plan.segments)
    report.segments.push_back({s.first, s.last, s.sub_batch, s.passes});
  report.clock_hz = core.clock;
  report.host_ops = canonical.host_ops;
  report.graph_nodes = canonical.source_nodes;
  isa::Program& program = result.program;
  program = emit_program(g, stages, plan, core, options, report);
  program.options = options;  // the isa::CompileOptions part
  program.options.model = g.name;
  program.host_ops = canonical.host_ops;
  return result;
}

}  // namespace

}  // namespace infsim::compiler
