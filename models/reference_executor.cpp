#include "models/reference_executor.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>

#include "models/model_error.h"
#include "models/reference_ops.h"
#include "models/shape_inference.h"

namespace infsim::models {

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

[[noreturn]] void fail(const Node& node, const std::string& what) {
  throw ModelError("node '" + node.name + "' (op " + node.op + "): " + what);
}

std::vector<std::int64_t> strides_of(const Shape& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

// log(1 + e^x) without overflow for large x.
float softplus(float x) {
  return x > 20.0f ? x : std::log1p(std::exp(x));
}

HostTensor make(Shape shape) {
  HostTensor t;
  t.data.assign(static_cast<std::size_t>(num_elements(shape)), 0.0f);
  t.shape = std::move(shape);
  return t;
}

class Executor {
 public:
  explicit Executor(const Graph& g) : g_(g), values_(g.tensors.size()) {}

  std::vector<HostTensor> run(const std::vector<HostTensor>& inputs) {
    if (inputs.size() != g_.inputs.size()) {
      throw ModelError("graph '" + g_.name + "': expects " + std::to_string(g_.inputs.size()) +
                       " inputs, got " + std::to_string(inputs.size()));
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& t = tensor(g_.inputs[i]);
      if (inputs[i].shape != t.shape ||
          static_cast<std::int64_t>(inputs[i].data.size()) != num_elements(t.shape)) {
        throw ModelError("graph '" + g_.name + "': input '" + t.name + "' has shape " +
                         shape_string(t.shape) + ", got " + shape_string(inputs[i].shape) +
                         " with " + std::to_string(inputs[i].data.size()) + " values");
      }
      values_[static_cast<std::size_t>(g_.inputs[i])] = inputs[i];
    }
    for (const Node& node : g_.nodes) {
      std::vector<HostTensor> outs = eval(node);
      for (std::size_t k = 0; k < outs.size() && k < node.outputs.size(); ++k) {
        const Tensor& declared = tensor(node.outputs[k]);
        if (outs[k].shape != declared.shape) {
          fail(node, "computed shape " + shape_string(outs[k].shape) +
                         " differs from the graph's " + shape_string(declared.shape) + " for '" +
                         declared.name + "'");
        }
        values_[static_cast<std::size_t>(node.outputs[k])] = std::move(outs[k]);
      }
    }
    std::vector<HostTensor> result;
    for (int id : g_.outputs) result.push_back(value(id));
    return result;
  }

 private:
  const Tensor& tensor(int id) const { return g_.tensors[static_cast<std::size_t>(id)]; }

  const HostTensor& value(int id) {
    auto& slot = values_[static_cast<std::size_t>(id)];
    if (!slot) {
      const Tensor& t = tensor(id);
      if (!t.is_constant) throw ModelError("tensor '" + t.name + "' has no value yet");
      HostTensor h;
      h.shape = t.shape;
      if (!t.data.empty()) {
        h.data = t.data;
      } else {
        h.data.assign(t.int_data.begin(), t.int_data.end());
      }
      if (static_cast<std::int64_t>(h.data.size()) != num_elements(t.shape)) {
        throw ModelError("constant '" + t.name + "' has no values (was the model built without " +
                         "weights?)");
      }
      slot = std::move(h);
    }
    return *slot;
  }

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

  std::vector<HostTensor> eval(const Node& node) {
    const std::string& op = node.op;
    if (op == "Conv") return {conv(node)};
    if (op == "BatchNormalization") return {batch_norm(node)};
    if (op == "MaxPool" || op == "AveragePool") return {pool(node)};
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool") return {global_pool(node)};
    if (op == "Gemm") return {gemm(node)};
    if (op == "MatMul") return {matmul(node)};
    if (op == "Softmax") return {softmax(node)};
    if (op == "LayerNormalization") return {layer_norm(node)};
    if (op == "Concat") return {concat(node)};
    if (op == "Transpose") return {transpose(node)};
    if (op == "Pad") return {pad(node)};
    if (op == "Resize") return {resize(node)};
    if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceL2" || op == "ReduceMax")
      return {reduce(node)};
    if (op == "Slice") return {slice(node)};
    if (op == "Gather") return {gather(node)};
    if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" ||
        op == "Identity" || op == "Dropout") {
      HostTensor t = in(node, 0);
      t.shape = tensor(node.outputs[0]).shape;
      return {t};
    }
    if (op == "Shape") {
      HostTensor t = make({static_cast<std::int64_t>(in(node, 0).shape.size())});
      for (std::size_t i = 0; i < t.data.size(); ++i) {
        t.data[i] = static_cast<float>(in(node, 0).shape[i]);
      }
      return {t};
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Max" ||
        op == "Min" || op == "Equal" || op == "Less" || op == "Greater") {
      return {binary(node)};
    }
    if (op == "Cast" || op == "Where" || op == "Expand" || op == "ConstantOfShape" ||
        op == "Range" || op == "Split" || op == "TopK" || op == "CumSum")
      return selection(node);
    return {unary(node)};
  }

  HostTensor unary(const Node& node) {
    const std::string& op = node.op;
    std::function<float(float)> f;
    if (op == "Relu") {
      f = [](float x) { return x > 0.0f ? x : 0.0f; };
    } else if (op == "Clip") {
      float lo = -std::numeric_limits<float>::infinity();
      float hi = std::numeric_limits<float>::infinity();
      if (has(node, 1)) lo = in(node, 1).data.at(0);
      if (has(node, 2)) hi = in(node, 2).data.at(0);
      lo = attr_float(node, "min", lo);
      hi = attr_float(node, "max", hi);
      f = [lo, hi](float x) { return std::min(std::max(x, lo), hi); };
    } else if (op == "Sigmoid") {
      f = [](float x) { return 1.0f / (1.0f + std::exp(-x)); };
    } else if (op == "Tanh") {
      f = [](float x) { return std::tanh(x); };
    } else if (op == "Gelu") {
      if (attr_string(node, "approximate", "none") == "tanh") {
        f = [](float x) {
          const float k = std::sqrt(2.0f / static_cast<float>(M_PI));
          return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
        };
      } else {
        f = [](float x) { return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f))); };
      }
    } else if (op == "Erf") {
      f = [](float x) { return std::erf(x); };
    } else if (op == "Sqrt") {
      f = [](float x) { return std::sqrt(x); };
    } else if (op == "Exp") {
      f = [](float x) { return std::exp(x); };
    } else if (op == "Neg") {
      f = [](float x) { return -x; };
    } else if (op == "Abs") {
      f = [](float x) { return std::fabs(x); };
    } else if (op == "Reciprocal") {
      f = [](float x) { return 1.0f / x; };
    } else if (op == "LeakyRelu") {
      float alpha = attr_float(node, "alpha", 0.01f);
      f = [alpha](float x) { return x >= 0.0f ? x : alpha * x; };
    } else if (op == "HardSigmoid") {
      float alpha = attr_float(node, "alpha", 0.2f), beta = attr_float(node, "beta", 0.5f);
      f = [alpha, beta](float x) { return std::clamp(alpha * x + beta, 0.0f, 1.0f); };
    } else if (op == "HardSwish") {
      f = [](float x) { return x * std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f); };
    } else if (op == "Softplus") {
      f = [](float x) { return softplus(x); };
    } else if (op == "Mish") {
      f = [](float x) { return x * std::tanh(softplus(x)); };
    } else if (op == "Not") {
      f = [](float x) { return x == 0.0f ? 1.0f : 0.0f; };
    } else {
      fail(node, "the reference executor does not implement this operator");
    }
    HostTensor t = in(node, 0);
    for (float& v : t.data) v = f(v);
    return t;
  }

  HostTensor binary(const Node& node) {
    const HostTensor& a = in(node, 0);
    const HostTensor& b = in(node, 1);
    const Shape& out_shape = tensor(node.outputs[0]).shape;
    HostTensor out = make(out_shape);
    std::size_t rank = out_shape.size();
    auto bstrides = [&](const Shape& s) {
      std::vector<std::int64_t> st(rank, 0);
      auto own = strides_of(s);
      for (std::size_t i = 0; i < s.size(); ++i) {
        std::size_t d = rank - s.size() + i;
        st[d] = s[i] == 1 ? 0 : own[i];
      }
      return st;
    };
    auto sa = bstrides(a.shape), sb = bstrides(b.shape);
    const std::string& op = node.op;
    std::function<float(float, float)> f;
    if (op == "Add") f = [](float x, float y) { return x + y; };
    if (op == "Sub") f = [](float x, float y) { return x - y; };
    if (op == "Mul") f = [](float x, float y) { return x * y; };
    if (op == "Div") f = [](float x, float y) { return x / y; };
    if (op == "Pow") f = [](float x, float y) { return std::pow(x, y); };
    if (op == "Max") f = [](float x, float y) { return std::max(x, y); };
    if (op == "Min") f = [](float x, float y) { return std::min(x, y); };
    if (op == "Equal") f = [](float x, float y) { return x == y ? 1.0f : 0.0f; };
    if (op == "Less") f = [](float x, float y) { return x < y ? 1.0f : 0.0f; };
    if (op == "Greater") f = [](float x, float y) { return x > y ? 1.0f : 0.0f; };
    std::vector<std::int64_t> idx(rank, 0);
    std::int64_t ia = 0, ib = 0;
    for (std::size_t n = 0; n < out.data.size(); ++n) {
      out.data[n] = f(a.data[static_cast<std::size_t>(ia)], b.data[static_cast<std::size_t>(ib)]);
      for (std::size_t d = rank; d-- > 0;) {
        ++idx[d];
        ia += sa[d];
        ib += sb[d];
        if (idx[d] < out_shape[d]) break;
        ia -= sa[d] * idx[d];
        ib -= sb[d] * idx[d];
        idx[d] = 0;
      }
    }
    return out;
  }

  HostTensor conv(const Node& node) {
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
          for (std::int64_t i = 0; i < oh * ow; ++i)
            p[i] += bias.data[static_cast<std::size_t>(mi)];
        }
      }
    }
    return out;
  }

  HostTensor batch_norm(const Node& node) {
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

  HostTensor pool(const Node& node) {
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
            acc /=
                static_cast<float>(include_pad ? padded_count : std::max<std::int64_t>(count, 1));
          dst[oy * os[3] + ox] = acc;
        }
      }
    }
    return out;
  }

  HostTensor global_pool(const Node& node) {
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

  HostTensor gemm(const Node& node) {
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

  HostTensor matmul(const Node& node) {
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

  HostTensor softmax(const Node& node) {
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

  HostTensor layer_norm(const Node& node) {
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

  HostTensor concat(const Node& node) {
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

  // Generic strided copy: out[i] = x[sum(i_d * step_d) + base] over the output's index space.
  static void gather_strided(const HostTensor& x, HostTensor& out,
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

  HostTensor transpose(const Node& node) {
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

  HostTensor slice(const Node& node) {
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
      std::int64_t axis =
          axes[i] < 0 ? axes[i] + static_cast<std::int64_t>(x.shape.size()) : axes[i];
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

  HostTensor gather(const Node& node) {
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

  HostTensor pad(const Node& node) {
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

  HostTensor resize(const Node& node) {
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
      if (v - f == 0.5)
        return static_cast<std::int64_t>(nearest == "round_prefer_ceil" ? f + 1 : f);
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

  // Values of any dtype are held as floats; integer and bool results are rounded to them.
  std::vector<HostTensor> selection(const Node& node) {
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
      return {
          models::range(in(node, 0).data.at(0), in(node, 1).data.at(0), in(node, 2).data.at(0))};
    const HostTensor& x = in(node, 0);
    if (op == "CumSum") {
      const std::int64_t a = ints(node, 1).at(0);
      return {models::cumulative_sum(x, axis_of(node, x.shape, a), attr_int(node, "exclusive", 0) != 0,
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

  HostTensor reduce(const Node& node) {
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
      out.data[i] =
          static_cast<float>(node.op == "ReduceL2" ? std::sqrt(acc[i]) : acc[i] / divisor);
    return out;
  }

  const Graph& g_;
  std::vector<std::optional<HostTensor>> values_;
};

}  // namespace

std::vector<HostTensor> run_reference(const Graph& graph, const std::vector<HostTensor>& inputs) {
  return Executor(graph).run(inputs);
}

}  // namespace infsim::models
