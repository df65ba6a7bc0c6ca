// Graph IR helpers, shape inference and validation errors.
#include <gtest/gtest.h>

#include "models/graph.h"
#include "models/model_error.h"
#include "models/shape_inference.h"
#include "models/zoo.h"

namespace infsim::models {
namespace {

using Ints = std::vector<std::int64_t>;

// Runs `f` and returns the ModelError's message ("" if nothing was thrown).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

// x -> op(x, extra...) -> y, with y's shape inferred.
struct OneNode {
  Graph g;
  int x, y;
  OneNode(const std::string& op, Shape in, std::map<std::string, AttributeValue> attrs = {},
          std::vector<int> extra = {}, Graph base = {}) {
    g = std::move(base);
    g.name = "t";
    x = add_tensor(g, "x", std::move(in));
    y = add_tensor(g, "y", {});
    g.inputs = {x};
    std::vector<int> inputs{x};
    inputs.insert(inputs.end(), extra.begin(), extra.end());
    add_node(g, Node{"n", op, inputs, {y}, std::move(attrs)});
    g.outputs = {y};
  }
  Shape infer() {
    infer_shapes(g);
    return g.tensors[static_cast<std::size_t>(y)].shape;
  }
};

TEST(ModelsGraph, HelpersFindProducersAndConsumers) {
  Graph g = build_zoo_model("tiny_cnn", {});
  int conv_out = find_tensor(g, "conv1.output");
  ASSERT_GE(conv_out, 0);
  EXPECT_EQ(g.nodes[static_cast<std::size_t>(producer(g, conv_out))].name, "conv1");
  auto users = consumers(g, conv_out);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(g.nodes[static_cast<std::size_t>(users[0])].op, "BatchNormalization");
  EXPECT_EQ(find_node(g, "bn1"), users[0]);
  EXPECT_EQ(find_tensor(g, "nope"), -1);
  EXPECT_EQ(producer(g, g.inputs[0]), -1);
  EXPECT_EQ(dtype_name(DType::kFp32), "fp32");
  EXPECT_EQ(dtype_name(DType::kBf16), "bf16");
  EXPECT_EQ(dtype_name(DType::kInt64), "int64");
  EXPECT_EQ(dtype_size(DType::kFp16), 2u);
  EXPECT_EQ(shape_string({1, 3, 224, 224}), "[1, 3, 224, 224]");
  EXPECT_NE(error_of([&] { add_tensor(g, "conv1.output", {1}); }).find("duplicate"),
            std::string::npos);
}

TEST(ModelsGraph, ConvAndPoolShapes) {
  Graph base;
  int w = add_constant(base, "w", {32, 3, 3, 3}, {});
  // (224 + 2 - 3) / 2 + 1 = 112
  OneNode conv("Conv", {2, 3, 224, 224}, {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}, {w},
               base);
  EXPECT_EQ(conv.infer(), (Shape{2, 32, 112, 112}));

  Graph dw;
  int wd = add_constant(dw, "w", {32, 1, 3, 3}, {});
  OneNode depthwise("Conv", {1, 32, 10, 10},
                    {{"group", std::int64_t{32}}, {"dilations", Ints{2, 2}}}, {wd}, dw);
  EXPECT_EQ(depthwise.infer(), (Shape{1, 32, 6, 6}));  // 10 - (2*2+1) + 1

  Graph same;
  int ws = add_constant(same, "w", {8, 4, 3, 3}, {});
  OneNode auto_pad("Conv", {1, 4, 7, 7},
                   {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}}, {ws}, same);
  EXPECT_EQ(auto_pad.infer(), (Shape{1, 8, 4, 4}));

