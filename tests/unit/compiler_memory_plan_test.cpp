#include <gtest/gtest.h>

#include "compiler/canonicalize.h"
#include "compiler/compile_error.h"
#include "compiler/memory_plan.h"
#include "compiler_test_graphs.h"
#include "models/zoo.h"

namespace infsim::compiler {
namespace {

MemoryPlan plan_for(const models::Graph& graph, int batch, const isa::NeuronCoreConfig& core,
                    isa::DType dtype = isa::DType::kBf16) {
  LayerGraph g = canonicalize(graph, static_cast<std::uint32_t>(batch), false).graph;
  assign_halos(g);
  StagePlan s = partition_layers(g, 1, std::vector<double>(g.layers.size(), 1.0));
  return plan_memory(g, s, core, dtype);
}

TEST(CompilerMemoryPlan, SmallModelKeepsEverythingResidentInOnePass) {
  MemoryPlan p = plan_for(testing::residual_block(4), 4, {});
  EXPECT_EQ(p.sub_batch, 4);
  EXPECT_EQ(p.passes, 1);
  EXPECT_TRUE(p.resident[0] && p.resident[1]);
  EXPECT_EQ(p.cores[0].ring_slot_bytes, 0u);
  EXPECT_LE(p.cores[0].total(), isa::NeuronCoreConfig{}.sbuf.partition_bytes());
}

// The SBUF in use while each layer runs, per partition (bf16, 128 partitions, one pass of the
// batch of 2; a tile is 64-byte aligned):
//   constants   conv1's and conv2's 16 fp32 biases, one per partition, 64 B each    = 128
//   weights     conv1 1x1: 16 outputs x 2 B = 32 -> 64; conv2 3x3: 16 x 9 x 2 = 288 -> 320
//                                                                                    = 384
//   x           2 images x 6 x 6 x 2 B = 144 -> 192, read by conv1 and (residual) conv2
//   y1          conv1's output with conv2's halo: 2 x 8 x 8 x 2 B = 256
//   out         conv2's output, 2 x 6 x 6 x 2 B = 144 -> 192
// conv1: 512 + x + y1 = 960; conv2: 512 + x + y1 + out = 1152, the plan's peak (no holes).
TEST(CompilerMemoryPlan, SbufInUsePerLayerAddsTheLiveActivationsToTheFixedRegions) {
  MemoryPlan p = plan_for(testing::residual_block(2), 2, {});
  ASSERT_EQ(p.passes, 1);
  EXPECT_EQ(p.cores[0].const_bytes, 128u);
  EXPECT_EQ(p.cores[0].resident_bytes, 384u);
  EXPECT_EQ(p.cores[0].act_offset, 512u);
  EXPECT_EQ(p.sbuf_in_use, (std::vector<std::uint64_t>{960, 1152}));
  EXPECT_EQ(p.cores[0].total(), 1152u);
}

// First fit may leave holes, so the busiest layer's bytes in use are at most the plan's extent;
// on ResNet-50 they change from layer to layer.
TEST(CompilerMemoryPlan, SbufInUseStaysWithinThePlansPeak) {
  models::ZooOptions o;
  MemoryPlan p = plan_for(models::build_zoo_model("resnet50", o), 1, {});
  std::uint64_t most = 0, least = ~0ull;
  for (std::uint64_t b : p.sbuf_in_use) {
    most = std::max(most, b);
    least = std::min(least, b);
  }
  EXPECT_LE(most, p.cores[0].total());
  EXPECT_LT(least, most);
}

TEST(CompilerMemoryPlan, ResNet50StreamsWeightsAndReadsItsInputInBands) {
  models::ZooOptions o;
  MemoryPlan p = plan_for(models::build_zoo_model("resnet50", o), 1, {});
  EXPECT_GT(p.cores[0].weights_streamed, 0u);
  EXPECT_GT(p.cores[0].ring_slot_bytes, 0u);
  EXPECT_TRUE(p.in_dram[0]);  // the 3 x 224 x 224 input
  EXPECT_LE(p.cores[0].total(), isa::NeuronCoreConfig{}.sbuf.partition_bytes());
}

TEST(CompilerMemoryPlan, Fp32ResNet50SpillsItsLargestActivations) {
  models::ZooOptions o;
  MemoryPlan p = plan_for(models::build_zoo_model("resnet50", o), 1, {}, isa::DType::kFp32);
  int spilled = 0;
  for (std::size_t v = 1; v < p.in_dram.size(); ++v) spilled += p.in_dram[v];
  EXPECT_GT(spilled, 0);
  EXPECT_GT(p.cores[0].bounce_slot_bytes, 0u);
}

// ResNet-50 at batch 8: the stem's large activations run a few images per pass, the last
// stage's large weights are streamed once for many images; segments cover every layer in order.
TEST(CompilerMemoryPlan, ResNet50AtBatchEightPassesPerSegment) {
  models::ZooOptions o;
  o.batch = 8;
  LayerGraph g = canonicalize(models::build_zoo_model("resnet50", o), 8, false).graph;
  assign_halos(g);
  StagePlan s = partition_layers(g, 1, std::vector<double>(g.layers.size(), 1.0));
  MemoryPlan p = plan_memory_segmented(g, s, {}, isa::DType::kBf16);
  ASSERT_GT(p.segments.size(), 1u);
  int next = 0;
  for (const Segment& seg : p.segments) {
    EXPECT_EQ(seg.first, next);
    EXPECT_EQ(seg.passes, (8 + seg.sub_batch - 1) / seg.sub_batch);
    next = seg.last + 1;
  }
  EXPECT_EQ(next, static_cast<int>(g.layers.size()));
  EXPECT_LT(p.segments.front().sub_batch, p.segments.back().sub_batch);
  EXPECT_EQ(p.segments.back().sub_batch, 8);
  // Activations handed from one segment to the next go through DRAM.
  for (std::size_t i = 1; i < p.segments.size(); ++i)
    EXPECT_TRUE(p.in_dram[g.layers[p.segments[i].first].inputs[0]]);
  EXPECT_LE(p.cores[0].total(), isa::NeuronCoreConfig{}.sbuf.partition_bytes());
}

TEST(CompilerMemoryPlan, TooSmallSaysByHowMuch) {
  isa::NeuronCoreConfig tiny;
  tiny.sbuf.size = 128 * 256;
  try {
    plan_for(testing::residual_block(), 1, tiny);
    FAIL() << "expected CompileError";
  } catch (const CompileError& e) {
    EXPECT_NE(std::string(e.what()).find("short by"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace infsim::compiler
