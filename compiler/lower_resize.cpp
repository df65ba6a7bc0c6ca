// Nearest-neighbour Resize by integer factors (every standard coordinate mode but align_corners
// maps output o to input floor(o / factor) then, which canonicalize checks): each output row
// y * fh + dy is the input row y with every pixel repeated fw times, i.e. a copy whose source has
// a stride-0 innermost axis. One copy per image, channel tile and dy, alternating between the
// Vector and Scalar Engines so that both work on it.

#include "compiler/layout.h"
#include "compiler/lowering.h"

namespace infsim::compiler {

void lower_resize(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const int in_id = layer.inputs[0];
  const Value& in = L.graph.values[in_id];
  const Value& out = L.graph.values[layer.output];
  const int fh = layer.resize_h, fw = layer.resize_w;
  int k = 0;
  for (int t = 0; t < L.tiles(out.channels); ++t) {
    const int cnt = L.tile_size(out.channels, t);
    for (int image = 0; image < L.images; ++image) {
      for (int dy = 0; dy < fh; ++dy, ++k) {
        isa::AccessPattern src = L.interior(in_id, core, t, 0, cnt, image, 1, 0, in.height);
        src.dims = isa::dims({isa::axis(static_cast<std::uint32_t>(in.height), in.padded_width()),
                              isa::axis(static_cast<std::uint32_t>(in.width), 1),
                              isa::axis(static_cast<std::uint32_t>(fw), 0)});
        isa::AccessPattern dst = L.interior(layer.output, core, t, 0, cnt, image, 1, dy, 1);
        dst.dims =
            isa::dims({isa::axis(static_cast<std::uint32_t>(in.height), fh * out.padded_width()),
                       isa::axis(static_cast<std::uint32_t>(in.width), fw),
                       isa::axis(static_cast<std::uint32_t>(fw), 1)});
        isa::Instruction ins;
        ins.dst = dst;
        ins.src0 = src;
        if (k % 2) {
          ins.opcode = isa::Opcode::kActivate;
          ins.func = static_cast<std::uint8_t>(isa::ActivationFunc::kIdentity);
          L.sched.emit(core, L.queues[core].scalar, ins, static_cast<std::uint32_t>(li));
        } else {
          ins.opcode = isa::Opcode::kTensorScalar;
          ins.func = static_cast<std::uint8_t>(isa::AluOp::kNone);
          L.sched.emit(core, L.queues[core].vector, ins, static_cast<std::uint32_t>(li));
        }
      }
    }
  }
}

}  // namespace infsim::compiler
