#pragma once
// Pipeline partitioning (--pipeline-cores N): the layer list is cut into N contiguous stages, one
// per NeuronCore, balanced by estimated cost. Cuts are only placed where exactly one activation
// crosses (a block boundary), so each core hands one tensor to the next.

#include <cstdint>
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

// `cost` has one entry per layer.
StagePlan partition_layers(const LayerGraph& graph, int stages, const std::vector<double>& cost);

}  // namespace infsim::compiler
