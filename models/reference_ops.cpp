#include "models/reference_ops.h"

#include <algorithm>
#include <numeric>

namespace infsim::models {

namespace {

std::vector<std::int64_t> strides_of(const Shape& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

// Strides of `s` seen from a rank-`rank` broadcast result: 0 along broadcast dimensions.
std::vector<std::int64_t> broadcast_strides(const Shape& s, std::size_t rank) {
  std::vector<std::int64_t> st(rank, 0);
  auto own = strides_of(s);
  for (std::size_t i = 0; i < s.size(); ++i) st[rank - s.size() + i] = s[i] == 1 ? 0 : own[i];
  return st;
}

// Calls f(out_index, in_index_0, in_index_1, ...) over `shape` for operands of `shapes`.
template <typename F>
void for_each_broadcast(const Shape& shape, const std::vector<Shape>& shapes, F f) {
  const std::size_t rank = shape.size();
  std::vector<std::vector<std::int64_t>> st;
  for (const Shape& s : shapes) st.push_back(broadcast_strides(s, rank));
  std::vector<std::int64_t> idx(rank, 0), at(shapes.size(), 0);
  const std::int64_t total = num_elements(shape);
  for (std::int64_t n = 0; n < total; ++n) {
    f(n, at);
    for (std::size_t d = rank; d-- > 0;) {
      ++idx[d];
      for (std::size_t k = 0; k < at.size(); ++k) at[k] += st[k][d];
      if (idx[d] < shape[d]) break;
      for (std::size_t k = 0; k < at.size(); ++k) at[k] -= st[k][d] * idx[d];
      idx[d] = 0;
    }
  }
}

HostTensor zeros(const Shape& shape) {
  HostTensor t;
  t.shape = shape;
  t.data.assign(static_cast<std::size_t>(num_elements(shape)), 0.0f);
  return t;
}

}  // namespace

HostTensor broadcast_to(const HostTensor& x, const Shape& shape) {
  HostTensor out = zeros(shape);
  for_each_broadcast(shape, {x.shape}, [&](std::int64_t n, const std::vector<std::int64_t>& at) {
    out.data[static_cast<std::size_t>(n)] = x.data[static_cast<std::size_t>(at[0])];
  });
  return out;
}

HostTensor where(const HostTensor& cond, const HostTensor& a, const HostTensor& b,
                 const Shape& shape) {
  HostTensor out = zeros(shape);
  for_each_broadcast(shape, {cond.shape, a.shape, b.shape},
                     [&](std::int64_t n, const std::vector<std::int64_t>& at) {
                       const bool c = cond.data[static_cast<std::size_t>(at[0])] != 0.0f;
                       out.data[static_cast<std::size_t>(n)] =
                           c ? a.data[static_cast<std::size_t>(at[1])]
                             : b.data[static_cast<std::size_t>(at[2])];
                     });
  return out;
}

std::vector<HostTensor> split(const HostTensor& x, std::size_t axis,
                              const std::vector<std::int64_t>& sizes) {
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (std::size_t d = axis + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  const std::int64_t extent = x.shape[axis];
  std::vector<HostTensor> parts;
  std::int64_t first = 0;
  for (std::int64_t size : sizes) {
    Shape s = x.shape;
    s[axis] = size;
    HostTensor part = zeros(s);
    for (std::int64_t o = 0; o < outer; ++o)
      std::copy_n(x.data.data() + (o * extent + first) * inner, size * inner,
                  part.data.data() + o * size * inner);
    parts.push_back(std::move(part));
    first += size;
  }
  return parts;
}

std::vector<HostTensor> top_k(const HostTensor& x, std::size_t axis, std::int64_t k, bool largest,
                              bool sorted) {
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (std::size_t d = axis + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  const std::int64_t extent = x.shape[axis];
  Shape s = x.shape;
  s[axis] = k;
  HostTensor values = zeros(s), indices = zeros(s);
  std::vector<std::int64_t> order(static_cast<std::size_t>(extent));
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      auto at = [&](std::int64_t j) { return x.data[(o * extent + j) * inner + i]; };
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::int64_t p, std::int64_t q) {
        return largest ? at(p) > at(q) : at(p) < at(q);
      });
      if (!sorted) std::sort(order.begin(), order.begin() + k);
      for (std::int64_t j = 0; j < k; ++j) {
        const auto dst = static_cast<std::size_t>((o * k + j) * inner + i);
        values.data[dst] = at(order[static_cast<std::size_t>(j)]);
        indices.data[dst] = static_cast<float>(order[static_cast<std::size_t>(j)]);
      }
    }
  }
  return {values, indices};
}

HostTensor cumulative_sum(const HostTensor& x, std::size_t axis, bool exclusive, bool reverse) {
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (std::size_t d = axis + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  const std::int64_t extent = x.shape[axis];
  HostTensor out = zeros(x.shape);
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      double sum = 0;
      for (std::int64_t k = 0; k < extent; ++k) {
        const std::int64_t j = reverse ? extent - 1 - k : k;
        const auto at = static_cast<std::size_t>((o * extent + j) * inner + i);
        if (!exclusive) sum += x.data[at];
        out.data[at] = static_cast<float>(sum);
        if (exclusive) sum += x.data[at];
      }
    }
  }
  return out;
}

HostTensor range(float start, float limit, float delta) {
  const double n = std::ceil((static_cast<double>(limit) - start) / delta);
  HostTensor out = zeros({std::max<std::int64_t>(0, static_cast<std::int64_t>(n))});
  for (std::size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = static_cast<float>(start + static_cast<double>(i) * delta);
  return out;
}

}  // namespace infsim::models
