#pragma once
// Builds the Program: declares the DRAM tensors, loads constants and resident weights in the
// per-core setup queues, then emits every pass (group of images) stage by stage through the
// lowerings, with input loads, output stores and the pipeline hand-offs between cores.

#include "compiler/compiler.h"
#include "compiler/layer_graph.h"
#include "compiler/memory_plan.h"
#include "compiler/partition.h"
#include "isa/program.h"

namespace infsim::compiler {

isa::Program emit_program(const LayerGraph& graph, const StagePlan& stages, const MemoryPlan& plan,
                          const isa::NeuronCoreConfig& core, const CompilerOptions& options,
                          CompileReport& report);

}  // namespace infsim::compiler
