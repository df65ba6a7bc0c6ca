// Convolution (and Gemm/MatMul, which canonicalize turned into convolutions) on the Tensor
// Engine, as a sum of shifted matmuls accumulated in PSUM; no im2col is materialized.
//
// For each output-channel block (<= array columns, one weight block), the output is cut into
// PSUM-bank chunks (whole images when they fit, else rows). Chunks are taken in groups that
// share each loaded weight tile: for every (input-channel segment, tap) one LoadWeights, then one
// MatMul per chunk whose moving tile is the input seen through a strided access pattern (stride
// and dilation are pattern strides; padding is the zero halo around the input in SBUF). The first
// contribution overwrites the bank, the rest accumulate. The Scalar Engine then evacuates each
// bank with the bias and activation into the output's SBUF tile, and a fused residual is added by
// the Vector Engine (with relu when fused).
//
// Grouped and depthwise convolutions use the same loop with each block reading only the input
// channels its groups need (a depthwise block of C channels, C = the array columns, is a C x C
// diagonal weight tile), so they cost one matmul per tap per C channels: the Tensor Engine is
// poorly used, as Neuron documents for depthwise convolutions with few channels.
//
// A graph input that is too large for SBUF is read in bands: for each chunk, the rows it needs
// are copied from DRAM into a zeroed staging slot (double buffered) and the matmuls read there.

#include <algorithm>

#include "compiler/layout.h"
#include "compiler/lowering.h"

