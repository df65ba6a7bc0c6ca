// Pooling on the Vector Engine: one Pool instruction per channel tile and pass, reading the
// input's interior (the instruction itself treats out-of-range window positions as padding, so
// pooling needs no halo). Global average/max pooling is a Reduce over the pixels when the input is
// dense, else a Pool whose window is the whole image. An input or output spilled to DRAM is pooled
// in bands of rows (the band's own position turned into the instruction's top padding), the input
// rows staged in SBUF and the results sent out through bounce slots.

#include <algorithm>

#include "compiler/layout.h"
#include "compiler/lowering.h"

namespace infsim::compiler {

namespace {

// The Pool instruction's window over the input; `pad_top` is the layer's own, or what is left of
// it above a band of rows staged from DRAM.
void set_pool_window(isa::Instruction& ins, const PoolParams& p, int pad_top) {
  ins.opcode = isa::Opcode::kPool;
  ins.func = static_cast<std::uint8_t>(p.func);
  ins.flags = p.count_include_pad ? isa::kCountIncludePad : 0;
  ins.window_h = static_cast<std::uint8_t>(p.window_h);
  ins.window_w = static_cast<std::uint8_t>(p.window_w);
  ins.stride_h = static_cast<std::uint8_t>(p.stride_h);
  ins.stride_w = static_cast<std::uint8_t>(p.stride_w);
  ins.pad_top = static_cast<std::uint8_t>(pad_top);
  ins.pad_left = static_cast<std::uint8_t>(p.pad_left);
}

// Bands of output rows (one PSUM bank's worth, as a convolution's chunks) when the input or the
// output is in DRAM: the input rows a band needs come from a staging slot (copied from DRAM) or
// from the input's SBUF interior, and the result goes to the output's interior or, through a
// bounce slot, to its DRAM tensor.
void lower_pool_banded(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const PoolParams& p = layer.pool;
  const int in_id = layer.inputs[0], out_id = layer.output;
  const Value& in = L.graph.values[in_id];
  const Value& out = L.graph.values[out_id];
  const bool from_dram = L.plan.in_dram[in_id], to_dram = L.plan.in_dram[out_id];
  const LayerBuffers& buf = L.plan.buffers[li];
  const CoreQueues& q = L.queues[core];
  const auto core16 = static_cast<std::uint16_t>(core);
  const auto layer_id = static_cast<std::uint32_t>(li);
  const auto chunks = spatial_chunks(L.images, out.height, out.width, psum_bank_elements(L.core),
                                     true, layer.name, L.plan.band_rows[li]);
  for (int tile = 0; tile < L.tiles(out.channels); ++tile) {
    const int c0 = tile * L.partitions();
    const auto cnt = static_cast<std::uint16_t>(L.tile_size(out.channels, tile));
    for (const Chunk& ch : chunks) {
      const int ih0 = ch.row0 * p.stride_h - p.pad_top;
      const int r_lo = std::max(0, ih0);
      const int r_hi = std::min(in.height, ih0 + (ch.rows - 1) * p.stride_h + p.window_h);
      isa::Instruction ins;
      set_pool_window(ins, p, r_lo - ih0);
      if (from_dram) {
        const std::uint64_t slot =
            buf.staging + static_cast<std::uint64_t>(L.staging_next[core]) * buf.staging_slot;
        L.staging_next[core] = (L.staging_next[core] + 1) % kStagingSlots;
        isa::Instruction ld;
        ld.opcode = isa::Opcode::kDmaCopy;
        ld.src0 = L.dram_rows(in_id, c0, cnt, ch.image0, r_lo, r_hi - r_lo);
        ld.dst = isa::sbuf(0, cnt, slot, {static_cast<std::uint32_t>(ld.src0.free_elements())},
                           L.dtype(), core16);
        L.sched.emit(core, q.dma_in, ld, layer_id);
        ins.src0 = isa::sbuf(0, cnt, slot,
                             isa::dense_dims({1u, static_cast<std::uint32_t>(r_hi - r_lo),
                                              static_cast<std::uint32_t>(in.width)}),
                             L.dtype(), core16);
      } else {
        ins.src0 = L.interior(in_id, core, tile, 0, cnt, ch.image0, 1, r_lo, r_hi - r_lo);
      }
      if (!to_dram) {
        ins.dst = L.interior(out_id, core, tile, 0, cnt, ch.image0, 1, ch.row0, ch.rows);
        L.sched.emit(core, q.vector, ins, layer_id);
        continue;
      }
      const std::uint64_t bounce =
          buf.bounce + static_cast<std::uint64_t>(L.bounce_next[core]) * buf.bounce_slot;
      L.bounce_next[core] = (L.bounce_next[core] + 1) % kBounceSlots;
      ins.dst = isa::sbuf(0, cnt, bounce,
                          isa::dense_dims({1u, static_cast<std::uint32_t>(ch.rows),
                                           static_cast<std::uint32_t>(out.width)}),
                          L.dtype(), core16);
      L.sched.emit(core, q.vector, ins, layer_id);
      isa::Instruction st;
      st.opcode = isa::Opcode::kDmaCopy;
      st.src0 = ins.dst;
      st.dst = L.dram_rows(out_id, c0, cnt, ch.image0, ch.row0, ch.rows);
      L.sched.emit(core, q.dma_out, st, layer_id);
    }
  }
}

}  // namespace

void lower_pool(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  if (L.plan.in_dram[layer.inputs[0]] || L.plan.in_dram[layer.output]) {
    lower_pool_banded(L, li, core);
    return;
  }
  const PoolParams& p = layer.pool;
  const int in_id = layer.inputs[0], out_id = layer.output;
  const Value& in = L.graph.values[in_id];
  const Value& out = L.graph.values[out_id];
  const auto core16 = static_cast<std::uint16_t>(core);
  for (int t = 0; t < L.tiles(out.channels); ++t) {
    const int cnt = L.tile_size(out.channels, t);
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
      set_pool_window(ins, p, p.pad_top);
      ins.src0 = L.interior(in_id, core, t, 0, cnt, 0, L.images, 0, in.height);
    }
    L.sched.emit(core, L.queues[core].vector, ins, static_cast<std::uint32_t>(li));
  }
}

}  // namespace infsim::compiler
