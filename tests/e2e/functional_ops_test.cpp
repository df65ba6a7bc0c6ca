// Functional mode on the new-operator graphs (tests/data/onnx/ops/,
// tools/scripts/export_op_models.py): each compiled to an fp32 program, run through the simulator
// on the stored input, against the reference executor and PyTorch's output. Tolerance: ||out -
// ref||inf / ||ref||inf <= 1e-4 -- the program computes in fp32 like the references; the sums
// differ only in order (PSUM accumulates per K-tile) and the Scalar Engine's activations are the
// same libm functions.
#include <gtest/gtest.h>

#include <string>

#include "models/npy.h"
#include "models/onnx_import.h"
#include "tests/common/test_paths.h"
#include "tools/driver/functional/functional_run.h"

namespace infsim::driver {
namespace {

const std::string kOps = std::string(INFSIM_TEST_DATA) + "/onnx/ops/";
constexpr double kFp32Tolerance = 1e-4;

void expect_matches(const FunctionalResult& r, const std::string& torch_output) {
  ASSERT_EQ(r.outputs.size(), r.reference.size());
  ASSERT_FALSE(r.outputs.empty());
  EXPECT_LE(compare(r.outputs[0], r.reference[0]).max_norm_error, kFp32Tolerance)
      << format_functional_result(r);
  EXPECT_LE(compare(r.outputs[0], models::read_npy(torch_output)).max_norm_error, kFp32Tolerance)
      << format_functional_result(r);
}

void expect_op_matches(const std::string& name) {
  FunctionalRequest req;
  req.model = kOps + name + ".onnx";
  req.input_path = kOps + name + "_input.npy";
  req.dtype = isa::DType::kFp32;
  req.check_reference = true;
  expect_matches(run_functional(req), kOps + name + "_output.npy");
}

// Conv + activation: the activation is the conv's fused epilogue (Mish in one instruction).
TEST(FunctionalOps, MishMatches) {
  expect_op_matches("mish");
}
TEST(FunctionalOps, SoftplusMatches) {
  expect_op_matches("softplus");
}
TEST(FunctionalOps, TanhMatches) {
  expect_op_matches("tanh");
}
TEST(FunctionalOps, SigmoidMatches) {
  expect_op_matches("sigmoid");
}
TEST(FunctionalOps, LeakyReluMatches) {
  expect_op_matches("leaky_relu");
}
TEST(FunctionalOps, UpsampleNearestMatches) {
  expect_op_matches("upsample_nearest");
}
// x^2, the ones-weight channel sum, rsqrt, multiply, scale.
TEST(FunctionalOps, L2NormMatches) {
  expect_op_matches("l2norm");
}

// Data movement and interpolation on the engines: torch.split then Sigmoid/Tanh and Concat (two
// channel windows); x[:, :, ::2, 1::2] (one window with row and column steps); F.pad with 0.5
// (Memset and copy) before a conv; bilinear x2 (columns then rows, each a subtraction, a scaling
// and an addition per output phase).
TEST(FunctionalOps, SplitMatches) {
  expect_op_matches("split");
}
TEST(FunctionalOps, StridedSliceMatches) {
  expect_op_matches("strided_slice");
}
TEST(FunctionalOps, PadValueMatches) {
  expect_op_matches("pad_value");
}
TEST(FunctionalOps, ResizeBilinearMatches) {
  expect_op_matches("resize_bilinear");
}

// torch.topk(x.flatten(1), 5).values: features transposed into one row per image, maxima and
// counts by comparison, the values transposed back.
TEST(FunctionalOps, TopKMatches) {
  expect_op_matches("topk");
}

// Two Hugging Face-style layers with the additive padding mask (5 of 16 keys masked): the
// masked softmax adds the folded mask bias through the ones-row matmul.
TEST(FunctionalOps, MaskedEncoderMatches) {
  const models::Graph g = models::import_onnx(kOps + "masked_encoder.onnx");
  const std::vector<models::HostTensor> inputs = {
      models::read_npy(kOps + "masked_encoder_embeddings.npy"),
      models::read_npy(kOps + "masked_encoder_attention_mask.npy")};
  FunctionalRequest req;
  req.dtype = isa::DType::kFp32;
  req.check_reference = true;
  const FunctionalResult r = run_functional_graph(g, inputs, req);
  expect_matches(r, kOps + "masked_encoder_output.npy");
}

}  // namespace
}  // namespace infsim::driver
