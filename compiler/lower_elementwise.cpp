// Element-wise layers that were not fused into a convolution's epilogue: two-operand ops on the
// Vector Engine (TensorTensor), activations on the Scalar Engine (Activate), and per-channel
// scale/shift (a standalone BatchNormalization, or x op constant) as a TensorScalar with
// per-partition scalars. One instruction per channel tile and pass, over the interiors.
// Concatenation copies each input's channel tiles into the output's channel slices with DMAs (a
// slice that straddles two output tiles takes two), between SBUF and DRAM as each value lives
// (a spilled input or output is copied straight from or into its DRAM tensor, whole images of
// the pass per channel); producers do not write into the slices directly, which costs the copies
// but keeps every value's layout its own.

#include <algorithm>

#include "compiler/layout.h"
#include "compiler/lowering.h"

namespace infsim::compiler {

namespace {

// One instruction per channel tile of the output, over every image of the pass: `ins` with
// its destination and first source the tile's interiors (of the output and of input 0);
// `finish(ins, tile, channels)` sets what else the tile needs.
template <class Finish>
void per_tile(Lowering& L, int li, int core, int queue, const isa::Instruction& ins,
              Finish finish) {
  const Layer& layer = L.graph.layers[li];
  const Value& out = L.graph.values[layer.output];
  for (int t = 0; t < L.tiles(out.channels); ++t) {
    const int cnt = L.tile_size(out.channels, t);
    isa::Instruction tile = ins;
    tile.dst = L.interior(layer.output, core, t, 0, cnt, 0, L.images, 0, out.height);
    tile.src0 = L.interior(layer.inputs[0], core, t, 0, cnt, 0, L.images, 0, out.height);
    finish(tile, t, cnt);
    L.sched.emit(core, queue, tile, static_cast<std::uint32_t>(li));
  }
}

}  // namespace

void lower_eltwise(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const Value& out = L.graph.values[layer.output];
  isa::Instruction ins;
  ins.opcode = isa::Opcode::kTensorTensor;
  ins.func = static_cast<std::uint8_t>(layer.alu);
  ins.flags = layer.eltwise_relu ? isa::kRelu : 0;
  per_tile(L, li, core, L.queues[core].vector, ins, [&](isa::Instruction& tile, int t, int cnt) {
    tile.src1 = L.interior(layer.inputs[1], core, t, 0, cnt, 0, L.images, 0, out.height);
  });
}

void lower_activation(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  isa::Instruction ins;
  ins.opcode = isa::Opcode::kActivate;
  ins.func = static_cast<std::uint8_t>(layer.epilogue.func);
  ins.alpha = layer.epilogue.alpha;
  ins.beta = layer.epilogue.beta;
  per_tile(L, li, core, L.queues[core].scalar, ins, [](isa::Instruction&, int, int) {});
}

void lower_concat(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const Value& out = L.graph.values[layer.output];
  int offset = 0;
  for (int in_id : layer.inputs) {
    const Value& in = L.graph.values[in_id];
    for (int t = 0; t < L.tiles(in.channels); ++t) {
      for (int c = 0; c < L.tile_size(in.channels, t);) {
        const int dst_channel = offset + t * L.partitions() + c;
        const int dst_tile = dst_channel / L.partitions(), dst_p = dst_channel % L.partitions();
        const int count = std::min(L.tile_size(in.channels, t) - c, L.partitions() - dst_p);
        isa::Instruction ins;
        ins.opcode = isa::Opcode::kDmaCopy;
        ins.src0 =
            L.plan.in_dram[in_id]
                ? L.dram_rows(in_id, t * L.partitions() + c, count, 0, 0, in.height, L.images)
                : L.interior(in_id, core, t, c, count, 0, L.images, 0, in.height);
        ins.dst = L.plan.in_dram[layer.output]
                      ? L.dram_rows(layer.output, dst_channel, count, 0, 0, out.height, L.images)
                      : L.interior(layer.output, core, dst_tile, dst_p, count, 0, L.images, 0,
                                   out.height);
        L.sched.emit(core, (t + c) % 2 ? L.queues[core].dma_out : L.queues[core].dma_in, ins,
                     static_cast<std::uint32_t>(li));
        c += count;
      }
    }
    offset += in.channels;
  }
}

void lower_scale_bias(Lowering& L, int li, int core) {
  isa::Instruction ins;
  ins.opcode = isa::Opcode::kTensorScalar;
  ins.func = static_cast<std::uint8_t>(isa::AluOp::kMul);
  ins.func2 = static_cast<std::uint8_t>(isa::AluOp::kAdd);
  ins.flags = isa::kPerPartition;
  per_tile(L, li, core, L.queues[core].vector, ins, [&](isa::Instruction& tile, int t, int cnt) {
    tile.src1 = isa::sbuf(0, static_cast<std::uint16_t>(cnt), L.plan.const_offset[li] + t * 8, {2},
                          isa::DType::kFp32, static_cast<std::uint16_t>(core));
  });
}

}  // namespace infsim::compiler
