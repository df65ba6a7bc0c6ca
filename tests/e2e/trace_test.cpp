// The trace of every shipped experiment, as speedscope and Perfetto read it (Chrome trace-event
// format; tests/common/trace_check.h): integer-nanosecond timestamps, strict nesting and time
// order per track, at --trace-level layer under 20 MB. The experiments run with at most 16
// measured requests per process (the trace's size grows with requests, the check does not
// need more). The layer level is smaller than the instruction level on the same run.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
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
  for (const char* counter : {"DRAM GB/s", "PCIe host-to-device GB/s", "core1 SBUF KiB",
                              "core1 PSUM KiB", "in-flight resnet18"}) {
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

// The SBUF and PSUM counters follow the layers a core runs: over detailed inferences of
// ResNet-18 they take several values (a layer's live activations differ from the next one's),
// never more than the configured SBUF and PSUM of a core, and at most the compiled plan's peak
// (the counters are means over the trace's counter grid, so a short layer may blur into its
// neighbours; conv1, the busiest, runs long enough to show at its full value).
TEST(Trace, OccupancyFollowsTheLayersWithinTheirCapacity) {
  const fs::path t = temp("occupancy.json"), ifx = temp("r18.ifx");
  const std::string bin = std::string(INFSIM_BINARY);
  const fs::path cwd = fs::temp_directory_path();
  ASSERT_EQ(shell(bin + " run --model resnet18 --iterations 3 --trace " + t.string(), cwd).code, 0);
  ASSERT_EQ(shell(bin + " compile resnet18 -o " + ifx.string(), cwd).code, 0);
  const Output text = shell(bin + " disasm " + ifx.string(), cwd);
  const nlohmann::json config = nlohmann::json::parse(shell(bin + " config show --json", cwd).text);
  const nlohmann::json trace = nlohmann::json::parse(read_file(t));
  fs::remove(t);
  fs::remove(ifx);
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(text.text, m, std::regex("sbuf_peak=([0-9]+).*psum_peak=([0-9]+)")));
  const double plan_sbuf = std::stod(m[1].str()) / 1024, plan_psum = std::stod(m[2].str()) / 1024;
  const double sbuf_size = config["chip"]["core"]["sbuf"]["size"].get<double>() / 1024;
  const double psum_size = config["chip"]["core"]["psum"]["size"].get<double>() / 1024;
  std::set<double> sbuf, psum;
  for (const auto& e : trace.at("traceEvents")) {
    if (e.at("ph") != "C") continue;
    const double v = e.at("args").at("value").get<double>();
    if (e.at("name") == "core0 SBUF KiB") sbuf.insert(v);
    if (e.at("name") == "core0 PSUM KiB") psum.insert(v);
  }
  ASSERT_FALSE(sbuf.empty());
  ASSERT_FALSE(psum.empty());
  EXPECT_GT(sbuf.size(), 3u);
  EXPECT_GT(psum.size(), 2u);
  EXPECT_EQ(*sbuf.begin(), 0);  // idle between inferences
  EXPECT_LE(plan_sbuf, sbuf_size);
  EXPECT_LE(plan_psum, psum_size);
  EXPECT_LE(*sbuf.rbegin(), plan_sbuf * (1 + 1e-9));
  EXPECT_LE(*psum.rbegin(), plan_psum * (1 + 1e-9));
  EXPECT_DOUBLE_EQ(*sbuf.rbegin(), plan_sbuf);
}

}  // namespace
}  // namespace infsim::testing
