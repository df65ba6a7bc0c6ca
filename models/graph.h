#pragma once
// The graph IR: tensors with shape and dtype, nodes with typed attributes. Operator names are
// ONNX's ("Conv", "BatchNormalization", "Relu", "Gemm", ...), so the ONNX importer maps nodes
// one to one and zoo builders write the same graphs an exporter would.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

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

}  // namespace infsim::models
