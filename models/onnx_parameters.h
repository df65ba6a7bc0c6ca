#pragma once
// How the ONNX importer (models/onnx_import.cpp) tells parameters (weights, biases,
// normalization statistics) from data: by where a tensor is used and by its name; and the
// values it makes up for parameters a file declares as inputs without carrying them.

#include <onnx/onnx_pb.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "models/graph.h"
#include "models/seeded_random.h"

namespace infsim::models::onnx_parameters {

// One use of a tensor: the operator reading it and at which input.
struct Use {
  std::string op;
  int index;
};
using Uses = std::unordered_map<std::string, std::vector<Use>>;

// The uses of every tensor the graph's nodes read; a tensor reached through Identity nodes is
// used where the Identity's output is.
Uses collect_uses(const onnx::GraphProto& gp);

// A weight, bias or normalization input of an operator.
bool is_parameter_use(const Use& u);
// Named as PyTorch and Keras name parameters (".weight", "_bias", ".running_var", ...).
bool named_like_parameter(const std::string& name);
// An input whose values only shape the result (Reshape's shape, Pad's pads, Clip's bounds, ...):
// kept even when weights are dropped.
bool is_operand_use(const Use& u);

// Values for a parameter the file does not carry, of `shape`, used as `uses`: He-scaled weights,
// and per-channel vectors whose statistics fit their role (BN variance positive, scales near
// one, small biases).
std::vector<float> synthesized_values(const Shape& shape, const std::vector<Use>& uses,
                                      SplitMix64& rng);

}  // namespace infsim::models::onnx_parameters
