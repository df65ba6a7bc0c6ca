// Compiled fp32 programs, interpreted, against the reference executor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compiler/compiler.h"
#include "compiler_interpreter.h"
#include "compiler_test_graphs.h"
#include "isa/verifier.h"
#include "models/reference_executor.h"
#include "models/zoo.h"

namespace infsim::compiler {
namespace {

using testing::Interpreter;

CompileResult expect_matches_reference(const models::Graph& graph, int batch,
                                       std::uint32_t cores = 1, isa::NeuronCoreConfig core = {}) {
  CompilerOptions options;
  options.batch = static_cast<std::uint32_t>(batch);
  options.dtype = isa::DType::kFp32;
  options.weight_data = true;
  options.pipeline_cores = cores;
  CompileResult r = compile(graph, core, options);
  auto diagnostics = isa::verify_program(r.program, core);
  EXPECT_TRUE(diagnostics.empty()) << isa::format_diagnostics(diagnostics);

  for (bool interleaved : {false, true}) {
    std::vector<models::HostTensor> inputs;
    Interpreter interp(r.program, core);
    std::uint64_t state = 99;
    for (int id : graph.inputs) {
      const models::Tensor& t = graph.tensors[id];
      models::HostTensor h{
          t.shape, std::vector<float>(static_cast<std::size_t>(models::num_elements(t.shape)))};
      for (float& v : h.data) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(static_cast<std::int32_t>(state >> 40)) / 8388608.0f;
      }
      interp.write_tensor(t.name, testing::to_channel_major(h.data, t.shape[0],
                                                            t.shape.size() == 3 ? 1 : t.shape[1]));
      inputs.push_back(h);
    }
    interp.run(interleaved);
    std::vector<models::HostTensor> expected = models::run_reference(graph, inputs);
    for (std::size_t i = 0; i < graph.outputs.size(); ++i) {
      const models::Tensor& t = graph.tensors[graph.outputs[i]];
      std::vector<float> got =
          testing::from_channel_major(interp.read_tensor(t.name), t.shape[0], t.shape[1]);
      EXPECT_EQ(got.size(), expected[i].data.size());
      if (got.size() != expected[i].data.size()) continue;
      float scale = 0;
      for (float v : expected[i].data) scale = std::max(scale, std::abs(v));
      for (std::size_t k = 0; k < got.size(); ++k)
        EXPECT_NEAR(got[k], expected[i].data[k], 1e-4f * std::max(1.0f, scale))
            << t.name << " element " << k << (interleaved ? " (interleaved order)" : "");
    }
  }
  return r;
}

// DMAs per inference that read the DRAM tensor `name`.
int reads_of(const isa::Program& p, const std::string& name) {
  const isa::TensorDecl* t = nullptr;
  for (const auto& d : p.tensors)
    if (d.name == name) t = &d;
  int n = 0;
  for (const auto& c : p.cores)
    for (const auto& q : c.queues)
      for (const auto& ins : q.instructions)
        if (ins.opcode == isa::Opcode::kDmaCopy && ins.src0.space == isa::MemSpace::kDram &&
            ins.src0.offset >= t->dram_offset && ins.src0.offset < t->dram_offset + t->bytes)
          ++n;
  return n;
}

TEST(CompilerFunctional, OneConv) {
  expect_matches_reference(testing::one_conv(2), 2);
}
TEST(CompilerFunctional, ConvBnRelu) {
  expect_matches_reference(testing::conv_bn_relu(), 1);
}
TEST(CompilerFunctional, ResidualBlock) {
  expect_matches_reference(testing::residual_block(3), 3);
}
TEST(CompilerFunctional, Linear) {
  expect_matches_reference(testing::linear(), 2);
}
TEST(CompilerFunctional, Pooling) {
  expect_matches_reference(testing::pooling(2), 2);
}
TEST(CompilerFunctional, MixedTilesDepthwiseFlatten) {
  expect_matches_reference(testing::mixed(), 2);
}

// Inception-style: branches concatenated along the channels, one slice straddling two tiles.
TEST(CompilerFunctional, ConcatOfBranches) {
  testing::GraphBuilder b("branches");
  int x = b.input("x", {2, 8, 6, 6});
  int a = b.conv("a", x, 100, 1, 1, 0);
  int c = b.conv("c", x, 60, 3, 1, 1);
  int p = b.node("pool", "MaxPool", {x},
                 {{"kernel_shape", testing::Ints{3, 3}},
                  {"strides", testing::Ints{1, 1}},
                  {"pads", testing::Ints{1, 1, 1, 1}}});
  int cat = b.node("cat", "Concat", {a, c, p}, {{"axis", std::int64_t{1}}});
  expect_matches_reference(b.finish(b.conv("mix", cat, 16, 3, 1, 1)), 2);
}

// A zero Pad becomes the padding of the Conv or AveragePool that reads it.
TEST(CompilerFunctional, PadFoldedIntoConvAndAveragePool) {
  testing::GraphBuilder b("pads");
  int x = b.input("x", {1, 8, 6, 6});
  int pads = models::add_int_constant(b.graph(), "pads", {0, 0, 1, 2, 0, 0, 1, 0});
  int padded = b.node("pad", "Pad", {x, pads});
  int c = b.conv("conv", padded, 8, 3, 1, 0);
  int q = b.node("pad2", "Pad", {c, pads});
  models::Graph g =
      b.finish(b.node("avg", "AveragePool", {q},
                      {{"kernel_shape", testing::Ints{3, 3}}, {"strides", testing::Ints{1, 1}}}));
  expect_matches_reference(g, 1);
}

TEST(CompilerFunctional, TinyCnnFromZoo) {
  models::ZooOptions o;
  o.batch = 2;
  o.with_weights = true;
  expect_matches_reference(models::build_zoo_model("tiny_cnn", o), 2);
}

TEST(CompilerFunctional, ResidualBlockPipelinedOverTwoCores) {
  expect_matches_reference(testing::residual_block(2), 2, 2);
}

TEST(CompilerFunctional, SubBatchesWhenSbufIsSmall) {
  isa::NeuronCoreConfig small;
  small.sbuf.size = 128 * 1536;  // room for one image at a time
  EXPECT_EQ(expect_matches_reference(testing::residual_block(3), 3, 1, small).report.passes, 3);
}

TEST(CompilerFunctional, PipelineWithSeveralPassesAcknowledgesTheReceiver) {
  isa::NeuronCoreConfig small;
  small.sbuf.size = 128 * 1536;
  EXPECT_EQ(expect_matches_reference(testing::residual_block(3), 3, 2, small).report.passes, 3);
}

// A large input is read from DRAM in bands of rows, each band's padding zeroed in SBUF.
TEST(CompilerFunctional, InputStreamedInBandsWithRowChunks) {
  testing::GraphBuilder b("stem");
  int x = b.input("x", {2, 3, 20, 20});
  models::Graph g = b.finish(b.node("relu", "Relu", {b.conv("conv", x, 8, 7, 2, 3)}));
  isa::NeuronCoreConfig small;
  small.sbuf.size = 128 * 8192;
  small.psum.size = 64 * 8 * 128;  // banks of 32 fp32: chunks of a few rows
  CompileResult r = expect_matches_reference(g, 2, 1, small);
  EXPECT_GT(reads_of(r.program, "x"), 2 * 2);  // several bands per image
}

int spills(const isa::Program& p) {
  int n = 0;
  for (const auto& t : p.tensors) n += t.kind == isa::TensorKind::kSpill;
  return n;
}

// Too little SBUF for one image: activations go to DRAM and come back in bands.
TEST(CompilerFunctional, SpilledActivationsRoundTripThroughDram) {
  testing::GraphBuilder b("spill");
  int x = b.input("x", {2, 8, 24, 24});
  int a = b.node("relu1", "Relu", {b.conv("conv1", x, 16, 3, 1, 1)});
  int c = b.conv("conv2", a, 16, 3, 1, 1);
  int p = b.node("pool", "MaxPool", {c},
                 {{"kernel_shape", testing::Ints{2, 2}}, {"strides", testing::Ints{2, 2}}});
  models::Graph g = b.finish(b.conv("conv3", p, 8, 1, 1, 0));
  isa::NeuronCoreConfig small;
  small.sbuf.size = 128 * 6400;
  small.psum.size = 64 * 8 * 256;
  EXPECT_GT(spills(expect_matches_reference(g, 2, 1, small).program), 0);
}

TEST(CompilerFunctional, SpilledResidual) {
  testing::GraphBuilder b("spilled_residual");
  int x = b.input("x", {1, 16, 24, 24});
  int y = b.node("relu0", "Relu", {b.conv("conv0", x, 16, 3, 1, 1)});
  int u = b.node("relu1", "Relu", {b.conv("conv1", y, 16, 3, 1, 1)});
  int z = b.batch_norm("bn2", b.conv("conv2", u, 16, 3, 1, 1, 1, false));
  models::Graph g = b.finish(b.node("relu", "Relu", {b.node("add", "Add", {z, y})}));
  isa::NeuronCoreConfig small;
  small.sbuf.size = 128 * 6144;
  small.psum.size = 64 * 8 * 256;
  EXPECT_GT(spills(expect_matches_reference(g, 1, 1, small).program), 0);
}

bool spilled(const isa::Program& p, const std::string& name) {
  return std::any_of(p.tensors.begin(), p.tensors.end(), [&](const isa::TensorDecl& t) {
    return t.kind == isa::TensorKind::kSpill && t.name == name;
  });
}

// Feature maps larger than SBUF through every layer kind that works in bands: two branches
// spilled by their convolutions, concatenated DRAM to DRAM, pooled in row bands from DRAM into
// DRAM (the band's halo rows staged, the results through bounce slots), then read back in bands
// by a convolution. Two images per pass, so the concatenation copies whole images of the pass.
TEST(CompilerFunctional, ConcatAndPoolingSpilledInRowBands) {
  testing::GraphBuilder b("banded");
  int x = b.input("x", {2, 8, 24, 24});
  int a = b.node("relu_a", "Relu", {b.conv("conv_a", x, 32, 3, 1, 1)});
  int c = b.node("relu_c", "Relu", {b.conv("conv_c", x, 32, 1, 1, 0)});
  int cat = b.node("cat", "Concat", {a, c}, {{"axis", std::int64_t{1}}});
  int p = b.node("pool", "MaxPool", {cat},
                 {{"kernel_shape", testing::Ints{3, 3}},
                  {"strides", testing::Ints{1, 1}},
                  {"pads", testing::Ints{1, 1, 1, 1}}});
  int q = b.node("relu_q", "Relu", {b.conv("conv_q", p, 16, 3, 1, 1)});
  int r = b.node("pool2", "MaxPool", {q},
                 {{"kernel_shape", testing::Ints{2, 2}}, {"strides", testing::Ints{2, 2}}});
  models::Graph g = b.finish(b.conv("conv_out", r, 8, 1, 1, 0));
  isa::NeuronCoreConfig small;
  small.psum.size = 64 * 8 * 256;  // banks of 64 fp32: bands of two rows
  small.sbuf.size = 128 * 6400;    // nothing of that size stays on chip
  const isa::Program all = expect_matches_reference(g, 2, 1, small).program;
  for (const char* name : {"relu_a.out", "relu_c.out", "cat.out", "pool.out", "relu_q.out"})
    EXPECT_TRUE(spilled(all, name)) << name;
  // A little more: the concatenation gathers its spilled inputs into SBUF, and the pooling
  // reads them there and writes its bands to DRAM.
  small.sbuf.size = 128 * 7000;
  const isa::Program mixed = expect_matches_reference(g, 2, 1, small).program;
  EXPECT_TRUE(spilled(mixed, "relu_a.out") && spilled(mixed, "relu_c.out"));
  EXPECT_FALSE(spilled(mixed, "cat.out"));
  EXPECT_TRUE(spilled(mixed, "pool.out"));
}

// Data movement without arithmetic: a strided Slice whose channel range straddles input and
// output tiles, read by a padded convolution (its output keeps a halo); Split of the channels (at
// a tile boundary and across one) and of the rows; padding with a value, read by a max pool.
TEST(CompilerFunctional, SlicesSplitsAndValuePadding) {
  testing::GraphBuilder b("windows");
  models::Graph& g = b.graph();
  int x = b.input("x", {2, 200, 9, 11});
  int window = b.node("slice", "Slice",
                      {x, models::add_int_constant(g, "starts", {60, 1, 2}),
                       models::add_int_constant(g, "ends", {190, 9, 100}),
                       models::add_int_constant(g, "axes", {1, 2, 3}),
                       models::add_int_constant(g, "steps", {1, 2, 3})});
  int c = b.conv("conv", window, 16, 3, 1, 1);  // [2, 16, 4, 3]
  auto split = [&](const std::string& name, int in, std::int64_t axis, testing::Ints sizes) {
    std::vector<int> outs;
    for (std::size_t i = 0; i < sizes.size(); ++i)
      outs.push_back(models::add_tensor(g, name + ".out" + std::to_string(i), {}));
    models::add_node(g, models::Node{name,
                                     "Split",
                                     {in, models::add_int_constant(g, name + ".sizes", sizes)},
                                     outs,
                                     {{"axis", axis}}});
    models::infer_node_shapes(g, g.nodes.size() - 1);
    return outs;
  };
  const auto parts = split("split_c", x, 1, {128, 30, 42});
  const auto rows = split("split_h", parts[2], 2, {4, 5});
  int sum = b.node("sum", "Add", {parts[1], b.conv("mix", parts[0], 30, 1, 1, 0)});
  int padded = b.node("pad", "Pad",
                      {rows[1], models::add_int_constant(g, "pads", {0, 0, 2, 1, 0, 0, 1, 3}),
                       b.constant("value", {}, 0.0f, 0.75f)});
  int pooled = b.node("pool", "MaxPool", {padded},
                      {{"kernel_shape", testing::Ints{2, 2}}, {"strides", testing::Ints{2, 2}}});
  g.outputs = {c, sum, pooled, rows[0]};
  expect_matches_reference(g, 2);
}

// Linear Resize by integer factors, columns then rows as two layers: half_pixel (x3 columns, x2
// rows) and asymmetric (x2 columns), over two channel tiles.
TEST(CompilerFunctional, LinearResize) {
  for (const char* mode : {"half_pixel", "asymmetric"}) {
    testing::GraphBuilder b(std::string("resize_") + mode);
    models::Graph& g = b.graph();
    int x = b.input("x", {2, 130, 5, 4});
    const bool half = std::string(mode) == "half_pixel";
    int scales = models::add_constant(g, "scales", {4},
                                      {1.0f, 1.0f, half ? 2.0f : 1.0f, half ? 3.0f : 2.0f});
    int y = b.node(
        "resize", "Resize", {b.node("relu", "Relu", {x}), -1, scales},
        {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string(mode)}});
    expect_matches_reference(b.finish(b.conv("conv", y, 8, 3, 1, 1)), 2);
  }
}

