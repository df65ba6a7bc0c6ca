// The reference executor's data movement (concat, transpose, slice, gather, pad, resize),
// selection operators and reductions.

#include "models/reference_executor_impl.h"

namespace infsim::models::reference {

HostTensor Executor::concat(const Node& node) {
  HostTensor out = make(tensor(node.outputs[0]).shape);
  std::size_t axis = axis_of(node, out.shape, 0);
  std::int64_t outer, inner;
  split(out.shape, axis, outer, inner);
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < node.inputs.size(); ++i) {
    const HostTensor& t = in(node, i);
    std::int64_t chunk = t.shape[axis] * inner;
    for (std::int64_t o = 0; o < outer; ++o) {
      std::copy_n(t.data.data() + o * chunk, chunk,
                  out.data.data() + o * out.shape[axis] * inner + offset);
    }
    offset += chunk;
  }
  return out;
}

void Executor::gather_strided(const HostTensor& x, HostTensor& out,
                              const std::vector<std::int64_t>& step, std::int64_t base) {
  std::size_t rank = out.shape.size();
  std::vector<std::int64_t> idx(rank, 0);
  std::int64_t src = base;
  for (std::size_t n = 0; n < out.data.size(); ++n) {
    out.data[n] = x.data[static_cast<std::size_t>(src)];
    for (std::size_t d = rank; d-- > 0;) {
      ++idx[d];
      src += step[d];
      if (idx[d] < out.shape[d]) break;
      src -= step[d] * idx[d];
      idx[d] = 0;
    }
  }
}

HostTensor Executor::transpose(const Node& node) {
  const HostTensor& x = in(node, 0);
  HostTensor out = make(tensor(node.outputs[0]).shape);
  std::vector<std::int64_t> rev(x.shape.size());
  std::iota(rev.rbegin(), rev.rend(), 0);
  auto perm = attr_ints(node, "perm", rev);
  auto st = strides_of(x.shape);
  std::vector<std::int64_t> step(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) step[i] = st[static_cast<std::size_t>(perm[i])];
  gather_strided(x, out, step, 0);
  return out;
}

HostTensor Executor::slice(const Node& node) {
  const HostTensor& x = in(node, 0);
  HostTensor out = make(tensor(node.outputs[0]).shape);
  auto starts = ints(node, 1);
  std::vector<std::int64_t> axes(starts.size());
  std::iota(axes.begin(), axes.end(), 0);
  if (has(node, 3)) axes = ints(node, 3);
  std::vector<std::int64_t> steps(starts.size(), 1);
  if (has(node, 4)) steps = ints(node, 4);
  auto st = strides_of(x.shape);
  std::vector<std::int64_t> step = st;
  std::int64_t base = 0;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    std::int64_t axis = axes[i] < 0 ? axes[i] + static_cast<std::int64_t>(x.shape.size()) : axes[i];
    auto a = static_cast<std::size_t>(axis);
    std::int64_t dim = x.shape[a], s = starts[i];
    if (s < 0) s += dim;
    s = steps[i] > 0 ? std::clamp<std::int64_t>(s, 0, dim)
                     : std::clamp<std::int64_t>(s, -1, dim - 1);
    base += s * st[a];
    step[a] = st[a] * steps[i];
  }
  if (!out.data.empty()) gather_strided(x, out, step, base);
  return out;
}

HostTensor Executor::gather(const Node& node) {
  const HostTensor& x = in(node, 0);
  auto indices = ints(node, 1);
  std::size_t axis = axis_of(node, x.shape, 0);
  std::int64_t outer, inner;
  split(x.shape, axis, outer, inner);
  std::int64_t extent = x.shape[axis];
  HostTensor out = make(tensor(node.outputs[0]).shape);
  auto count = static_cast<std::int64_t>(indices.size());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t j = 0; j < count; ++j) {
      std::int64_t idx = indices[static_cast<std::size_t>(j)];
      if (idx < 0) idx += extent;
      if (idx < 0 || idx >= extent) fail(node, "index " + std::to_string(idx) + " out of range");
      std::copy_n(x.data.data() + (o * extent + idx) * inner, inner,
                  out.data.data() + (o * count + j) * inner);
    }
  }
  return out;
}

