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
