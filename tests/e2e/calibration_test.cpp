// Calibration against reference/inferentia.md §3 (see docs/calibration.md): the torch-neuron
// ResNet-50 tutorial's 267 / 466 / 626 images/s within ±12 %, the single-core batch-1 device
// profile (2,709.63 us NeuronCore time, 15.75 % matrix utilization) within ±15 %, and the two
// points of §3.5: 16 one-core groups in one TensorFlow process under runtime 1.x (3,115 images/s)
// within ±15 %, and BERT-base under NeuronPerf (p50 7.9 ms) within ±25 %: that row is a known
// residual of the device model (the encoder takes 6.3 ms on the simulated core, the runtime 2.x
// host path adds 0.17 ms), not of a host knob, so the test only guards it against drift. The fitted
// knobs are the engines' instruction overhead and neuron-rtd's worker count, request overhead and
// copy bandwidth, so this test fails whenever a model change moves the device times and the knobs
// have not been re-fitted (tools/scripts/calibrate.sh). The tutorial's tolerance is ±12 %, not ±10
// %: with the cast rate derived from the TF profile (9.2 GB/s) rather than assumed (2 GB/s), the
// 1-core and 4-core rows cannot both come within ±10 % of a 3.0 ms device time (their minimax is
// ±10.4 %). Sampled simulation keeps each run to a few seconds.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include "tests/common/test_paths.h"

namespace {

nlohmann::json run_json(const std::string& args) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("calibration." + std::to_string(::getpid()) + ".json"))
                               .string();
  const std::string command =
      std::string(INFSIM_BINARY) + " run " + args + " --json " + path + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::filesystem::remove(path);
  return nlohmann::json::parse(ss.str());
}

TEST(Calibration, TorchNeuronTutorialThroughput) {
  const nlohmann::json j = run_json("");
  ASSERT_EQ(j["scenarios"].size(), 3u);
  const double published[3] = {267, 466, 626};
  for (int i = 0; i < 3; ++i) {
    const double simulated = j["scenarios"][i]["throughput_avg"];
    EXPECT_NEAR(simulated, published[i], 0.12 * published[i])
        << j["scenarios"][i]["name"] << ": simulated " << simulated << " images/s";
  }
}

TEST(Calibration, ResNet50SingleCoreDeviceProfile) {
  const nlohmann::json j = run_json("--model resnet50 --cores 1 --iterations 10");
  const auto& m = j["scenarios"][0]["models"][0];
  const double device_us = m["device_ms"].get<double>() * 1e3;
  const double matrix = m["matrix_util_pct"].get<double>();
  EXPECT_NEAR(device_us, 2709.63, 0.15 * 2709.63) << "NeuronCore time per inference";
  EXPECT_NEAR(matrix, 15.75, 0.15 * 15.75) << "matrix (PE) utilization, %";
}

TEST(Calibration, TensorFlowSixteenGroupsInOneProcess) {
  const nlohmann::json j =
      run_json(std::string(INFSIM_SOURCE_DIR) + "/configs/experiments/tf-resnet50-16-groups.yaml");
  const double simulated = j["scenarios"][0]["throughput_avg"];
  EXPECT_NEAR(simulated, 3115, 0.15 * 3115) << "images/s";
}

TEST(Calibration, NeuronPerfBertBase) {
  const nlohmann::json j =
      run_json(std::string(INFSIM_SOURCE_DIR) + "/configs/experiments/neuronperf-bert-base.yaml");
  const double p50 = j["scenarios"][0]["latency_ms_p50"];
  EXPECT_NEAR(p50, 7.9, 0.25 * 7.9) << "latency p50, ms";
}

}  // namespace
