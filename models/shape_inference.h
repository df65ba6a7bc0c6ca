#pragma once
// Shape inference of the graph IR: one rule per operator computes a node's output shapes (and
// dtypes) from its inputs' shapes. The rule table is also the list of operators the IR knows.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/graph.h"

namespace infsim::models {

// A Conv/MaxPool/AveragePool window with auto_pad resolved: pads are [begin..., end...].
struct SpatialWindow {
  std::vector<std::int64_t> kernel, strides, pads, dilations;
};
SpatialWindow spatial_window(const Node& node, const Shape& input,
                             const std::vector<std::int64_t>& kernel);

// The operators infer_shapes, validate and the reference executor know.
const std::vector<std::string>& supported_ops();
bool is_supported_op(const std::string& op);

// Computes the output shapes (and dtypes) of one node from its inputs' shapes, and of every node
// in order. Shape inputs (Reshape's shape, Pad's pads, Slice's starts, ...) must be constants
// with int_data. Throws ModelError naming the node and op when shapes do not fit.
void infer_node_shapes(Graph& graph, std::size_t node_index);
void infer_shapes(Graph& graph);

}  // namespace infsim::models
