// ONNX import of the files tools/scripts/export_test_models.py wrote (torch 1.13, opset 17), with
// and without parameters, and of broken files.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "models/graph_stats.h"
#include "models/model_error.h"
#include "models/model_loader.h"
#include "models/onnx_import.h"
#include "tests/common/test_paths.h"

namespace infsim::models {
namespace {

std::string data(const std::string& file) {
  return std::string(INFSIM_TEST_DATA) + "/onnx/" + file;
}

const Tensor& input_of(const Graph& g) {
  return g.tensors[static_cast<std::size_t>(g.inputs[0])];
}
const Tensor& output_of(const Graph& g) {
  return g.tensors[static_cast<std::size_t>(g.outputs[0])];
}

std::string error_of(const std::string& path) {
  try {
    import_onnx(path);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelsOnnx, TinyCnnWithFoldedBatchNorm) {
  Graph g = import_onnx(data("tiny_cnn.onnx"));
  EXPECT_EQ(g.name, "tiny_cnn");
  EXPECT_EQ(input_of(g).shape, (Shape{1, 3, 32, 32}));
  EXPECT_EQ(output_of(g).shape, (Shape{1, 10}));
  GraphStats s = compute_stats(g);
  EXPECT_EQ(s.op_counts["Conv"], 3);
  EXPECT_EQ(s.op_counts.count("BatchNormalization"), 0u);  // the exporter folded BN into Conv
  EXPECT_EQ(s.op_counts["Gemm"], 1);
  // Same MACs as the zoo's tiny_cnn, which has the same layers.
  EXPECT_EQ(s.macs, compute_stats(load_model("tiny_cnn", {})).macs);
  for (const Tensor& t : g.tensors) {
    if (t.is_constant && t.dtype == DType::kFp32) {
      EXPECT_EQ(static_cast<std::int64_t>(t.data.size()), num_elements(t.shape)) << t.name;
    }
  }
}

TEST(ModelsOnnx, WeightedModelsImportAndValidate) {
  struct Case {
    const char* file;
    Shape in, out;
  };
  for (const Case& c : {Case{"resnet18_w8.onnx", {1, 3, 64, 64}, {1, 10}},
                        Case{"mobilenet_v2_w025.onnx", {1, 3, 64, 64}, {1, 10}},
                        Case{"transformer_encoder.onnx", {1, 16, 64}, {1, 16, 64}}}) {
    SCOPED_TRACE(c.file);
    Graph g = import_onnx(data(c.file));
    EXPECT_NO_THROW(validate(g));
    EXPECT_EQ(input_of(g).shape, c.in);
    EXPECT_EQ(output_of(g).shape, c.out);
    for (const Node& n : g.nodes) {
      // Shape arithmetic and constant Identity aliases are gone after import.
      EXPECT_NE(n.op, "Shape");
      EXPECT_NE(n.op, "Gather");
      EXPECT_NE(n.op, "Constant");
    }
  }
  GraphStats mb = compute_stats(import_onnx(data("mobilenet_v2_w025.onnx")));
  EXPECT_EQ(mb.op_counts["Clip"], 35);
  GraphStats tf = compute_stats(import_onnx(data("transformer_encoder.onnx")));
  EXPECT_EQ(tf.op_counts["LayerNormalization"], 4);
  EXPECT_EQ(tf.op_counts["Softmax"], 2);
  EXPECT_EQ(tf.op_counts["Erf"], 2);
}

// Full-size torchvision models exported with export_params=False: weights are graph inputs.
// MACs must equal torchvision's (the same figures as the zoo test).
TEST(ModelsOnnx, ParameterlessTorchvisionExportsMatchTheZoo) {
  struct Case {
    const char* file;
    const char* zoo;
    std::uint64_t macs;
    int convs;
  };
  for (const Case& c : {Case{"resnet18_noparams.onnx", "resnet18", 1'814'073'344, 20},
                        Case{"resnet50_noparams.onnx", "resnet50", 4'089'184'256, 53},
                        Case{"mobilenet_v2_noparams.onnx", "mobilenet_v2", 300'774'272, 52},
                        Case{"vgg16_noparams.onnx", "vgg16", 15'470'264'320, 13},
                        Case{"inception_v3_noparams.onnx", "inception_v3", 5'713'216'096, 94}}) {
    SCOPED_TRACE(c.file);
    ImportOptions o;
    o.with_weights = false;
    Graph g = import_onnx(data(c.file), o);
    ASSERT_EQ(g.inputs.size(), 1u);  // the weights were recognised as parameters
    EXPECT_EQ(input_of(g).name, "input");
    EXPECT_EQ(output_of(g).shape, (Shape{1, 1000}));
    GraphStats s = compute_stats(g);
    EXPECT_EQ(s.macs, c.macs);
    EXPECT_EQ(s.macs, compute_stats(build_zoo_model(c.zoo, {})).macs);
    EXPECT_EQ(s.op_counts["Conv"], c.convs);
    for (const Tensor& t : g.tensors) {
      if (t.is_constant && num_elements(t.shape) > 1 && t.dtype == DType::kFp32) {
        EXPECT_TRUE(t.data.empty()) << t.name;
      }
    }
  }
}

TEST(ModelsOnnx, ParameterlessWeightsAreSynthesizedWhenAsked) {
  ImportOptions o;
  o.seed = 7;
  Graph a = import_onnx(data("resnet18_noparams.onnx"), o);
  Graph b = import_onnx(data("resnet18_noparams.onnx"), o);
  int fc = find_tensor(a, "fc.weight");
  ASSERT_GE(fc, 0);
  const Tensor& w = a.tensors[static_cast<std::size_t>(fc)];
  EXPECT_TRUE(w.is_constant);
  EXPECT_EQ(w.shape, (Shape{1000, 512}));
  ASSERT_EQ(w.data.size(), 512'000u);
  EXPECT_EQ(w.data, b.tensors[static_cast<std::size_t>(fc)].data);
}

TEST(ModelsOnnx, InceptionPadAndAveragePool) {
  ImportOptions o;
  o.with_weights = false;
  GraphStats s = compute_stats(import_onnx(data("inception_v3_noparams.onnx"), o));
  EXPECT_EQ(s.op_counts["Pad"], 9);
  EXPECT_EQ(s.op_counts["AveragePool"], 9);
  EXPECT_EQ(s.op_counts["Concat"], 11);
}

TEST(ModelsOnnx, BatchOption) {
  ImportOptions o;
  o.batch = 4;
  o.with_weights = false;
  Graph g = import_onnx(data("resnet18_noparams.onnx"), o);
  EXPECT_EQ(input_of(g).shape, (Shape{4, 3, 224, 224}));
  EXPECT_EQ(output_of(g).shape, (Shape{4, 1000}));
  // The transformer's Reshape constants were traced at batch 1.
  o.with_weights = true;
  o.batch = 2;
  std::string msg;
  try {
    import_onnx(data("transformer_encoder.onnx"), o);
  } catch (const ModelError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("op Reshape"), std::string::npos) << msg;
  EXPECT_NE(msg.find("exported with batch 1"), std::string::npos) << msg;
  ZooOptions z;
  z.batch = 2;
  EXPECT_EQ(output_of(load_model(data("tiny_cnn.onnx"), z)).shape, (Shape{2, 10}));
}

// A 2-D MatMul operand is an M x K matrix (numpy semantics): its 128 rows stay, they are not
// the batch, and the MACs are M x N x K = 128^3. A 3-D operand's leading dimension is the batch.
TEST(ModelsOnnx, MatMulOperandsKeepTheirRows) {
  const Graph g2 = import_onnx(data("matmul_2d.onnx"));
  EXPECT_EQ(input_of(g2).shape, (Shape{128, 128}));
  EXPECT_EQ(output_of(g2).shape, (Shape{128, 128}));
  EXPECT_EQ(compute_stats(g2).macs, 128ull * 128 * 128);
  ImportOptions o;
  o.batch = 1;
  const Graph g3 = import_onnx(data("matmul_3d.onnx"), o);
  EXPECT_EQ(input_of(g3).shape, (Shape{1, 1024, 256}));
  EXPECT_EQ(output_of(g3).shape, (Shape{1, 1024, 64}));
  EXPECT_EQ(compute_stats(g3).macs, 1024ull * 64 * 256);
}

TEST(ModelsOnnx, SymbolicBatchBecomesTheRequestedBatch) {
  Graph g = import_onnx(data("tiny_cnn_dynbatch.onnx"));
  EXPECT_EQ(input_of(g).shape, (Shape{1, 3, 32, 32}));  // default 1
  EXPECT_EQ(output_of(g).shape, (Shape{1, 10}));
  ImportOptions o;
  o.batch = 8;
  EXPECT_EQ(output_of(import_onnx(data("tiny_cnn_dynbatch.onnx"), o)).shape, (Shape{8, 10}));
}

TEST(ModelsOnnx, ResizeWithScalesAndWithFoldedSizes) {
  Graph g = import_onnx(data("upsample_cnn.onnx"));
  GraphStats s = compute_stats(g);
  EXPECT_EQ(s.op_counts["Resize"], 3);
  EXPECT_EQ(s.op_counts.count("Shape"), 0u);  // Shape -> Slice -> Concat folded into sizes
  std::vector<Shape> resized;
  for (const Node& n : g.nodes) {
    if (n.op == "Resize")
      resized.push_back(g.tensors[static_cast<std::size_t>(n.outputs[0])].shape);
  }
  ASSERT_EQ(resized.size(), 3u);
  EXPECT_EQ(resized[0], (Shape{1, 8, 16, 16}));  // nearest x2
  EXPECT_EQ(resized[1], (Shape{1, 8, 8, 8}));    // bilinear x0.5
  EXPECT_EQ(resized[2], (Shape{1, 8, 16, 16}));  // bilinear to size (16, 16)
}

TEST(ModelsOnnx, BadFilesGiveClearErrors) {
  EXPECT_NE(error_of(data("missing.onnx")).find("no such ONNX file"), std::string::npos);

  std::string dir = ::testing::TempDir();
  std::string text = dir + "/not_onnx.onnx";
  std::ofstream(text) << "this is not a protobuf at all \xff\xff\xff";
  EXPECT_NE(error_of(text).find("not a valid ONNX model"), std::string::npos);

  std::ifstream src(data("tiny_cnn.onnx"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
  std::string truncated = dir + "/truncated.onnx";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::string msg = error_of(truncated);
  EXPECT_NE(msg.find("truncated.onnx"), std::string::npos) << msg;
  EXPECT_FALSE(msg.empty());

  msg = error_of(data("unsupported_op.onnx"));
  EXPECT_NE(msg.find("unsupported_op.onnx"), std::string::npos) << msg;
  EXPECT_NE(msg.find("node 'hardmax' (op Hardmax)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported operator"), std::string::npos) << msg;

  std::string empty = dir + "/empty.onnx";
  std::ofstream(empty).close();
  EXPECT_NE(error_of(empty).find("not a valid ONNX model"), std::string::npos);
  std::remove(text.c_str());
  std::remove(truncated.c_str());
  std::remove(empty.c_str());
}

TEST(ModelsOnnx, LoaderRoutesNamesAndPaths) {
  EXPECT_EQ(load_model("resnet18", {}).name, "resnet18");
  EXPECT_EQ(load_model(data("tiny_cnn.onnx"), {}).name, "tiny_cnn");
  try {
    load_model("not_a_model", {});
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("resnet50"), std::string::npos);
  }
  EXPECT_THROW(load_model("nowhere/model.onnx", {}), ModelError);
}

}  // namespace
}  // namespace infsim::models
