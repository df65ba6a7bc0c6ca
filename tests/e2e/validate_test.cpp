// `infsim validate`: a small validation file end to end (statuses, reports, exit codes), the
// leave-one-out fit on a tiny knob grid, and the calibration file within its stated tolerance.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/common/test_paths.h"
#include "tests/e2e/shell_helpers.h"
#include "tools/config/version.h"

namespace {

namespace fs = std::filesystem;
using infsim::testing::read_file;
using infsim::testing::shell;

const std::string kBinary = INFSIM_BINARY;
const fs::path kSource = INFSIM_SOURCE_DIR;

class Validate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("infsim-validate." + std::to_string(::getpid()));
    fs::create_directories(dir_);
    fs::copy_file(kSource / "configs/validation/trivial_x3p1.onnx", dir_ / "trivial_x3p1.onnx");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  fs::path dir_;
};

const char* const kHeader =
    "name,instance,model,framework,dtype,batch_size,n_models,workers_per_model,pipeline_size,"
    "tolerance_pct,throughput_avg,latency_ms_p50\n";

TEST_F(Validate, RowsStatusesAndReports) {
  write("v.csv", std::string(kHeader) +
                     "floor,inf1.xlarge,trivial_x3p1.onnx,neuronperf,bf16,1,1,1,1,15,31346,0.03\n"
                     "floor x2,inf1.xlarge,trivial_x3p1.onnx,neuronperf,bf16,1,2,1,1,,60000,\n"
                     "unknown,inf1.xlarge,no_such_model,neuronperf,bf16,1,1,1,1,,100,\n"
                     "too many,inf1.xlarge,trivial_x3p1.onnx,neuronperf,bf16,1,8,1,1,,100,\n"
                     "no instance,inf1.huge,trivial_x3p1.onnx,neuronperf,bf16,1,1,1,1,,100,\n");
  const auto out = shell(kBinary +
                             " validate v.csv --requests 50 --json v.json --csv out.csv "
                             "--plot v.png",
                         dir_);
  ASSERT_EQ(out.code, 0) << out.text;
  EXPECT_NE(out.text.find("| row | setup | metric | measured | simulated | error | tolerance |"),
            std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("| metric | unit | rows | MAPE |"), std::string::npos);
  EXPECT_NE(out.text.find("Off by more than 2x:"), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(read_file(dir_ / "v.json"));
  ASSERT_EQ(j["rows"].size(), 5u);
  EXPECT_EQ(j["rows"][0]["status"], "ok");
  EXPECT_EQ(j["rows"][0]["line"], 2);
  EXPECT_DOUBLE_EQ(j["rows"][0]["tolerance_pct"].get<double>(), 15);
  const auto& v = j["rows"][0]["values"]["throughput_avg"];
  EXPECT_DOUBLE_EQ(v["measured"].get<double>(), 31346);
  EXPECT_NEAR(v["error"].get<double>(), v["simulated"].get<double>() / 31346 - 1, 1e-12);
  // Two copies of a model with next to no device work in two NeuronPerf processes: at least
  // 1.5x the one copy (they share nothing but DRAM and PCIe, which this model barely uses).
  EXPECT_GT(j["rows"][1]["values"]["throughput_avg"]["simulated"].get<double>(),
            1.5 * v["simulated"].get<double>());
  EXPECT_EQ(j["rows"][2]["status"], "invalid model");
  EXPECT_EQ(j["rows"][3]["status"], "impossible request");
  EXPECT_EQ(j["rows"][4]["status"], "invalid config");
  EXPECT_FALSE(j["rows"][2]["within_tolerance"].get<bool>());
  EXPECT_TRUE(j["mape"].contains("throughput_avg"));
  // One CSV line per measured value (3 ok + 3 failed) under the header.
  const std::string csv = read_file(dir_ / "out.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 + 1 + 3);
  EXPECT_EQ(j["infsim_version"], infsim::tools::version_string());
  EXPECT_EQ(j["rows"][0]["config_hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(j["rows"][0]["model_name"], "trivial_x3p1.onnx");
  // One PNG and one SVG per metric; the axes name the metric and its unit, the legend names
  // every series, and the rows that did not run are marked.
  for (const char* metric : {"throughput_avg", "latency_ms_p50"}) {
    const fs::path base = dir_ / (std::string("v-") + metric);
    EXPECT_GT(fs::file_size(base.string() + ".png"), 1000u) << out.text;
    const std::string svg = read_file(base.string() + ".svg");
    EXPECT_NE(svg.find("measured " + std::string(metric) + " ("), std::string::npos) << metric;
    EXPECT_NE(svg.find("simulated = measured"), std::string::npos) << metric;
    EXPECT_NE(svg.find("rows"), std::string::npos) << metric;
  }
  EXPECT_NE(read_file(dir_ / "v-throughput_avg.svg").find("rows that did not run"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "v.png"));
}

TEST_F(Validate, BadFileExits2WithFileAndLineAndWritesNothing) {
  write("bad.csv", std::string(kHeader) +
                       "ok,inf1.xlarge,resnet50,neuronperf,bf16,1,1,1,1,15,100,\n"
                       "bad,inf1.xlarge,resnet50,neuronperf,bf16,one,1,1,1,15,100,\n");
  auto out = shell(kBinary + " validate bad.csv --json v.json", dir_);
  EXPECT_EQ(out.code, 2);
  EXPECT_NE(out.text.find("infsim: error: bad.csv:3: batch_size must be a positive integer"),
            std::string::npos)
      << out.text;
  EXPECT_FALSE(fs::exists(dir_ / "v.json"));
  write("noframework.csv", std::string(kHeader) + "r,inf1.xlarge,resnet50,,bf16,1,1,1,1,15,100,\n");
  out = shell(kBinary + " validate noframework.csv", dir_);
  EXPECT_EQ(out.code, 2);
  EXPECT_NE(out.text.find("noframework.csv:2: framework is empty and no --framework was given"),
            std::string::npos)
      << out.text;
  EXPECT_EQ(shell(kBinary + " validate missing.csv", dir_).code, 2);
  EXPECT_EQ(shell(kBinary + " validate", dir_).code, 2);
}

TEST_F(Validate, FrameworkFillsEmptyCells) {
  write("v.csv",
        std::string(kHeader) + "floor,inf1.xlarge,trivial_x3p1.onnx,,bf16,1,1,1,1,15,31346,0.03\n");
  const auto out =
      shell(kBinary + " validate v.csv --framework neuronperf --requests 20 --json v.json", dir_);
  ASSERT_EQ(out.code, 0) << out.text;
  const nlohmann::json j = nlohmann::json::parse(read_file(dir_ / "v.json"));
  EXPECT_EQ(j["rows"][0]["framework"], "neuronperf");
  EXPECT_EQ(j["rows"][0]["status"], "ok");
}

// The fit on a tiny grid: the runtime-2.x submit cost sets the trivial model's floor, so with
// rows that measure it the fit must move it and leave-one-out must report every row.
TEST_F(Validate, LeaveOneOutFit) {
  write("v.csv", std::string(kHeader) +
                     "a,inf1.xlarge,trivial_x3p1.onnx,neuronperf,bf16,1,1,1,1,15,31346,0.03\n"
                     "b,inf1.xlarge,trivial_x3p1.onnx,neuronperf,bf16,1,2,1,1,15,62000,0.03\n");
  write("knobs.yaml",
        "knobs:\n"
        "  - key: runtime.submit_overhead\n"
        "    min: 5us\n"
        "    max: 200us\n"
        "    meaning: test\n");
  const auto out =
      shell(kBinary + " validate v.csv --requests 20 --fit knobs.yaml --fit-steps 3", dir_);
  ASSERT_EQ(out.code, 0) << out.text;
  EXPECT_NE(out.text.find("| knob | plausible range | configured | fitted on all rows |"),
            std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("| a | "), std::string::npos);
  EXPECT_NE(out.text.find("| b | "), std::string::npos);
  write("badknobs.yaml",
        "knobs:\n  - key: runtime.no_such_key\n    min: 1\n    max: 2\n"
        "    meaning: x\n");
  const auto bad = shell(kBinary + " validate v.csv --fit badknobs.yaml", dir_);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.text.find("badknobs.yaml:2: unknown config key 'runtime.no_such_key'"),
            std::string::npos)
      << bad.text;
}

// A knobs file written for the per-engine instruction overheads (one key since) is rejected with
// the key that replaced them, before any row runs.
TEST_F(Validate, RetiredKnobKeyNamesItsReplacement) {
  write("v.csv", std::string(kHeader) +
                     "a,inf1.xlarge,trivial_x3p1.onnx,neuronperf,bf16,1,1,1,1,15,31346,0.03\n");
  write("old.yaml",
        "knobs:\n  - key: [chip.core.tensor.instruction_overhead_cycles,\n"
        "          chip.core.vector.instruction_overhead_cycles]\n"
        "    min: 16\n    max: 128\n    meaning: x\n");
  const auto bad = shell(kBinary + " validate v.csv --fit old.yaml", dir_);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.text.find("old.yaml:2: unknown config key "
                          "'chip.core.tensor.instruction_overhead_cycles'; it is now "
                          "'chip.core.instruction_overhead_cycles'"),
            std::string::npos)
      << bad.text;
}

// Physics: copies loaded at the same time share the host and the driver, so loading more of
// them never makes the average load of one copy shorter (NeuronPerf's load_avg_ms, one worker
// process per copy), and a second worker per copy never makes it shorter either.
TEST_F(Validate, LoadingMoreCopiesNeverShortensTheAverageLoad) {
  std::string csv =
      "name,instance,model,framework,dtype,batch_size,n_models,workers_per_model,pipeline_size,"
      "load_avg_ms\n";
  const int copies[] = {1, 2, 3, 4, 8, 12, 16};
  for (int n : copies) {
    for (int workers : {1, 2}) {
      csv += std::to_string(n) + "x" + std::to_string(workers) +
             ",inf1.6xlarge,trivial_x3p1.onnx,neuronperf,bf16,1," + std::to_string(n) + "," +
             std::to_string(workers) + ",1,100\n";
    }
  }
  write("loads.csv", csv);
  const auto out = shell(kBinary + " validate loads.csv --requests 8 --json v.json", dir_);
  ASSERT_EQ(out.code, 0) << out.text;
  const nlohmann::json j = nlohmann::json::parse(read_file(dir_ / "v.json"));
  ASSERT_EQ(j["rows"].size(), 14u);
  auto load = [&](std::size_t row) {
    return j["rows"][row]["values"]["load_avg_ms"]["simulated"].get<double>();
  };
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_GE(load(2 * i + 1), load(2 * i) * (1 - 1e-9)) << j["rows"][2 * i + 1]["name"];
    if (i > 0) {
      EXPECT_GE(load(2 * i), load(2 * i - 2) * (1 - 1e-9)) << j["rows"][2 * i]["name"];
    }
  }
  EXPECT_GT(load(12), 2 * load(0));  // 16 copies queue on the driver
}

}  // namespace

