#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/config/utf8.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/csv_reader.h"
#include "tools/driver/csv_writer.h"
#include "tools/driver/experiment/run_evaluator.h"
#include "tools/driver/sweep/compile_evaluator.h"
#include "tools/driver/validate/validation_file.h"
#include "tools/driver/vocabulary.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

TEST(DriverOutputs, AllFilesOrNone) {
  const fs::path dir = fs::temp_directory_path() / ("infsim-outputs-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string a = (dir / "a.json").string(), b = (dir / "nodir" / "b.csv").string();
  EXPECT_THROW(write_files_atomically({{a, "{}"}, {b, "x"}}), UsageError);
  EXPECT_TRUE(fs::is_empty(dir));  // neither a.json nor a temporary is left
  write_files_atomically({{a, "{}"}, {(dir / "c.csv").string(), "x"}});
  EXPECT_TRUE(fs::exists(a));
  EXPECT_TRUE(fs::exists(dir / "c.csv"));
  fs::remove_all(dir);
}

TEST(DriverOutputs, SymlinkIsWrittenThroughRegularFileReplaced) {
  const fs::path dir = fs::temp_directory_path() / ("infsim-through-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  { std::ofstream(dir / "target.csv") << "a much longer old content\n"; }
  fs::create_symlink(dir / "target.csv", dir / "link.csv");
  write_files_atomically({{(dir / "link.csv").string(), "x\n"}});
  EXPECT_TRUE(fs::is_symlink(dir / "link.csv"));  // it used to be replaced by a regular file
  std::ifstream in(dir / "target.csv");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "x\n");  // truncated, not overwritten in place
  // Checks before the work: "-" once, an existing directory for every other path.
  EXPECT_NO_THROW(check_output_paths({{"--json", "-"}, {"--csv", (dir / "a.csv").string()}}));
  EXPECT_THROW(check_output_paths({{"--json", "-"}, {"--csv", "-"}}), UsageError);
  EXPECT_THROW(check_output_paths({{"--json", (dir / "no" / "a.json").string()}}), UsageError);
  EXPECT_THROW(check_output_paths({{"--json", dir.string()}}), UsageError);
  fs::remove_all(dir);
}

TEST(DriverOutputs, CsvWriterIsRfc4180AndReadsBack) {
  CsvWriter csv({"model_name", "status"});
  csv.row({"a,b", "said \"no\""});
  csv.row({"two\nlines", ""});
  EXPECT_EQ(csv.str(),
            "model_name,status\n"
            "\"a,b\",\"said \"\"no\"\"\"\n"
            "\"two\nlines\",\n");
  const CsvTable t = parse_csv(csv.str(), "t.csv");
  ASSERT_EQ(t.records.size(), 2u);
  EXPECT_EQ(t.records[0].fields[0], "a,b");
  EXPECT_EQ(t.records[0].fields[1], "said \"no\"");
  EXPECT_EQ(t.records[1].fields[0], "two\nlines");
  EXPECT_THROW(csv.row({"one field"}), std::logic_error);
}

// One vocabulary: every metric name sweep's evaluators and validate report is declared in
// driver/vocabulary.h, with NeuronPerf's spelling (the sweep had throughput_per_s and
// latency_p50_ms where validate had throughput_avg and latency_ms_p50).
TEST(DriverOutputs, EveryMetricNameIsInTheVocabulary) {
  std::vector<std::string> names = run_metric_names();
  for (const std::string& n : compile_metric_names()) names.push_back(n);
  for (const ValidationMetric& m : validation_metrics()) names.push_back(m.column);
  for (const std::string& n : names) EXPECT_NE(find_metric(n), nullptr) << n;
  for (const char* neuronperf :
       {"throughput_avg", "latency_ms_p0", "latency_ms_p50", "latency_ms_p90", "latency_ms_p95",
        "latency_ms_p99", "latency_ms_p100", "total_infs", "cost_per_1m_inf", "load_avg_ms"}) {
    EXPECT_NE(find_metric(neuronperf), nullptr) << neuronperf;
  }
  EXPECT_EQ(metric_label("latency_ms_p50"), "latency_ms_p50 (ms)");
  EXPECT_EQ(find_metric("fits")->scale, MetricScale::kBoolean);
  EXPECT_EQ(find_metric("throughput_per_s"), nullptr);
}

// --set of a knob the configuration ignores is reported with why, decided from the fields
// sim::describe_ignored declares (by address), not from the key's spelling.
TEST(DriverOutputs, IgnoredOverridesFollowTheRuntimeGeneration) {
  const sim::SystemConfig npf = load_instance("inf1.xlarge", {}, "neuronperf");  // runtime 2.x
  const sim::SystemConfig rtd = load_instance("inf1.xlarge", {}, "torch-neuron-2020");  // 1.x
  const std::vector<std::string> set = {"runtime.daemon_workers=4", "runtime.submit_overhead=50us",
                                        "chip.core.clock=1GHz"};
  const auto a = ignored_overrides(npf, set);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].assignment, "runtime.daemon_workers=4");
  EXPECT_NE(a[0].why.find("runtime 2.x"), std::string::npos) << a[0].why;
  const auto b = ignored_overrides(rtd, set);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].assignment, "runtime.submit_overhead=50us");
  // Shared memory takes the gRPC copies out: their bandwidth no longer matters.
  const sim::SystemConfig shm =
      load_instance("inf1.xlarge", {"framework.shared_memory=true"}, "torch-neuron-2020");
  EXPECT_EQ(ignored_overrides(shm, {"runtime.daemon_copy_bandwidth=1GB/s"}).size(), 1u);
  EXPECT_TRUE(ignored_overrides(rtd, {"runtime.daemon_copy_bandwidth=1GB/s"}).empty());
  // The compiler reads the machine alone: every host, runtime or framework key is ignored there,
  // whatever the runtime generation; instance and chip keys are read.
  const auto machine = ignored_overrides(rtd, set, ConfigUse::kMachine);
  ASSERT_EQ(machine.size(), 2u);
  EXPECT_EQ(machine[0].assignment, "runtime.daemon_workers=4");
  EXPECT_EQ(machine[1].assignment, "runtime.submit_overhead=50us");
  EXPECT_TRUE(ignored_overrides(rtd, {"instance.chips=2"}, ConfigUse::kMachine).empty());
  // The config hash follows the resolved values.
  EXPECT_EQ(config_hash(npf), config_hash(load_instance("inf1.xlarge", {}, "neuronperf")));
  EXPECT_NE(config_hash(npf), config_hash(rtd));
}

TEST(DriverOutputs, Utf8) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // été € 😀
  EXPECT_FALSE(is_valid_utf8("s\x9f"));             // a lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated sequence
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
}  // namespace infsim::driver
