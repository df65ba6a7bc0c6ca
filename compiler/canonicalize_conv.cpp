// Conv, Gemm/MatMul against constant weights and BatchNormalization: Tensor Engine layers
// (a Gemm is a 1x1 convolution, or H x W over a flattened map); BN and x op constant fold into
// the producing convolution where nothing else reads it.

#include "compiler/canonicalizer.h"

#include <algorithm>
#include <cmath>

#include "compiler/compile_error.h"

namespace infsim::compiler {

void Canonicalizer::rewrite_conv(const Node& n) {
  const TensorBinding& in = input_binding(n, 0, true);
  if (in.flattened) fail(n, "convolution of a flattened tensor");
  const models::Tensor* w = constant(n, 1);
  if (!w || w->shape.size() != 4) fail(n, "the weights must be a constant 4-D tensor");
  const Value& x = out_.graph.values[in.value];
  Layer l = node_layer(n, LayerKind::kConv, {in.value});
  ConvParams& c = l.conv;
  c.groups = static_cast<int>(models::attr_int(n, "group", 1));
  c.kernel_h = static_cast<int>(w->shape[2]);
  c.kernel_w = static_cast<int>(w->shape[3]);
  auto strides = models::attr_ints(n, "strides");
  auto dil = models::attr_ints(n, "dilations");
  auto pads = models::attr_ints(n, "pads");
  if (strides.size() == 2)
    c.stride_h = static_cast<int>(strides[0]), c.stride_w = static_cast<int>(strides[1]);
  if (dil.size() == 2)
    c.dilation_h = static_cast<int>(dil[0]), c.dilation_w = static_cast<int>(dil[1]);
  const auto& os = graph_.tensors[n.outputs[0]].shape;
  if (os.size() != 4) fail(n, "the output must be 4-D");
  std::string auto_pad = models::attr_string(n, "auto_pad", "");
  if (pads.size() == 4) {
    c.pad_top = static_cast<int>(pads[0]);
    c.pad_left = static_cast<int>(pads[1]);
    c.pad_bottom = static_cast<int>(pads[2]);
    c.pad_right = static_cast<int>(pads[3]);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    auto split = [&](int in_size, int out_size, int k, int s, int d, int& lo, int& hi) {
      int total = std::max(0, (out_size - 1) * s + (k - 1) * d + 1 - in_size);
      lo = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      hi = total - lo;
    };
    split(x.height, static_cast<int>(os[2]), c.kernel_h, c.stride_h, c.dilation_h, c.pad_top,
          c.pad_bottom);
    split(x.width, static_cast<int>(os[3]), c.kernel_w, c.stride_w, c.dilation_w, c.pad_left,
          c.pad_right);
  }
  if (in.padded()) {
    if (pads.size() != 4 && !auto_pad.empty() && auto_pad != "NOTSET")
      fail(n, "auto_pad after a Pad is not supported");
    c.pad_top += in.pad[0];
    c.pad_left += in.pad[1];
    c.pad_bottom += in.pad[2];
    c.pad_right += in.pad[3];
  }
  if (w->shape[1] * c.groups != x.channels || w->shape[0] % c.groups != 0)
    fail(n, "weights " + models::shape_string(w->shape) + " do not match " +
                std::to_string(x.channels) + " input channels in " + std::to_string(c.groups) +
                " groups");
  c.weights = w->data;
  if (const models::Tensor* b = constant(n, 2)) c.bias = b->data;
  // Values are all or nothing: a bias without data makes the layer timing-only.
  if (constant(n, 2) && c.bias.empty()) c.weights.clear();
  if (c.weights.empty()) c.bias.clear();
  l.fused.push_back(n.name);
  // Read from x before add_layer(), which appends to the values and may move x.
  const std::uint64_t macs_per_pixel =
      static_cast<std::uint64_t>(x.channels / c.groups) * c.kernel_h * c.kernel_w;
  int v = add_layer(std::move(l), n.outputs[0]);
  const Value& y = out_.graph.values[v];
  out_.graph.layers.back().macs =
      macs_per_pixel * static_cast<std::uint64_t>(y.channels) * y.pixels();
  bind_output(n, v);
}

// Gemm / MatMul against constant weights: a 1x1 convolution (or H x W over a flattened map).
void Canonicalizer::rewrite_gemm(const Node& n) {
  const TensorBinding& in = input_binding(n, 0);
  const models::Tensor* b = constant(n, 1);
  if (!b || b->shape.size() != 2)
    fail(n, "only products with a constant 2-D right-hand side run on the device");
  if (models::attr_int(n, "transA", 0) != 0) fail(n, "transA=1 is not supported");
  bool trans_b = n.op == "Gemm" && models::attr_int(n, "transB", 0) != 0;
  float alpha = n.op == "Gemm" ? models::attr_float(n, "alpha", 1.0f) : 1.0f;
  float beta = n.op == "Gemm" ? models::attr_float(n, "beta", 1.0f) : 1.0f;
  const Value& x = out_.graph.values[in.value];
  std::int64_t k = trans_b ? b->shape[1] : b->shape[0];
  std::int64_t m = trans_b ? b->shape[0] : b->shape[1];
  std::int64_t features = in.flattened ? x.channels * x.pixels() : x.channels;
  if (k != features)
    fail(n, "the weights " + models::shape_string(b->shape) + " do not match " +
                std::to_string(features) + " input features");
  Layer l = node_layer(n, LayerKind::kConv, {in.value});
  if (in.flattened) {
    l.conv.kernel_h = x.height;
    l.conv.kernel_w = x.width;
  }
  if (!b->data.empty()) {
    // conv weight [co][ci][kh][kw] = B[k = ci*HW + kh*W + kw][co] (or B[co][k] with transB)
    l.conv.weights.resize(static_cast<std::size_t>(m * k));
    for (std::int64_t co = 0; co < m; ++co)
      for (std::int64_t kk = 0; kk < k; ++kk)
        l.conv.weights[co * k + kk] =
            alpha * (trans_b ? b->data[co * k + kk] : b->data[kk * m + co]);
  }
  if (const models::Tensor* c = constant(n, 2)) {
    if (!c->data.empty()) {
      l.conv.bias.resize(static_cast<std::size_t>(m));
      for (std::int64_t co = 0; co < m; ++co)
        l.conv.bias[co] = beta * c->data[c->data.size() == 1 ? 0 : co % c->data.size()];
    }
    if (l.conv.weights.empty()) l.conv.bias.clear();
  } else if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
    fail(n, "the bias must be a constant");
  }
  l.fused.push_back(n.name);
  int v = add_layer(std::move(l), n.outputs[0]);
  const Value& y = out_.graph.values[v];
  if (y.channels != m) fail(n, "output features do not match the weights");
  out_.graph.layers.back().macs = static_cast<std::uint64_t>(m) * k * y.pixels();
  bind_output(n, v);
}

