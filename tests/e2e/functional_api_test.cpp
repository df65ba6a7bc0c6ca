// The functional-run API the command line builds on (`infsim run --functional`): host <-> device
// layout conversion, the comparison metrics, seeded inputs, the input file deciding the batch,
// outputs written as .npy, and clear errors for bad requests.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "models/model_error.h"
#include "models/npy.h"
#include "sim/functional/number_format.h"
#include "tests/common/test_paths.h"
#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/functional/functional_run.h"

namespace infsim::driver {
namespace {

const std::string kData = std::string(INFSIM_TEST_DATA) + "/onnx/";

// Unique per process: every test case runs in its own process.
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid())))
      .string();
}

TEST(FunctionalApi, DeviceLayoutFollowsDimOrderAndDtype) {
  models::HostTensor t;
  t.shape = {2, 3, 2, 2};  // N, C, H, W
  for (int i = 0; i < 24; ++i) t.data.push_back(static_cast<float>(i) + 0.001f);
  // Channel-major: memory order C, N, H, W. Logical (n=1, c=2, h=0, w=1) is C-order index
  // ((1 * 3 + 2) * 2 + 0) * 2 + 1 = 21 and memory index ((2 * 2 + 1) * 2 + 0) * 2 + 1 = 21 too;
  // (n=1, c=0, h=1, w=0): logical 14, memory ((0 * 2 + 1) * 2 + 1) * 2 + 0 = 6.
  const std::vector<std::uint8_t> bytes = to_device_layout(t, {1, 0, 2, 3}, isa::DType::kFp32);
  ASSERT_EQ(bytes.size(), 24u * 4);
  float v;
  std::memcpy(&v, bytes.data() + 6 * 4, 4);
  EXPECT_EQ(v, t.data[14]);
  std::memcpy(&v, bytes.data() + 21 * 4, 4);
  EXPECT_EQ(v, t.data[21]);
  const models::HostTensor back =
      from_device_layout(bytes.data(), t.shape, {1, 0, 2, 3}, isa::DType::kFp32);
  EXPECT_EQ(back.data, t.data);
  // bf16: the same positions, each value rounded to nearest even.
  const std::vector<std::uint8_t> half = to_device_layout(t, {1, 0, 2, 3}, isa::DType::kBf16);
  ASSERT_EQ(half.size(), 24u * 2);
  const models::HostTensor back16 =
      from_device_layout(half.data(), t.shape, {1, 0, 2, 3}, isa::DType::kBf16);
  for (std::size_t i = 0; i < t.data.size(); ++i) {
    EXPECT_EQ(back16.data[i], sim::round_to(isa::DType::kBf16, t.data[i]));
  }
  EXPECT_THROW(to_device_layout(t, {1, 1, 2, 3}, isa::DType::kFp32), UsageError);
}

TEST(FunctionalApi, ComparisonMetrics) {
  models::HostTensor a, b;
  a.shape = b.shape = {2, 3};
  a.data = {1, 2, 3, 0.5f, 0, 0};
  b.data = {1, 2, 4, 0.5f, 0.75f, 0};
  const Comparison c = compare(a, b);
  EXPECT_DOUBLE_EQ(c.max_abs_error, 1.0);
  EXPECT_DOUBLE_EQ(c.max_norm_error, 0.25);  // 1 / max |b| = 1 / 4
  // Elementwise: |0 - 0.75| / (0.75 + 1e-3 * 4) beats 1 / (4 + 0.004).
  EXPECT_NEAR(c.max_elementwise, 0.75 / 0.754, 1e-12);
  // cos = (1 + 4 + 12 + 0.25) / sqrt((1 + 4 + 9 + 0.25) * (1 + 4 + 16 + 0.25 + 0.5625))
  EXPECT_NEAR(c.cosine, 17.25 / std::sqrt(14.25 * 21.8125), 1e-12);
  // Image 0: arg-max 2 in both; image 1: 0 vs 1. Top-3 sets agree in image 0; image 1 ranks
  // {0, 1, 2} vs {1, 0, 2}: the same set.
  EXPECT_DOUBLE_EQ(c.top1_agreement, 0.5);
  EXPECT_DOUBLE_EQ(c.top5_agreement, 1.0);
  models::HostTensor other;
  other.shape = {6};
  other.data = a.data;
  EXPECT_THROW(compare(a, other), UsageError);
}

