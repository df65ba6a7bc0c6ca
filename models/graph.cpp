#include "models/graph.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <sstream>
#include <unordered_map>

#include "models/model_error.h"
#include "models/shape_inference.h"

namespace infsim::models {

namespace {

std::string where(const Node& node) {
  return "node '" + node.name + "' (op " + node.op + ")";
}

[[noreturn]] void fail(const Node& node, const std::string& what,
                       ErrorKind kind = ErrorKind::kInvalidModel) {
  throw ModelError(where(node) + ": " + what, kind, ErrorLocation::at_node(node.name, node.op));
}

}  // namespace

void throw_node_error(const Node& node, const std::string& what, ErrorKind kind) {
  fail(node, what, kind);
}

std::string dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFp32:
      return "fp32";
    case DType::kFp16:
      return "fp16";
    case DType::kBf16:
      return "bf16";
    case DType::kInt64:
      return "int64";
    case DType::kInt32:
      return "int32";
    case DType::kInt8:
      return "int8";
    case DType::kBool:
      return "bool";
  }
  return "dtype(" + std::to_string(static_cast<int>(dtype)) + ")";
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kFp32:
      return 4;
    case DType::kFp16:
      return 2;
    case DType::kBf16:
      return 2;
    case DType::kInt64:
      return 8;
    case DType::kInt32:
      return 4;
    case DType::kInt8:
      return 1;
    case DType::kBool:
      return 1;
  }
  return 0;
}

std::int64_t num_elements(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) throw ModelError("shape " + shape_string(shape) + " has a negative dimension");
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxElements) {
      throw ModelError("shape " + shape_string(shape) + " has more than 2^48 elements");
    }
  }
  return n;
}

std::string shape_string(const Shape& shape) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

int add_tensor(Graph& graph, Tensor tensor) {
  if (find_tensor(graph, tensor.name) >= 0) {
    throw ModelError("graph '" + graph.name + "': duplicate tensor name '" + tensor.name + "'");
  }
  graph.tensors.push_back(std::move(tensor));
  return static_cast<int>(graph.tensors.size()) - 1;
}

int add_tensor(Graph& graph, const std::string& name, Shape shape, DType dtype) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.dtype = dtype;
  return add_tensor(graph, std::move(t));
}

int add_constant(Graph& graph, const std::string& name, Shape shape, std::vector<float> data) {
  if (!data.empty() && static_cast<std::int64_t>(data.size()) != num_elements(shape)) {
    throw ModelError("constant '" + name + "': " + std::to_string(data.size()) +
                     " values for shape " + shape_string(shape));
  }
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.is_constant = true;
  t.data = std::move(data);
  return add_tensor(graph, std::move(t));
}

int add_int_constant(Graph& graph, const std::string& name, std::vector<std::int64_t> values) {
  Tensor t;
  t.name = name;
  t.shape = {static_cast<std::int64_t>(values.size())};
  t.dtype = DType::kInt64;
  t.is_constant = true;
  t.int_data = std::move(values);
  return add_tensor(graph, std::move(t));
}

int add_node(Graph& graph, Node node) {
  graph.nodes.push_back(std::move(node));
  return static_cast<int>(graph.nodes.size()) - 1;
}

