// Shape rules of the data-movement and selection operators (Reshape, Flatten, Transpose, Pad,
// Resize, reductions, Slice, Gather, Squeeze/Unsqueeze, Shape, Cast, comparisons, Where,
// Expand, ConstantOfShape, Range, Split, TopK); the table that names every rule is in
// models/shape_inference.cpp.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "models/model_error.h"
#include "models/shape_rules.h"

namespace infsim::models::shape_detail {

Shape infer_reshape(const Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto target = const_ints(g, node, 1);
  bool allow_zero = attr_int(node, "allowzero", 0) != 0;
  Shape out(target.size());
  int infer_at = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      if (infer_at >= 0) fail(node, "more than one -1 in the target shape");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (target[i] == 0 && !allow_zero) {
      if (i >= x.size()) fail(node, "0 in the target shape refers past the input's rank");
      out[i] = x[i];
    } else if (target[i] < 0) {
      fail(node, "negative dimension " + std::to_string(target[i]) + " in the target shape");
    } else {
      out[i] = target[i];
    }
    if (__builtin_mul_overflow(known, out[i], &known)) {
      fail(node, "target shape " + shape_string(target) + " has too many elements");
    }
  }
  std::int64_t total = num_elements(x);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) {
      fail(node, "cannot reshape " + shape_string(x) + " to " + shape_string(target));
    }
    out[static_cast<std::size_t>(infer_at)] = total / known;
  } else if (known != total) {
    fail(node, "cannot reshape " + shape_string(x) + " (" + std::to_string(total) +
                   " elements) to " + shape_string(out));
  }
  return out;
}

// Axes for ReduceMean/Squeeze/Unsqueeze: an input from opset 13/18 on, an attribute before.
std::vector<std::int64_t> axes_of(const Graph& g, const Node& node, std::size_t input_index) {
  if (has_input(node, input_index)) return const_ints(g, node, input_index);
  return attr_ints(node, "axes");
}

Shape infer_slice(const Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto starts = const_ints(g, node, 1);
  auto ends = const_ints(g, node, 2);
  std::vector<std::int64_t> axes(starts.size());
  std::iota(axes.begin(), axes.end(), 0);
  if (has_input(node, 3)) axes = const_ints(g, node, 3);
  std::vector<std::int64_t> steps(starts.size(), 1);
  if (has_input(node, 4)) steps = const_ints(g, node, 4);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    fail(node, "starts/ends/axes/steps differ in length");
  }
  Shape out = x;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    auto axis = static_cast<std::size_t>(normalize_axis(node, axes[i], x.size()));
    std::int64_t dim = x[axis], step = steps[i];
    if (step == 0) fail(node, "slice step 0");
    auto clamp = [&](std::int64_t v, std::int64_t lo, std::int64_t hi) {
      if (v < 0) v += dim;
      return std::clamp(v, lo, hi);
    };
    std::int64_t s = step > 0 ? clamp(starts[i], 0, dim) : clamp(starts[i], -1, dim - 1);
    std::int64_t e = step > 0 ? clamp(ends[i], 0, dim) : clamp(ends[i], -1, dim - 1);
    std::int64_t n = step > 0 ? (e - s + step - 1) / step : (s - e - step - 1) / -step;
    out[axis] = std::max<std::int64_t>(0, n);
  }
  return out;
}

Shape infer_resize(const Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  Shape out = x;
  if (has_input(node, 3) && num_elements(in_shape(g, node, 3)) > 0) {
    auto sizes = const_ints(g, node, 3);
    if (sizes.size() != x.size()) fail(node, "sizes must have one entry per dimension");
    return Shape(sizes.begin(), sizes.end());
  }
  if (!has_input(node, 2)) fail(node, "needs scales or sizes");
  auto scales = const_floats(g, node, 2);
  if (scales.size() != x.size()) fail(node, "scales must have one entry per dimension");
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double scaled = static_cast<double>(static_cast<float>(x[i]) * scales[i]);
    if (!(scaled >= 0.0 && scaled <= static_cast<double>(kMaxElements))) {
      fail(node, "scale " + std::to_string(scales[i]) + " out of range for dimension " +
                     std::to_string(i));
    }
    out[i] = static_cast<std::int64_t>(scaled);
  }
  return out;
}

void infer_reshape_node(Graph& g, const Node& node) {
  set_output(g, node, 0, infer_reshape(g, node), input(g, node, 0).dtype);
}