// A MatMul's M tokens are one row of its input: with 4 KiB per partition, a row of 512 tokens
// of 256 fp32 features (two channel tiles, 4 KiB) is more than two staging slots can hold, so
// the tight layout stages windows of a few columns (tokens), each chunk of output columns
// reading its own window.
TEST(CompilerFunctional, MatMulRowStagedInWindowsOfColumns) {
  testing::GraphBuilder b("gemm");
  const int x = b.input("x", {512, 256});
  models::Graph g = b.finish(b.node("mm", "MatMul", {x, b.constant("w", {256, 64}, 0.05f)}));
  isa::NeuronCoreConfig small;
  small.sbuf.size = 128 * 4096;
  const CompileResult r = expect_matches_reference(g, 1, 1, small);
  EXPECT_GT(reads_of(r.program, "x"), 2 * 4);  // two tiles, several windows
}

// TopK values, largest first, of a flattened feature map after a Relu (many features tie at 0,
// and k = 40 of 72 reaches them) and of a 200-feature vector (two channel tiles), batch 3.
TEST(CompilerFunctional, TopKWithTies) {
  testing::GraphBuilder b("topk");
  models::Graph& g = b.graph();
  auto topk = [&](const std::string& name, int in, std::int64_t k) {
    const int values = models::add_tensor(g, name + ".values", {});
    const int indices = models::add_tensor(g, name + ".indices", {}, models::DType::kInt64);
    models::add_node(g, models::Node{name,
                                     "TopK",
                                     {in, models::add_int_constant(g, name + ".k", {k})},
                                     {values, indices},
                                     {{"axis", std::int64_t{1}}}});
    models::infer_node_shapes(g, g.nodes.size() - 1);
    return values;
  };
  int x = b.input("x", {3, 8, 3, 3});
  int flat =
      b.node("flatten", "Flatten", {b.node("relu", "Relu", {x})}, {{"axis", std::int64_t{1}}});
  int v = b.input("v", {3, 24});
  g.outputs = {topk("top_map", flat, 40), topk("top_vec", b.gemm("fc", v, 200), 7)};
  expect_matches_reference(g, 3);
}

