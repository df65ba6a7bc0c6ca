// `infsim compare A B`: synthetic results with known numbers (exact deltas), and two real runs
// that differ in one --set.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "shell_helpers.h"
#include "tests/common/test_paths.h"

namespace {

namespace fs = std::filesystem;
using infsim::testing::read_file;
using infsim::testing::shell;
using json = nlohmann::json;

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "output: " << (text)

class Compare : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("infsim_compare_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }
  infsim::testing::Output infsim(const std::string& args) {
    return shell(std::string(INFSIM_BINARY) + " " + args, dir_);
  }

  fs::path dir_;
};

// A run's results.json with one scenario, and its resolved config beside it.
std::string run_json(double throughput, double p99) {
  return json{{"experiment", "x"},
              {"scenarios",
               {{{"name", "s1"},
                 {"throughput_avg", throughput},
                 {"latency_ms_p99", p99},
                 {"cores", json::array({{{"core", 0}}})}}}}}
      .dump();
}

TEST_F(Compare, ExactDeltasAndConfigKeysOfTwoRunFolders) {
  write("a/results.json", run_json(100, 2.0));
  write("a/config.yaml", "chip:\n  dram:\n    bandwidth: 50GiB/s\n  clock: 1GHz\n");
  write("b/results.json", run_json(125, 1.5));
  write("b/config.yaml", "chip:\n  dram:\n    bandwidth: 25GiB/s\n  clock: 1GHz\n");
  const auto out = infsim("compare a b --json c.json --csv c.csv");
  ASSERT_EQ(out.code, 0) << out.text;
  // throughput 100 -> 125: delta 25, +25 %; p99 2.0 -> 1.5: delta -0.5, -25 %.
  EXPECT_CONTAINS(out.text, "| s1 | throughput_avg | 100 | 125 | 25 | +25.00 % |");
  EXPECT_CONTAINS(out.text, "| s1 | latency_ms_p99 | 2 | 1.5 | -0.5 | -25.00 % |");
  EXPECT_CONTAINS(out.text, "| chip.dram.bandwidth | 50GiB/s | 25GiB/s |");
  EXPECT_EQ(out.text.find("chip.clock"), std::string::npos) << "an equal key is not listed";
  const json j = json::parse(read_file(dir_ / "c.json"));
  ASSERT_EQ(j["config"].size(), 1u);
  EXPECT_EQ(j["config"][0]["key"], "chip.dram.bandwidth");
  EXPECT_DOUBLE_EQ(j["max_abs_change_pct"].get<double>(), 25.0);
  EXPECT_CONTAINS(read_file(dir_ / "c.csv"), "s1,throughput_avg,100,125,25,25\n");
  // --fail-above: 25 % moved, so a 30 % budget passes and a 20 % budget fails.
  EXPECT_EQ(infsim("compare a b --fail-above 30").code, 0);
  const auto failed = infsim("compare a/results.json b/results.json --fail-above 20");
  EXPECT_EQ(failed.code, 1) << failed.text;
  EXPECT_CONTAINS(failed.text, "more than --fail-above 20 %");
}

TEST_F(Compare, SweepFoldersByPointAndRowsOnOneSide) {
  const auto sweep = [](double t, bool third) {
    json points = json::array();
    for (int i = 0; i < (third ? 3 : 2); ++i) {
      points.push_back({{"point", i},
                        {"parameters", {{"batch", std::to_string(i + 1)}}},
                        {"status", "ok"},
                        {"metrics", {{"throughput", t * (i + 1)}}}});
    }
    return json{
        {"study", "s"}, {"base", {{"model", "resnet50"}}}, {"hash", "h"}, {"points", points}}
        .dump();
  };
  write("a/results.json", sweep(10, false));
  write("b/results.json", sweep(10, true));
  const auto out = infsim("compare a b --json c.json");
  ASSERT_EQ(out.code, 0) << out.text;
  const json j = json::parse(read_file(dir_ / "c.json"));
  EXPECT_TRUE(j["config"].empty());
  ASSERT_EQ(j["metrics"].size(), 3u);
  EXPECT_EQ(j["metrics"][1]["row"], "point 1 (batch=2)");
  EXPECT_DOUBLE_EQ(j["metrics"][1]["delta"].get<double>(), 0.0);
  EXPECT_TRUE(j["metrics"][2]["a"].is_null()) << "point 2 is only in B";
  EXPECT_DOUBLE_EQ(j["metrics"][2]["b"].get<double>(), 30.0);
  EXPECT_CONTAINS(out.text, "1 of 3 metrics changed");
}

TEST_F(Compare, MistakesExit2) {
  write("a/results.json", run_json(1, 1));
  write("v.json", R"({"rows": [], "mape": {}})");
  write("bad.json", R"({"what": 1})");
  auto out = infsim("compare a v.json");
  EXPECT_EQ(out.code, 2);
  EXPECT_CONTAINS(out.text, "holds run results but v.json holds validate results");
  out = infsim("compare a missing");
  EXPECT_EQ(out.code, 2);
  EXPECT_CONTAINS(out.text, "compare: missing: no such file or folder");
  out = infsim("compare a bad.json");
  EXPECT_EQ(out.code, 2);
  EXPECT_CONTAINS(out.text, "not a results file");
  EXPECT_EQ(infsim("compare a").code, 2);
}

TEST_F(Compare, TwoRunsThatDifferInOneSet) {
  // The same one-off run at the default clock and at half of it: the only differing key is the
  // one set, and a compute-bound ResNet-50 on one core loses throughput at the slower clock.
  const std::string run = "-q run --model resnet50 --iterations 20 ";
  ASSERT_EQ(infsim(run + "--out a").code, 0);
  ASSERT_EQ(infsim(run + "--set chip.core.clock=0.5GHz --out b").code, 0);
  const auto out = infsim("compare a b --json c.json");
  ASSERT_EQ(out.code, 0) << out.text;
  const json j = json::parse(read_file(dir_ / "c.json"));
  ASSERT_EQ(j["config"].size(), 1u) << out.text;
  EXPECT_EQ(j["config"][0]["key"], "chip.core.clock");
  bool found = false;
  for (const json& m : j["metrics"]) {
    if (m["metric"] != "throughput_avg") continue;
    found = true;
    EXPECT_LT(m["delta"].get<double>(), 0) << m.dump();
  }
  EXPECT_TRUE(found) << out.text;
}

}  // namespace
