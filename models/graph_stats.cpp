#include "models/graph_stats.h"

#include <set>

namespace infsim::models {

std::uint64_t node_macs(const Graph& graph, const Node& node) {
  auto shape = [&](int id) -> const Shape& {
    return graph.tensors[static_cast<std::size_t>(id)].shape;
  };
  auto out = static_cast<std::uint64_t>(num_elements(shape(node.outputs.at(0))));
  if (node.op == "Conv") {
    const Shape& w = shape(node.inputs.at(1));
    return out * static_cast<std::uint64_t>(w[1] * w[2] * w[3]);
  }
  if (node.op == "Gemm") {
    const Shape& a = shape(node.inputs.at(0));
    return out * static_cast<std::uint64_t>(attr_int(node, "transA", 0) ? a[0] : a[1]);
  }
  if (node.op == "MatMul") return out * static_cast<std::uint64_t>(shape(node.inputs.at(0)).back());
  return 0;
}

GraphStats compute_stats(const Graph& graph) {
  GraphStats stats;
  std::set<int> buffers;  // BN running statistics, Resize's roi/scales/sizes
  for (const Node& node : graph.nodes) {
    ++stats.op_counts[node.op];
    if (node.op == "BatchNormalization") {
      for (std::size_t i = 3; i < node.inputs.size() && i < 5; ++i) buffers.insert(node.inputs[i]);
    }
    if (node.op == "Resize") {
      for (std::size_t i = 1; i < node.inputs.size(); ++i) buffers.insert(node.inputs[i]);
    }
    stats.macs += node_macs(graph, node);
  }
  for (std::size_t i = 0; i < graph.tensors.size(); ++i) {
    const Tensor& t = graph.tensors[i];
    bool is_float = t.dtype == DType::kFp32 || t.dtype == DType::kFp16 || t.dtype == DType::kBf16;
    std::int64_t n = num_elements(t.shape);
    if (!t.is_constant || !is_float || n <= 1 || buffers.count(static_cast<int>(i))) continue;
    stats.params += static_cast<std::uint64_t>(n);
  }
  return stats;
}

}  // namespace infsim::models
