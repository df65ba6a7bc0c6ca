#pragma once
// Pipeline partitioning (--pipeline-cores N): the layer list is cut into N contiguous stages, one
// per NeuronCore, balanced by estimated cost. Cuts are only placed where exactly one activation
// crosses (a block boundary), so each core hands one tensor to the next. With a stage check
// (compile() passes one when the cost-balanced stages do not fit their cores' SBUF), the most
// balanced partition among those whose every stage passes it.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "compiler/layer_graph.h"

namespace infsim::compiler {

struct StagePlan {
  std::vector<int> first;        // first layer of each stage; first.size() == stages
  std::vector<int> layer_stage;  // stage of each layer
  std::vector<int> crossing;     // per cut k (between stage k and k+1): the value handed over
  int stages() const { return static_cast<int>(first.size()); }
  int last(int stage, int layers) const {
    return stage + 1 < stages() ? first[stage + 1] - 1 : layers - 1;
  }
};

// Why stage `stage` of `plan` cannot run on its core; empty when it can. The plan it gets has
// the candidate stage and, around it, at most one stage before and one after (whatever they hold
// is not asked about): a check must judge the stage alone.
using StageCheck = std::function<std::string(const StagePlan& plan, int stage)>;

// `cost` has one entry per layer. With `check`, stages that fail it are never chosen; when no
// partition into `stages` passes, throws CompileError (kDoesNotFit) naming the layers that
// cannot be a stage and why.
StagePlan partition_layers(const LayerGraph& graph, int stages, const std::vector<double>& cost,
                           const StageCheck& check = {});

}  // namespace infsim::compiler