TEST(FunctionalApi, TopKBreaksTiesByLowerIndex) {
  models::HostTensor t;
  t.shape = {1, 6};
  t.data = {0.5f, 2, 1, 2, -1, 1};
  EXPECT_EQ(top_k(t, 4), (std::vector<std::vector<int>>{{1, 3, 2, 5}}));
  t.shape = {6};
  EXPECT_TRUE(top_k(t, 4).empty());
}

TEST(FunctionalApi, RandomInputsAreSeededStandardNormal) {
  models::Graph g;
  g.inputs.push_back(models::add_tensor(g, "x", {4, 1000}));
  const auto a = random_inputs(g, 5), b = random_inputs(g, 5), c = random_inputs(g, 6);
  EXPECT_EQ(a[0].data, b[0].data);
  EXPECT_NE(a[0].data, c[0].data);
  double sum = 0, sq = 0;
  for (float v : a[0].data) {
    sum += v;
    sq += v * v;
  }
  const double n = static_cast<double>(a[0].data.size());
  EXPECT_NEAR(sum / n, 0.0, 0.05);  // 4000 samples: the mean's sd is 0.016
  EXPECT_NEAR(std::sqrt(sq / n), 1.0, 0.05);
}

TEST(FunctionalApi, InputFileSetsTheBatchAndOutputsWriteAsNpy) {
  // Two images: the stored tiny_cnn input and its negation.
  models::HostTensor one = models::read_npy(kData + "tiny_cnn_input.npy");
  models::HostTensor two = one;
  two.shape[0] = 2;
  for (float v : one.data) two.data.push_back(-v);
  const std::string in = temp_path("functional_in") + ".npy";
  const std::string out = temp_path("functional_out") + ".npy";
  driver::write_file_atomically(in, models::encode_npy(two));

  FunctionalRequest req;
  req.model = kData + "tiny_cnn.onnx";
  req.input_path = in;
  req.dtype = isa::DType::kFp32;
  req.check_reference = true;
  const FunctionalResult r = run_functional(req);
  EXPECT_EQ(r.batch, 2);
  ASSERT_EQ(r.outputs.size(), 1u);
  ASSERT_EQ(r.outputs[0].shape, (models::Shape{2, 10}));
  EXPECT_LE(r.comparisons[0].max_norm_error, 1e-4);
  // Image 0 is PyTorch's stored example.
  const models::HostTensor torch = models::read_npy(kData + "tiny_cnn_output.npy");
  for (int k = 0; k < 10; ++k) {
    EXPECT_NEAR(r.outputs[0].data[k], torch.data[k], 1e-4 * 0.2);
  }
  driver::write_file_atomically(out, models::encode_npy(r.outputs[0]));
  EXPECT_EQ(models::read_npy(out).data, r.outputs[0].data);
  const std::string text = format_functional_result(r);
  EXPECT_NE(text.find("image 1 top-5 classes:"), std::string::npos) << text;
  EXPECT_NE(text.find("vs reference"), std::string::npos) << text;
  std::filesystem::remove(in);
  std::filesystem::remove(out);
}

TEST(FunctionalApi, InputOfTheWrongShapeIsAUsageError) {
  FunctionalRequest req;
  req.model = kData + "tiny_cnn.onnx";               // 1 x 3 x 32 x 32
  req.input_path = kData + "resnet18_w8_input.npy";  // 1 x 3 x 64 x 64
  try {
    run_functional(req);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("resnet18_w8_input.npy"), std::string::npos) << what;
    EXPECT_NE(what.find("[1, 3, 32, 32]"), std::string::npos) << what;
  }
}

TEST(FunctionalApi, MissingInputFileIsAModelError) {
  FunctionalRequest req;
  req.model = "tiny_cnn";
  req.input_path = kData + "no_such_input.npy";
  EXPECT_THROW(run_functional(req), models::ModelError);
}

}  // namespace
}  // namespace infsim::driver
