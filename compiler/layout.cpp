#include "compiler/layout.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/compile_error.h"

namespace infsim::compiler {

int channel_tiles(int channels, int partitions) {
  return (channels + partitions - 1) / partitions;
}

int tile_channels(int channels, int tile, int partitions) {
  return std::min(partitions, channels - tile * partitions);
}

void assign_halos(LayerGraph& graph) {
  for (const Layer& l : graph.layers) {
    if (l.kind != LayerKind::kConv) continue;
    Value& in = graph.values[l.inputs[0]];
    in.halo_h = std::max({in.halo_h, l.conv.pad_top, l.conv.pad_bottom});
    in.halo_w = std::max({in.halo_w, l.conv.pad_left, l.conv.pad_right});
  }
}

ConvGeometry conv_geometry(const Layer& layer, int in_channels, int out_channels,
                           const isa::NeuronCoreConfig& core, isa::DType dtype) {
  ConvGeometry g;
  const ConvParams& c = layer.conv;
  g.taps = c.kernel_h * c.kernel_w;
  int ci_per_group = in_channels / c.groups;
  int co_per_group = out_channels / c.groups;
  const int parts = core.sbuf.partitions;
  // Segments: at most one array row per input channel, inside one channel tile.
  const int seg_step = std::min(core.tensor.rows, parts);
  const int step = std::min({core.tensor.cols, core.psum.partitions, parts});
  std::uint64_t dsize = static_cast<std::uint64_t>(isa::dtype_bytes(dtype));
  for (int co0 = 0; co0 < out_channels;) {
    int count = std::min(step, out_channels - co0);
    count = std::min(count, parts - co0 % parts);
    WeightBlock b;
    b.co0 = co0;
    b.count = count;
    int g_lo = co0 / co_per_group, g_hi = (co0 + count - 1) / co_per_group;
    int ci_lo = g_lo * ci_per_group, ci_hi = (g_hi + 1) * ci_per_group;
    for (int ci = ci_lo; ci < ci_hi;) {
      int tile = ci / parts;
      int end = std::min({ci_hi, (tile + 1) * parts, ci + seg_step});
      b.segments.push_back({tile, ci - tile * parts, end - tile * parts});
      std::uint64_t elems = static_cast<std::uint64_t>(g.taps) * count;
      b.seg_elements.push_back(elems);
      b.sbuf_bytes += elems * dsize;
      b.dram_bytes += elems * dsize * static_cast<std::uint64_t>(end - ci);
      ci = end;
    }
    b.dram_offset = g.weight_bytes;
    g.weight_bytes += b.dram_bytes;
    b.interleaved = b.sbuf_bytes <= kWholeBlockBytes &&
                    std::all_of(b.segments.begin(), b.segments.end(), [&](const CiSegment& s) {
                      return s.p_lo == b.segments[0].p_lo && s.p_hi == b.segments[0].p_hi;
                    });
    if (b.interleaved) {
      g.max_stream_bytes = std::max(g.max_stream_bytes, b.sbuf_bytes);
    } else {
      for (std::uint64_t e : b.seg_elements)
        g.max_stream_bytes = std::max(g.max_stream_bytes, e * dsize);
    }
    b.unit_bytes = b.sbuf_bytes;
    g.blocks.push_back(std::move(b));
    co0 += count;
  }
  return g;
}

void group_stream_units(ConvGeometry& geometry, std::uint64_t max_bytes) {
  auto same_segments = [](const WeightBlock& a, const WeightBlock& b) {
    if (a.segments.size() != b.segments.size()) return false;
    for (std::size_t s = 0; s < a.segments.size(); ++s)
      if (a.segments[s].ci_tile != b.segments[s].ci_tile ||
          a.segments[s].p_lo != b.segments[s].p_lo || a.segments[s].p_hi != b.segments[s].p_hi)
        return false;
    return true;
  };
  std::vector<WeightBlock>& blocks = geometry.blocks;
  for (std::size_t first = 0; first < blocks.size();) {
    WeightBlock& head = blocks[first];
    std::size_t end = first + 1;
    if (head.interleaved) {
      while (end < blocks.size() && blocks[end].interleaved && same_segments(head, blocks[end]) &&
             head.unit_bytes + blocks[end].sbuf_bytes <= max_bytes) {
        WeightBlock& b = blocks[end];
        b.unit_blocks = 0;
        b.unit_offset = head.unit_bytes;
        b.dram_offset = head.dram_offset + b.unit_offset;
        b.unit_bytes = 0;
        head.unit_bytes += b.sbuf_bytes;
        ++end;
      }
    }
    head.unit_blocks = static_cast<int>(end - first);
    first = end;
  }
}

void append_converted(std::vector<std::uint8_t>& out, float value, isa::DType dtype) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, 4);
  switch (dtype) {
    case isa::DType::kFp32:
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
      return;
    case isa::DType::kBf16: {
      std::uint32_t rounded =
          std::isnan(value) ? (bits | 0x00400000u) : bits + 0x7fffu + ((bits >> 16) & 1u);
      std::uint16_t h = static_cast<std::uint16_t>(rounded >> 16);
      out.push_back(static_cast<std::uint8_t>(h));
      out.push_back(static_cast<std::uint8_t>(h >> 8));
      return;
    }
    case isa::DType::kFp16: {
      std::uint32_t sign = (bits >> 16) & 0x8000u;
      std::uint32_t mag = bits & 0x7fffffffu;
      std::uint16_t h;
      if (mag >= 0x7f800000u) {
        h = static_cast<std::uint16_t>(sign | 0x7c00u | (mag > 0x7f800000u ? 0x200u : 0u));
      } else if (mag >= 0x477ff000u) {  // rounds to above the largest half: infinity
        h = static_cast<std::uint16_t>(sign | 0x7c00u);
      } else if (mag < 0x38800000u) {  // subnormal half (or zero): scale into the integer range
        float f;
        std::uint32_t m = mag;
        std::memcpy(&f, &m, 4);
        float scaled = f * 16777216.0f;  // 2^24: one unit = the smallest subnormal half
        h = static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(std::nearbyint(scaled)));
      } else {
        std::uint32_t r = mag + 0xfffu + ((mag >> 13) & 1u);
        h = static_cast<std::uint16_t>(sign | ((r - 0x38000000u) >> 13));
      }
      out.push_back(static_cast<std::uint8_t>(h));
      out.push_back(static_cast<std::uint8_t>(h >> 8));
      return;
    }
    case isa::DType::kInt8:
      out.push_back(static_cast<std::uint8_t>(
          static_cast<std::int8_t>(std::clamp(std::nearbyint(value), -128.0f, 127.0f))));
      return;
  }
}

