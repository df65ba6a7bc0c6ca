#pragma once
// Where data lives: channels on SBUF partitions in tiles of up to P = the configured SBUF
// partitions (an activation of C channels is ceil(C/P) tiles, each [images][H + 2 halo][W + 2
// halo] per partition, zero halo), DRAM activations C-major ([C][N][H][W], so one channel's
// images are one row), and convolution weights cut into blocks, one per output-channel tile of at
// most the array's columns (and PSUM partitions), holding every (input-channel segment, tap) the
// tile needs; a segment never has more input channels than the array has rows.

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/layer_graph.h"
#include "isa/hardware_config.h"
#include "isa/instruction.h"

namespace infsim::compiler {

// Largest weight block (bytes per partition) streamed as one unit (a compiler choice, not a
// hardware limit).
inline constexpr std::uint64_t kWholeBlockBytes = 8192;

// Channel tiles of `channels` on `partitions` SBUF partitions, and the channels in tile `tile`.
int channel_tiles(int channels, int partitions);
int tile_channels(int channels, int tile, int partitions);

// Halo of every value: the largest padding any convolution reading it needs.
void assign_halos(LayerGraph& graph);

// One contiguous run of input channels inside one input tile: partitions [p_lo, p_hi).
struct CiSegment {
  int ci_tile = 0;
  int p_lo = 0, p_hi = 0;
};

struct WeightBlock {
  int co0 = 0, count = 0;  // output channels
  std::vector<CiSegment> segments;
  std::vector<std::uint64_t> seg_elements;  // per segment: elements per partition (taps * count)
  std::uint64_t sbuf_bytes = 0;             // per partition
  std::uint64_t dram_offset = 0;            // bytes into the layer's weight tensor
  std::uint64_t dram_bytes = 0;
  // All segments on the same partitions and small enough: DRAM rows are partitions, each holding
  // every segment ([p][segment][tap][co]), so one DMA with long runs moves the whole block.
  // Otherwise rows are per segment ([segment][p][tap][co]) and segments move one by one.
  bool interleaved = false;
  // Streamed interleaved blocks travel in units of consecutive blocks reading the same segments:
  // DRAM rows are partitions holding every block of the unit ([p][block][segment][tap][co]), so
  // one DMA with rows of unit_bytes moves them all into one weight-ring slot, where the blocks
  // sit one after another as they would when resident. A block alone is a unit of one.
  int unit_blocks = 1;            // on a unit's first block: blocks in the unit; 0 on the others
  std::uint64_t unit_offset = 0;  // per partition: bytes from the unit's first block to this one
  std::uint64_t unit_bytes = 0;   // on a unit's first block: per-partition bytes of the unit
};

struct ConvGeometry {
  int taps = 1;
  std::vector<WeightBlock> blocks;     // one per output-channel tile, in order
  std::uint64_t weight_bytes = 0;      // the whole packed tensor
  std::uint64_t max_stream_bytes = 0;  // per partition: the largest unit weights stream in
};

// Blocks of at most min(array columns, PSUM partitions) output channels that never cross an SBUF
// channel tile; segments of at most the array's rows input channels inside one input tile.
ConvGeometry conv_geometry(const Layer& layer, int in_channels, int out_channels,
                           const isa::NeuronCoreConfig& core, isa::DType dtype);

// Groups consecutive interleaved blocks into streaming units of at most `max_bytes` per
// partition (the weight-ring slot), so streamed weights move in few long DMAs; dram_offset of a
// block inside a unit becomes the unit's offset plus its unit_offset (its place in each row).
void group_stream_units(ConvGeometry& geometry, std::uint64_t max_bytes);

// The packed DRAM image of a layer's weights (unit after unit; see WeightBlock), in `dtype`.
// `partitions`: the SBUF partitions the geometry was made for.
std::vector<std::uint8_t> pack_conv_weights(const Layer& layer, int in_channels, int out_channels,
                                            const ConvGeometry& geometry, int partitions,
                                            isa::DType dtype);

// Values converted to `dtype` (round to nearest even), little-endian.
void append_converted(std::vector<std::uint8_t>& out, float value, isa::DType dtype);

}  // namespace infsim::compiler

namespace infsim::compiler {

// A piece of a layer's output that one PSUM bank holds: whole images when they fit, else rows
// of one image, else (a row wider than a bank, e.g. the M tokens of a matrix product) columns
// [col0, col0 + cols) of one row.
struct Chunk {
  int image0 = 0, images = 1;
  int row0 = 0, rows = 0;
  int col0 = 0, cols = 0;
};
// `max_rows` (0 = none) caps the rows of a chunk. A row wider than a bank is cut into column
// pieces when `split_columns`; otherwise that throws CompileError.
std::vector<Chunk> spatial_chunks(int images, int height, int width, std::uint64_t bank_elements,
                                  bool single_image, const std::string& layer, int max_rows = 0,
                                  bool split_columns = false);

}  // namespace infsim::compiler