// Folds y = x * scale + shift (per channel) into the Conv producing `tensor`, when that Conv has
// no epilogue yet, and binds the node's output to `value`. Without constant data (a shape-only
// model) the Conv's weights are dropped, as they could not be folded. False: no such Conv.
bool Canonicalizer::fold_into_conv(const Node& n, int tensor, int value, int channels,
                                   bool have_data, const std::vector<float>& scale,
                                   const std::vector<float>& shift) {
  Layer* prod = fusable_producer(n, tensor, LayerKind::kConv);
  if (!prod || prod->epilogue.func != isa::ActivationFunc::kIdentity ||
      prod->epilogue.residual >= 0)
    return false;
  ConvParams& c = prod->conv;
  if (have_data && !c.weights.empty()) {
    std::size_t per_co = c.weights.size() / channels;
    if (c.bias.empty()) c.bias.assign(channels, 0.0f);
    for (int co = 0; co < channels; ++co) {
      for (std::size_t j = 0; j < per_co; ++j) c.weights[co * per_co + j] *= scale[co];
      c.bias[co] = c.bias[co] * scale[co] + shift[co];
    }
  } else {
    c.weights.clear();
    c.bias.clear();
  }
  prod->fused.push_back(n.name);
  bind_output(n, value);
  return true;
}

void Canonicalizer::rewrite_batchnorm(const Node& n) {
  const TensorBinding& in = input_binding(n, 0);
  if (in.flattened) fail(n, "batch normalization of a flattened tensor");
  const Value& x = out_.graph.values[in.value];
  float eps = models::attr_float(n, "epsilon", 1e-5f);
  std::vector<const models::Tensor*> p;
  for (std::size_t i = 1; i <= 4; ++i) {
    p.push_back(constant(n, i));
    if (!p.back()) fail(n, "scale, bias, mean and variance must be constants");
  }
  bool have_data =
      std::all_of(p.begin(), p.end(), [](const models::Tensor* t) { return !t->data.empty(); });
  std::vector<float> scale, shift;
  if (have_data) {
    scale.resize(x.channels);
    shift.resize(x.channels);
    for (int c = 0; c < x.channels; ++c) {
      scale[c] = p[0]->data[c] / std::sqrt(p[3]->data[c] + eps);
      shift[c] = p[1]->data[c] - p[2]->data[c] * scale[c];
    }
  }
  scale_bias(n, 0, in.value, have_data, std::move(scale), std::move(shift));
}

void Canonicalizer::scale_bias(const Node& n, std::size_t slot, int value, bool have_data,
                               std::vector<float> scale, std::vector<float> shift) {
  const Value& x = out_.graph.values[value];
  if (fold_into_conv(n, n.inputs[slot], value, x.channels, have_data, scale, shift)) return;
  Layer l = node_layer(n, LayerKind::kScaleBias, {value});
  if (have_data) {
    l.scale = std::move(scale);
    l.shift = std::move(shift);
  }
  l.fused.push_back(n.name);
  l.flops = 2ull * x.channels * x.pixels();  // before add_layer(), which may move x
  int v = add_layer(std::move(l), n.outputs[0]);
  bind_output(n, v);
}

}  // namespace infsim::compiler
