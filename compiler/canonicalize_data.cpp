// Data-movement operators: layout-preserving reshapes (views), zero Pad left to the consumer (any
// other value is a layer, canonicalize_window.cpp), channel Concat, nearest and linear Resize.

#include "compiler/canonicalizer.h"

#include <algorithm>

#include "compiler/compile_error.h"

namespace infsim::compiler {

void Canonicalizer::rewrite_reshape(const Node& n) {
  TensorBinding in = input_binding(n, 0);
  if (in.flattened) fail(n, "reshaping a flattened feature map is not supported");
  const Value& v = out_.graph.values[in.value];
  const auto& out_shape = graph_.tensors[n.outputs[0]].shape;
  bool same_layout = false;
  if (out_shape.size() == 2 && out_shape[1] == v.channels * v.pixels()) {
    if (v.pixels() == 1)
      same_layout = true;
    else
      in.flattened = true;
  }
  if (out_shape.size() == 4 && out_shape[1] == v.channels && out_shape[2] == v.height &&
      out_shape[3] == v.width)
    same_layout = true;
  if (out_shape.size() == 3 && out_shape[2] == v.channels && out_shape[1] == v.width &&
      v.height == 1)
    same_layout = true;
  // Batch 1: [S, 1, D] and [S, D] are [1, S, D] too.
  if (batch_ == 1 && v.height == 1 && !out_shape.empty() && out_shape[0] == v.width &&
      out_shape.back() == v.channels &&
      (out_shape.size() == 2 || (out_shape.size() == 3 && out_shape[1] == 1)))
    same_layout = true;
  if (!same_layout && !in.flattened)
    fail(n, "a reshape to " + models::shape_string(out_shape) +
                " changes the channel-major layout, which the compiler does not support");
  bindings_[n.outputs[0]] = in;
}

// A constant zero Pad of H and W is left to the consumer (Conv or AveragePool).
void Canonicalizer::rewrite_pad(const Node& n) {
  TensorBinding in = input_binding(n, 0, true);
  if (in.flattened) fail(n, "padding a flattened tensor");
  if (!models::attr_string(n, "mode", "").empty() &&
      models::attr_string(n, "mode", "") != "constant")
    fail(n, "only constant padding is supported");
  std::vector<std::int64_t> pads = models::attr_ints(n, "pads");
  if (pads.empty()) {
    const models::Tensor* t = constant(n, 1);
    if (!t) fail(n, "the pads must be constant");
    pads = t->int_data;
    if (pads.empty())
      for (float f : t->data) pads.push_back(static_cast<std::int64_t>(f));
  }
  float value = models::attr_float(n, "value", 0.0f);
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
    const models::Tensor* v = constant(n, 2);
    if (!v) fail(n, "the padding value must be constant");
    if (!v->data.empty()) value = v->data[0];
  }
  if (pads.size() != 8 || pads[0] || pads[1] || pads[4] || pads[5])
    fail(n, "only padding of the height and width of a 4-D tensor is supported");
  for (auto p : pads)
    if (p < 0) fail(n, "negative padding (cropping) is not supported");
  if (value != 0.0f) {
    add_pad(n, in, {static_cast<int>(pads[2]), static_cast<int>(pads[3])}, value);
    return;
  }
  in.pad = {in.pad[0] + static_cast<int>(pads[2]), in.pad[1] + static_cast<int>(pads[3]),
            in.pad[2] + static_cast<int>(pads[6]), in.pad[3] + static_cast<int>(pads[7])};
  bindings_[n.outputs[0]] = in;
}

// Concatenation along the channels (axis 1 of NCHW or of [N, F]).
void Canonicalizer::rewrite_concat(const Node& n) {
  const auto& os = graph_.tensors[n.outputs[0]].shape;
  std::int64_t axis = models::attr_int(n, "axis", 1);
  if (axis < 0) axis += static_cast<std::int64_t>(os.size());
  if (axis != 1 || os.size() == 3) fail(n, "only concatenation along the channels is supported");
  Layer l = node_layer(n, LayerKind::kConcat, {});
  int channels = 0;
  for (std::size_t i = 0; i < n.inputs.size(); ++i) {
    const TensorBinding& in = input_binding(n, i);
    if (in.flattened) fail(n, "concatenation of a flattened tensor");
    l.inputs.push_back(in.value);
    channels += out_.graph.values[in.value].channels;
  }
  l.fused.push_back(n.name);
  int v = add_layer(std::move(l), n.outputs[0]);
  if (out_.graph.values[v].channels != channels) fail(n, "channel counts do not add up");
  bind_output(n, v);
}

