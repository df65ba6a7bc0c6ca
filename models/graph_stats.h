#pragma once
// Parameter and multiply-accumulate counts, as torchvision and the model-zoo tables count them.

#include <cstdint>
#include <map>
#include <string>

#include "models/graph.h"

namespace infsim::models {

struct GraphStats {
  // Elements of the floating-point constants that are trainable parameters: weights, biases, BN
  // and LayerNorm scale/shift. BN running mean/var (buffers, not parameters), integer constants
  // (shapes, pads) and scalar operands (clip bounds, scale factors) are not counted.
  std::uint64_t params = 0;
  // Multiply-accumulates of Conv, Gemm and MatMul (the layers' work; element-wise ops are not
  // counted, as in torchvision's published GFLOPS figures).
  std::uint64_t macs = 0;
  std::map<std::string, int> op_counts;
};

GraphStats compute_stats(const Graph& graph);

// Multiply-accumulates of one Conv, Gemm or MatMul node (0 for any other op).
std::uint64_t node_macs(const Graph& graph, const Node& node);

}  // namespace infsim::models