// Batch 4 with large early activations and large late weights: the first convolutions run one
// image per pass, the rest take the whole batch in one pass (their input handed over through
// DRAM), so their weights are read from DRAM once per batch rather than once per image.
TEST(CompilerFunctional, PassesChosenPerSegmentReadLateWeightsOncePerBatch) {
  testing::GraphBuilder b("segments");
  int x = b.input("x", {4, 8, 32, 32});
  int a = b.node("relu1", "Relu", {b.conv("c1", x, 16, 3, 1, 1)});
  int a2 = b.node("relu1b", "Relu", {b.conv("c1b", a, 128, 1, 8, 0)});
  int c = b.node("relu2", "Relu", {b.conv("c2", a2, 128, 1, 1, 0)});
  int d = b.node("relu3", "Relu", {b.conv("c3", c, 256, 3, 1, 1)});
  models::Graph g = b.finish(b.conv("c4", d, 256, 3, 1, 1));
  isa::NeuronCoreConfig small;
  small.sbuf.size = 128 * 28672;
  CompileResult r = expect_matches_reference(g, 4, 1, small);
  EXPECT_EQ(r.report.passes, 4);
  EXPECT_GT(spills(r.program), 0);
  // Four output blocks of 64 columns, each one DMA, once for the batch (not once per image).
  EXPECT_EQ(reads_of(r.program, "c4.weight"), 4);
}