namespace {

// configs/validation/calibration.csv is the calibration of docs/calibration.md: every row within
// its tolerance_pct (15 %, justified there). The rows below do not meet it yet; each is named
// with the reason, and the test fails as soon as one of them does meet it, so that the list
// only ever shrinks.
const std::set<std::string> kKnownMisses = {
    // Same architecture as the TF1 profile, 26 % more device time: no one device time meets the
    // four profile values within 15 % (docs/calibration.md); the TF1 row is the fitted one.
    "profile TF2 ResNet-50 (3.3)",
    // Run with framework.io_on_device (the measured rates leave no room for 602,112 B each way
    // over PCIe per call); the simulated trivial device pass (23.7 us) plus the 30 us submit is
    // ~55 us per call against the measured 30 us (docs/calibration.md).
    "NeuronPerf floor 1x1 (3.4)",
    "NeuronPerf floor 16x1 (3.4)",
    "NeuronPerf floor 1x2 (3.4)",
    "NeuronPerf floor 16x2 (3.4)",
};

TEST(Calibration, EveryRowWithinItsTolerance) {
  const fs::path json =
      fs::temp_directory_path() / ("infsim-calibration." + std::to_string(::getpid()) + ".json");
  const auto out = shell(
      kBinary + " validate configs/validation/calibration.csv --json " + json.string(), kSource);
  ASSERT_EQ(out.code, 0) << out.text;
  const nlohmann::json j = nlohmann::json::parse(read_file(json));
  fs::remove(json);
  ASSERT_GE(j["rows"].size(), 15u);
  for (const auto& row : j["rows"]) {
    const std::string name = row["name"];
    ASSERT_TRUE(row.contains("tolerance_pct")) << name;
    EXPECT_LE(row["tolerance_pct"].get<double>(), 15) << name;
    const bool within = row["within_tolerance"].get<bool>();
    if (kKnownMisses.count(name)) {
      EXPECT_FALSE(within) << name << " now meets its tolerance: remove it from kKnownMisses";
    } else {
      EXPECT_TRUE(within) << name << ": " << row.dump() << "\n" << out.text;
    }
  }
}

}  // namespace
