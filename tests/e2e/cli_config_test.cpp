// `infsim config`: the binary's output, exit codes and error messages.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include "tests/common/test_paths.h"

namespace {

enum class Stream { kStdout, kStderr };

struct Result {
  int exit_code;
  std::string text;
};

Result run(const std::string& args, Stream stream = Stream::kStdout) {
  std::string command = std::string(INFSIM_BINARY) + " " + args +
                        (stream == Stream::kStdout ? " 2>/dev/null" : " 2>&1 >/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  if (pipe == nullptr) return {-1, ""};
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "output: " << (text)

TEST(CliConfig, ShowAppliesSet) {
  Result r = run("config show inf1.24xlarge --set chip.dram.bandwidth=100GiB/s");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.text, "bandwidth: 100GiB/s");
  EXPECT_CONTAINS(r.text, "chips: 16");
  EXPECT_CONTAINS(r.text, "16 chips x 4 NeuronCores = 64 NeuronCores");
}

TEST(CliConfig, ShowDefaultsToXlarge) {
  Result r = run("config show");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.text, "name: inf1.xlarge");
  EXPECT_CONTAINS(r.text, "= 4 NeuronCores");
  EXPECT_CONTAINS(r.text, "clock: 950MHz");
}

TEST(CliConfig, BadKeyExits2WithAMessage) {
  Result r = run("config show --set chip.dram.bandwith=100GiB/s", Stream::kStderr);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.text, "infsim: error: --set chip.dram.bandwith=100GiB/s");
  EXPECT_CONTAINS(r.text, "did you mean 'chip.dram.bandwidth'");
  EXPECT_EQ(run("config show --set chip.dram.bandwith=100GiB/s").text, "");
}

TEST(CliConfig, BadValueAndBadUsageExit2) {
  Result r = run("config show --set chip.dram.bandwidth=100GiB", Stream::kStderr);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.text, "expected a bandwidth such as 50GiB/s");
  r = run("config show inf1.huge", Stream::kStderr);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.text, "valid instances:");
  r = run("config show --no-such-flag", Stream::kStderr);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.text, "--no-such-flag");
  EXPECT_EQ(run("config frobnicate", Stream::kStderr).exit_code, 2);
  EXPECT_EQ(run("config", Stream::kStderr).exit_code, 2);
}

TEST(CliConfig, HelpExits0) {
  Result r = run("config --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.text, "usage: infsim config");
  r = run("config show --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.text, "--set KEY=VALUE");
  EXPECT_CONTAINS(r.text, "--instance");
  EXPECT_EQ(run("config keys -h").exit_code, 0);
}

TEST(CliConfig, ListShowsTheInstances) {
  Result r = run("config list");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* name : {"inf1.xlarge", "inf1.2xlarge", "inf1.6xlarge", "inf1.24xlarge"}) {
    EXPECT_CONTAINS(r.text, name);
  }
  EXPECT_CONTAINS(r.text, "$4.721");
  EXPECT_CONTAINS(r.text, "192GiB");
}

TEST(CliConfig, KeysAndGet) {
  Result r = run("config keys");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.text, "chip.dram.bandwidth");
  EXPECT_CONTAINS(r.text, "[1MB/s, 1PB/s]");
  // Each key's description (declared beside its unit and range in describe()) follows it.
  EXPECT_CONTAINS(r.text, "device DRAM bandwidth of one chip, all channels together");
  EXPECT_CONTAINS(r.text, "semaphores per NeuronCore");
  r = run("config get chip.core.clock --instance inf1.6xlarge --set chip.core.clock=1GHz");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.text, "1GHz\n");
}

TEST(CliConfig, JsonAndReloadingTheShownConfig) {
  Result r = run("config show inf1.6xlarge --json");
  EXPECT_EQ(r.exit_code, 0);
  auto json = nlohmann::json::parse(r.text);
  EXPECT_EQ(json["instance"]["chips"], 4);
  EXPECT_EQ(json["chip"]["cores"], 4);

  // What `config show` prints is a config file that reproduces itself.
  Result shown = run("config show inf1.6xlarge --set runtime.submit_overhead=0.1ms");
  auto file = std::filesystem::temp_directory_path() /
              ("infsim_cli_config_" + std::to_string(getpid()) + ".yaml");
  std::ofstream(file) << shown.text;
  Result again = run("config show " + file.string());
  std::filesystem::remove(file);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.text, shown.text);
  EXPECT_CONTAINS(again.text, "submit_overhead: 100us");
}

