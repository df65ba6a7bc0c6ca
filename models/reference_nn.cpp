// The reference executor's convolution, pooling, matrix products and normalizations.

#include "models/reference_executor_impl.h"

namespace infsim::models::reference {

HostTensor Executor::conv(const Node& node) {
  const HostTensor& x = in(node, 0);
  const HostTensor& w = in(node, 1);
  const Shape& os = tensor(node.outputs[0]).shape;
  SpatialWindow win = spatial_window(node, x.shape, {w.shape[2], w.shape[3]});
  const std::int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
  const std::int64_t m = w.shape[0], kh = w.shape[2], kw = w.shape[3];
  const std::int64_t oh = os[2], ow = os[3];
  const std::int64_t group = attr_int(node, "group", 1);
  const std::int64_t cg = c / group, mg = m / group, k = cg * kh * kw;
  HostTensor out = make(os);
  RowMatrix col(k, oh * ow);
  for (std::int64_t b = 0; b < n; ++b) {
    for (std::int64_t gi = 0; gi < group; ++gi) {
      for (std::int64_t ci = 0; ci < cg; ++ci) {
        const float* src = x.data.data() + ((b * c + gi * cg + ci) * h) * wd;
        for (std::int64_t ky = 0; ky < kh; ++ky) {
          for (std::int64_t kx = 0; kx < kw; ++kx) {
            float* dst = col.data() + ((ci * kh + ky) * kw + kx) * oh * ow;
            for (std::int64_t y = 0; y < oh; ++y) {
              std::int64_t iy = y * win.strides[0] - win.pads[0] + ky * win.dilations[0];
              for (std::int64_t xx = 0; xx < ow; ++xx) {
                std::int64_t ix = xx * win.strides[1] - win.pads[1] + kx * win.dilations[1];
                dst[y * ow + xx] =
                    (iy >= 0 && iy < h && ix >= 0 && ix < wd) ? src[iy * wd + ix] : 0.0f;
              }
            }
          }
        }
      }
      ConstMatrixMap wm(w.data.data() + gi * mg * k, mg, k);
      MatrixMap om(out.data.data() + (b * m + gi * mg) * oh * ow, mg, oh * ow);
      om.noalias() = wm * col;
    }
  }
  if (has(node, 2)) {
    const HostTensor& bias = in(node, 2);
    for (std::int64_t b = 0; b < n; ++b) {
      for (std::int64_t mi = 0; mi < m; ++mi) {
        float* p = out.data.data() + (b * m + mi) * oh * ow;
        for (std::int64_t i = 0; i < oh * ow; ++i) p[i] += bias.data[static_cast<std::size_t>(mi)];
      }
    }
  }
  return out;
}

HostTensor Executor::batch_norm(const Node& node) {
  HostTensor y = in(node, 0);
  const auto& scale = in(node, 1).data;
  const auto& bias = in(node, 2).data;
  const auto& mean = in(node, 3).data;
  const auto& var = in(node, 4).data;
  float eps = attr_float(node, "epsilon", 1e-5f);
  std::int64_t c = y.shape[1];
  std::int64_t inner = num_elements(y.shape) / (y.shape[0] * c);
  for (std::int64_t b = 0; b < y.shape[0]; ++b) {
    for (std::int64_t ci = 0; ci < c; ++ci) {
      auto i = static_cast<std::size_t>(ci);
      float s = scale[i] / std::sqrt(var[i] + eps);
      float t = bias[i] - mean[i] * s;
      float* p = y.data.data() + (b * c + ci) * inner;
      for (std::int64_t k = 0; k < inner; ++k) p[k] = p[k] * s + t;
    }
  }
  return y;
}

HostTensor Executor::pool(const Node& node) {
  const HostTensor& x = in(node, 0);
  auto kernel = attr_ints(node, "kernel_shape");
  SpatialWindow win = spatial_window(node, x.shape, kernel);
  const Shape& os = tensor(node.outputs[0]).shape;
  bool is_max = node.op == "MaxPool";
  bool include_pad = attr_int(node, "count_include_pad", 0) != 0;
  const std::int64_t h = x.shape[2], w = x.shape[3];
  HostTensor out = make(os);
  for (std::int64_t plane = 0; plane < os[0] * os[1]; ++plane) {
    const float* src = x.data.data() + plane * h * w;
    float* dst = out.data.data() + plane * os[2] * os[3];
    for (std::int64_t oy = 0; oy < os[2]; ++oy) {
      for (std::int64_t ox = 0; ox < os[3]; ++ox) {
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        std::int64_t count = 0, padded_count = 0;
        for (std::int64_t ky = 0; ky < kernel[0]; ++ky) {
          std::int64_t iy = oy * win.strides[0] - win.pads[0] + ky * win.dilations[0];
          for (std::int64_t kx = 0; kx < kernel[1]; ++kx) {
            std::int64_t ix = ox * win.strides[1] - win.pads[1] + kx * win.dilations[1];
            // PyTorch counts window positions inside the padded extent, not past it.
            if (iy < h + win.pads[2] && ix < w + win.pads[3]) ++padded_count;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            float v = src[iy * w + ix];
            acc = is_max ? std::max(acc, v) : acc + v;
            ++count;
          }
        }
        if (!is_max)
          acc /= static_cast<float>(include_pad ? padded_count : std::max<std::int64_t>(count, 1));
        dst[oy * os[3] + ox] = acc;
      }
    }
  }
  return out;
}

HostTensor Executor::global_pool(const Node& node) {
  const HostTensor& x = in(node, 0);
  HostTensor out = make(tensor(node.outputs[0]).shape);
  std::int64_t inner = num_elements(x.shape) / (x.shape[0] * x.shape[1]);
  for (std::size_t p = 0; p < out.data.size(); ++p) {
    const float* src = x.data.data() + static_cast<std::int64_t>(p) * inner;
    if (node.op == "GlobalMaxPool") {
      out.data[p] = *std::max_element(src, src + inner);
    } else {
      double sum = std::accumulate(src, src + inner, 0.0);
      out.data[p] = static_cast<float>(sum / static_cast<double>(inner));
    }
  }
  return out;
}

HostTensor Executor::gemm(const Node& node) {
  const HostTensor& a = in(node, 0);
  const HostTensor& b = in(node, 1);
  ConstMatrixMap am(a.data.data(), a.shape[0], a.shape[1]);
  ConstMatrixMap bm(b.data.data(), b.shape[0], b.shape[1]);
  RowMatrix ea = attr_int(node, "transA", 0) ? RowMatrix(am.transpose()) : RowMatrix(am);
  RowMatrix eb = attr_int(node, "transB", 0) ? RowMatrix(bm.transpose()) : RowMatrix(bm);
  HostTensor out = make(tensor(node.outputs[0]).shape);
  MatrixMap om(out.data.data(), out.shape[0], out.shape[1]);
  om.noalias() = attr_float(node, "alpha", 1.0f) * (ea * eb);
  if (has(node, 2)) {
    const HostTensor& c = in(node, 2);
    float beta = attr_float(node, "beta", 1.0f);
    auto st = strides_of(c.shape);
    for (std::int64_t i = 0; i < out.shape[0]; ++i) {
      for (std::int64_t j = 0; j < out.shape[1]; ++j) {
        std::int64_t ci = 0;
        if (c.shape.size() == 2) {
          ci = (c.shape[0] == 1 ? 0 : i * st[0]) + (c.shape[1] == 1 ? 0 : j);
        } else if (c.shape.size() == 1) {
          ci = c.shape[0] == 1 ? 0 : j;
        }
        om(i, j) += beta * c.data[static_cast<std::size_t>(ci)];
      }
    }
  }
  return out;
}

HostTensor Executor::matmul(const Node& node) {
  HostTensor a = in(node, 0);
  HostTensor b = in(node, 1);
  if (a.shape.size() == 1) a.shape.insert(a.shape.begin(), 1);
  if (b.shape.size() == 1) b.shape.push_back(1);
  const std::int64_t m = a.shape[a.shape.size() - 2], k = a.shape.back(), n = b.shape.back();
  Shape ab(a.shape.begin(), a.shape.end() - 2), bb(b.shape.begin(), b.shape.end() - 2);
  std::size_t rank = std::max(ab.size(), bb.size());
  ab.insert(ab.begin(), rank - ab.size(), 1);
  bb.insert(bb.begin(), rank - bb.size(), 1);
  Shape batch(rank);
  for (std::size_t i = 0; i < rank; ++i) batch[i] = std::max(ab[i], bb[i]);
  auto sa = strides_of(ab), sb = strides_of(bb);
  HostTensor out = make(tensor(node.outputs[0]).shape);
  std::int64_t batches = num_elements(batch);
  std::vector<std::int64_t> idx(rank, 0);
  for (std::int64_t bi = 0; bi < batches; ++bi) {
    std::int64_t oa = 0, ob = 0, rem = bi;
    for (std::size_t d = rank; d-- > 0;) {
      idx[d] = rem % batch[d];
      rem /= batch[d];
      oa += (ab[d] == 1 ? 0 : idx[d]) * sa[d];
      ob += (bb[d] == 1 ? 0 : idx[d]) * sb[d];
    }
    ConstMatrixMap am(a.data.data() + oa * m * k, m, k);
    ConstMatrixMap bm(b.data.data() + ob * k * n, k, n);
    MatrixMap om(out.data.data() + bi * m * n, m, n);
    om.noalias() = am * bm;
  }
  return out;
}

HostTensor Executor::softmax(const Node& node) {
  HostTensor y = in(node, 0);
  std::size_t axis = axis_of(node, y.shape, -1);
  std::int64_t outer, inner;
  split(y.shape, axis, outer, inner);
  std::int64_t extent = y.shape[axis];
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      float* p = y.data.data() + o * extent * inner + i;
      float mx = -std::numeric_limits<float>::infinity();
      for (std::int64_t e = 0; e < extent; ++e) mx = std::max(mx, p[e * inner]);
      double sum = 0.0;
      for (std::int64_t e = 0; e < extent; ++e) {
        p[e * inner] = std::exp(p[e * inner] - mx);
        sum += p[e * inner];
      }
      for (std::int64_t e = 0; e < extent; ++e) {
        p[e * inner] = static_cast<float>(p[e * inner] / sum);
      }
    }
  }
  return y;
}

