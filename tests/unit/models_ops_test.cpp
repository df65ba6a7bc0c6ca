// The new-operator graphs of tools/scripts/export_op_models.py (tests/data/onnx/ops/), imported and
// run by the reference executor against PyTorch's stored outputs. Tolerance: fp32,
// ||ours - torch||inf / ||torch||inf <= 1e-4 -- both compute in fp32; only the order of the sums
// (im2col + Eigen against PyTorch's kernels) differs, a few ulps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "models/graph_stats.h"
#include "models/npy.h"
#include "models/onnx_import.h"
#include "models/reference_executor.h"
#include "tests/common/test_paths.h"

namespace infsim::models {
namespace {

const std::string kOps = std::string(INFSIM_TEST_DATA) + "/onnx/ops/";

double relative_error(const HostTensor& a, const HostTensor& b) {
  double err = 0, ref = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    err = std::max(err, static_cast<double>(std::abs(a.data[i] - b.data[i])));
    ref = std::max(ref, static_cast<double>(std::abs(b.data[i])));
  }
  return err / std::max(ref, 1e-30);
}

// Imports `name`.onnx, runs it on the stored input(s), returns the error against PyTorch.
double error_of(const std::string& name, const std::vector<std::string>& inputs = {"input"}) {
  const Graph g = import_onnx(kOps + name + ".onnx");
  std::vector<HostTensor> in;
  for (const std::string& i : inputs)
    in.push_back(read_npy(kOps + name + (inputs.size() == 1 ? "_input" : "_" + i) + ".npy"));
  const std::vector<HostTensor> out = run_reference(g, in);
  const HostTensor want = read_npy(kOps + name + "_output.npy");
  EXPECT_EQ(out.at(0).shape, want.shape);
  return relative_error(out.at(0), want);
}

constexpr double kFp32 = 1e-4;

TEST(ModelsOps, ActivationsMatchPyTorch) {
  for (const char* name : {"mish", "softplus", "tanh", "sigmoid", "leaky_relu"}) {
    SCOPED_TRACE(name);
    EXPECT_LE(error_of(name), kFp32);
  }
}

TEST(ModelsOps, ResizeSliceSplitPadTopKMatchPyTorch) {
  for (const char* name : {"upsample_nearest", "resize_bilinear", "strided_slice", "split",
                           "pad_value", "topk", "l2norm"}) {
    SCOPED_TRACE(name);
    EXPECT_LE(error_of(name), kFp32);
  }
}

// Equal, Not, Where, Cast, Expand, Unsqueeze, Range, Gather on token ids: with every shape
// static, the importer folds what is constant and the rest runs; the values are exact.
TEST(ModelsOps, MaskOperatorsMatchPyTorch) {
  EXPECT_EQ(error_of("mask_ops"), 0.0);
  const GraphStats s = compute_stats(import_onnx(kOps + "mask_ops.onnx"));
  EXPECT_EQ(s.op_counts.count("Shape"), 0u);  // folded at import
  EXPECT_EQ(s.op_counts.count("Range"), 0u);
}

TEST(ModelsOps, YoloHeadAndMaskedEncoderMatchPyTorch) {
  EXPECT_LE(error_of("yolo_head"), kFp32);
  EXPECT_LE(error_of("masked_encoder", {"embeddings", "attention_mask"}), kFp32);
}

// torchtext's RoBERTa encoder (2 layers, export_params=False): token ids in, the padding mask
// built inside with Equal; every operator imports.
TEST(ModelsOps, TorchtextRobertaImports) {
  ImportOptions o;
  o.with_weights = false;
  const Graph g = import_onnx(kOps + "roberta_encoder.onnx", o);
  const GraphStats s = compute_stats(g);
  EXPECT_EQ(s.op_counts.at("Softmax"), 2);
  EXPECT_GE(s.op_counts.at("Equal"), 1);
}

}  // namespace
}  // namespace infsim::models