TEST(CliConfig, ShowCommentsDescribesEachKeyAndStillLoads) {
  Result shown = run("config show --comments");
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_CONTAINS(shown.text, "clock: 950MHz  # NeuronCore clock (all engines)");
  EXPECT_CONTAINS(shown.text, "ninfer: 0  # in-flight inferences per loaded model");
  // The values that follow from others head the output: 1MiB of PSUM over 64 partitions and 8
  // banks is 16KiB per partition and 2KiB per bank; 128 x 64 MACs per cycle.
  EXPECT_CONTAINS(shown.text, "chip.core.psum: 16KiB per partition, 2KiB per bank");
  EXPECT_CONTAINS(shown.text, "8192 MACs per cycle (128 x 64)");
  auto file = std::filesystem::temp_directory_path() /
              ("infsim_cli_config_comments_" + std::to_string(getpid()) + ".yaml");
  std::ofstream(file) << shown.text;
  Result again = run("config show " + file.string());
  std::filesystem::remove(file);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.text, run("config show").text);
}

TEST(CliConfig, AnArrayWiderThanPsumNamesTheSetThatFixesIt) {
  // 128 columns accumulate into 128 PSUM partitions; the default has 64 of 16KiB each.
  Result r = run("config show --set chip.core.tensor.cols=128", Stream::kStderr);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.text, "--set chip.core.tensor.cols=128: chip.core.tensor.cols: 128 columns");
  EXPECT_CONTAINS(r.text, "add --set chip.core.psum.partitions=128 --set chip.core.psum.size=2MiB");
  EXPECT_CONTAINS(r.text, "(chip.core.psum.partitions at ");
  EXPECT_CONTAINS(r.text, "neuroncore-v1.yaml:");
  EXPECT_EQ(run("config show --set chip.core.tensor.cols=128 --set chip.core.psum.partitions=128 "
                "--set chip.core.psum.size=2MiB")
                .exit_code,
            0);
}

// The per-engine instruction overheads were merged into one key; a config or --set that still
// names an old key is an invalid config (exit 2, nothing on stdout) that names the new key, not
// a value silently ignored.
TEST(CliConfig, ARetiredKeyNamesItsReplacement) {
  for (const char* engine : {"tensor", "vector", "scalar"}) {
    const std::string old_key = std::string("chip.core.") + engine + ".instruction_overhead_cycles";
    Result r = run("config show --set " + old_key + "=50", Stream::kStderr);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_CONTAINS(r.text, "unknown key '" + old_key +
                                "'; it is now "
                                "'chip.core.instruction_overhead_cycles'");
    EXPECT_EQ(run("config show --set " + old_key + "=50").text, "");
  }
  auto file = std::filesystem::temp_directory_path() /
              ("infsim_cli_config_retired_" + std::to_string(getpid()) + ".yaml");
  std::ofstream(file) << "include: [" << INFSIM_SOURCE_DIR
                      << "/configs/instances/inf1.xlarge.yaml]\n"
                         "chip:\n  core:\n    vector:\n      instruction_overhead_cycles: 50\n";
  Result r = run("config show " + file.string(), Stream::kStderr);
  std::filesystem::remove(file);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.text, ":5:");  // the line of the old key
  EXPECT_CONTAINS(r.text,
                  "unknown key 'chip.core.vector.instruction_overhead_cycles'; it is now "
                  "'chip.core.instruction_overhead_cycles'");
  // The new key sets what the three old ones did.
  Result set = run("config show --set chip.core.instruction_overhead_cycles=50");
  EXPECT_EQ(set.exit_code, 0);
  EXPECT_CONTAINS(set.text, "instruction_overhead_cycles: 50");
}

}  // namespace
