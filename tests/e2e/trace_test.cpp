// The trace of every shipped experiment, as speedscope and Perfetto read it (Chrome trace-event
// format; tests/common/trace_check.h): integer-nanosecond timestamps, strict nesting and time
// order per track, at --trace-level layer under 20 MB. The experiments run with at most 16
// measured requests per process (the trace's size grows with requests, the check does not
// need more). The layer level is smaller than the instruction level on the same run.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/common/test_paths.h"
#include "tests/common/trace_check.h"
#include "tests/e2e/shell_helpers.h"

namespace infsim::testing {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxLayerTraceBytes = 20e6;

fs::path temp(const std::string& name) {
  return fs::temp_directory_path() / (name + "." + std::to_string(::getpid()));
}

// The experiment with `requests: N` capped at 16, beside the original so relative paths hold.
fs::path shortened(const std::string& name) {
  const fs::path src = fs::path(INFSIM_SOURCE_DIR) / "configs" / "experiments" / (name + ".yaml");
  std::string text = read_file(src);
  std::string out;
  const std::regex re("requests: *([0-9]+)");
  std::sregex_iterator it(text.begin(), text.end(), re), end;
  std::size_t pos = 0;
  for (; it != end; ++it) {
    out += text.substr(pos, static_cast<std::size_t>(it->position()) - pos);
    out += "requests: " + std::to_string(std::min(16, std::stoi((*it)[1].str())));
    pos = static_cast<std::size_t>(it->position() + it->length());
  }
  out += text.substr(pos);
  const fs::path dst = temp(name + ".yaml");
  std::ofstream(dst) << out;
  return dst;
}

class ShippedExperimentTrace : public ::testing::TestWithParam<const char*> {};

TEST_P(ShippedExperimentTrace, NestsOnTheNanosecondGridUnder20MB) {
  const fs::path exp = shortened(GetParam());
  const fs::path dir = temp(std::string(GetParam()) + ".traces");
  fs::create_directories(dir);
  const Output o = shell(std::string(INFSIM_BINARY) + " run " + exp.string() + " --trace " +
                             (dir / "t.json").string() + " --trace-level layer",
                         fs::temp_directory_path());
  fs::remove(exp);
  ASSERT_EQ(o.code, 0) << o.text;
  int files = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    ++files;
    const auto bytes = static_cast<double>(fs::file_size(f.path()));
    EXPECT_LT(bytes, kMaxLayerTraceBytes) << f.path();
    const TraceSummary s = check_trace(nlohmann::json::parse(read_file(f.path())));
    EXPECT_TRUE(s.problems.empty()) << f.path() << ": " << s.problems.front();
    EXPECT_GT(s.slices, 0);
    EXPECT_GT(s.counters, 0);
    EXPECT_GT(s.flows, 0);
    std::printf("%s: %.2f MB, %d slices, %d counter samples, %d flows\n",
                f.path().filename().c_str(), bytes / 1e6, s.slices, s.counters, s.flows);
  }
  EXPECT_GT(files, 0);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Experiments, ShippedExperimentTrace,
                         ::testing::Values("torch-neuron-resnet50", "ncg-one-process",
                                           "ncg-16-processes", "ncg-context-switch",
                                           "neuronperf-floor", "neuronperf-resnet50",
                                           "tf-resnet50-16-groups", "neuronperf-bert-base"));

// One run at both levels: the instruction level has one slice per instruction, named by opcode,
// with the layer in its args; the layer level merges them and is smaller. Cores filtered out
// leave no track.
TEST(Trace, LevelsAndCoreFilter) {
  const fs::path a = temp("layer.json"), b = temp("instr.json");
  const std::string run = std::string(INFSIM_BINARY) +
                          " run --model resnet18 --cores 2 --iterations 2 --trace-cores 1 --trace ";
  ASSERT_EQ(shell(run + a.string(), fs::temp_directory_path()).code, 0);
  ASSERT_EQ(shell(run + b.string() + " --trace-level instruction", fs::temp_directory_path()).code,
            0);
  const TraceSummary layer = check_trace(nlohmann::json::parse(read_file(a)));
  const nlohmann::json ij = nlohmann::json::parse(read_file(b));
  const TraceSummary instr = check_trace(ij);
  EXPECT_LT(fs::file_size(a) * 5, fs::file_size(b));
  fs::remove(a);
  fs::remove(b);
  EXPECT_TRUE(layer.problems.empty());
  EXPECT_TRUE(instr.problems.empty());
  EXPECT_GT(instr.slice_names.count("matmul"), 0u);
  for (const char* counter :
       {"DRAM GB/s", "PCIe host-to-device GB/s", "core1 SBUF KiB (planned peak)",
        "core1 PSUM KiB (planned peak)", "in-flight resnet18"}) {
    EXPECT_EQ(layer.counter_names.count(counter), 1u) << counter;
  }
  for (const auto& [name, n] : instr.track_names)
    EXPECT_EQ(name.rfind("core0.", 0), std::string::npos) << name;
  bool layer_arg = false;
  for (const auto& e : ij.at("traceEvents")) {
    if (e.at("ph") == "B" && e.at("name") == "matmul")
      layer_arg = !e.at("args").at("layer").get<std::string>().empty();
  }
  EXPECT_TRUE(layer_arg);
}

}  // namespace
}  // namespace infsim::testing
