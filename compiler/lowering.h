#pragma once
// State shared by the lowerings while they emit one program: the plan, the scheduler, each
// core's queues, the DRAM tensors, and the pass (group of images) being emitted.

#include <cstdint>
#include <vector>

#include "compiler/compiler.h"
#include "compiler/layer_graph.h"
#include "compiler/layout.h"
#include "compiler/memory_plan.h"
#include "compiler/partition.h"
#include "compiler/schedule.h"
#include "isa/access_pattern_builders.h"

namespace infsim::compiler {

struct CoreQueues {
  int tensor = -1, scalar = -1, vector = -1;
  int dma_in = -1;           // activations in: input loads and bands
  int dma_weights = -1;      // streamed weight segments (even ring slots)
  int dma_weights_alt = -1;  // odd ring slots, on another DMA engine
  int dma_out = -1;          // results to DRAM
  int dma_send = -1;         // to the next core of a pipeline
  int release = -1;          // acknowledgements to the previous core
  std::vector<int> setup;
  int from_prev = -1;      // channel: data arrived from the previous core
  int ack_from_next = -1;  // channel: the next core released its input buffer
};

struct Lowering {
  Lowering(const LayerGraph& g, const StagePlan& s, const MemoryPlan& p,
           const isa::NeuronCoreConfig& c, const CompilerOptions& o)
      : graph(g),
        stages(s),
        plan(p),
        core(c),
        options(o),
        sched(c),
        dsize(static_cast<std::uint64_t>(isa::dtype_bytes(o.dtype))) {}

  const LayerGraph& graph;
  const StagePlan& stages;
  const MemoryPlan& plan;
  const isa::NeuronCoreConfig& core;
  const CompilerOptions& options;
  Scheduler sched;
  std::uint64_t dsize;
  std::vector<CoreQueues> queues;

  std::vector<int> value_tensor;   // graph inputs/outputs -> Program::tensors index
  std::vector<int> weight_tensor;  // per layer, -1 if none
  std::vector<int> const_tensor;   // per layer, -1 if none
  std::vector<isa::TensorDecl> tensors;

  int image0 = 0;  // first image of the current pass
  int images = 1;  // images in the current pass
  int psum_bank = 0;
  std::vector<int> ring_next;                   // per core: next weight-ring slot
  std::vector<int> staging_next;                // per core: next staging slot
  std::vector<int> bounce_next;                 // per core: next bounce slot
  std::vector<std::uint64_t> weights_streamed;  // per core: weight bytes read from DRAM

  isa::DType dtype() const { return options.dtype; }
  // Channels sit on the configured SBUF partitions, in tiles of that many (layout.h).
  int partitions() const { return core.sbuf.partitions; }
  int tiles(int channels) const { return channel_tiles(channels, partitions()); }
  int tile_size(int channels, int tile) const {
    return tile_channels(channels, tile, partitions());
  }
  int next_bank() {
    int b = psum_bank;
    psum_bank = (psum_bank + 1) % core.psum.banks;
    return b;
  }
  // Per-partition byte offset of image `image`, row `row`, column `col` (interior coordinates)
  // of channel tile `tile` of `value` on `core`.
  std::uint64_t interior_offset(int value, int core_id, int tile, int image, int row,
                                int col) const;
  // The interior of images [image, image + count) x rows [row, row + rows) of a channel range
  // [partition, partition + partitions) of one tile: dims {images, rows, width}.
  isa::AccessPattern interior(int value, int core_id, int tile, int partition, int partitions,
                              int image, int count, int row, int rows) const;
  // Channels [channel, channel + count) of a value's DRAM tensor (C-major: a row per channel),
  // rows [row, row + rows) of images [image, image + count_images) of the current pass, as one
  // dense run per channel; more than one image takes whole images.
  isa::AccessPattern dram_rows(int value, int channel, int count, int image, int row, int rows,
                               int count_images = 1) const;
  // Zero the halo of every tile of a value produced on `core_id` this pass.
  void clear_halo(int value, int core_id, std::uint32_t layer);
  // Store a graph output produced on `core_id` to its DRAM tensor.
  void store_output(int value, int core_id, std::uint32_t layer);
  // Load a (non-streamed) graph input into SBUF.
  void load_input(int value, int core_id, std::uint32_t layer);
};

void lower_conv(Lowering& L, int layer, int core);
void lower_pool(Lowering& L, int layer, int core);
void lower_eltwise(Lowering& L, int layer, int core);
void lower_activation(Lowering& L, int layer, int core);
void lower_scale_bias(Lowering& L, int layer, int core);
void lower_concat(Lowering& L, int layer, int core);
void lower_attention(Lowering& L, int layer, int core);   // lower_transformer.cpp
void lower_layer_norm(Lowering& L, int layer, int core);  // lower_transformer.cpp
void lower_resize(Lowering& L, int layer, int core);      // lower_resize.cpp
void lower_slice(Lowering& L, int layer, int core);       // lower_data.cpp
void lower_pad(Lowering& L, int layer, int core);         // lower_data.cpp
void lower_topk(Lowering& L, int layer, int core);        // lower_topk.cpp

}  // namespace infsim::compiler
