#pragma once
// Shape inference's internals (models/shape_inference.h is the interface): the helpers every
// rule uses (defined in shape_inference.cpp) and the rules defined in shape_inference_data.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/graph.h"
#include "models/model_error.h"

namespace infsim::models::shape_detail {

[[noreturn]] void fail(const Node& node, const std::string& what);
// A form of an operator the IR does not know (not a malformed model): `analyze` lists it.
[[noreturn]] void unsupported(const Node& node, const std::string& what);
// Wraps a possibly negative axis into [0, rank), as ONNX allows.
std::int64_t normalize_axis(const Node& node, std::int64_t axis, std::size_t rank);
const Tensor& input(const Graph& g, const Node& node, std::size_t i);
bool has_input(const Node& node, std::size_t i);
const Shape& in_shape(const Graph& g, const Node& node, std::size_t i);
// Integer values of a shape-like input (Reshape's shape, Pad's pads, ...), which must be known.
std::vector<std::int64_t> const_ints(const Graph& g, const Node& node, std::size_t i);
std::vector<float> const_floats(const Graph& g, const Node& node, std::size_t i);
void set_output(Graph& g, const Node& node, std::size_t i, Shape shape, DType dtype);
Shape broadcast(const Node& node, const Shape& a, const Shape& b);
void same_as_input(Graph& g, const Node& node);

// Rules of shape_inference_data.cpp.
void infer_reshape_node(Graph& g, const Node& node);
void infer_flatten(Graph& g, const Node& node);
void infer_transpose(Graph& g, const Node& node);
void infer_pad(Graph& g, const Node& node);
void infer_resize_node(Graph& g, const Node& node);
void infer_reduce(Graph& g, const Node& node);
void infer_slice_node(Graph& g, const Node& node);
void infer_gather(Graph& g, const Node& node);
void infer_squeeze(Graph& g, const Node& node);
void infer_unsqueeze(Graph& g, const Node& node);
void infer_shape(Graph& g, const Node& node);
void infer_cast(Graph& g, const Node& node);
void infer_compare(Graph& g, const Node& node);
void infer_not(Graph& g, const Node& node);
void infer_where(Graph& g, const Node& node);
void infer_expand(Graph& g, const Node& node);
void infer_constant_of_shape(Graph& g, const Node& node);
void infer_range(Graph& g, const Node& node);
void infer_split(Graph& g, const Node& node);
void infer_topk(Graph& g, const Node& node);

}  // namespace infsim::models::shape_detail