HostTensor Executor::layer_norm(const Node& node) {
  HostTensor y = in(node, 0);
  std::size_t axis = axis_of(node, y.shape, -1);
  std::int64_t outer = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= y.shape[i];
  std::int64_t inner = num_elements(y.shape) / outer;
  float eps = attr_float(node, "epsilon", 1e-5f);
  const HostTensor& scale = in(node, 1);
  const HostTensor* bias = has(node, 2) ? &in(node, 2) : nullptr;
  auto at = [inner](const HostTensor& t, std::int64_t i) {
    auto n = static_cast<std::int64_t>(t.data.size());
    return t.data[static_cast<std::size_t>(n == inner ? i : i % n)];
  };
  for (std::int64_t o = 0; o < outer; ++o) {
    float* p = y.data.data() + o * inner;
    double mean = 0.0, var = 0.0;
    for (std::int64_t i = 0; i < inner; ++i) mean += p[i];
    mean /= static_cast<double>(inner);
    for (std::int64_t i = 0; i < inner; ++i) var += (p[i] - mean) * (p[i] - mean);
    var /= static_cast<double>(inner);
    double inv = 1.0 / std::sqrt(var + eps);
    for (std::int64_t i = 0; i < inner; ++i) {
      float v = static_cast<float>((p[i] - mean) * inv) * at(scale, i);
      p[i] = bias ? v + at(*bias, i) : v;
    }
  }
  return y;
}

}  // namespace infsim::models::reference
