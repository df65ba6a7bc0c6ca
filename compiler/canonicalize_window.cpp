// Windows of 4-D values (Slice with steps, Split) and padding with a value: layers that move data
// without arithmetic (lower_data.cpp).

#include <algorithm>
#include <string>

#include "compiler/canonicalizer.h"
#include "compiler/compile_error.h"

namespace infsim::compiler {
namespace {

// An ONNX Slice/Split bound: negative counts from the end, then clamped to [0, dim].
std::int64_t clamp_bound(std::int64_t b, std::int64_t dim) {
  if (b < 0) b += dim;
  return std::clamp<std::int64_t>(b, 0, dim);
}

}  // namespace

int Canonicalizer::add_window(const Node& n, int value, std::size_t output,
                              const std::array<int, 3>& first, const std::array<int, 3>& step) {
  if (step[0] != 1) fail(n, "a channel step other than 1 is not supported");
  Layer l = node_layer(n, LayerKind::kSlice, {value});
  if (output > 0) l.name += "." + std::to_string(output);
  l.slice = SliceParams{first[0], first[1], step[1], first[2], step[2]};
  l.fused.push_back(n.name);
  const int v = add_layer(std::move(l), n.outputs[output]);
  Value& y = out_.graph.values[v];
  y.name = graph_.tensors[n.outputs[output]].name;
  out_.graph.layers.back().flops = static_cast<std::uint64_t>(y.channels) * y.pixels();
  return v;
}

// Slice of the channels (step 1), rows and columns (positive steps) of a 4-D value.
void Canonicalizer::rewrite_window_slice(const Node& n) {
  const TensorBinding& in = input_binding(n, 0);
  if (in.flattened) fail(n, "slicing a flattened tensor");
  const auto& shape = graph_.tensors[n.inputs[0]].shape;
  auto ints = [&](std::size_t i) {
    const models::Tensor* t = constant(n, i);
    if (!t && i < n.inputs.size() && n.inputs[i] >= 0) fail(n, "the slice bounds must be constant");
    std::vector<std::int64_t> v = t ? t->int_data : std::vector<std::int64_t>{};
    if (t && v.empty())
      for (float f : t->data) v.push_back(static_cast<std::int64_t>(f));
    return v;
  };
  const auto starts = ints(1), ends = ints(2), steps = ints(4);
  auto axes = ints(3);
  if (axes.empty())
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      (!steps.empty() && steps.size() != starts.size()))
    fail(n, "starts, ends, axes and steps differ in length");
  std::array<int, 3> first{0, 0, 0}, step{1, 1, 1};
  for (std::size_t i = 0; i < starts.size(); ++i) {
    std::int64_t axis = axes[i] < 0 ? axes[i] + 4 : axes[i];
    const std::int64_t st = steps.empty() ? 1 : steps[i];
    if (axis < 0 || axis > 3) fail(n, "slice axis out of range");
    if (st <= 0) fail(n, "only positive slice steps are supported");
    const std::int64_t lo = clamp_bound(starts[i], shape[axis]);
    if (axis == 0) {
      if (lo != 0 || clamp_bound(ends[i], shape[0]) != shape[0])
        fail(n, "slicing the batch is not supported");
      continue;
    }
    first[axis - 1] = static_cast<int>(lo);
    step[axis - 1] = static_cast<int>(st);
  }
  const int v = add_window(n, in.value, 0, first, step);
  const Value& y = out_.graph.values[v];
  if (y.channels <= 0 || y.height <= 0 || y.width <= 0) fail(n, "empty slice");
  bind_output(n, v);
}

// Split of the channels, rows or columns of a 4-D value: one window per used output.
void Canonicalizer::rewrite_split(const Node& n) {
  const TensorBinding& in = input_binding(n, 0);
  if (in.flattened) fail(n, "splitting a flattened tensor");
  const auto& shape = graph_.tensors[n.inputs[0]].shape;
  if (shape.size() != 4) fail(n, "only splits of 4-D tensors are supported");
  std::int64_t axis = models::attr_int(n, "axis", 0);
  if (axis < 0) axis += 4;
  if (axis < 1 || axis > 3) fail(n, "only splits of the channels, rows or columns are supported");
  int at = 0;
  for (std::size_t i = 0; i < n.outputs.size(); ++i) {
    const int size = static_cast<int>(graph_.tensors[n.outputs[i]].shape[axis]);
    if (use_count_[n.outputs[i]] > 0) {
      std::array<int, 3> first{0, 0, 0};
      first[axis - 1] = at;
      bindings_[n.outputs[i]].value = add_window(n, in.value, i, first, {1, 1, 1});
    }
    at += size;
  }
}

// Zero padding is left to the consumer (rewrite_pad); any other value is a layer of its own.
void Canonicalizer::add_pad(const Node& n, const TensorBinding& in,
                            const std::array<int, 2>& top_left, float value) {
  if (in.padded()) fail(n, "two pads in a row with different values");
  Layer l = node_layer(n, LayerKind::kPad, {in.value});
  l.pad = PadParams{top_left[0], top_left[1], value};
  l.fused.push_back(n.name);
  const int v = add_layer(std::move(l), n.outputs[0]);
  const Value& y = out_.graph.values[v];
  out_.graph.layers.back().flops = static_cast<std::uint64_t>(y.channels) * y.pixels();
  bind_output(n, v);
}

}  // namespace infsim::compiler