int find_tensor(const Graph& graph, const std::string& name) {
  for (std::size_t i = 0; i < graph.tensors.size(); ++i) {
    if (graph.tensors[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int find_node(const Graph& graph, const std::string& name) {
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    if (graph.nodes[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int producer(const Graph& graph, int tensor_id) {
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto& outs = graph.nodes[i].outputs;
    if (std::find(outs.begin(), outs.end(), tensor_id) != outs.end()) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> consumers(const Graph& graph, int tensor_id) {
  std::vector<int> result;
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto& ins = graph.nodes[i].inputs;
    if (std::find(ins.begin(), ins.end(), tensor_id) != ins.end()) {
      result.push_back(static_cast<int>(i));
    }
  }
  return result;
}

namespace {

template <typename T>
const T* typed_attr(const Node& node, const std::string& key, const char* type_name) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return nullptr;
  const T* v = std::get_if<T>(&it->second);
  if (!v) fail(node, "attribute '" + key + "' must be " + type_name);
  return v;
}

}  // namespace

std::int64_t attr_int(const Node& node, const std::string& key, std::int64_t fallback) {
  const auto* v = typed_attr<std::int64_t>(node, key, "an integer");
  return v ? *v : fallback;
}

float attr_float(const Node& node, const std::string& key, float fallback) {
  auto it = node.attributes.find(key);
  if (it != node.attributes.end()) {
    if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<float>(*i);
  }
  const auto* v = typed_attr<float>(node, key, "a float");
  return v ? *v : fallback;
}

std::string attr_string(const Node& node, const std::string& key, const std::string& fallback) {
  const auto* v = typed_attr<std::string>(node, key, "a string");
  return v ? *v : fallback;
}

std::vector<std::int64_t> attr_ints(const Node& node, const std::string& key,
                                    const std::vector<std::int64_t>& fallback) {
  const auto* v = typed_attr<std::vector<std::int64_t>>(node, key, "a list of integers");
  return v ? *v : fallback;
}

namespace {

// Each node's outputs in range, fresh and not constants; returns tensor -> producing node.
std::unordered_map<int, int> check_producers(const Graph& graph) {
  const int n_tensors = static_cast<int>(graph.tensors.size());
  std::unordered_map<int, int> produced_by;
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (!is_supported_op(node.op)) fail(node, "unknown or unsupported operator");
    if (node.outputs.empty()) fail(node, "has no output");
    for (int id : node.outputs) {
      if (id < 0 || id >= n_tensors)
        fail(node, "output id " + std::to_string(id) + " out of range");
      auto [it, fresh] = produced_by.emplace(id, static_cast<int>(i));
      if (!fresh) {
        fail(node, "tensor '" + graph.tensors[static_cast<std::size_t>(id)].name +
                       "' is already produced by node '" +
                       graph.nodes[static_cast<std::size_t>(it->second)].name + "'");
      }
      if (graph.tensors[static_cast<std::size_t>(id)].is_constant) {
        fail(node, "writes constant '" + graph.tensors[static_cast<std::size_t>(id)].name + "'");
      }
    }
  }
  return produced_by;
}

void check_graph_inputs(const Graph& graph, const std::unordered_map<int, int>& produced_by) {
  for (int id : graph.inputs) {
    if (id < 0 || id >= static_cast<int>(graph.tensors.size())) {
      throw ModelError("graph '" + graph.name + "': input id " + std::to_string(id) +
                       " out of range");
    }
    if (produced_by.count(id)) {
      throw ModelError("graph '" + graph.name + "': input '" +
                       graph.tensors[static_cast<std::size_t>(id)].name +
                       "' is also produced by a node");
    }
  }
}

// Every node input produced by an earlier node, or a graph input, or a constant.
void check_node_inputs(const Graph& graph, const std::unordered_map<int, int>& produced_by,
                       const std::set<int>& graph_inputs) {
  const int n_tensors = static_cast<int>(graph.tensors.size());
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    for (int id : node.inputs) {
      if (id == -1) continue;
      if (id < -1 || id >= n_tensors)
        fail(node, "input id " + std::to_string(id) + " out of range");
      const Tensor& t = graph.tensors[static_cast<std::size_t>(id)];
      auto it = produced_by.find(id);
      if (it != produced_by.end()) {
        if (it->second >= static_cast<int>(i)) {
          fail(node, "consumes '" + t.name + "' before node '" +
                         graph.nodes[static_cast<std::size_t>(it->second)].name +
                         "' produces it (a cycle, or nodes not in topological order)");
        }
      } else if (!t.is_constant && !graph_inputs.count(id)) {
        fail(node, "dangling edge: input '" + t.name +
                       "' is produced by no node and is neither a graph input nor a constant");
      }
    }
  }
}

void check_graph_outputs(const Graph& graph, const std::unordered_map<int, int>& produced_by,
                         const std::set<int>& graph_inputs) {
  for (int id : graph.outputs) {
    if (id < 0 || id >= static_cast<int>(graph.tensors.size())) {
      throw ModelError("graph '" + graph.name + "': output id " + std::to_string(id) +
                       " out of range");
    }
    if (!produced_by.count(id) && !graph_inputs.count(id)) {
      throw ModelError("graph '" + graph.name + "': output '" +
                       graph.tensors[static_cast<std::size_t>(id)].name +
                       "' is produced by no node");
    }
  }
}

// The stored shapes are the ones shape inference gives: re-inferred on a copy without the
// (possibly large) weight values, then compared.
void check_shapes(const Graph& graph) {
  Graph copy;
  copy.name = graph.name;
  copy.nodes = graph.nodes;
  copy.tensors.reserve(graph.tensors.size());
  for (const Tensor& t : graph.tensors) {
    Tensor light;
    light.name = t.name;
    light.shape = t.shape;
    light.dtype = t.dtype;
    light.is_constant = t.is_constant;
    light.int_data = t.int_data;
    if (t.is_constant && t.int_data.empty() && t.data.size() <= 64) light.data = t.data;
    copy.tensors.push_back(std::move(light));
  }
  for (std::size_t i = 0; i < copy.nodes.size(); ++i) {
    const Node& node = copy.nodes[i];
    std::vector<Shape> stored;
    for (int id : node.outputs) stored.push_back(copy.tensors[static_cast<std::size_t>(id)].shape);
    infer_node_shapes(copy, i);
    for (std::size_t k = 0; k < node.outputs.size(); ++k) {
      const Tensor& t = copy.tensors[static_cast<std::size_t>(node.outputs[k])];
      if (t.shape != stored[k]) {
        fail(node, "output '" + t.name + "' is stored as " + shape_string(stored[k]) +
                       " but the inputs give " + shape_string(t.shape) + " (shape mismatch)");
      }
    }
  }
}

}  // namespace

void validate(const Graph& graph) {
  const std::unordered_map<int, int> produced_by = check_producers(graph);
  const std::set<int> graph_inputs(graph.inputs.begin(), graph.inputs.end());
  check_graph_inputs(graph, produced_by);
  check_node_inputs(graph, produced_by, graph_inputs);
  check_graph_outputs(graph, produced_by, graph_inputs);
  check_shapes(graph);
}

}  // namespace infsim::models