void infer_flatten(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto axis = attr_int(node, "axis", 1);
  if (axis < 0) axis += static_cast<std::int64_t>(x.size());
  if (axis < 0 || axis > static_cast<std::int64_t>(x.size())) fail(node, "axis out of range");
  std::int64_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < x.size(); ++i) {
    (static_cast<std::int64_t>(i) < axis ? outer : inner) *= x[i];
  }
  set_output(g, node, 0, {outer, inner}, input(g, node, 0).dtype);
}

void infer_transpose(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  std::vector<std::int64_t> rev(x.size());
  std::iota(rev.rbegin(), rev.rend(), 0);
  auto perm = attr_ints(node, "perm", rev);
  std::vector<std::int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::reverse(rev.begin(), rev.end());  // now 0, 1, ..., rank - 1
  if (sorted != rev) {
    fail(node, "perm " + shape_string(perm) + " is not a permutation of rank " +
                   std::to_string(x.size()));
  }
  Shape out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[static_cast<std::size_t>(perm[i])];
  set_output(g, node, 0, out, input(g, node, 0).dtype);
}

void infer_pad(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto pads = has_input(node, 1) ? const_ints(g, node, 1) : attr_ints(node, "pads");
  for (std::int64_t p : pads) {
    if (p < -kMaxElements || p > kMaxElements) fail(node, "padding " + std::to_string(p));
  }
  std::string mode = attr_string(node, "mode", "constant");
  if (mode != "constant") fail(node, "only constant padding is supported, not '" + mode + "'");
  if (pads.size() != 2 * x.size()) {
    fail(node, "pads has " + std::to_string(pads.size()) + " entries, expected " +
                   std::to_string(2 * x.size()));
  }
  Shape out = x;
  for (std::size_t i = 0; i < x.size(); ++i) out[i] += pads[i] + pads[i + x.size()];
  set_output(g, node, 0, out, input(g, node, 0).dtype);
}

void infer_resize_node(Graph& g, const Node& node) {
  std::string mode = attr_string(node, "mode", "nearest");
  if (mode != "nearest" && mode != "linear") {
    fail(node, "only nearest and linear modes are supported, not '" + mode + "'");
  }
  if (in_shape(g, node, 0).size() != 4) fail(node, "only 2-D (NCHW) resize is supported");
  set_output(g, node, 0, infer_resize(g, node), DType::kFp32);
}

void infer_reduce(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto axes = axes_of(g, node, 1);
  bool keep = attr_int(node, "keepdims", 1) != 0;
  std::set<std::size_t> reduce;
  for (auto a : axes) reduce.insert(static_cast<std::size_t>(normalize_axis(node, a, x.size())));
  if (axes.empty()) {
    for (std::size_t i = 0; i < x.size(); ++i) reduce.insert(i);
  }
  Shape out;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!reduce.count(i)) {
      out.push_back(x[i]);
    } else if (keep) {
      out.push_back(1);
    }
  }
  set_output(g, node, 0, out, DType::kFp32);
}

void infer_slice_node(Graph& g, const Node& node) {
  set_output(g, node, 0, infer_slice(g, node), input(g, node, 0).dtype);
}

void infer_gather(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto axis = static_cast<std::size_t>(normalize_axis(node, attr_int(node, "axis", 0), x.size()));
  const Shape& idx = in_shape(g, node, 1);
  Shape out(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(axis));
  out.insert(out.end(), idx.begin(), idx.end());
  out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(axis) + 1, x.end());
  set_output(g, node, 0, out, input(g, node, 0).dtype);
}

void infer_squeeze(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto axes = axes_of(g, node, 1);
  std::set<std::size_t> drop;
  for (auto a : axes) drop.insert(static_cast<std::size_t>(normalize_axis(node, a, x.size())));
  Shape out;
  for (std::size_t i = 0; i < x.size(); ++i) {
    bool squeeze = axes.empty() ? x[i] == 1 : drop.count(i) > 0;
    if (squeeze && x[i] != 1) fail(node, "cannot squeeze axis of size " + std::to_string(x[i]));
    if (!squeeze) out.push_back(x[i]);
  }
  set_output(g, node, 0, out, input(g, node, 0).dtype);
}

void infer_unsqueeze(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto axes = axes_of(g, node, 1);
  std::size_t rank = x.size() + axes.size();
  std::set<std::size_t> add;
  for (auto a : axes) add.insert(static_cast<std::size_t>(normalize_axis(node, a, rank)));
  Shape out;
  std::size_t j = 0;
  for (std::size_t i = 0; i < rank; ++i) out.push_back(add.count(i) ? 1 : x[j++]);
  set_output(g, node, 0, out, input(g, node, 0).dtype);
}

