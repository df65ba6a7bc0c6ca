// Data movement that is not a copy of whole values: a strided window of a value (Slice, Split)
// and constant padding with a value other than zero (a zero Pad is the padding of the Conv or
// AveragePool that reads it, or this layer when nothing can take it).
//
// A window is one DMA per run of channels that stays inside one input tile and one output tile
// (SBUF to SBUF: a channel range may move to other partitions, which only a DMA does), its source
// pattern carrying the row and column steps. Padding is a Memset of the output's interior to the
// value and a copy of the input into it, both on the Vector Engine, per channel tile.

#include <algorithm>

#include "compiler/layout.h"
#include "compiler/lowering.h"

namespace infsim::compiler {

void lower_slice(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const SliceParams& s = layer.slice;
  const int in_id = layer.inputs[0], out_id = layer.output;
  const Value& out = L.graph.values[out_id];
  const int p = L.partitions();
  int k = 0;
  for (int c = 0; c < out.channels; ++k) {
    const int src = s.channel0 + c;
    const int count = std::min({out.channels - c, p - src % p, p - c % p});
    isa::Instruction ins;
    ins.opcode = isa::Opcode::kDmaCopy;
    ins.src0 = L.interior(in_id, core, src / p, src % p, count, 0, L.images, s.start_h, out.height);
    ins.src0.offset += static_cast<std::uint64_t>(s.start_w) * L.dsize;
    ins.src0.dims[1].stride *= s.step_h;
    ins.src0.dims[2] = isa::axis(static_cast<std::uint32_t>(out.width), s.step_w);
    ins.dst = L.interior(out_id, core, c / p, c % p, count, 0, L.images, 0, out.height);
    L.sched.emit(core, k % 2 ? L.queues[core].dma_out : L.queues[core].dma_in, ins,
                 static_cast<std::uint32_t>(li));
    c += count;
  }
}

void lower_pad(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const int in_id = layer.inputs[0], out_id = layer.output;
  const Value& in = L.graph.values[in_id];
  const Value& out = L.graph.values[out_id];
  for (int t = 0; t < L.tiles(out.channels); ++t) {
    const int cnt = L.tile_size(out.channels, t);
    isa::Instruction fill;
    fill.opcode = isa::Opcode::kMemset;
    fill.scale = layer.pad.value;
    fill.dst = L.interior(out_id, core, t, 0, cnt, 0, L.images, 0, out.height);
    L.sched.emit(core, L.queues[core].vector, fill, static_cast<std::uint32_t>(li));
    isa::Instruction copy;
    copy.opcode = isa::Opcode::kTensorScalar;
    copy.func = static_cast<std::uint8_t>(isa::AluOp::kNone);
    copy.src0 = L.interior(in_id, core, t, 0, cnt, 0, L.images, 0, in.height);
    copy.dst = L.interior(out_id, core, t, 0, cnt, 0, L.images, layer.pad.top, in.height);
    copy.dst.offset += static_cast<std::uint64_t>(layer.pad.left) * L.dsize;
    copy.dst.dims[2].count = static_cast<std::uint32_t>(in.width);
    L.sched.emit(core, L.queues[core].vector, copy, static_cast<std::uint32_t>(li));
  }
}

}  // namespace infsim::compiler
