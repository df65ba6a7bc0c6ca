// Pooling on the Vector Engine: MaxPool, AveragePool (taking a preceding zero Pad), global pools.

#include "compiler/canonicalizer.h"

#include "compiler/compile_error.h"

namespace infsim::compiler {

void Canonicalizer::rewrite_pool(const Node& n) {
  const TensorBinding& in = input_binding(n, 0, n.op == "AveragePool");
  if (in.flattened) fail(n, "pooling of a flattened tensor");
  const Value& x = out_.graph.values[in.value];
  Layer l = node_layer(n, LayerKind::kPool, {in.value});
  PoolParams& p = l.pool;
  p.func =
      (n.op == "MaxPool" || n.op == "GlobalMaxPool") ? isa::PoolFunc::kMax : isa::PoolFunc::kAvg;
  if (n.op == "GlobalAveragePool" || n.op == "GlobalMaxPool") {
    p.global = true;
    p.window_h = x.height;
    p.window_w = x.width;
  } else {
    auto k = models::attr_ints(n, "kernel_shape");
    auto s = models::attr_ints(n, "strides");
    auto pads = models::attr_ints(n, "pads");
    if (k.size() != 2) fail(n, "only 2-D pooling is supported");
    p.window_h = static_cast<int>(k[0]);
    p.window_w = static_cast<int>(k[1]);
    p.stride_h = s.size() == 2 ? static_cast<int>(s[0]) : 1;
    p.stride_w = s.size() == 2 ? static_cast<int>(s[1]) : 1;
    if (pads.size() == 4) {
      p.pad_top = static_cast<int>(pads[0]);
      p.pad_left = static_cast<int>(pads[1]);
    }
    if (!models::attr_string(n, "auto_pad", "").empty() &&
        models::attr_string(n, "auto_pad", "") != "NOTSET")
      fail(n, "auto_pad pooling is not supported");
    p.count_include_pad = models::attr_int(n, "count_include_pad", 0) != 0;
    if (in.padded()) {
      // Zeros padded in and averaged over: the pool's own padding, counted.
      if ((p.pad_top || p.pad_left) && !p.count_include_pad)
        fail(n, "a Pad before an AveragePool that excludes its own padding");
      p.pad_top += in.pad[0];
      p.pad_left += in.pad[1];
      p.count_include_pad = true;
    }
    if (models::attr_ints(n, "dilations").size() == 2 &&
        (models::attr_ints(n, "dilations")[0] != 1 || models::attr_ints(n, "dilations")[1] != 1))
      fail(n, "dilated pooling is not supported");
  }
  if (p.window_h > 255 || p.window_w > 255 || p.stride_h > 255 || p.stride_w > 255 ||
      p.pad_top > 255 || p.pad_left > 255)
    fail(n, "pooling window, stride or padding above 255");
  l.fused.push_back(n.name);
  int v = add_layer(std::move(l), n.outputs[0]);
  const Value& y = out_.graph.values[v];
  out_.graph.layers.back().flops = static_cast<std::uint64_t>(y.channels) * y.pixels() *
                                   out_.graph.layers.back().pool.window_h *
                                   out_.graph.layers.back().pool.window_w;
  bind_output(n, v);
}

}  // namespace infsim::compiler