namespace infsim::compiler {
namespace {

using isa::axis;
using isa::dims;

constexpr int kChunksPerGroup = 4;

// Elements per row of a staging band: the padded input row, or the window of input columns
// a chunk of plan.band_cols output columns reads.
int band_pitch(const Lowering& L, int li) {
  const ConvParams& c = L.graph.layers[li].conv;
  const int cols = L.plan.band_cols[li];
  if (cols > 0) return (cols - 1) * c.stride_w + (c.kernel_w - 1) * c.dilation_w + 1;
  return L.graph.values[L.graph.layers[li].inputs[0]].width + c.pad_left + c.pad_right;
}

// Per-partition bytes between the channel tiles of a staging slot: the tallest band.
std::uint64_t band_tile_stride(const Lowering& L, int li, int rows) {
  const ConvParams& c = L.graph.layers[li].conv;
  const std::uint64_t rows_in = static_cast<std::uint64_t>(rows - 1) * c.stride_h +
                                static_cast<std::uint64_t>(c.kernel_h - 1) * c.dilation_h + 1;
  return rows_in * static_cast<std::uint64_t>(band_pitch(L, li)) * L.dsize;
}

// Copies the input rows chunk `ch` needs from DRAM into the next staging slot (zeroed first when
// the band has padding) and returns the slot's offset.
std::uint64_t stage_band(Lowering& L, int li, int core, const Chunk& ch, int max_rows) {
  const Layer& layer = L.graph.layers[li];
  const ConvParams& c = layer.conv;
  const int in_id = layer.inputs[0];
  const Value& in = L.graph.values[in_id];
  const LayerBuffers& buf = L.plan.buffers[li];
  const auto core16 = static_cast<std::uint16_t>(core);
  const auto layer_id = static_cast<std::uint32_t>(li);
  const std::uint64_t slot =
      buf.staging + static_cast<std::uint64_t>(L.staging_next[core]) * buf.staging_slot;
  L.staging_next[core] = (L.staging_next[core] + 1) % kStagingSlots;
  const std::uint64_t stride = band_tile_stride(L, li, max_rows);
  const int tiles = L.tiles(in.channels);
  const int wp = band_pitch(L, li);
  // The input columns the band holds: all (with the padding), or the chunk's window.
  const bool window = L.plan.band_cols[li] > 0;
  const int iw0 = window ? ch.col0 * c.stride_w - c.pad_left : -c.pad_left;
  const int c_lo = std::max(0, iw0), c_hi = std::min(in.width, iw0 + wp);
  if (c.pad_top + c.pad_bottom + c.pad_left + c.pad_right > 0) {
    isa::Instruction clear;
    clear.opcode = isa::Opcode::kMemset;
    clear.scale = 0.0f;
    clear.dst =
        isa::sbuf(0, static_cast<std::uint16_t>(std::min(L.partitions(), in.channels)), slot,
                  {static_cast<std::uint32_t>(tiles * stride / L.dsize)}, L.dtype(), core16);
    L.sched.emit(core, L.queues[core].vector, clear, layer_id);
  }
  const int ih0 = ch.row0 * c.stride_h - c.pad_top;
  const int rows_in = (ch.rows - 1) * c.stride_h + (c.kernel_h - 1) * c.dilation_h + 1;
  const int r_lo = std::max(0, ih0), r_hi = std::min(in.height, ih0 + rows_in);
  if (r_hi <= r_lo) return slot;
  const isa::TensorDecl& t = L.tensors[L.value_tensor[in_id]];
  const std::uint64_t hw = static_cast<std::uint64_t>(in.pixels());
  const std::uint64_t row = static_cast<std::uint64_t>(L.graph.batch) * hw;
  if (window && c_hi <= c_lo) return slot;
  for (int tile = 0; tile < tiles; ++tile) {
    const auto p = static_cast<std::uint16_t>(L.tile_size(in.channels, tile));
    isa::Instruction ld;
    ld.opcode = isa::Opcode::kDmaCopy;
    if (window) {
      const auto rows = static_cast<std::uint32_t>(r_hi - r_lo);
      const auto cols = static_cast<std::uint32_t>(c_hi - c_lo);
      ld.src0 =
          isa::dram(t.dram_offset + (tile * L.partitions() * row + (L.image0 + ch.image0) * hw +
                                     static_cast<std::uint64_t>(r_lo) * in.width + c_lo) *
                                        L.dsize,
                    p, static_cast<std::int64_t>(row), dims({axis(rows, in.width), axis(cols, 1)}),
                    L.dtype(), t.core);
      ld.dst = isa::sbuf(0, p,
                         slot + tile * stride +
                             (static_cast<std::uint64_t>(r_lo - ih0) * wp + (c_lo - iw0)) * L.dsize,
                         dims({axis(rows, wp), axis(cols, 1)}), L.dtype(), core16);
      L.sched.emit(core, L.queues[core].dma_in, ld, layer_id);
      continue;
    }
    ld.src0 = isa::dram(t.dram_offset + (tile * L.partitions() * row + (L.image0 + ch.image0) * hw +
                                         static_cast<std::uint64_t>(r_lo) * in.width) *
                                            L.dsize,
                        p, static_cast<std::int64_t>(row),
                        isa::dense_dims({static_cast<std::uint32_t>((r_hi - r_lo) * in.width)}),
                        L.dtype(), t.core);
    ld.dst = isa::sbuf(
        0, p,
        slot + tile * stride + (static_cast<std::uint64_t>(r_lo - ih0) * wp + c.pad_left) * L.dsize,
        dims({axis(static_cast<std::uint32_t>(r_hi - r_lo), wp),
              axis(static_cast<std::uint32_t>(in.width), 1)}),
        L.dtype(), core16);
    L.sched.emit(core, L.queues[core].dma_in, ld, layer_id);
  }
  return slot;
}

// Loads the images of this pass of a value handed over from an earlier segment into its SBUF
// slot (no halo: each channel's images are one run in DRAM and in SBUF).
void reload(Lowering& L, int value, int li, int core) {
  const Value& v = L.graph.values[value];
  const isa::TensorDecl& t = L.tensors[L.value_tensor[value]];
  const std::uint64_t hw = static_cast<std::uint64_t>(v.pixels());
  const std::uint64_t row = static_cast<std::uint64_t>(L.graph.batch) * hw;
  const auto elems = static_cast<std::uint32_t>(static_cast<std::uint64_t>(L.images) * hw);
  for (int tile = 0; tile < L.tiles(v.channels); ++tile) {
    const auto p = static_cast<std::uint16_t>(L.tile_size(v.channels, tile));
    isa::Instruction ld;
    ld.opcode = isa::Opcode::kDmaCopy;
    ld.src0 = isa::dram(
        t.dram_offset +
            (tile * L.partitions() * row + static_cast<std::uint64_t>(L.image0) * hw) * L.dsize,
        p, static_cast<std::int64_t>(row), isa::dense_dims({elems}), L.dtype(), t.core);
    ld.dst = isa::sbuf(0, p, L.interior_offset(value, core, tile, 0, 0, 0), {elems}, L.dtype(),
                       static_cast<std::uint16_t>(core));
    L.sched.emit(core, L.queues[core].dma_in, ld, static_cast<std::uint32_t>(li));
  }
}

// Chunk `ch` of an output block (or a residual read alongside it) in SBUF: the interior rows of
// the chunk's images, narrowed to its columns.
isa::AccessPattern chunk_in_sbuf(const Lowering& L, int value, int core, const WeightBlock& blk,
                                 const Chunk& ch) {
  isa::AccessPattern ap =
      L.interior(value, core, blk.co0 / L.partitions(), blk.co0 % L.partitions(), blk.count,
                 ch.image0, ch.images, ch.row0, ch.rows);
  ap.offset += static_cast<std::uint64_t>(ch.col0) * L.dsize;
  ap.dims[2].count = static_cast<std::uint32_t>(ch.cols);
  return ap;
}

// Evacuates the PSUM bank holding chunk `ch` of block `blk`: bias and activation into the output
// (or a bounce slot on its way to DRAM), then the fused residual on the Vector Engine.
void evacuate(Lowering& L, int li, int core, const WeightBlock& blk, const Chunk& ch, int bank) {
  const Layer& layer = L.graph.layers[li];
  const Value& out = L.graph.values[layer.output];
  const LayerBuffers& buf = L.plan.buffers[li];
  const CoreQueues& q = L.queues[core];
  const auto layer_id = static_cast<std::uint32_t>(li);
  const auto core16 = static_cast<std::uint16_t>(core);
  const isa::DType dt = L.dtype();
  const bool to_dram = L.plan.in_dram[layer.output];
  const auto m = static_cast<std::uint16_t>(blk.count);
  const auto n = static_cast<std::uint32_t>(ch.images * ch.rows * ch.cols);
  const std::uint64_t block_index =
      static_cast<std::uint64_t>(&blk - L.plan.geometry[li].blocks.data());
  isa::Instruction act;
  act.opcode = isa::Opcode::kActivate;
  act.func = static_cast<std::uint8_t>(layer.epilogue.func);
  act.alpha = layer.epilogue.alpha;
  act.beta = layer.epilogue.beta;
  act.src0 = isa::psum(0, m, static_cast<std::uint64_t>(bank) * L.core.psum.bank_bytes(), {n},
                       isa::DType::kFp32, core16);
  act.src1 =
      isa::sbuf(0, m, L.plan.const_offset[li] + block_index * 4, {1}, isa::DType::kFp32, core16);
  // Chunk [co0, co0 + m) x (images, rows, columns) of a C-major DRAM activation.
  auto dram_chunk = [&](int value) {
    const isa::TensorDecl& t = L.tensors[L.value_tensor[value]];
    const std::uint64_t hw = static_cast<std::uint64_t>(out.pixels());
    const std::uint64_t row = static_cast<std::uint64_t>(L.graph.batch) * hw;
    return isa::dram(t.dram_offset + (static_cast<std::uint64_t>(blk.co0) * row +
                                      static_cast<std::uint64_t>(L.image0 + ch.image0) * hw +
                                      static_cast<std::uint64_t>(ch.row0) * out.width + ch.col0) *
                                         L.dsize,
                     m, static_cast<std::int64_t>(row), isa::dense_dims({n}), dt, t.core);
  };
  // Results bound for DRAM and residuals coming from DRAM pass through a bounce slot:
  // [result | residual], each one PSUM bank's worth.
  std::uint64_t bounce = 0;
  const int residual = layer.epilogue.residual;
  const bool residual_in_dram =
      residual >= 0 && L.plan.in_dram[residual] && !L.plan.reload[residual];
  if (to_dram || residual_in_dram) {
    bounce = buf.bounce + static_cast<std::uint64_t>(L.bounce_next[core]) * buf.bounce_slot;
    L.bounce_next[core] = (L.bounce_next[core] + 1) % kBounceSlots;
  }
  act.dst = to_dram ? isa::sbuf(0, m, bounce, {n}, dt, core16)
                    : chunk_in_sbuf(L, layer.output, core, blk, ch);
  L.sched.emit(core, q.scalar, act, layer_id);
  if (residual >= 0) {
    isa::Instruction add;
    add.opcode = isa::Opcode::kTensorTensor;
    add.func = static_cast<std::uint8_t>(isa::AluOp::kAdd);
    add.flags = layer.epilogue.residual_relu ? isa::kRelu : 0;
    add.dst = act.dst;
    add.src0 = act.dst;
    if (residual_in_dram) {
      isa::Instruction ld;
      ld.opcode = isa::Opcode::kDmaCopy;
      ld.dst = isa::sbuf(0, m, bounce + buf.bounce_slot / 2, {n}, dt, core16);
      ld.src0 = dram_chunk(residual);
      L.sched.emit(core, q.dma_in, ld, layer_id);
      add.src1 = ld.dst;
    } else {
      add.src1 = chunk_in_sbuf(L, residual, core, blk, ch);
    }
    L.sched.emit(core, q.vector, add, layer_id);
  }
  if (to_dram) {
    isa::Instruction st;
    st.opcode = isa::Opcode::kDmaCopy;
    st.src0 = act.dst;
    st.dst = dram_chunk(layer.output);
    L.sched.emit(core, q.dma_out, st, layer_id);
  }
}

// Streams a whole interleaved weight unit into the next ring slot with one DMA (rows are
// partitions); returns the slot's offset.
std::uint64_t stream_unit(Lowering& L, int li, int core, const WeightBlock& blk) {
  const CorePlan& cp = L.plan.cores[core];
  const CoreQueues& q = L.queues[core];
  const isa::TensorDecl& weights = L.tensors[L.weight_tensor[li]];
  const int slot = L.ring_next[core];
  L.ring_next[core] = (slot + 1) % kWeightRingSlots;
  const std::uint64_t unit_at =
      cp.ring_offset + static_cast<std::uint64_t>(slot) * cp.ring_slot_bytes;
  const CiSegment& seg = blk.segments[0];
  const auto rows = static_cast<std::uint16_t>(seg.p_hi - seg.p_lo);
  const auto row = static_cast<std::uint32_t>(blk.unit_bytes / L.dsize);
  isa::Instruction ld;
  ld.opcode = isa::Opcode::kDmaCopy;
  ld.dst = isa::sbuf(static_cast<std::uint16_t>(seg.p_lo), rows, unit_at, {row}, L.dtype(),
                     static_cast<std::uint16_t>(core));
  ld.src0 = isa::dram(weights.dram_offset + blk.dram_offset, rows, {row}, L.dtype(), weights.core);
  L.sched.emit(core, slot % 2 ? q.dma_weights_alt : q.dma_weights, ld,
               static_cast<std::uint32_t>(li));
  L.weights_streamed[core] += std::uint64_t{rows} * row * L.dsize;
  return unit_at;
}

// Streams taps [tap0, tap0 + taps) of input-channel segment s of a block (a whole segment, or
// a piece of one that exceeds the ring slot) into the next ring slot, on alternating DMA
// engines; returns the slot's offset. Interleaved DRAM rows hold every segment of the block,
// the others one segment each (layout.h).
std::uint64_t stream_piece(Lowering& L, int li, int core, const WeightBlock& blk, std::size_t s,
                           int tap0, int taps) {
  const CorePlan& cp = L.plan.cores[core];
  const CoreQueues& q = L.queues[core];
  const isa::TensorDecl& weights = L.tensors[L.weight_tensor[li]];
  const CiSegment& seg = blk.segments[s];
  const auto k_rows = static_cast<std::uint16_t>(seg.p_hi - seg.p_lo);
  const int slot = L.ring_next[core];
  L.ring_next[core] = (slot + 1) % kWeightRingSlots;
  const std::uint64_t seg_at =
      cp.ring_offset + static_cast<std::uint64_t>(slot) * cp.ring_slot_bytes;
  std::uint64_t dram_at = weights.dram_offset + blk.dram_offset;
  auto dram_row = static_cast<std::int64_t>(blk.seg_elements[s]);
  for (std::size_t j = 0; j < s; ++j)
    dram_at +=
        blk.seg_elements[j] * L.dsize *
        (blk.interleaved ? 1
                         : static_cast<std::uint64_t>(blk.segments[j].p_hi - blk.segments[j].p_lo));
  if (blk.interleaved) dram_row = static_cast<std::int64_t>(blk.sbuf_bytes / L.dsize);
  dram_at += static_cast<std::uint64_t>(tap0) * blk.count * L.dsize;
  const auto row = static_cast<std::uint32_t>(static_cast<std::uint64_t>(taps) * blk.count);
  isa::Instruction ld;
  ld.opcode = isa::Opcode::kDmaCopy;
  ld.dst = isa::sbuf(static_cast<std::uint16_t>(seg.p_lo), k_rows, seg_at, {row}, L.dtype(),
                     static_cast<std::uint16_t>(core));
  ld.src0 = isa::dram(dram_at, k_rows, dram_row, isa::dense_dims({row}), L.dtype(), weights.core);
  L.sched.emit(core, slot % 2 ? q.dma_weights_alt : q.dma_weights, ld,
               static_cast<std::uint32_t>(li));
  L.weights_streamed[core] += std::uint64_t{k_rows} * row * L.dsize;
  return seg_at;
}

// The moving tile of tap (kh, kw) for chunk `ch`: segment `seg` of the input seen through a
// strided pattern, in its SBUF slot (with halo) or, when `streamed`, in the staging band at
// `stage_at` (`band_rows`: the rows of the tallest band).
isa::AccessPattern moving_tile(const Lowering& L, int li, int core, const CiSegment& seg,
                               const Chunk& ch, int kh, int kw, bool streamed,
                               std::uint64_t stage_at, int band_rows) {
  const Layer& layer = L.graph.layers[li];
  const ConvParams& c = layer.conv;
  const int in_id = layer.inputs[0];
  const Value& in = L.graph.values[in_id];
  const auto k_rows = static_cast<std::uint16_t>(seg.p_hi - seg.p_lo);
  const auto core16 = static_cast<std::uint16_t>(core);
  const auto sw = static_cast<std::int32_t>(c.stride_w);
  if (streamed) {
    // A window of columns starts at the chunk's first one.
    const int stage_wp = band_pitch(L, li);
    const int col0 = L.plan.band_cols[li] > 0 ? 0 : ch.col0;
    const std::uint64_t elems = (static_cast<std::uint64_t>(kh) * c.dilation_h) * stage_wp +
                                static_cast<std::uint64_t>(kw) * c.dilation_w +
                                static_cast<std::uint64_t>(col0) * c.stride_w;
    const std::uint64_t tile_bytes = band_tile_stride(L, li, band_rows);
    return isa::sbuf(static_cast<std::uint16_t>(seg.p_lo), k_rows,
                     stage_at + seg.ci_tile * tile_bytes + elems * L.dsize,
                     dims({axis(static_cast<std::uint32_t>(ch.rows), c.stride_h * stage_wp),
                           axis(static_cast<std::uint32_t>(ch.cols), sw)}),
                     L.dtype(), core16);
  }
  const int in_hp = in.padded_height(), in_wp = in.padded_width();
  const ValueSlot& slot = L.plan.slot(in_id, core);
  const std::int64_t row =
      static_cast<std::int64_t>(ch.row0) * c.stride_h - c.pad_top + in.halo_h + kh * c.dilation_h;
  const std::int64_t col =
      static_cast<std::int64_t>(ch.col0) * c.stride_w - c.pad_left + in.halo_w + kw * c.dilation_w;
  const std::uint64_t elems = static_cast<std::uint64_t>(
      (static_cast<std::int64_t>(ch.image0) * in_hp + row) * in_wp + col);
  return isa::sbuf(static_cast<std::uint16_t>(seg.p_lo), k_rows,
                   slot.offset + seg.ci_tile * slot.tile_bytes + elems * L.dsize,
                   dims({axis(static_cast<std::uint32_t>(ch.images), in_hp * in_wp),
                         axis(static_cast<std::uint32_t>(ch.rows), c.stride_h * in_wp),
                         axis(static_cast<std::uint32_t>(ch.cols), sw)}),
                   L.dtype(), core16);
}

// Chunks [g0, g1) of block `blk`, sharing each loaded weight tile: per (input-channel segment,
// tap) one LoadWeights, then one MatMul per chunk into its own PSUM bank (the first contribution
// overwrites it, the rest accumulate); then the evacuations, or each right after its MatMul when
// `per_chunk`. `base`: the block's weights in SBUF, unless streamed in pieces of `piece_taps`
// taps of a segment (0: not).
void lower_chunk_group(Lowering& L, int li, int core, const WeightBlock& blk, std::uint64_t base,
                       int piece_taps, bool per_chunk, bool streamed,
                       const std::vector<Chunk>& chunks, std::size_t g0, std::size_t g1) {
  const int taps = L.plan.geometry[li].taps;
  const ConvParams& c = L.graph.layers[li].conv;
  const CoreQueues& q = L.queues[core];
  const auto layer_id = static_cast<std::uint32_t>(li);
  const auto core16 = static_cast<std::uint16_t>(core);
  const auto m = static_cast<std::uint16_t>(blk.count);
  std::uint64_t stage_at = 0;
  if (streamed) stage_at = stage_band(L, li, core, chunks[g0], chunks.front().rows);
  std::vector<int> banks;
  for (std::size_t k = g0; k < g1; ++k) banks.push_back(L.next_bank());
  bool first = true;
  for (std::size_t s = 0; s < blk.segments.size(); ++s) {
    const CiSegment& seg = blk.segments[s];
    const auto k_rows = static_cast<std::uint16_t>(seg.p_hi - seg.p_lo);
    std::uint64_t seg_at = base;
    for (std::size_t j = 0; j < s; ++j) seg_at += blk.seg_elements[j] * L.dsize;
    int piece_tap0 = 0;  // the first tap at seg_at
    for (int kh = 0; kh < c.kernel_h; ++kh) {
      for (int kw = 0; kw < c.kernel_w; ++kw) {
        const int tap = kh * c.kernel_w + kw;
        if (piece_taps > 0 && tap % piece_taps == 0) {
          seg_at = stream_piece(L, li, core, blk, s, tap, std::min(piece_taps, taps - tap));
          piece_tap0 = tap;
        }
        isa::Instruction lw;
        lw.opcode = isa::Opcode::kLoadWeights;
        lw.src0 =
            isa::sbuf(static_cast<std::uint16_t>(seg.p_lo), k_rows,
                      seg_at + static_cast<std::uint64_t>(tap - piece_tap0) * blk.count * L.dsize,
                      {static_cast<std::uint32_t>(blk.count)}, L.dtype(), core16);
        L.sched.emit(core, q.tensor, lw, layer_id);
        for (std::size_t k = g0; k < g1; ++k) {
          const Chunk& ch = chunks[k];
          isa::Instruction mm;
          mm.opcode = isa::Opcode::kMatMul;
          mm.flags = first ? 0 : isa::kAccumulate;
          const auto n = static_cast<std::uint32_t>(ch.images * ch.rows * ch.cols);
          mm.dst =
              isa::psum(0, m, static_cast<std::uint64_t>(banks[k - g0]) * L.core.psum.bank_bytes(),
                        {n}, isa::DType::kFp32, core16);
          mm.src0 =
              moving_tile(L, li, core, seg, ch, kh, kw, streamed, stage_at, chunks.front().rows);
          L.sched.emit(core, q.tensor, mm, layer_id);
          if (per_chunk) evacuate(L, li, core, blk, ch, banks[k - g0]);
        }
        first = false;
      }
    }
  }
  if (!per_chunk)
    for (std::size_t k = g0; k < g1; ++k) evacuate(L, li, core, blk, chunks[k], banks[k - g0]);
}

}  // namespace

void lower_conv(Lowering& L, int li, int core) {
  const Layer& layer = L.graph.layers[li];
  const int in_id = layer.inputs[0];
  const Value& out = L.graph.values[layer.output];
  const ConvGeometry& geo = L.plan.geometry[li];
  for (int v : {in_id, layer.epilogue.residual})
    if (v >= 0 && L.plan.reload[v] && L.graph.values[v].consumers.front() == li)
      reload(L, v, li, core);
  const bool streamed = L.plan.in_dram[in_id] && !L.plan.reload[in_id];
  // A band of band_cols columns: chunks of one row and at most that many columns.
  const int band_cols = streamed ? L.plan.band_cols[li] : 0;
  const auto chunks = spatial_chunks(
      L.images, out.height, out.width,
      band_cols > 0 ? static_cast<std::uint64_t>(band_cols) : psum_bank_elements(L.core), streamed,
      layer.name, streamed ? staged_rows(L.graph, li, L.core, L.dtype()) : 0, true);
  // Without weight-load overlap a reload costs the array's drain: a block with one (segment,
  // tap) then takes every chunk under one LoadWeights, each evacuated right after its MatMul.
  const bool one_load_per_block = !L.core.tensor.weight_load_overlap && !streamed;
  const int group_size =
      streamed ? 1 : std::min(kChunksPerGroup, std::max(1, L.core.psum.banks / 2));

  std::uint64_t block_at = L.plan.weight_offset[li];
  std::uint64_t unit_at = 0;  // ring slot of the streamed unit being consumed
  for (const WeightBlock& blk : geo.blocks) {
    std::uint64_t base = block_at;
    block_at += blk.sbuf_bytes;
    // A streamed unit that fits a ring slot moves whole with one DMA; any other streamed block
    // moves in pieces: a segment, or groups of its taps when the segment exceeds the slot.
    const std::uint64_t ring_slot = L.plan.cores[core].ring_slot_bytes;
    const bool stream_block = !L.plan.resident[li] && blk.interleaved &&
                              (blk.unit_blocks == 0 || blk.unit_bytes <= ring_slot);
    const std::uint64_t tap_bytes = static_cast<std::uint64_t>(blk.count) * L.dsize;
    const int piece_taps =
        L.plan.resident[li] || stream_block
            ? 0
            : static_cast<int>(std::clamp<std::uint64_t>(ring_slot / tap_bytes, 1,
                                                         static_cast<std::uint64_t>(geo.taps)));
    if (stream_block && blk.unit_blocks > 0) unit_at = stream_unit(L, li, core, blk);
    if (stream_block) base = unit_at + blk.unit_offset;
    const bool per_chunk = one_load_per_block && blk.segments.size() * geo.taps == 1;
    const std::size_t step = per_chunk ? chunks.size() : static_cast<std::size_t>(group_size);
    for (std::size_t g0 = 0; g0 < chunks.size(); g0 += step)
      lower_chunk_group(L, li, core, blk, base, piece_taps, per_chunk, streamed, chunks, g0,
                        std::min(chunks.size(), g0 + step));
  }
}

}  // namespace infsim::compiler