TEST(CompilerFunctional, ResNet18AtSixteenPixelsOverFourCores) {
  models::ZooOptions o;
  o.batch = 1;
  o.image_size = 16;
  o.with_weights = true;
  expect_matches_reference(models::build_zoo_model("resnet18", o), 1, 4);
}

TEST(CompilerFunctional, MobileNetV2AtSixteenPixels) {
  models::ZooOptions o;
  o.batch = 1;
  o.image_size = 16;
  o.with_weights = true;
  expect_matches_reference(models::build_zoo_model("mobilenet_v2", o), 1);
}

// Every hardware shape comes from the config: a 64 x 64 array fed by 128 partitions (input
// tiles cut into 64-row segments), 64 partitions (136 channels in three tiles), 128 x 128 and
// 256 x 256 arrays on as many partitions, and a single DMA engine (every queue folded onto it).
TEST(CompilerFunctional, ArrayShapesPartitionsAndDmaEnginesFromTheConfig) {
  isa::NeuronCoreConfig one_dma;
  one_dma.dma.engines = 1;
  for (const isa::NeuronCoreConfig& core :
       {testing::core_shaped(64, 64, 128), testing::core_shaped(64, 64, 64),
        testing::core_shaped(128, 128, 128), testing::core_shaped(256, 256, 256), one_dma}) {
    SCOPED_TRACE(std::to_string(core.tensor.rows) + "x" + std::to_string(core.tensor.cols) +
                 " on " + std::to_string(core.sbuf.partitions) + " partitions, " +
                 std::to_string(core.dma.engines) + " DMA engines");
    expect_matches_reference(testing::mixed(), 2, 1, core);
    expect_matches_reference(testing::residual_block(2), 2, 2, core);
  }
}

}  // namespace
}  // namespace infsim::compiler
