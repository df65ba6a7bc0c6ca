#include <gtest/gtest.h>

#include <cstring>

#include "compiler/layout.h"

namespace infsim::compiler {
namespace {

// The default NeuronCore: 128 SBUF partitions, a 128 x 64 array, 64 PSUM partitions.
const isa::NeuronCoreConfig kCore{};

TEST(CompilerLayout, DenseConvBlocksCoverEveryInputTile) {
  Layer l;
  l.conv.kernel_h = l.conv.kernel_w = 3;
  ConvGeometry g = conv_geometry(l, 200, 130, kCore, isa::DType::kBf16);
  ASSERT_EQ(g.blocks.size(), 3u);  // 64 + 64 + 2 output channels
  EXPECT_EQ(g.blocks[2].count, 2);
  ASSERT_EQ(g.blocks[0].segments.size(), 2u);  // 128 + 72 input channels
  EXPECT_EQ(g.blocks[0].segments[1].p_hi, 72);
  // per partition: 2 segments x 9 taps x 64 channels x 2 bytes
  EXPECT_EQ(g.blocks[0].sbuf_bytes, 2u * 9 * 64 * 2);
  EXPECT_EQ(g.weight_bytes, 200u * 9 * 130 * 2);
}

TEST(CompilerLayout, DepthwiseBlocksReadOnlyTheirOwnChannels) {
  Layer l;
  l.conv.kernel_h = l.conv.kernel_w = 3;
  l.conv.groups = 192;
  ConvGeometry g = conv_geometry(l, 192, 192, kCore, isa::DType::kBf16);
  ASSERT_EQ(g.blocks.size(), 3u);
  const CiSegment& s = g.blocks[1].segments.at(0);
  EXPECT_EQ(g.blocks[1].segments.size(), 1u);
  EXPECT_EQ(s.ci_tile, 0);
  EXPECT_EQ(s.p_lo, 64);
  EXPECT_EQ(s.p_hi, 128);
  EXPECT_EQ(g.blocks[2].segments.at(0).ci_tile, 1);
}

// A 64 x 64 array fed by 128 SBUF partitions: blocks of 64 output channels, and every input
// tile cut into segments of at most 64 channels (one array row each), never across a tile.
TEST(CompilerLayout, SegmentsNeverExceedTheArrayRows) {
  isa::NeuronCoreConfig core;
  core.tensor.rows = 64;
  Layer l;
  ConvGeometry g = conv_geometry(l, 200, 130, core, isa::DType::kBf16);
  ASSERT_EQ(g.blocks.size(), 3u);
  const std::vector<CiSegment>& s = g.blocks[0].segments;
  ASSERT_EQ(s.size(), 4u);  // tile 0: [0, 64) [64, 128); tile 1: [0, 64) [64, 72)
  EXPECT_EQ(s[1].ci_tile, 0);
  EXPECT_EQ(s[1].p_lo, 64);
  EXPECT_EQ(s[1].p_hi, 128);
  EXPECT_EQ(s[3].ci_tile, 1);
  EXPECT_EQ(s[3].p_lo, 64);
  EXPECT_EQ(s[3].p_hi, 72);
  EXPECT_EQ(g.weight_bytes, 200u * 130 * 2);
  // A 256 x 256 array on 256 partitions: one segment, blocks of up to 256 columns.
  core.tensor.rows = core.tensor.cols = core.sbuf.partitions = core.psum.partitions = 256;
  g = conv_geometry(l, 200, 300, core, isa::DType::kBf16);
  ASSERT_EQ(g.blocks.size(), 2u);
  EXPECT_EQ(g.blocks[0].count, 256);
  EXPECT_EQ(g.blocks[0].segments.size(), 1u);
  EXPECT_EQ(g.blocks[0].segments[0].p_hi, 200);
}

TEST(CompilerLayout, PackedWeightsAreBlockDiagonalForGroups) {
  Layer l;
  l.conv.groups = 2;
  l.conv.weights = {1, 2, 3, 4};  // [co 2][ci/g 2][1][1]
  ConvGeometry g = conv_geometry(l, 4, 2, kCore, isa::DType::kFp32);
  std::vector<std::uint8_t> bytes =
      pack_conv_weights(l, 4, 2, g, kCore.sbuf.partitions, isa::DType::kFp32);
  ASSERT_EQ(bytes.size(), 4u * 2 * 4);  // rows ci 0..3, each [co 0, co 1]
  std::vector<float> w(8);
  std::memcpy(w.data(), bytes.data(), bytes.size());
  EXPECT_EQ(w, (std::vector<float>{1, 0, 2, 0, 0, 3, 0, 4}));
}

// A streamed 1x1 convolution of 2 input channels to 192 outputs: three 64-column blocks of 256 B
// per partition; with units of up to 512 B the first two travel together, each DRAM row (one
// input channel) holding block 0's then block 1's columns.
TEST(CompilerLayout, StreamUnitsPackTheirBlocksRowByRow) {
  Layer l;
  for (int co = 0; co < 192; ++co)
    for (int ci = 0; ci < 2; ++ci) l.conv.weights.push_back(static_cast<float>(co * 10 + ci));
  ConvGeometry g = conv_geometry(l, 2, 192, kCore, isa::DType::kFp32);
  group_stream_units(g, 512);
  ASSERT_EQ(g.blocks.size(), 3u);
  EXPECT_EQ(g.blocks[0].unit_blocks, 2);
  EXPECT_EQ(g.blocks[0].unit_bytes, 512u);
  EXPECT_EQ(g.blocks[1].unit_blocks, 0);
  EXPECT_EQ(g.blocks[1].unit_offset, 256u);
  EXPECT_EQ(g.blocks[1].dram_offset, 256u);
  EXPECT_EQ(g.blocks[2].unit_blocks, 1);
  EXPECT_EQ(g.blocks[2].dram_offset, 2u * 512);
  std::vector<std::uint8_t> bytes =
      pack_conv_weights(l, 2, 192, g, kCore.sbuf.partitions, isa::DType::kFp32);
  ASSERT_EQ(bytes.size(), g.weight_bytes);
  std::vector<float> w(bytes.size() / 4);
  std::memcpy(w.data(), bytes.data(), bytes.size());
  EXPECT_EQ(w[0], 0.0f);                // ci 0, co 0
  EXPECT_EQ(w[64], 640.0f);             // ci 0, co 64 (block 1)
  EXPECT_EQ(w[128], 1.0f);              // ci 1, co 0
  EXPECT_EQ(w[128 + 127], 1271.0f);     // ci 1, co 127
  EXPECT_EQ(w[256 + 64 + 1], 1291.0f);  // block 2 (its own unit): ci 1, co 129
}

TEST(CompilerLayout, Bf16AndFp16RoundToNearestEven) {
  std::vector<std::uint8_t> out;
  append_converted(out, 1.0f + 1.0f / 256.0f, isa::DType::kBf16);  // halfway: stays 1.0
  append_converted(out, 1.0f + 3.0f / 256.0f, isa::DType::kBf16);  // halfway: up to 1 + 2^-6
  append_converted(out, 65504.0f, isa::DType::kFp16);
  append_converted(out, 1e-7f, isa::DType::kFp16);  // subnormal: round(1e-7 * 2^24) = 2
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0x80, 0x3f, 0x82, 0x3f, 0xff, 0x7b, 0x02, 0x00}));
}

TEST(CompilerLayout, ChunksFillOnePsumBank) {
  auto images = spatial_chunks(8, 7, 7, 512, false, "l");
  ASSERT_EQ(images.size(), 1u);  // 8 x 49 = 392 <= 512
  EXPECT_EQ(images[0].images, 8);
  auto rows = spatial_chunks(1, 112, 112, 512, false, "l");
  EXPECT_EQ(rows.size(), 28u);  // 4 rows of 112
  EXPECT_EQ(rows[0].rows, 4);
  EXPECT_EQ(spatial_chunks(1, 112, 112, 512, true, "l", 2).size(), 56u);
}

}  // namespace
}  // namespace infsim::compiler