HostTensor Executor::pad(const Node& node) {
  const HostTensor& x = in(node, 0);
  auto pads = has(node, 1) ? ints(node, 1) : attr_ints(node, "pads");
  float fill = has(node, 2) ? in(node, 2).data.at(0) : attr_float(node, "value", 0.0f);
  HostTensor out = make(tensor(node.outputs[0]).shape);
  std::fill(out.data.begin(), out.data.end(), fill);
  std::size_t rank = x.shape.size();
  auto so = strides_of(out.shape);
  std::vector<std::int64_t> idx(rank, 0);
  for (std::size_t n = 0; n < x.data.size(); ++n) {
    std::int64_t dst = 0;
    bool inside = true;
    for (std::size_t d = 0; d < rank; ++d) {
      std::int64_t o = idx[d] + pads[d];
      inside = inside && o >= 0 && o < out.shape[d];
      dst += o * so[d];
    }
    if (inside) out.data[static_cast<std::size_t>(dst)] = x.data[n];
    for (std::size_t d = rank; d-- > 0;) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

HostTensor Executor::resize(const Node& node) {
  const HostTensor& x = in(node, 0);
  HostTensor out = make(tensor(node.outputs[0]).shape);
  if (out.shape[0] != x.shape[0] || out.shape[1] != x.shape[1]) {
    fail(node, "only spatial (H, W) resizing is supported");
  }
  std::string mode = attr_string(node, "mode", "nearest");
  std::string transform = attr_string(node, "coordinate_transformation_mode", "half_pixel");
  std::string nearest = attr_string(node, "nearest_mode", "round_prefer_floor");
  std::vector<float> scales;
  if (has(node, 2) && !in(node, 2).data.empty()) scales = in(node, 2).data;
  auto source = [&](std::int64_t o, std::size_t d) {
    double in_len = static_cast<double>(x.shape[d]), out_len = static_cast<double>(out.shape[d]);
    double scale = scales.empty() ? out_len / in_len : scales[d];
    if (transform == "asymmetric") return o / scale;
    if (transform == "align_corners") {
      return out_len > 1 ? o * (in_len - 1) / (out_len - 1) : 0.0;
    }
    if (transform == "pytorch_half_pixel" && out_len <= 1) return 0.0;
    if (transform == "half_pixel" || transform == "pytorch_half_pixel") {
      return (o + 0.5) / scale - 0.5;
    }
    fail(node, "unsupported coordinate_transformation_mode '" + transform + "'");
  };
  auto round_nearest = [&](double v) -> std::int64_t {
    if (nearest == "floor") return static_cast<std::int64_t>(std::floor(v));
    if (nearest == "ceil") return static_cast<std::int64_t>(std::ceil(v));
    double f = std::floor(v);
    if (v - f == 0.5) return static_cast<std::int64_t>(nearest == "round_prefer_ceil" ? f + 1 : f);
    return static_cast<std::int64_t>(std::round(v));
  };
  const std::int64_t h = x.shape[2], w = x.shape[3], oh = out.shape[2], ow = out.shape[3];
  for (std::int64_t plane = 0; plane < x.shape[0] * x.shape[1]; ++plane) {
    const float* src = x.data.data() + plane * h * w;
    float* dst = out.data.data() + plane * oh * ow;
    for (std::int64_t oy = 0; oy < oh; ++oy) {
      double sy = source(oy, 2);
      for (std::int64_t ox = 0; ox < ow; ++ox) {
        double sx = source(ox, 3);
        if (mode == "nearest") {
          std::int64_t iy = std::clamp<std::int64_t>(round_nearest(sy), 0, h - 1);
          std::int64_t ix = std::clamp<std::int64_t>(round_nearest(sx), 0, w - 1);
          dst[oy * ow + ox] = src[iy * w + ix];
        } else {
          double cy = std::clamp(sy, 0.0, static_cast<double>(h - 1));
          double cx = std::clamp(sx, 0.0, static_cast<double>(w - 1));
          auto y0 = static_cast<std::int64_t>(std::floor(cy));
          auto x0 = static_cast<std::int64_t>(std::floor(cx));
          std::int64_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
          double fy = cy - static_cast<double>(y0), fx = cx - static_cast<double>(x0);
          double top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
          double bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
          dst[oy * ow + ox] = static_cast<float>(top * (1 - fy) + bottom * fy);
        }
      }
    }
  }
  return out;
}

std::vector<HostTensor> Executor::selection(const Node& node) {
  const std::string& op = node.op;
  const Shape& out_shape = tensor(node.outputs[0]).shape;
  if (op == "Cast") {
    HostTensor t = in(node, 0);
    const DType to = tensor(node.outputs[0]).dtype;
    for (float& v : t.data) {
      if (to == DType::kBool) v = v != 0.0f ? 1.0f : 0.0f;
      if (to == DType::kInt64 || to == DType::kInt32 || to == DType::kInt8) v = std::trunc(v);
    }
    return {t};
  }
  if (op == "Where") return {models::where(in(node, 0), in(node, 1), in(node, 2), out_shape)};
  if (op == "Expand") return {broadcast_to(in(node, 0), out_shape)};
  if (op == "ConstantOfShape") {
    HostTensor t = make(out_shape);
    std::fill(t.data.begin(), t.data.end(), attr_float(node, "value", 0.0f));
    return {t};
  }
  if (op == "Range")
    return {models::range(in(node, 0).data.at(0), in(node, 1).data.at(0), in(node, 2).data.at(0))};
  const HostTensor& x = in(node, 0);
  if (op == "CumSum") {
    const std::int64_t a = ints(node, 1).at(0);
    return {models::cumulative_sum(x, axis_of(node, x.shape, a),
                                   attr_int(node, "exclusive", 0) != 0,
                                   attr_int(node, "reverse", 0) != 0)};
  }
  if (op == "Split") {
    std::size_t axis = axis_of(node, x.shape, 0);
    std::vector<std::int64_t> sizes;
    for (int id : node.outputs) sizes.push_back(tensor(id).shape[axis]);
    return models::split(x, axis, sizes);
  }
  return models::top_k(x, axis_of(node, x.shape, -1), ints(node, 1).at(0),
                       attr_int(node, "largest", 1) != 0, attr_int(node, "sorted", 1) != 0);
}

HostTensor Executor::reduce(const Node& node) {
  const HostTensor& x = in(node, 0);
  std::vector<std::int64_t> axes = has(node, 1) ? ints(node, 1) : attr_ints(node, "axes");
  std::size_t rank = x.shape.size();
  std::vector<bool> reduce(rank, axes.empty());
  for (auto a : axes)
    reduce[static_cast<std::size_t>(a < 0 ? a + static_cast<std::int64_t>(rank) : a)] = true;
  // Accumulate into the keepdims-shaped result, then relabel with the declared shape.
  Shape kept = x.shape;
  std::int64_t count = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    if (reduce[d]) {
      count *= kept[d];
      kept[d] = 1;
    }
  }
  std::vector<double> acc(static_cast<std::size_t>(num_elements(kept)), 0.0);
  std::vector<bool> first(acc.size(), true);
  auto sk = strides_of(kept);
  std::vector<std::int64_t> idx(rank, 0);
  for (std::size_t n = 0; n < x.data.size(); ++n) {
    std::int64_t dst = 0;
    for (std::size_t d = 0; d < rank; ++d) dst += (reduce[d] ? 0 : idx[d]) * sk[d];
    const double v = x.data[n];
    double& a = acc[static_cast<std::size_t>(dst)];
    if (node.op == "ReduceMax") {
      a = first[static_cast<std::size_t>(dst)] ? v : std::max(a, v);
      first[static_cast<std::size_t>(dst)] = false;
    } else {
      a += node.op == "ReduceL2" ? v * v : v;
    }
    for (std::size_t d = rank; d-- > 0;) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  HostTensor out = make(tensor(node.outputs[0]).shape);
  double divisor = node.op == "ReduceMean" ? static_cast<double>(count) : 1.0;
  for (std::size_t i = 0; i < acc.size(); ++i)
    out.data[i] = static_cast<float>(node.op == "ReduceL2" ? std::sqrt(acc[i]) : acc[i] / divisor);
  return out;
}

}  // namespace infsim::models::reference
