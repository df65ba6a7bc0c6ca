#pragma once
// The reference executor's internals (models/reference_executor.h is the interface): the
// Executor walks the graph in order and computes each node on host floats. Its operators are
// defined by family: reference_executor.cpp (graph walk, dispatch, elementwise),
// reference_nn.cpp (convolution, pooling, matrix products, normalizations),
// reference_data.cpp (data movement, selection, reductions).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include "models/model_error.h"
#include "models/reference_executor.h"
#include "models/reference_ops.h"
#include "models/shape_inference.h"

namespace infsim::models::reference {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

[[noreturn]] inline void fail(const Node& node, const std::string& what) {
  throw ModelError("node '" + node.name + "' (op " + node.op + "): " + what);
}

inline std::vector<std::int64_t> strides_of(const Shape& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

// log(1 + e^x) without overflow for large x.
inline float softplus(float x) {
  return x > 20.0f ? x : std::log1p(std::exp(x));
}

inline HostTensor make(Shape shape) {
  HostTensor t;
  t.data.assign(static_cast<std::size_t>(num_elements(shape)), 0.0f);
  t.shape = std::move(shape);
  return t;
}

class Executor {
 public:
  explicit Executor(const Graph& g) : g_(g), values_(g.tensors.size()) {}

  std::vector<HostTensor> run(const std::vector<HostTensor>& inputs);

 private:
  const Tensor& tensor(int id) const { return g_.tensors[static_cast<std::size_t>(id)]; }

  const HostTensor& value(int id);

  const HostTensor& in(const Node& node, std::size_t i) {
    if (i >= node.inputs.size() || node.inputs[i] < 0) {
      fail(node, "missing input " + std::to_string(i));
    }
    return value(node.inputs[i]);
  }

  bool has(const Node& node, std::size_t i) const {
    return i < node.inputs.size() && node.inputs[i] >= 0;
  }

  std::vector<std::int64_t> ints(const Node& node, std::size_t i) {
    std::vector<std::int64_t> v;
    for (float f : in(node, i).data) v.push_back(static_cast<std::int64_t>(std::llround(f)));
    return v;
  }

  std::vector<HostTensor> eval(const Node& node);

  HostTensor unary(const Node& node);

  HostTensor binary(const Node& node);

  HostTensor conv(const Node& node);

  HostTensor batch_norm(const Node& node);

  HostTensor pool(const Node& node);

  HostTensor global_pool(const Node& node);

  HostTensor gemm(const Node& node);

  HostTensor matmul(const Node& node);

  // Splits a shape at `axis` into outer x extent x inner, the layout of reductions and concat.
  static void split(const Shape& s, std::size_t axis, std::int64_t& outer, std::int64_t& inner) {
    outer = 1;
    inner = 1;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i < axis) outer *= s[i];
      if (i > axis) inner *= s[i];
    }
  }

  static std::size_t axis_of(const Node& node, const Shape& s, std::int64_t fallback) {
    std::int64_t axis = attr_int(node, "axis", fallback);
    if (axis < 0) axis += static_cast<std::int64_t>(s.size());
    return static_cast<std::size_t>(axis);
  }

  HostTensor softmax(const Node& node);

  HostTensor layer_norm(const Node& node);

  HostTensor concat(const Node& node);

  // Generic strided copy: out[i] = x[sum(i_d * step_d) + base] over the output's index space.
  static void gather_strided(const HostTensor& x, HostTensor& out,
                             const std::vector<std::int64_t>& step, std::int64_t base);

  HostTensor transpose(const Node& node);

  HostTensor slice(const Node& node);

  HostTensor gather(const Node& node);

  HostTensor pad(const Node& node);

  HostTensor resize(const Node& node);

  // Values of any dtype are held as floats; integer and bool results are rounded to them.
  std::vector<HostTensor> selection(const Node& node);

  HostTensor reduce(const Node& node);

  const Graph& g_;
  std::vector<std::optional<HostTensor>> values_;
};

}  // namespace infsim::models::reference
