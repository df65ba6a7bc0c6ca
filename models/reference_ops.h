#pragma once
// Reference kernels of the selection and shape operators (Where, Expand, Split, TopK, Range,
// Cast) that masks and detection heads use; the reference executor dispatches to them.

#include <cstdint>
#include <string>
#include <vector>

#include "models/host_tensor.h"

namespace infsim::models {

// x broadcast (numpy rules) to `shape`.
HostTensor broadcast_to(const HostTensor& x, const Shape& shape);

// cond ? a : b, all three broadcast to `shape`.
HostTensor where(const HostTensor& cond, const HostTensor& a, const HostTensor& b,
                 const Shape& shape);

// x split along `axis` into parts of `sizes`.
std::vector<HostTensor> split(const HostTensor& x, std::size_t axis,
                              const std::vector<std::int64_t>& sizes);

// The k largest (or smallest) along `axis`, sorted; indices as floats. Ties keep the lower index.
std::vector<HostTensor> top_k(const HostTensor& x, std::size_t axis, std::int64_t k, bool largest,
                              bool sorted);

// Running sums along `axis` (ONNX CumSum: exclusive leaves out the element itself, reverse sums
// from the end).
HostTensor cumulative_sum(const HostTensor& x, std::size_t axis, bool exclusive, bool reverse);

// start, start + delta, ... below limit (above it for a negative delta).
HostTensor range(float start, float limit, float delta);

}  // namespace infsim::models
