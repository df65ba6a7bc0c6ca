// `infsim run --functional` end to end: the binary computes ResNet-18 (width 8, 64x64, the
// committed PyTorch export) through the simulated NeuronCore and writes the output .npy, which
// must match PyTorch's output at 1e-4 relative (fp32 program).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "models/npy.h"
#include "tests/common/test_paths.h"

namespace {

namespace fs = std::filesystem;

int run(const std::string& args) {
  const int status =
      std::system((std::string(INFSIM_BINARY) + " " + args + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CliFunctional, Resnet18MatchesPyTorch) {
  const std::string data = std::string(INFSIM_TEST_DATA) + "/onnx/";
  const fs::path out =
      fs::temp_directory_path() / ("infsim_cli_functional_" + std::to_string(::getpid()) + ".npy");
  ASSERT_EQ(run("run --functional --dtype fp32 --model " + data + "resnet18_w8.onnx --input " +
                data + "resnet18_w8_input.npy --output " + out.string()),
            0);
  const auto got = infsim::models::read_npy(out.string());
  const auto want = infsim::models::read_npy(data + "resnet18_w8_output.npy");
  fs::remove(out);
  ASSERT_EQ(got.shape, want.shape);
  double max_err = 0, max_ref = 0;
  for (std::size_t i = 0; i < want.data.size(); ++i) {
    max_err = std::max(max_err, static_cast<double>(std::fabs(got.data[i] - want.data[i])));
    max_ref = std::max(max_ref, static_cast<double>(std::fabs(want.data[i])));
  }
  EXPECT_LE(max_err / max_ref, 1e-4);
}

TEST(CliFunctional, MistakesExit2WithoutOutput) {
  const fs::path out = fs::temp_directory_path() / "infsim_cli_functional_bad.npy";
  EXPECT_EQ(run("run --functional --model no_such_model --output " + out.string()), 2);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(run("run --functional"), 2);  // no --model
  EXPECT_EQ(run("run --functional --model tiny_cnn --input /nonexistent.npy"), 2);
}

}  // namespace