std::vector<std::uint8_t> pack_conv_weights(const Layer& layer, int in_channels, int out_channels,
                                            const ConvGeometry& geometry, int partitions,
                                            isa::DType dtype) {
  std::vector<std::uint8_t> out;
  out.reserve(geometry.weight_bytes);
  const ConvParams& c = layer.conv;
  int ci_per_group = in_channels / c.groups;
  int co_per_group = out_channels / c.groups;
  // One row of a segment: input channel ci, [tap][co].
  auto row = [&](const WeightBlock& b, int ci) {
    for (int t = 0; t < geometry.taps; ++t) {
      for (int j = 0; j < b.count; ++j) {
        int co = b.co0 + j;
        int local = ci - (co / co_per_group) * ci_per_group;
        float w = 0.0f;
        if (local >= 0 && local < ci_per_group)
          w = c.weights[(static_cast<std::size_t>(co) * ci_per_group + local) * geometry.taps + t];
        append_converted(out, w, dtype);
      }
    }
  };
  const std::vector<WeightBlock>& blocks = geometry.blocks;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const WeightBlock& b = blocks[i];
    if (b.unit_blocks == 0) continue;  // packed with its unit's first block
    if (b.interleaved) {
      for (int p = b.segments[0].p_lo; p < b.segments[0].p_hi; ++p)
        for (std::size_t u = i; u < i + static_cast<std::size_t>(b.unit_blocks); ++u)
          for (const CiSegment& s : blocks[u].segments) row(blocks[u], s.ci_tile * partitions + p);
    } else {
      for (const CiSegment& s : b.segments)
        for (int p = s.p_lo; p < s.p_hi; ++p) row(b, s.ci_tile * partitions + p);
    }
  }
  return out;
}

std::vector<Chunk> spatial_chunks(int images, int height, int width, std::uint64_t bank_elements,
                                  bool single_image, const std::string& layer, int max_rows,
                                  bool split_columns) {
  std::vector<Chunk> out;
  const std::uint64_t per_image = static_cast<std::uint64_t>(height) * width;
  if (static_cast<std::uint64_t>(width) > bank_elements) {
    if (!split_columns)
      throw CompileError("layer '" + layer + "': an output row of " + std::to_string(width) +
                             " elements does not fit one PSUM bank (" +
                             std::to_string(bank_elements) + " fp32 per partition)",
                         ErrorKind::kDoesNotFit);
    const int step = static_cast<int>(bank_elements);
    for (int b = 0; b < images; ++b)
      for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; c += step)
          out.push_back({b, 1, r, 1, c, std::min(step, width - c)});
    return out;
  }
  if (per_image <= bank_elements && !single_image) {
    int per_chunk = static_cast<int>(bank_elements / per_image);
    for (int b = 0; b < images; b += per_chunk)
      out.push_back({b, std::min(per_chunk, images - b), 0, height, 0, width});
    return out;
  }
  int rows = static_cast<int>(std::min<std::uint64_t>(height, bank_elements / width));
  if (max_rows > 0) rows = std::min(rows, max_rows);
  for (int b = 0; b < images; ++b)
    for (int r = 0; r < height; r += rows)
      out.push_back({b, 1, r, std::min(rows, height - r), 0, width});
  return out;
}

}  // namespace infsim::compiler
