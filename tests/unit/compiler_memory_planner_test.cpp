// The steps of SBUF planning one at a time (compiler_memory_plan_test checks whole plans).
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/canonicalize.h"
#include "compiler/compile_error.h"
#include "compiler/memory_planner.h"
#include "compiler_test_graphs.h"
#include "models/zoo.h"

namespace infsim::compiler {
namespace {

// A canonical graph on `cores` pipeline stages, and the core the planner plans for (the planner
// keeps references to all three).
struct Case {
  explicit Case(const models::Graph& graph, int batch = 1, isa::DType dtype = isa::DType::kBf16,
                int cores = 1)
      : dtype(dtype) {
    g = canonicalize(graph, static_cast<std::uint32_t>(batch), false).graph;
    assign_halos(g);
    s = partition_layers(g, cores, std::vector<double>(g.layers.size(), 1.0));
  }
  // The steps that do not depend on the batch, done.
  MemoryPlanner prepared() const {
    MemoryPlanner p(g, s, core, dtype);
    p.place_dram_inputs();
    p.place_constants();
    p.plan_staging();
    return p;
  }
  LayerGraph g;
  StagePlan s;
  isa::NeuronCoreConfig core;
  isa::DType dtype;
};

models::Graph resnet50(int batch = 1) {
  models::ZooOptions o;
  o.batch = batch;
  return models::build_zoo_model("resnet50", o);
}

int count(const std::vector<bool>& v) {
  return static_cast<int>(std::count(v.begin(), v.end(), true));
}

TEST(CompilerMemoryPlanner, FirstFitReusesTheRoomOfValuesNoLongerLive) {
  std::vector<ActivationItem> items = {
      {0, 0, 1, 128, 1}, {1, 1, 2, 64, 1}, {2, 2, 3, 128, 1}, {3, 3, 3, 64, 1}};
  EXPECT_EQ(first_fit(items), 192u);
  EXPECT_EQ(items[0].offset, 0u);
  EXPECT_EQ(items[1].offset, 128u);  // beside the live value 0
  EXPECT_EQ(items[2].offset, 0u);    // value 0 died after layer 1
  EXPECT_EQ(items[3].offset, 128u);  // value 1 died after layer 2, value 2 lives
}

// An item placed last (a graph input first read mid-stage) goes where it fits beside every item
// live with it, after the others, so it does not split the room they reuse. In order of first use,
// item 1 would sit at 64 from layer 1 on, and item 2 (128 bytes, from layer 2) would have to go
// above it (peak 208); placed last, item 1 goes above items 0 and 2 (peak 144).
TEST(CompilerMemoryPlanner, FirstFitPlacesLastItemsBesideEveryItemLiveWithThem) {
  std::vector<ActivationItem> items = {{0, 0, 1, 64, 1}, {1, 1, 3, 16, 1}, {2, 2, 3, 128, 1}};
  std::vector<ActivationItem> in_order = items;
  EXPECT_EQ(first_fit(in_order), 208u);
  items[1].last = true;
  EXPECT_EQ(first_fit(items), 144u);
  EXPECT_EQ(items[0].offset, 0u);
  EXPECT_EQ(items[2].offset, 0u);    // item 0 died after layer 1
  EXPECT_EQ(items[1].offset, 128u);  // above item 2, live with it from layer 2
}

TEST(CompilerMemoryPlanner, LargeInputsReadOnlyByConvolutionsStayInDram) {
  Case large(resnet50());  // 3 x 224 x 224: more than 1/16 of a partition
  MemoryPlanner p(large.g, large.s, large.core, large.dtype);
  p.place_dram_inputs();
  EXPECT_TRUE(p.plan().in_dram[large.g.inputs[0]]);
  EXPECT_EQ(count(p.plan().in_dram), 1);

  Case small(testing::residual_block());
  MemoryPlanner q(small.g, small.s, small.core, small.dtype);
  q.place_dram_inputs();
  EXPECT_EQ(count(q.plan().in_dram), 0);
}

TEST(CompilerMemoryPlanner, ConstantsArePackedFromAddressZeroLayerByLayer) {
  Case su(resnet50());
  MemoryPlanner p(su.g, su.s, su.core, su.dtype);
  p.place_constants();
  const MemoryPlan& plan = p.plan();
  std::uint64_t end = 0;  // of the previous convolution's constants
  for (std::size_t l = 0; l < su.g.layers.size(); ++l) {
    if (su.g.layers[l].kind != LayerKind::kConv) continue;
    // One fp32 bias per output-channel block, 64-byte aligned, after the previous layer's.
    EXPECT_FALSE(plan.geometry[l].blocks.empty()) << su.g.layers[l].name;
    EXPECT_GE(plan.const_offset[l], end) << su.g.layers[l].name;
    EXPECT_EQ(plan.const_offset[l] % 64, 0u);
    end = plan.const_offset[l] + 4 * plan.geometry[l].blocks.size();
  }
  EXPECT_GT(end, 0u);
  EXPECT_GE(plan.cores[0].const_bytes, end);
  EXPECT_LT(plan.cores[0].const_bytes, end + 64);
}

TEST(CompilerMemoryPlanner, StagingFollowsTheValuesInDram) {
  Case su(resnet50());
  MemoryPlanner p = su.prepared();
  const MemoryPlan& plan = p.plan();
  const int stem = su.g.values[su.g.inputs[0]].consumers.front();
  EXPECT_GT(plan.staging_bytes[stem], 0u);
  EXPECT_EQ(plan.cores[0].staging_slot_bytes,
            *std::max_element(plan.staging_bytes.begin(), plan.staging_bytes.end()));
  // Nothing a layer writes goes to DRAM yet, so no bounce buffers.
  EXPECT_EQ(plan.cores[0].bounce_slot_bytes, 0u);

  Case small(testing::residual_block());
  MemoryPlanner q = small.prepared();
  EXPECT_EQ(q.plan().cores[0].staging_slot_bytes, 0u);
}

TEST(CompilerMemoryPlanner, ActivationsGrowWithTheImagesPerPassAndLiveInTheirStage) {
  Case su(resnet50(4), 4, isa::DType::kBf16, 2);
  MemoryPlanner p = su.prepared();
  for (int s = 0; s < 2; ++s) {
    const auto none = p.activation_items(s, p.uniform(0));
    const auto one = p.activation_items(s, p.uniform(1));
    const auto two = p.activation_items(s, p.uniform(2));
    ASSERT_EQ(one.size(), two.size());
    ASSERT_EQ(one.size(), none.size());
    ASSERT_FALSE(one.empty());
    for (std::size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(none[i].size, 0u);
      EXPECT_GT(one[i].size, 0u);
      EXPECT_GE(two[i].size, one[i].size);
      EXPECT_LE(one[i].start, one[i].end);
      EXPECT_GE(one[i].start, su.s.first[s]);
      EXPECT_LE(one[i].end, su.s.last(s, static_cast<int>(su.g.layers.size())));
    }
  }
}

// More images per pass never need less SBUF: every activation is at least as large.
TEST(CompilerMemoryPlanner, NeedNeverShrinksWithMoreImages) {
  Case su(resnet50(8), 8);
  MemoryPlanner p = su.prepared();
  const StageWeights w = p.weights(0);
  EXPECT_GT(w.largest_block, 0u);
  EXPECT_GE(w.total, w.largest_block);
  std::uint64_t last = 0;
  for (int g = 1; g <= 8; ++g) {
    const CoreNeed n = p.need(0, p.uniform(g));
    EXPECT_GE(n.total(), last) << g << " images";
    EXPECT_EQ(n.weights, std::min(w.total, kWeightRingSlots * w.largest_block));
    last = n.total();
  }
}

// Spilled values are written and read in bands of rows or whole-image copies, so only the layers
// that work that way (convolutions, windowed pooling, concatenations) may touch them: ResNet-50's
// stem max pool output may go to DRAM, anything its global pool or a graph output reads may not.
TEST(CompilerMemoryPlanner, OnlyValuesBetweenBandedLayersSpill) {
  Case su(resnet50());
  MemoryPlanner p = su.prepared();
  int spillable = 0, pooled = 0;
  for (std::size_t v = 0; v < su.g.values.size(); ++v) {
    const Value& val = su.g.values[v];
    if (!p.spillable(static_cast<int>(v), 0)) continue;
    ++spillable;
    EXPECT_FALSE(val.graph_input || val.graph_output) << val.name;
    EXPECT_TRUE(MemoryPlanner::banded(su.g.layers[val.producer])) << val.name;
    pooled += su.g.layers[val.producer].kind == LayerKind::kPool;
    for (int c : val.consumers) {
      const Layer& l = su.g.layers[c];
      EXPECT_TRUE(l.kind == LayerKind::kConv || (l.kind == LayerKind::kPool && !l.pool.global))
          << val.name;
    }
  }
  EXPECT_GT(spillable, 0);
  EXPECT_EQ(pooled, 1);
}

TEST(CompilerMemoryPlanner, SpillsUntilOneImageFitsOrSaysByHowMuchItIsShort) {
  Case su(resnet50(), 1, isa::DType::kFp32);
  MemoryPlanner p = su.prepared();
  EXPECT_FALSE(p.fits(0, p.uniform(1)));
  ASSERT_TRUE(p.spill_until_fits(1));
  EXPECT_TRUE(p.fits(0, p.uniform(1)));
  EXPECT_GT(count(p.plan().in_dram), 1);
  EXPECT_GT(p.plan().cores[0].bounce_slot_bytes, 0u);  // staging replanned for the spills

  Case tiny(testing::residual_block());
  tiny.core.sbuf.size = 128 * 256;
  MemoryPlanner q = tiny.prepared();
  EXPECT_FALSE(q.spill_until_fits(1));
  EXPECT_NE(q.shortfall().find("short by"), std::string::npos) << q.shortfall();
}

// Spilling for the batch runs at least as many images per pass as spilling only what one image
// needs: it may spill more.
TEST(CompilerMemoryPlanner, SpillingForTheBatchRunsAtLeastAsManyImagesPerPass) {
  Case su(resnet50(8), 8, isa::DType::kFp32);
  MemoryPlanner fewest = su.prepared();
  fewest.choose_sub_batch(false);
  MemoryPlanner batch = su.prepared();
  batch.choose_sub_batch(true);
  EXPECT_GE(batch.plan().sub_batch, fewest.plan().sub_batch);
  EXPECT_GE(count(batch.plan().in_dram), count(fewest.plan().in_dram));
  for (const MemoryPlanner* p : {&fewest, &batch}) {
    EXPECT_EQ(p->plan().passes, (8 + p->plan().sub_batch - 1) / p->plan().sub_batch);
    EXPECT_TRUE(p->fits(0, p->uniform(p->plan().sub_batch)));
  }

  Case tiny(testing::residual_block());
  tiny.core.sbuf.size = 128 * 256;
  MemoryPlanner q = tiny.prepared();
  try {
    q.choose_sub_batch(false);
    FAIL() << "expected CompileError";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDoesNotFit);
  }
}

TEST(CompilerMemoryPlanner, SegmentsMeetAtCutsWhoseValuesCanBeHandedOver) {
  Case su(resnet50(8), 8);
  MemoryPlanner p = su.prepared();
  ASSERT_TRUE(p.choose_segments());
  const int n = static_cast<int>(su.g.layers.size());
  const std::vector<int> points = p.cut_points();
  ASSERT_GT(points.size(), 2u);
  EXPECT_EQ(points.front(), -1);
  EXPECT_EQ(points.back(), n - 1);
  EXPECT_TRUE(std::is_sorted(points.begin(), points.end()));
  EXPECT_EQ(p.cut_bytes(-1), 0u);
  for (std::size_t i = 1; i + 1 < points.size(); ++i) {
    for (int v : p.crossing(points[i])) EXPECT_TRUE(p.reloadable(v));
    EXPECT_GT(p.cut_bytes(points[i]), 0u) << "cut after layer " << points[i];
  }
  // Every segment starts at a cut point.
  for (const Segment& seg : p.plan().segments)
    EXPECT_TRUE(std::count(points.begin(), points.end(), seg.first - 1)) << seg.first;
  EXPECT_TRUE(p.fits(0, p.layer_images()));
}

// segment_images is the most images per pass that fit: one more does not.
TEST(CompilerMemoryPlanner, SegmentImagesIsTheMostThatFit) {
  Case su(resnet50(8), 8);
  MemoryPlanner p = su.prepared();
  ASSERT_TRUE(p.choose_segments());
  const int n = static_cast<int>(su.g.layers.size());
  const std::vector<int> points = p.cut_points();
  const int b = points[points.size() / 2];
  const int g = p.segment_images(-1, b);
  ASSERT_GT(g, 0);
  auto images = [&](int k) {
    std::vector<int> out(n, 0);
    std::fill(out.begin(), out.begin() + b + 1, k);
    return out;
  };
  EXPECT_TRUE(p.fits(0, images(g)));
  if (g < 8) {
    EXPECT_FALSE(p.fits(0, images(g + 1)));
  }
}

// Per partition, the regions follow one another without overlap and within the partition, and
// every activation slot lies in the activation region.
TEST(CompilerMemoryPlanner, LayOutPlacesRegionsInOrderWithinAPartition) {
  for (int cores : {1, 2}) {
    Case su(resnet50(2), 2, isa::DType::kBf16, cores);
    MemoryPlanner p = su.prepared();
    p.choose_sub_batch(false);
    p.lay_out();
    const MemoryPlan& plan = p.plan();
    for (int s = 0; s < cores; ++s) {
      const CorePlan& cp = plan.cores[s];
      EXPECT_EQ(cp.resident_offset, cp.const_bytes);
      EXPECT_EQ(cp.ring_offset, cp.resident_offset + cp.resident_bytes);
      EXPECT_EQ(cp.staging_offset, cp.ring_offset + kWeightRingSlots * cp.ring_slot_bytes);
      EXPECT_EQ(cp.bounce_offset, cp.staging_offset + kStagingSlots * cp.staging_slot_bytes);
      EXPECT_EQ(cp.act_offset, cp.bounce_offset + kBounceSlots * cp.bounce_slot_bytes);
      EXPECT_LE(cp.total(), su.core.sbuf.partition_bytes());
      EXPECT_EQ(cp.weights_streamed > 0, cp.ring_slot_bytes > 0);
      for (const auto& [key, slot] : plan.slots) {
        if (key.second != s) continue;
        EXPECT_GE(slot.offset, cp.act_offset);
        EXPECT_LE(slot.offset + slot.tile_bytes, cp.total());
      }
      for (int l = su.s.first[s]; l <= su.s.last(s, static_cast<int>(su.g.layers.size())); ++l) {
        if (!plan.resident[l]) continue;
        EXPECT_GE(plan.weight_offset[l], cp.resident_offset);
        EXPECT_LT(plan.weight_offset[l], cp.ring_offset);
      }
    }
  }
}

// ResNet-50 in 2 MiB per core (16 KiB per partition) fits only in the tight layout: every
// layer's staging and bounce slots are placed among the activations, live only while that layer
// runs, and the weight ring shrinks below conv1's 6,272-byte block (7x7 taps x 64 columns) to
// what fits, at least one tap of a block (64 columns x 2 bytes).
TEST(CompilerMemoryPlanner, TheTightLayoutFitsResNet50InTwoMiB) {
  Case su(resnet50());
  su.core.sbuf.size = 2 << 20;
  MemoryPlanner usual = su.prepared();
  EXPECT_THROW(usual.choose_sub_batch(false), CompileError);

  MemoryPlanner p(su.g, su.s, su.core, su.dtype);
  p.tighten();
  p.place_dram_inputs();
  p.place_constants();
  p.plan_staging();
  p.choose_sub_batch(false);
  p.widen_ring();
  p.lay_out();
  const MemoryPlan& plan = p.plan();
  const CorePlan& cp = plan.cores[0];
  EXPECT_TRUE(plan.tight);
  EXPECT_LE(cp.total(), su.core.sbuf.partition_bytes());
  EXPECT_GE(cp.ring_slot_bytes, 128u);
  EXPECT_LT(cp.ring_slot_bytes, plan.geometry[0].max_stream_bytes);
  int staged = 0;
  for (std::size_t l = 0; l < su.g.layers.size(); ++l) {
    const LayerBuffers& b = plan.buffers[l];
    if (plan.staging_bytes[l] == 0) continue;
    ++staged;
    EXPECT_GE(b.staging, cp.act_offset) << su.g.layers[l].name;
    EXPECT_LE(b.staging + kStagingSlots * b.staging_slot, cp.total()) << su.g.layers[l].name;
  }
  EXPECT_GT(staged, 0);  // conv1 reads the image from DRAM in bands
}

// BERT-base in 2 MiB per core is 1,984 bytes per partition short even in the tight layout: its
// biases and LayerNorm parameters take 7,680 of the 16,384 bytes. Streamed, each layer's
// constants take a slot beside its staging and bounce slots, among the activations and live only
// while the layer runs, so no live activation shares their bytes and nothing is left resident
// below the weights.
TEST(CompilerMemoryPlanner, StreamedConstantsFitBertBaseInTwoMiB) {
  Case c(models::build_zoo_model("bert_base", models::ZooOptions{}));
  c.core.sbuf.size = 2 << 20;
  auto plan_with = [&](bool streamed) {
    MemoryPlanner p(c.g, c.s, c.core, c.dtype);
    p.tighten();
    if (streamed) p.stream_constants();
    p.place_dram_inputs();
    p.place_constants();
    p.plan_staging();
    p.choose_sub_batch(false);
    p.widen_ring();
    p.lay_out();
    return p;
  };
  EXPECT_THROW(plan_with(false), CompileError);
  const MemoryPlanner p = plan_with(true);
  const MemoryPlan& plan = p.plan();
  const CorePlan& cp = plan.cores[0];
  EXPECT_TRUE(plan.constants_streamed);
  EXPECT_EQ(cp.const_bytes, 0u);
  EXPECT_LE(cp.total(), c.core.sbuf.partition_bytes());
  std::vector<ActivationItem> items = p.activation_items(0, p.uniform(1));
  first_fit(items);
  int streamed = 0;
  for (const ActivationItem& it : items) {
    if (it.buffers_of < 0) continue;
    const int l = it.buffers_of;
    const LayerKind kind = c.g.layers[l].kind;
    if (kind != LayerKind::kConv && kind != LayerKind::kLayerNorm) continue;
    ++streamed;
    const std::uint64_t at = plan.const_offset[l], lo = cp.act_offset + it.offset;
    EXPECT_GE(at, lo) << c.g.layers[l].name;
    EXPECT_LT(at, lo + it.size) << c.g.layers[l].name;
    for (const ActivationItem& live : items) {
      if (live.value < 0 || live.start > l || live.end < l) continue;
      const ValueSlot& slot = plan.slot(live.value, 0);
      EXPECT_TRUE(slot.offset >= lo + it.size || slot.offset + live.size <= lo)
          << c.g.layers[l].name << " and " << c.g.values[live.value].name;
    }
  }
  EXPECT_EQ(streamed, 12 * 8);  // per encoder layer: six MatMuls, two LayerNorms
}

}  // namespace
}  // namespace infsim::compiler
