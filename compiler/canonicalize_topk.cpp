// TopK over the features of [N, F] (a flattened feature map or a vector), largest first, values
// only: one kTopK layer with a scratch value (lower_topk.cpp).

#include <string>

#include "compiler/canonicalizer.h"
#include "compiler/compile_error.h"

namespace infsim::compiler {

void Canonicalizer::rewrite_topk(const Node& n) {
  const TensorBinding& in = input_binding(n, 0);
  const auto& shape = graph_.tensors[n.inputs[0]].shape;
  const Value& x = out_.graph.values[in.value];
  std::int64_t axis = models::attr_int(n, "axis", -1);
  if (axis < 0) axis += static_cast<std::int64_t>(shape.size());
  if (shape.size() != 2 || axis != 1 || (!in.flattened && x.pixels() != 1))
    fail(n, "only TopK over the features of [N, F] is supported");
  if (models::attr_int(n, "largest", 1) != 1)
    fail(n, "only the largest values (largest = 1) are supported");
  const models::Tensor* kt = constant(n, 1);
  if (!kt || (kt->int_data.empty() && kt->data.empty())) fail(n, "k must be constant");
  const std::int64_t k =
      kt->int_data.empty() ? static_cast<std::int64_t>(kt->data[0]) : kt->int_data[0];
  if (k < 1 || k > shape[1]) fail(n, "k out of range");
  Layer l = node_layer(n, LayerKind::kTopK, {in.value});
  l.topk = static_cast<int>(k);
  l.fused.push_back(n.name);
  const int v = add_layer(std::move(l), n.outputs[0]);
  // Per round: a max, a comparison, a count, a scaling and a subtraction over the F features.
  out_.graph.layers.back().flops = 5 * static_cast<std::uint64_t>(k) * shape[1];
  add_scratch();
  bind_output(n, v);
}

}  // namespace infsim::compiler
