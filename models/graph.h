#pragma once
// The graph IR: tensors with shape and dtype, nodes with typed attributes. Operator names are
// ONNX's ("Conv", "BatchNormalization", "Relu", "Gemm", ...), so the ONNX importer maps nodes
// one to one and zoo builders write the same graphs an exporter would.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "isa/user_error.h"

namespace infsim::models {

enum class DType : std::uint8_t { kFp32, kFp16, kBf16, kInt64, kInt32, kInt8, kBool };

using Shape = std::vector<std::int64_t>;

struct Tensor {
  std::string name;
  Shape shape;
  DType dtype = DType::kFp32;
  bool is_constant = false;  // an initializer (weight, bias, constant operand)
  std::vector<float> data;   // constant values when known; empty = synthesize (timing needs none)
  std::vector<std::int64_t> int_data;  // integer constants (Reshape shapes, Pad pads, ...)
};

using AttributeValue =
    std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<float>>;

struct Node {
  std::string name;
  std::string op;            // ONNX operator type
  std::vector<int> inputs;   // tensor ids; -1 = optional input left out
  std::vector<int> outputs;  // tensor ids
  std::map<std::string, AttributeValue> attributes;
};

struct Graph {
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;   // topologically ordered
  std::vector<int> inputs;   // tensor ids of graph inputs (not constants)
  std::vector<int> outputs;  // tensor ids of graph outputs
};

// --- Helpers (free functions, so the structs above stay plain aggregates) ---

std::string dtype_name(DType dtype);  // "fp32", "fp16", "bf16", "int64", "int32", "int8", "bool"
std::size_t dtype_size(DType dtype);  // bytes per element
// Elements of a shape, in checked arithmetic: a negative dimension or more than kMaxElements is a
// ModelError (2^48 is far past any model budget and keeps elements x bytes inside 64 bits).
inline constexpr std::int64_t kMaxElements = std::int64_t{1} << 48;
std::int64_t num_elements(const Shape& shape);
std::string shape_string(const Shape& shape);  // "[1, 3, 224, 224]"

// Appends and returns the new id. Names must be unique: a duplicate is a ModelError.
int add_tensor(Graph& graph, Tensor tensor);
int add_tensor(Graph& graph, const std::string& name, Shape shape, DType dtype = DType::kFp32);
int add_constant(Graph& graph, const std::string& name, Shape shape, std::vector<float> data);
int add_int_constant(Graph& graph, const std::string& name, std::vector<std::int64_t> values);
int add_node(Graph& graph, Node node);  // returns the node index

int find_tensor(const Graph& graph, const std::string& name);   // -1 if absent
int find_node(const Graph& graph, const std::string& name);     // -1 if absent
int producer(const Graph& graph, int tensor_id);                // node index, -1 if none
std::vector<int> consumers(const Graph& graph, int tensor_id);  // node indices, in graph order

// Attribute access with ONNX defaults; a present attribute of the wrong type is a ModelError.
std::int64_t attr_int(const Node& node, const std::string& key, std::int64_t fallback);
float attr_float(const Node& node, const std::string& key, float fallback);
std::string attr_string(const Node& node, const std::string& key, const std::string& fallback);
std::vector<std::int64_t> attr_ints(const Node& node, const std::string& key,
                                    const std::vector<std::int64_t>& fallback = {});

// Throws a ModelError naming the node and its op: "node 'x' (op Conv): <what>".
[[noreturn]] void throw_node_error(const Node& node, const std::string& what,
                                   ErrorKind kind = ErrorKind::kInvalidModel);

// Checks the graph without changing it: known ops, edges in range, every consumed tensor
// produced earlier (topological order, no cycle) or a graph input or constant, each tensor
// produced once, outputs reachable, and stored shapes equal to the inferred ones.
void validate(const Graph& graph);

}  // namespace infsim::models