void infer_shape(Graph& g, const Node& node) {
  set_output(g, node, 0, {static_cast<std::int64_t>(in_shape(g, node, 0).size())}, DType::kInt64);
}

// Cast's "to" is an ONNX TensorProto element type (the IR keeps ONNX's operator vocabulary).
DType cast_target(const Node& node) {
  switch (attr_int(node, "to", 1)) {
    case 1:   // FLOAT
    case 11:  // DOUBLE (held as fp32)
      return DType::kFp32;
    case 10:
      return DType::kFp16;
    case 16:
      return DType::kBf16;
    case 7:
      return DType::kInt64;
    case 6:
      return DType::kInt32;
    case 2:  // UINT8
    case 3:
      return DType::kInt8;
    case 9:
      return DType::kBool;
    default:
      unsupported(node, "unsupported target type " + std::to_string(attr_int(node, "to", 1)));
  }
}

void infer_cast(Graph& g, const Node& node) {
  set_output(g, node, 0, in_shape(g, node, 0), cast_target(node));
}

// Equal, Less, Greater: broadcast, bool result; Not: bool of the same shape.
void infer_compare(Graph& g, const Node& node) {
  set_output(g, node, 0, broadcast(node, in_shape(g, node, 0), in_shape(g, node, 1)), DType::kBool);
}

void infer_not(Graph& g, const Node& node) {
  set_output(g, node, 0, in_shape(g, node, 0), DType::kBool);
}

void infer_where(Graph& g, const Node& node) {
  Shape s = broadcast(node, in_shape(g, node, 0), in_shape(g, node, 1));
  set_output(g, node, 0, broadcast(node, s, in_shape(g, node, 2)), input(g, node, 1).dtype);
}

void infer_expand(Graph& g, const Node& node) {
  set_output(g, node, 0, broadcast(node, in_shape(g, node, 0), const_ints(g, node, 1)),
             input(g, node, 0).dtype);
}

void infer_constant_of_shape(Graph& g, const Node& node) {
  set_output(g, node, 0, const_ints(g, node, 0), DType::kFp32);
}

void infer_range(Graph& g, const Node& node) {
  const auto start = const_floats(g, node, 0), limit = const_floats(g, node, 1),
             delta = const_floats(g, node, 2);
  if (start.size() != 1 || limit.size() != 1 || delta.size() != 1 || delta[0] == 0.0f)
    fail(node, "start, limit and delta must be scalars, delta non-zero");
  const double n = std::ceil((static_cast<double>(limit[0]) - start[0]) / delta[0]);
  set_output(g, node, 0, {std::max<std::int64_t>(0, static_cast<std::int64_t>(n))},
             input(g, node, 0).dtype);
}

// Split into the sizes of the "split" input (opset 13) or attribute, else equal parts.
void infer_split(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto axis = static_cast<std::size_t>(normalize_axis(node, attr_int(node, "axis", 0), x.size()));
  std::vector<std::int64_t> sizes =
      has_input(node, 1) ? const_ints(g, node, 1) : attr_ints(node, "split");
  const auto parts = static_cast<std::int64_t>(node.outputs.size());
  if (sizes.empty()) {
    if (parts == 0 || x[axis] % parts != 0)
      fail(node, "axis of " + std::to_string(x[axis]) + " does not split into " +
                     std::to_string(parts) + " equal parts");
    sizes.assign(static_cast<std::size_t>(parts), x[axis] / parts);
  }
  std::int64_t total = 0;
  for (auto v : sizes) total += v;
  if (static_cast<std::int64_t>(sizes.size()) != parts || total != x[axis])
    fail(node, "split sizes " + shape_string(sizes) + " do not cover axis " + std::to_string(axis) +
                   " of " + shape_string(x));
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    Shape out = x;
    out[axis] = sizes[i];
    set_output(g, node, i, out, input(g, node, 0).dtype);
  }
}

void infer_topk(Graph& g, const Node& node) {
  const Shape& x = in_shape(g, node, 0);
  auto axis = static_cast<std::size_t>(normalize_axis(node, attr_int(node, "axis", -1), x.size()));
  const auto k = const_ints(g, node, 1);
  if (k.size() != 1 || k[0] < 0 || k[0] > x[axis])
    fail(node, "K must be one value in [0, " + std::to_string(x[axis]) + "]");
  Shape out = x;
  out[axis] = k[0];
  set_output(g, node, 0, out, input(g, node, 0).dtype);
  set_output(g, node, 1, out, DType::kInt64);
}

}  // namespace infsim::models::shape_detail
