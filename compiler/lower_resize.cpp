// Resize by integer factors. Nearest neighbour (every standard coordinate mode but align_corners
// maps output o to input floor(o / factor) then, which canonicalize checks): each output row
// y * fh + dy is the input row y with every pixel repeated fw times, i.e. a copy whose source has
// a stride-0 innermost axis. One copy per image, channel tile and dy, alternating between the
// Vector and Scalar Engines so that both work on it. Linear: one axis per layer (canonicalize
// makes a bilinear Resize two layers, columns then rows), see lower_resize_linear.

#include <cmath>

#include "compiler/layout.h"
#include "compiler/lowering.h"

namespace infsim::compiler {
namespace {

// Elements [first, first + count) along the resized axis of every image, row and column of a
// channel tile, every `step`-th from `phase` on: dims {images, rows, columns} with the resized
// axis' stride scaled. `value` is the input (step 1, phase 0) or the output.
isa::AccessPattern along(const Lowering& L, int value, int core, int tile, bool rows, int first,
                         int count, int step, int phase) {
  const Value& v = L.graph.values[value];
  const int cnt = L.tile_size(v.channels, tile);
  if (rows) {
    isa::AccessPattern ap =
        L.interior(value, core, tile, 0, cnt, 0, L.images, phase + step * first, count);
    ap.dims[1].stride *= step;
    return ap;
  }
  isa::AccessPattern ap = L.interior(value, core, tile, 0, cnt, 0, L.images, 0, v.height);
  ap.offset += static_cast<std::uint64_t>(phase + step * first) * L.dsize;
  ap.dims[2] = isa::axis(static_cast<std::uint32_t>(count), step);
  return ap;
}

isa::Instruction copy_of(const isa::AccessPattern& dst, const isa::AccessPattern& src) {
  isa::Instruction ins;
  ins.opcode = isa::Opcode::kTensorScalar;
  ins.func = static_cast<std::uint8_t>(isa::AluOp::kNone);
  ins.dst = dst;
  ins.src0 = src;
  return ins;
}

// Linear interpolation along one axis by an integer factor f. Output phase d (outputs d, d + f,
// ...) samples input coordinate i + delta_d (half_pixel: (d + 0.5) / f - 0.5; asymmetric: d /
// f), so it is x[i] + |delta_d| * (x[i + s] - x[i]) with s the sign of delta_d: a subtraction
// and an addition on the Vector Engine around a scaling on the Scalar Engine, for every i but the
// edge one, whose clamped neighbour is itself (a copy).
void lower_resize_linear(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const int in_id = layer.inputs[0], out_id = layer.output;
  const Value& in = L.graph.values[in_id];
  const bool rows = layer.resize_h > 1;
  const int f = rows ? layer.resize_h : layer.resize_w;
  const int n = rows ? in.height : in.width;
  const CoreQueues& q = L.queues[core];
  const auto id = static_cast<std::uint32_t>(li);
  for (int t = 0; t < L.tiles(in.channels); ++t) {
    auto x = [&](int first, int count) {
      return along(L, in_id, core, t, rows, first, count, 1, 0);
    };
    for (int d = 0; d < f; ++d) {
      const double delta =
          layer.resize_half_pixel ? (d + 0.5) / f - 0.5 : static_cast<double>(d) / f;
      auto y = [&](int first, int count) {
        return along(L, out_id, core, t, rows, first, count, f, d);
      };
      if (delta == 0.0 || n == 1) {
        L.sched.emit(core, q.vector, copy_of(y(0, n), x(0, n)), id);
        continue;
      }
      const int s = delta < 0 ? -1 : 1;
      const int first = delta < 0 ? 1 : 0, edge = delta < 0 ? 0 : n - 1;
      isa::Instruction diff;
      diff.opcode = isa::Opcode::kTensorTensor;
      diff.func = static_cast<std::uint8_t>(isa::AluOp::kSub);
      diff.dst = y(first, n - 1);
      diff.src0 = x(first + s, n - 1);
      diff.src1 = x(first, n - 1);
      L.sched.emit(core, q.vector, diff, id);
      isa::Instruction weigh;
      weigh.opcode = isa::Opcode::kActivate;
      weigh.func = static_cast<std::uint8_t>(isa::ActivationFunc::kIdentity);
      weigh.scale = static_cast<float>(std::abs(delta));
      weigh.dst = weigh.src0 = diff.dst;
      L.sched.emit(core, q.scalar, weigh, id);
      isa::Instruction add = diff;
      add.func = static_cast<std::uint8_t>(isa::AluOp::kAdd);
      add.src0 = diff.dst;
      L.sched.emit(core, q.vector, add, id);
      L.sched.emit(core, q.vector, copy_of(y(edge, 1), x(edge, 1)), id);
    }
  }
}

}  // namespace

void lower_resize(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  if (layer.resize_linear) {
    lower_resize_linear(L, li, core);
    return;
  }
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
