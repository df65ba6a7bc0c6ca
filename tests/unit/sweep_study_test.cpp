// Study files: parsing, validation errors (file, line, YAML path), grid/zip/range expansion.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "tools/config/errors.h"
#include "tools/driver/sweep/study.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

class SweepStudyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("sweep_study_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    // The metric names a "compile" evaluator reports, so that metric validation has something
    // to check against; the evaluation itself is not used here.
    register_point_evaluator("compile", {"fits", "estimated_cycles"},
                             [](const StudyBase&, const PointSpec&) { return PointResult{}; });
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& text) {
    std::string path = (dir_ / "study.yaml").string();
    std::ofstream(path) << text;
    return path;
  }

  // The ConfigError message of reading `text`, or "" if it reads fine.
  std::string error_of(const std::string& text) {
    try {
      read_study(write(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

constexpr const char* kBase =
    "base:\n"
    "  instance: inf1.xlarge\n"
    "  model: single_conv\n"
    "evaluate: [compile]\n";

TEST_F(SweepStudyTest, ReadsAGridStudy) {
  Study s = read_study(write(std::string("study: demo\n") + kBase +
                             "parameters:\n"
                             "  chip.core.sbuf.size: [4MiB, 8MiB]\n"
                             "  batch: [1, 2, 4]\n"
                             "metrics: [estimated_cycles]\n"));
  EXPECT_EQ(s.name, "demo");
  ASSERT_EQ(s.parameters.size(), 2u);
  EXPECT_TRUE(s.parameters[0].is_config_key);
  EXPECT_FALSE(s.parameters[1].is_config_key);
  EXPECT_EQ(s.point_count(), 6u);
  // First parameter slowest: (4MiB,1) (4MiB,2) (4MiB,4) (8MiB,1) ...
  PointSpec p4 = s.point(4);
  EXPECT_EQ(p4.parameters.at("chip.core.sbuf.size"), "8MiB");
  EXPECT_EQ(p4.parameters.at("batch"), "2");
  EXPECT_EQ(p4.fields.at("batch"), "2");
  EXPECT_EQ(p4.fields.at("model"), "single_conv");
  ASSERT_EQ(p4.overrides.size(), 1u);
  EXPECT_EQ(p4.overrides[0], "chip.core.sbuf.size=8MiB");
  EXPECT_EQ(p4.field_int("batch", 1), 2);
  EXPECT_EQ(p4.field("dtype", "bf16"), "bf16");
  EXPECT_EQ(s.sensitivity, std::vector<std::string>{"estimated_cycles"});
  EXPECT_TRUE(s.warnings.empty());
}

TEST_F(SweepStudyTest, NameDefaultsToTheFileStem) {
  Study s = read_study(write(std::string(kBase) + "parameters: {batch: [1]}\n"));
  EXPECT_EQ(s.name, "study");
  // No metrics listed: everything the evaluators report.
  EXPECT_EQ(s.metrics, (std::vector<std::string>{"fits", "estimated_cycles"}));
}

TEST_F(SweepStudyTest, BaseSetComesBeforeThePointsOverrides) {
  Study s =
      read_study(write("base:\n  instance: inf1.xlarge\n  model: single_conv\n"
                       "  set: {chip.dram.bandwidth: 25GiB/s, chip.core.clock: 1GHz}\n"
                       "evaluate: compile\n"
                       "parameters:\n  chip.core.clock: [0.5GHz]\n"));
  EXPECT_EQ(s.point(0).overrides,
            (std::vector<std::string>{"chip.dram.bandwidth=25GiB/s", "chip.core.clock=1GHz",
                                      "chip.core.clock=0.5GHz"}));
}

TEST_F(SweepStudyTest, ZipPairsTheIthValues) {
  Study s = read_study(write(std::string(kBase) + "parameters:\n"
                                                  "  chip.core.tensor.rows: [64, 128, 128, 256]\n"
                                                  "  chip.core.tensor.cols: [64, 64, 128, 128]\n"
                                                  "combine: zip\n"));
  ASSERT_EQ(s.point_count(), 4u);
  EXPECT_EQ(s.point(2).parameters.at("chip.core.tensor.rows"), "128");
  EXPECT_EQ(s.point(2).parameters.at("chip.core.tensor.cols"), "128");
  EXPECT_EQ(s.point(3).parameters.at("chip.core.tensor.rows"), "256");
}

TEST_F(SweepStudyTest, LabelsNameTheZipsPoints) {
  std::string zip = std::string(kBase) +
                    "parameters:\n"
                    "  chip.core.tensor.rows: [64, 128]\n"
                    "  chip.core.tensor.cols: [64, 64]\n"
                    "combine: zip\n";
  Study s = read_study(write(zip + "labels: [64x64, 128x64]\n"));
  EXPECT_EQ(s.labels, (std::vector<std::string>{"64x64", "128x64"}));
  EXPECT_EQ(study_from_json(study_to_json(s)).labels, s.labels);
  EXPECT_NE(error_of(zip + "labels: [64x64]\n").find(":9: labels: 1 labels for 2 points"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) + "parameters: {batch: [1, 2]}\nlabels: [a, b]\n")
                .find("labels: labels name the points of a zip"),
            std::string::npos);
}

TEST_F(SweepStudyTest, LinearRangeKeepsTheUnitAndEndsExactly) {
  Study s = read_study(write(std::string(kBase) +
                             "parameters:\n"
                             "  chip.core.sbuf.size: {from: 4MiB, to: 24MiB, step: 4MiB}\n"
                             "  chip.core.clock: {from: 0.7GHz, to: 1.4GHz, step: 0.1GHz}\n"));
  EXPECT_EQ(s.parameters[0].values,
            (std::vector<std::string>{"4MiB", "8MiB", "12MiB", "16MiB", "20MiB", "24MiB"}));
  // 0.7 + 7 * 0.1 accumulates rounding; the end point must still be there, written cleanly.
  EXPECT_EQ(s.parameters[1].values,
            (std::vector<std::string>{"0.7GHz", "0.8GHz", "0.9GHz", "1GHz", "1.1GHz", "1.2GHz",
                                      "1.3GHz", "1.4GHz"}));
  EXPECT_FALSE(s.parameters[0].geometric);
}

TEST_F(SweepStudyTest, StepInAnotherUnitAndPlainStep) {
  Study s = read_study(write(std::string(kBase) +
                             "parameters:\n"
                             "  chip.core.sbuf.size: {from: 1MiB, to: 2MiB, step: 512KiB}\n"
                             "  batch: {from: 1, to: 7, step: 3}\n"));
  EXPECT_EQ(s.parameters[0].values, (std::vector<std::string>{"1MiB", "1.5MiB", "2MiB"}));
  EXPECT_EQ(s.parameters[1].values, (std::vector<std::string>{"1", "4", "7"}));
}

TEST_F(SweepStudyTest, GeometricRange) {
  Study s = read_study(write(std::string(kBase) +
                             "parameters:\n"
                             "  chip.dram.bandwidth: {from: 25GiB/s, to: 200GiB/s, factor: 2}\n"));
  EXPECT_EQ(s.parameters[0].values,
            (std::vector<std::string>{"25GiB/s", "50GiB/s", "100GiB/s", "200GiB/s"}));
  EXPECT_TRUE(s.parameters[0].geometric);
  auto q = s.parameters[0].quantities();
  ASSERT_EQ(q.size(), 4u);
  EXPECT_DOUBLE_EQ(q[1].si(), 50.0 * (1ull << 30));
  EXPECT_EQ(q[1].unit, "GiB/s");
}

TEST_F(SweepStudyTest, TextParametersAreNotNumeric) {
  Study s =
      read_study(write(std::string(kBase) +
                       "parameters:\n  model: [single_conv, resnet18]\n  dtype: [bf16, fp32]\n"));
  EXPECT_FALSE(s.parameters[0].numeric());
  EXPECT_FALSE(s.parameters[1].numeric());
}

TEST_F(SweepStudyTest, UnknownTopLevelKeyNamesLineAndSuggests) {
  std::string e = error_of(std::string(kBase) + "parameters: {batch: [1]}\nmetrix: [fits]\n");
  EXPECT_NE(e.find("study.yaml:6: metrix: unknown key 'metrix'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'metrics'"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, UnknownParameter) {
  std::string e =
      error_of(std::string(kBase) + "parameters:\n  batch: [1]\n  chip.core.sbuf.sz: [1MiB]\n");
  EXPECT_NE(e.find("study.yaml:7: parameters.chip.core.sbuf.sz: unknown parameter"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("did you mean 'chip.core.sbuf.size'"), std::string::npos) << e;
}

// A key the config retired (the per-engine instruction overheads, now one core-wide key) names
// its replacement, as a parameter and in `set:`.
TEST_F(SweepStudyTest, RetiredConfigKeyNamesItsReplacement) {
  std::string e = error_of(std::string(kBase) +
                           "parameters:\n  chip.core.tensor.instruction_overhead_cycles: [10]\n");
  EXPECT_NE(e.find("unknown parameter 'chip.core.tensor.instruction_overhead_cycles'; it is now "
                   "'chip.core.instruction_overhead_cycles'"),
            std::string::npos)
      << e;
  e = error_of(
      "base:\n  instance: inf1.xlarge\n  model: single_conv\n"
      "  set: {chip.core.scalar.instruction_overhead_cycles: 10}\n"
      "evaluate: compile\nparameters: {batch: [1]}\n");
  EXPECT_NE(e.find(":4: base.set.chip.core.scalar.instruction_overhead_cycles: unknown config key "
                   "'chip.core.scalar.instruction_overhead_cycles'; it is now "
                   "'chip.core.instruction_overhead_cycles'"),
            std::string::npos)
      << e;
}

TEST_F(SweepStudyTest, EmptyRange) {
  std::string e =
      error_of(std::string(kBase) +
               "parameters:\n  chip.core.sbuf.size: {from: 8MiB, to: 4MiB, step: 1MiB}\n");
  EXPECT_NE(e.find(":6: parameters.chip.core.sbuf.size: empty range"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, EmptyList) {
  std::string e = error_of(std::string(kBase) + "parameters:\n  batch: []\n");
  EXPECT_NE(e.find("parameters.batch: empty list"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, RangeNeedsExactlyOneOfStepAndFactor) {
  EXPECT_NE(
      error_of(std::string(kBase) + "parameters:\n  batch: {from: 1, to: 8, step: 1, factor: 2}\n")
          .find("exactly one of 'step'"),
      std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) + "parameters:\n  batch: {from: 1, to: 8}\n")
                .find("exactly one of 'step'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) + "parameters:\n  batch: {from: 1, to: 8, factor: 1}\n")
                .find("factor must be a plain number above 1"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) + "parameters:\n  batch: {from: 1, to: 8, step: 0}\n")
                .find("step must be above 0"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kBase) +
                     "parameters:\n  chip.core.sbuf.size: {from: 1MiB, to: 2GHz, step: 1MiB}\n")
                .find("does not measure the same thing"),
            std::string::npos);
}

TEST_F(SweepStudyTest, ZipListsOfDifferentLength) {
  std::string e = error_of(std::string(kBase) +
                           "parameters:\n"
                           "  chip.core.tensor.rows: [64, 128, 256]\n"
                           "  chip.core.tensor.cols: [64, 64]\n"
                           "combine: zip\n");
  EXPECT_NE(e.find(":7: parameters.chip.core.tensor.cols: zip needs lists of one length"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("has 2 values"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, BadValuesForConfigKeysAndFields) {
  std::string e =
      error_of(std::string(kBase) + "parameters:\n  chip.dram.bandwidth: [50GiB/s, 3GHz]\n");
  EXPECT_NE(e.find(":6: parameters.chip.dram.bandwidth[1]:"), std::string::npos) << e;
  e = error_of(std::string(kBase) + "parameters:\n  batch: [1, 0]\n");
  EXPECT_NE(e.find("parameters.batch[1]: batch must be a positive whole number"), std::string::npos)
      << e;
  e = error_of(std::string(kBase) + "parameters:\n  dtype: [bf16, fp8]\n");
  EXPECT_NE(e.find("unknown dtype 'fp8'"), std::string::npos) << e;
  e = error_of(std::string(kBase) + "parameters:\n  batch: [1, 1]\n");
  EXPECT_NE(e.find("value '1' appears twice"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, UnknownModelAndInstance) {
  std::string e = error_of(std::string(kBase) + "parameters:\n  model: [single_conv, resnet5]\n");
  EXPECT_NE(e.find(":6: parameters.model[1]: unknown model 'resnet5' (did you mean 'resnet50'?)"),
            std::string::npos)
      << e;
  e = error_of("base: {instance: inf1.large, model: single_conv}\nparameters: {batch: [1]}\n");
  EXPECT_NE(e.find(":1: base.instance: unknown instance 'inf1.large'"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, BaseErrors) {
  std::string e = error_of("base:\n  model: single_conv\nparameters: {batch: [1]}\n");
  EXPECT_NE(e.find("study.yaml:2: base: name an experiment file, or an instance and a model"),
            std::string::npos)
      << e;
  e = error_of("parameters: {batch: [1]}\n");
  EXPECT_NE(e.find("missing 'base'"), std::string::npos) << e;
  e = error_of(
      "base:\n  instance: inf1.xlarge\n  model: single_conv\n  set: {chip.dram.bandwith: 1GiB/s}\n"
      "evaluate: compile\nparameters: {batch: [1]}\n");
  EXPECT_NE(e.find(":4: base.set.chip.dram.bandwith: unknown config key"), std::string::npos) << e;
  e = error_of(
      "base:\n  instance: inf1.xlarge\n  model: single_conv\n  experiment: nope.yaml\n"
      "evaluate: compile\nparameters: {batch: [1]}\n");
  EXPECT_NE(e.find("base.experiment: no such file"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, UnknownMetricAndMode) {
  std::string e = error_of(std::string(kBase) + "parameters: {batch: [1]}\nmetrics: [fit]\n");
  EXPECT_NE(e.find(":6: metrics[0]: unknown metric 'fit' (did you mean 'fits'?)"),
            std::string::npos)
      << e;
  e = error_of(
      "base: {instance: inf1.xlarge, model: single_conv}\nevaluate: [simulate]\n"
      "parameters: {batch: [1]}\n");
  EXPECT_NE(e.find(":2: evaluate: unknown mode 'simulate'"), std::string::npos) << e;
  e = error_of(std::string(kBase) +
               "parameters: {batch: [1]}\nmetrics: [fits]\nsensitivity: [x]\n");
  EXPECT_NE(e.find("'x' is not one of the study's metrics"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, MetricsOfAModeWithoutEvaluatorWarn) {
  // "run" is a known mode; when this program has no evaluator for it (taken out of the registry
  // here, put back after), its metrics cannot be checked and stay empty: a warning, not an error.
  struct Restore {
    ~Restore() {
      const PointEvaluatorInfo run = builtin_point_evaluators().at("run");
      register_point_evaluator("run", run.metrics, run.evaluate);
    }
  } restore;
  unregister_point_evaluator("run");
  ASSERT_EQ(find_point_evaluator("run"), nullptr);
  Study s = read_study(
      write("base: {instance: inf1.xlarge, model: single_conv}\nevaluate: [compile, run]\n"
            "parameters: {batch: [1, 2]}\nmetrics: [fits, throughput_avg]\n"));
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("throughput_avg"), std::string::npos);
  EXPECT_EQ(s.sensitivity, std::vector<std::string>{"throughput_avg"});
}

TEST_F(SweepStudyTest, MalformedYamlNamesTheLine) {
  std::string e = error_of("base:\n  instance: [inf1\nparameters: {}\n");
  EXPECT_NE(e.find("study.yaml:"), std::string::npos) << e;
}

TEST_F(SweepStudyTest, HashIgnoresCommentsButNotValues) {
  std::string text = std::string(kBase) + "parameters: {batch: [1, 2]}\n";
  std::string h1 = read_study(write(text)).hash();
  std::string h2 = read_study(write("# a comment\n" + text)).hash();
  std::string h3 = read_study(write(std::string(kBase) + "parameters: {batch: [1, 4]}\n")).hash();
  EXPECT_EQ(h1, h2);
  EXPECT_NE(h1, h3);
}

TEST_F(SweepStudyTest, JsonRoundTripKeepsTheHash) {
  Study s = read_study(write(std::string(kBase) +
                             "parameters:\n  chip.dram.bandwidth: {from: 25GiB/s, to: 100GiB/s, "
                             "factor: 2}\n  model: [single_conv, resnet18]\n"));
  Study back = study_from_json(study_to_json(s));
  EXPECT_EQ(back.hash(), s.hash());
  EXPECT_TRUE(back.parameters[0].geometric);
  EXPECT_EQ(back.point(3).parameters, s.point(3).parameters);
}

}  // namespace
}  // namespace infsim::driver
