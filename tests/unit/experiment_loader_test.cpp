// Experiment files: the shipped replays parse, NEURONCORE_GROUP_SIZES forms, and mistakes are
// errors that name the file, the line and the YAML path.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/common/test_paths.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/driver/experiment/experiment.h"

namespace infsim::driver {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()) + ".yaml"))
          .string();
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::string& text) {
  const std::string path = write_temp("bad_experiment", text);
  try {
    load_experiment(path);
  } catch (const ConfigError& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "";
}

const char* const kGood = R"(experiment: demo
instance: inf1.6xlarge
models:
  r50: {model: resnet50, batch: 5}
workload: {threads: 2, requests: 10}
scenarios:
  - name: two processes
    set: [runtime.submit_overhead=40us]
    processes:
      - name: tf
        count: 2
        group_sizes: 2x1
        models: [r50]
        copies: 3
)";

TEST(ExperimentLoaderTest, ShippedExperimentsParse) {
  const std::string dir = std::string(INFSIM_SOURCE_DIR) + "/configs/experiments/";
  const Experiment t = load_experiment(dir + "torch-neuron-resnet50.yaml");
  EXPECT_EQ(t.instance, "inf1.xlarge");
  ASSERT_EQ(t.scenarios.size(), 3u);
  EXPECT_EQ(t.scenarios[1].processes[0].group_sizes, (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(t.scenarios[2].processes[0].workload.user_batch, 20);
  EXPECT_EQ(t.model("resnet50_b5").batch, 5);
  const Experiment cs = load_experiment(dir + "ncg-context-switch.yaml");
  ASSERT_EQ(cs.scenarios[0].processes.size(), 16u);
  EXPECT_EQ(cs.scenarios[0].processes[0].models.size(), 2u);
  EXPECT_EQ(load_experiment(dir + "ncg-oversubscribed.yaml").scenarios[0].processes.size(), 17u);
  EXPECT_EQ(t.framework, "torch-neuron-2020");
  EXPECT_EQ(cs.framework, "tensorflow-neuron-1.15");
}

// The same model runs differently under each framework, so a replay without one would silently
// take the default: every shipped experiment names a profile that exists.
TEST(ExperimentLoaderTest, EveryShippedExperimentNamesItsFramework) {
  const std::string dir = std::string(INFSIM_SOURCE_DIR) + "/configs/experiments/";
  const std::vector<std::string> frameworks = list_frameworks();
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("\nframework: "), std::string::npos) << entry.path();
    const Experiment e = load_experiment(entry.path().string());
    EXPECT_NE(std::find(frameworks.begin(), frameworks.end(), e.framework), frameworks.end())
        << entry.path() << ": " << e.framework;
  }
  EXPECT_GE(files, 6);
}

TEST(ExperimentLoaderTest, CountsCopiesDefaultsAndOverrides) {
  const std::string path = write_temp("good_experiment", kGood);
  const Experiment e = load_experiment(path);
  std::filesystem::remove(path);
  ASSERT_EQ(e.scenarios[0].processes.size(), 2u);
  const ProcessDef& p = e.scenarios[0].processes[1];
  EXPECT_EQ(p.name, "tf1");
  EXPECT_EQ(p.group_sizes, (std::vector<int>{1, 1}));
  EXPECT_EQ(p.models, (std::vector<std::string>{"r50", "r50", "r50"}));
  EXPECT_EQ(p.workload.threads, 2);
  EXPECT_EQ(p.workload.requests, 10);
  EXPECT_EQ(e.scenarios[0].overrides, (std::vector<std::string>{"runtime.submit_overhead=40us"}));
}

TEST(ExperimentLoaderTest, GroupSizeForms) {
  EXPECT_EQ(parse_group_sizes("1,1,1,1", "x"), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(parse_group_sizes("2, 4,6,4", "x"), (std::vector<int>{2, 4, 6, 4}));
  EXPECT_EQ(parse_group_sizes("4x1", "x"), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_THROW(parse_group_sizes("1,,2", "x"), ConfigError);
  EXPECT_THROW(parse_group_sizes("0", "x"), ConfigError);
  EXPECT_THROW(parse_group_sizes("ax1", "x"), ConfigError);
}

TEST(ExperimentLoaderTest, UnknownKeyNamesFileLineAndPath) {
  std::string text = kGood;
  text.replace(text.find("copies: 3"), 9, "copiez: 3");
  const std::string m = error_of(text);
  EXPECT_NE(m.find("bad_experiment"), std::string::npos) << m;
  EXPECT_NE(m.find(":14: scenarios[0].processes[0].copiez: unknown key"), std::string::npos) << m;
}

TEST(ExperimentLoaderTest, UnknownModelIdIsAnError) {
  std::string text = kGood;
  text.replace(text.find("models: [r50]"), 13, "models: [r51]");
  const std::string m = error_of(text);
  EXPECT_NE(m.find("unknown model id 'r51'"), std::string::npos) << m;
  EXPECT_NE(m.find(":13:"), std::string::npos) << m;
}

TEST(ExperimentLoaderTest, BadValuesAreErrors) {
  std::string text = kGood;
  text.replace(text.find("batch: 5"), 8, "batch: five");
  EXPECT_NE(error_of(text).find("models.r50.batch: expected an integer"), std::string::npos);
  text = kGood;
  text.replace(text.find("threads: 2"), 10, "call: sideways");
  EXPECT_NE(error_of(text).find("workload.call: expected predict or data_parallel"),
            std::string::npos);
  text = kGood;
  text += "    extra: 1\n";
  EXPECT_NE(error_of(text).find("scenarios[0].extra: unknown key"), std::string::npos);
  EXPECT_NE(error_of("models: {}\nscenarios: []\n").find("models"), std::string::npos);
}

TEST(ExperimentLoaderTest, DataParallelBatchMustSplitEvenly) {
  std::string text = kGood;
  text.replace(text.find("copies: 3"), 9,
               "copies: 3\n        workload: {call: data_parallel, user_batch: 4}");
  EXPECT_NE(error_of(text).find("even multiple of the number of parallel NeuronCores"),
            std::string::npos);
}

}  // namespace
}  // namespace infsim::driver
