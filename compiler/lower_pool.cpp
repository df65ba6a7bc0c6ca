// Pooling on the Vector Engine: one Pool instruction per channel tile and pass, reading the
// input's interior (the instruction itself treats out-of-range window positions as padding, so
// pooling needs no halo). Global average/max pooling is a Reduce over the pixels when the input is
// dense, else a Pool whose window is the whole image.

#include "compiler/layout.h"
#include "compiler/lowering.h"

namespace infsim::compiler {

void lower_pool(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const PoolParams& p = layer.pool;
  const int in_id = layer.inputs[0], out_id = layer.output;
  const Value& in = L.graph.values[in_id];
  const Value& out = L.graph.values[out_id];
  const auto core16 = static_cast<std::uint16_t>(core);
  for (int t = 0; t < channel_tiles(out.channels); ++t) {
    const int cnt = tile_channels(out.channels, t);
    isa::Instruction ins;
    ins.dst = L.interior(out_id, core, t, 0, cnt, 0, L.images, 0, out.height);
    if (p.global && in.halo_h == 0 && in.halo_w == 0) {
      const ValueSlot& slot = L.plan.slot(in_id, core);
      const auto hw = static_cast<std::uint32_t>(in.pixels());
      ins.opcode = isa::Opcode::kReduce;
      ins.func = static_cast<std::uint8_t>(p.func == isa::PoolFunc::kMax ? isa::AluOp::kMax
                                                                         : isa::AluOp::kAdd);
      ins.scale = p.func == isa::PoolFunc::kMax ? 1.0f : 1.0f / static_cast<float>(hw);
      ins.src0 = isa::sbuf(
          0, static_cast<std::uint16_t>(cnt), slot.offset + t * slot.tile_bytes,
          isa::dims({isa::axis(static_cast<std::uint32_t>(L.images), static_cast<std::int32_t>(hw)),
                     isa::axis(hw, 1)}),
          L.dtype(), core16);
      ins.dst.dims = isa::dense_dims({static_cast<std::uint32_t>(L.images)});
      if (out.halo_h || out.halo_w)
        ins.dst.dims = isa::dims({isa::axis(static_cast<std::uint32_t>(L.images),
                                            out.padded_height() * out.padded_width())});
    } else {
      ins.opcode = isa::Opcode::kPool;
      ins.func = static_cast<std::uint8_t>(p.func);
      ins.flags = p.count_include_pad ? isa::kCountIncludePad : 0;
      ins.window_h = static_cast<std::uint8_t>(p.window_h);
      ins.window_w = static_cast<std::uint8_t>(p.window_w);
      ins.stride_h = static_cast<std::uint8_t>(p.stride_h);
      ins.stride_w = static_cast<std::uint8_t>(p.stride_w);
      ins.pad_top = static_cast<std::uint8_t>(p.pad_top);
      ins.pad_left = static_cast<std::uint8_t>(p.pad_left);
      ins.src0 = L.interior(in_id, core, t, 0, cnt, 0, L.images, 0, in.height);
    }
    L.sched.emit(core, L.queues[core].vector, ins, static_cast<std::uint32_t>(li));
  }
}

}  // namespace infsim::compiler
