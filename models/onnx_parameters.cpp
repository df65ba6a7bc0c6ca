#include "models/onnx_parameters.h"

#include <cstring>
#include <random>

namespace infsim::models::onnx_parameters {

Uses collect_uses(const onnx::GraphProto& gp) {
  Uses uses;
  for (const auto& np : gp.node()) {
    for (int i = 0; i < np.input_size(); ++i) uses[np.input(i)].push_back({np.op_type(), i});
  }
  for (int n = gp.node_size() - 1; n >= 0; --n) {
    const auto& np = gp.node(n);
    if (np.op_type() != "Identity" || np.input_size() != 1 || np.output_size() != 1) continue;
    auto it = uses.find(np.output(0));
    if (it == uses.end()) continue;
    auto& target = uses[np.input(0)];
    target.insert(target.end(), it->second.begin(), it->second.end());
  }
  return uses;
}

bool is_parameter_use(const Use& u) {
  if (u.index < 1) return false;
  return u.op == "Conv" || u.op == "ConvTranspose" || u.op == "Gemm" ||
         u.op == "BatchNormalization" || u.op == "LayerNormalization" ||
         u.op == "InstanceNormalization" || (u.op == "MatMul" && u.index == 1);
}

bool named_like_parameter(const std::string& name) {
  for (const char* suffix : {".weight", ".bias", ".running_mean", ".running_var", "_weight",
                             "_bias", ".gamma", ".beta"}) {
    std::size_t n = std::strlen(suffix);
    if (name.size() > n && name.compare(name.size() - n, n, suffix) == 0) return true;
  }
  return false;
}

bool is_operand_use(const Use& u) {
  if (u.index < 1) return false;
  for (const char* op :
       {"Reshape", "Pad", "Clip", "Resize", "Slice", "Squeeze", "Unsqueeze", "ReduceMean",
        "ReduceSum", "Gather", "Where", "Expand", "TopK", "Split", "CumSum", "Range"}) {
    if (u.op == op) return true;
  }
  return false;
}

std::vector<float> synthesized_values(const Shape& shape, const std::vector<Use>& uses,
                                      SplitMix64& rng) {
  std::vector<float> values(static_cast<std::size_t>(num_elements(shape)));
  if (shape.size() >= 2) {
    double fan_in = static_cast<double>(num_elements(shape) / shape[0]);
    for (const Use& u : uses) {
      if (u.op == "MatMul") fan_in = static_cast<double>(shape[0]);
    }
    fill_he_uniform(values, fan_in, rng);
    return values;
  }
  Use role{"", 0};
  for (const Use& u : uses) {
    if (is_parameter_use(u)) role = u;
  }
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::normal_distribution<float> small(0.0f, 0.05f);
  for (float& v : values) {
    if (role.op == "BatchNormalization" && role.index == 4) {
      v = 0.5f + unit(rng);
    } else if ((role.op == "BatchNormalization" || role.op == "LayerNormalization" ||
                role.op == "InstanceNormalization") &&
               role.index == 1) {
      v = 0.5f + 0.5f * unit(rng);
    } else {
      v = small(rng);
    }
  }
  return values;
}

}  // namespace infsim::models::onnx_parameters