  // floor((112 + 2 - 3) / 2) + 1 = 56; with ceil_mode on 6x6, k3 s2: ceil(3/2)+1 = 3.
  EXPECT_EQ(
      OneNode("MaxPool", {1, 64, 112, 112},
              {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})
          .infer(),
      (Shape{1, 64, 56, 56}));
  EXPECT_EQ(
      OneNode(
          "MaxPool", {1, 1, 6, 6},
          {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", std::int64_t{1}}})
          .infer(),
      (Shape{1, 1, 3, 3}));
  EXPECT_EQ(OneNode("GlobalAveragePool", {1, 2048, 7, 7}).infer(), (Shape{1, 2048, 1, 1}));
  EXPECT_EQ(OneNode("Flatten", {1, 2048, 1, 1}).infer(), (Shape{1, 2048}));
}

TEST(ModelsGraph, TensorOpShapes) {
  Graph mm;
  int b = add_constant(mm, "b", {12, 64, 128}, {});
  EXPECT_EQ(OneNode("MatMul", {2, 12, 128, 64}, {}, {b}, mm).infer(), (Shape{2, 12, 128, 128}));

  Graph rs;
  int shape = add_int_constant(rs, "shape", {0, -1, 12, 64});
  EXPECT_EQ(OneNode("Reshape", {2, 128, 768}, {}, {shape}, rs).infer(), (Shape{2, 128, 12, 64}));

  EXPECT_EQ(OneNode("Transpose", {2, 128, 12, 64}, {{"perm", Ints{0, 2, 3, 1}}}).infer(),
            (Shape{2, 12, 64, 128}));

  Graph gm;
  int w = add_constant(gm, "w", {1000, 512}, {});
  int c = add_constant(gm, "c", {1000}, {});
  EXPECT_EQ(OneNode("Gemm", {4, 512}, {{"transB", std::int64_t{1}}}, {w, c}, gm).infer(),
            (Shape{4, 1000}));

  Graph cat;
  int other = add_tensor(cat, "other", {1, 32, 35, 35});
  EXPECT_EQ(OneNode("Concat", {1, 64, 35, 35}, {{"axis", std::int64_t{1}}}, {other}, cat).infer(),
            (Shape{1, 96, 35, 35}));

  Graph pad;
  int pads = add_int_constant(pad, "pads", {0, 0, 1, 1, 0, 0, 1, 1});
  EXPECT_EQ(OneNode("Pad", {1, 8, 5, 5}, {}, {pads}, pad).infer(), (Shape{1, 8, 7, 7}));

  Graph rm;
  int axes = add_int_constant(rm, "axes", {-1});
  EXPECT_EQ(OneNode("ReduceMean", {2, 16, 64}, {{"keepdims", std::int64_t{1}}}, {axes}, rm).infer(),
            (Shape{2, 16, 1}));

  Graph add;
  int bias = add_constant(add, "bias", {768}, {});
  EXPECT_EQ(OneNode("Add", {2, 128, 768}, {}, {bias}, add).infer(), (Shape{2, 128, 768}));

  Graph sl;
  int st = add_int_constant(sl, "starts", {64});
  int en = add_int_constant(sl, "ends", {128});
  int ax = add_int_constant(sl, "axes", {2});
  EXPECT_EQ(OneNode("Slice", {16, 1, 192}, {}, {st, en, ax}, sl).infer(), (Shape{16, 1, 64}));

  Graph rz;
  int roi = add_constant(rz, "roi", {0}, {});
  int scales = add_constant(rz, "scales", {4}, {1, 1, 2, 2});
  EXPECT_EQ(OneNode("Resize", {1, 8, 10, 12}, {}, {roi, scales}, rz).infer(),
            (Shape{1, 8, 20, 24}));
  EXPECT_EQ(OneNode("LayerNormalization", {1, 16, 64}).infer(), (Shape{1, 16, 64}));
  EXPECT_EQ(OneNode("Softmax", {1, 12, 16, 16}).infer(), (Shape{1, 12, 16, 16}));
}

TEST(ModelsGraph, ShapeErrorsNameTheNodeAndOp) {
  Graph base;
  int w = add_constant(base, "w", {32, 4, 3, 3}, {});
  OneNode conv("Conv", {1, 3, 8, 8}, {}, {w}, base);
  std::string msg = error_of([&] { conv.infer(); });
  EXPECT_NE(msg.find("node 'n' (op Conv)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("channels"), std::string::npos) << msg;

  Graph mm;
  int b = add_constant(mm, "b", {100, 10}, {});
  msg = error_of([&] { OneNode("MatMul", {4, 64}, {}, {b}, mm).infer(); });
  EXPECT_NE(msg.find("op MatMul"), std::string::npos) << msg;
  EXPECT_NE(msg.find("inner dimensions"), std::string::npos) << msg;

  Graph add;
  int other = add_constant(add, "o", {3, 5}, {});
  msg = error_of([&] { OneNode("Add", {3, 4}, {}, {other}, add).infer(); });
  EXPECT_NE(msg.find("do not broadcast"), std::string::npos) << msg;

  Graph rs;
  int shape = add_int_constant(rs, "shape", {7, -1});
  msg = error_of([&] { OneNode("Reshape", {2, 10}, {}, {shape}, rs).infer(); });
  EXPECT_NE(msg.find("cannot reshape"), std::string::npos) << msg;
}

TEST(ModelsGraph, ValidateAcceptsTheZooAndCatchesBrokenGraphs) {
  Graph good = build_zoo_model("tiny_cnn", {});
  EXPECT_NO_THROW(validate(good));

  Graph unknown = good;
  unknown.nodes[2].op = "FancyOp";
  std::string msg = error_of([&] { validate(unknown); });
  EXPECT_NE(msg.find("node 'relu1' (op FancyOp)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported"), std::string::npos) << msg;

  Graph mismatch = good;
  mismatch.tensors[static_cast<std::size_t>(find_tensor(mismatch, "conv2.output"))].shape = {1, 16,
                                                                                             9, 9};
  msg = error_of([&] { validate(mismatch); });
  EXPECT_NE(msg.find("node 'conv2' (op Conv)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shape mismatch"), std::string::npos) << msg;

  Graph dangling = good;
  int orphan = add_tensor(dangling, "orphan", {1, 8, 32, 32});
  dangling.nodes[2].inputs[0] = orphan;
  msg = error_of([&] { validate(dangling); });
  EXPECT_NE(msg.find("dangling edge"), std::string::npos) << msg;
  EXPECT_NE(msg.find("orphan"), std::string::npos) << msg;

  Graph cycle = good;
  // relu1 reads the output of a later node: a cycle, or at least not topological order.
  cycle.nodes[2].inputs[0] = find_tensor(cycle, "relu2.output");
  msg = error_of([&] { validate(cycle); });
  EXPECT_NE(msg.find("topological"), std::string::npos) << msg;

  Graph twice = good;
  twice.nodes[3].outputs[0] = twice.nodes[2].outputs[0];
  msg = error_of([&] { validate(twice); });
  EXPECT_NE(msg.find("already produced"), std::string::npos) << msg;

  Graph bad_id = good;
  bad_id.nodes[0].inputs[0] = 100000;
  EXPECT_NE(error_of([&] { validate(bad_id); }).find("out of range"), std::string::npos);

  Graph no_output = good;
  no_output.outputs = {find_tensor(no_output, "orphan_never_added")};
  EXPECT_FALSE(error_of([&] { validate(no_output); }).empty());
}

TEST(ModelsGraph, AttributeAccessors) {
  Node n{"n",
         "Conv",
         {},
         {},
         {{"group", std::int64_t{4}},
          {"pads", Ints{1, 1, 1, 1}},
          {"epsilon", 0.5f},
          {"mode", std::string("linear")}}};
  EXPECT_EQ(attr_int(n, "group", 1), 4);
  EXPECT_EQ(attr_int(n, "missing", 7), 7);
  EXPECT_EQ(attr_ints(n, "pads"), (Ints{1, 1, 1, 1}));
  EXPECT_FLOAT_EQ(attr_float(n, "epsilon", 0.0f), 0.5f);
  EXPECT_EQ(attr_string(n, "mode", ""), "linear");
  EXPECT_NE(error_of([&] { attr_int(n, "mode", 0); }).find("attribute 'mode'"), std::string::npos);
}

}  // namespace
}  // namespace infsim::models