// Nearest Resize of H and W by integer factors, in a coordinate mode that maps output o to
// input floor(o / factor) (see lower_resize.cpp).
void Canonicalizer::rewrite_resize(const Node& n) {
  const TensorBinding& in = input_binding(n, 0);
  if (in.flattened) fail(n, "resizing a flattened tensor");
  const Value& x = out_.graph.values[in.value];
  const auto& os = graph_.tensors[n.outputs[0]].shape;
  const std::string mode = models::attr_string(n, "mode", "");
  if (!mode.empty() && mode != "nearest" && mode != "linear")
    fail(n, "only nearest and linear resizing are supported");
  if (os.size() != 4 || os[1] != x.channels || os[2] % x.height != 0 || os[3] % x.width != 0)
    fail(n, "only resizing H and W by integer factors is supported");
  const int fh = static_cast<int>(os[2] / x.height), fw = static_cast<int>(os[3] / x.width);
  if (mode == "linear") {
    rewrite_linear_resize(n, in.value, fh, fw);
    return;
  }
  std::string transform = models::attr_string(n, "coordinate_transformation_mode", "");
  std::string nearest = models::attr_string(n, "nearest_mode", "");
  if (transform.empty()) transform = "half_pixel";
  if (nearest.empty()) nearest = "round_prefer_floor";
  const int f = std::max(fh, fw);
  const bool half_pixel = transform == "half_pixel" || transform == "pytorch_half_pixel";
  const bool floor_like =
      f == 1 ||
      (transform == "asymmetric" &&
       (nearest == "floor" || (nearest == "round_prefer_floor" && f <= 2))) ||
      (half_pixel && (nearest == "round_prefer_floor" || nearest == "round_prefer_ceil"));
  if (!floor_like)
    fail(n, "coordinate mode '" + transform + "' with nearest mode '" + nearest +
                "' does not repeat each pixel; it is not supported");
  Layer l = node_layer(n, LayerKind::kResize, {in.value});
  l.resize_h = fh;
  l.resize_w = fw;
  l.fused.push_back(n.name);
  int v = add_layer(std::move(l), n.outputs[0]);
  const Value& y = out_.graph.values[v];
  out_.graph.layers.back().flops = static_cast<std::uint64_t>(y.channels) * y.pixels();
  bind_output(n, v);
}

// Linear Resize: columns, then rows, each one layer (a single axis when the other keeps its
// size). half_pixel and pytorch_half_pixel agree for integer factors above 1; align_corners does
// not repeat one pattern per factor and is refused.
void Canonicalizer::rewrite_linear_resize(const Node& n, int value, int fh, int fw) {
  std::string transform = models::attr_string(n, "coordinate_transformation_mode", "");
  if (transform.empty()) transform = "half_pixel";
  if (transform != "half_pixel" && transform != "pytorch_half_pixel" && transform != "asymmetric")
    fail(n, "linear resizing in coordinate mode '" + transform + "' is not supported");
  Layer base = node_layer(n, LayerKind::kResize, {});
  base.resize_linear = true;
  base.resize_half_pixel = transform != "asymmetric";
  base.fused.push_back(n.name);
  int v = value;
  auto pass = [&](int rows_factor, int cols_factor, bool last) {
    Layer l = base;
    l.name = last ? n.name : n.name + ".columns";
    l.inputs = {v};
    l.resize_h = rows_factor;
    l.resize_w = cols_factor;
    if (last) {
      v = add_layer(std::move(l), n.outputs[0]);
    } else {
      v = add_layer_like(std::move(l), v, n.name + ".columns");
      out_.graph.values[v].width *= cols_factor;
      out_.graph.values[v].shape[3] *= cols_factor;
    }
    const Value& y = out_.graph.values[v];
    out_.graph.layers.back().flops = 3 * static_cast<std::uint64_t>(y.channels) * y.pixels();
  };
  if (fh == 1 && fw == 1) {
    bindings_[n.outputs[0]] = raw_binding(n, 0);
    return;
  }
  if (fw > 1) pass(1, fw, fh == 1);
  if (fh > 1) pass(fh, 1, true);
  bind_output(n, v);
}

}  // namespace infsim::compiler
