// The config loader: the shipped instances, defaults == YAML, dump -> load round trips, --set,
// and every kind of error with its file, line and YAML path.
#include "tools/config/config_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

// A scratch directory of YAML files, removed afterwards.
class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("infsim_config_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    // A complete config to include, so each test file holds only its own mistake.
    write("base.yaml", dump_config_yaml(sim::SystemConfig{}));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // The ConfigError message of loading `file` (with `overrides`), or "" if it loaded.
  std::string error_of(const std::string& file, const std::vector<std::string>& overrides = {}) {
    try {
      load_instance(file, overrides);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

// gtest's HasSubstr without gmock: the whole message is printed on failure.
#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

struct Expected {
  const char* name;
  int chips;
  int cores;
  int vcpus;
  std::uint64_t host_memory;
  double price;
};

TEST(ConfigLoader, EveryInstanceLoadsWithTheDocumentedSizes) {
  const Expected expected[] = {{"inf1.xlarge", 1, 4, 4, 8ull << 30, 0.228},
                               {"inf1.2xlarge", 1, 4, 8, 16ull << 30, 0.362},
                               {"inf1.6xlarge", 4, 16, 24, 48ull << 30, 1.18},
                               {"inf1.24xlarge", 16, 64, 96, 192ull << 30, 4.721}};
  auto names = list_instances();
  EXPECT_EQ(names.size(), 4u);
  for (const auto& e : expected) {
    SCOPED_TRACE(e.name);
    EXPECT_NE(std::find(names.begin(), names.end(), e.name), names.end());
    sim::SystemConfig c = load_instance(e.name);
    EXPECT_EQ(c.name, e.name);
    EXPECT_EQ(c.chips, e.chips);
    EXPECT_EQ(c.total_cores(), e.cores);
    EXPECT_EQ(c.host.vcpus, e.vcpus);
    EXPECT_EQ(c.host.memory, e.host_memory);
    EXPECT_EQ(c.price_per_hour, e.price);
  }
}

// The struct defaults are the inf1.xlarge files, value for value; the other instances differ
// only in instance.* and host.*.
TEST(ConfigLoader, DefaultsEqualTheYaml) {
  sim::SystemConfig defaults;
  EXPECT_EQ(dump_config_yaml(load_instance("inf1.xlarge")), dump_config_yaml(defaults));
  for (const auto& name : list_instances()) {
    sim::SystemConfig c = load_instance(name);
    for (const auto& key : list_config_keys()) {
      if (key.rfind("instance.", 0) == 0 || key.rfind("host.", 0) == 0) continue;
      EXPECT_EQ(get_config_value(c, key), get_config_value(defaults, key)) << name << " " << key;
    }
  }
}

// Every value in the shipped files says where it comes from (DESIGN §2; the tags are explained
// at the top of configs/hardware/neuroncore-v1.yaml).
TEST(ConfigLoader, EveryShippedValueCitesItsSource) {
  const std::regex value_line(R"(^\s*[a-z0-9_]+:\s*[^\s#].*$)");
  const std::regex tagged(R"(#\s*(documented|derived|assumed|calibrated): \S)");
  int values = 0;
  for (const char* folder : {"hardware", "instances", "frameworks"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(find_config_dir()) / folder)) {
      std::ifstream in(entry.path());
      int number = 0;
      for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.rfind("include:", 0) == 0 || !std::regex_match(line, value_line)) continue;
        ++values;
        EXPECT_TRUE(std::regex_search(line, tagged))
            << entry.path().filename().string() << ":" << number << ": " << line;
      }
    }
  }
  // The hardware files hold every key but the instance's 3, the host's own 3 (vcpus, memory,
  // memory_bandwidth) and the framework's 11; each instance file holds those 6, each of the three
  // framework profiles its 11; the SCALE-Sim preset (hardware/scalesim-ws.yaml) overrides 3.
  EXPECT_EQ(values, static_cast<int>(list_config_keys().size()) - 6 - 11 + 4 * 6 + 3 * 11 + 3);
}

TEST(ConfigLoader, KeysCoverTheTreeAndEachAcceptsItsOwnValue) {
  auto keys = list_config_keys();
  EXPECT_EQ(keys.front(), "instance.name");
  EXPECT_NE(std::find(keys.begin(), keys.end(), "chip.core.psum.banks"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "framework.ninfer"), keys.end());
  EXPECT_EQ(describe_config_keys().size(), keys.size());
  sim::SystemConfig c = load_instance("inf1.6xlarge");
  std::string before = dump_config_yaml(c);
  for (const auto& key : keys) apply_override(c, key + "=" + get_config_value(c, key));
  EXPECT_EQ(dump_config_yaml(c), before);
}

TEST(ConfigLoader, SetOverridesAValue) {
  sim::SystemConfig c = load_instance(
      "inf1.24xlarge", {"chip.dram.bandwidth=100GiB/s", "framework.call_overhead=0.3ms"});
  EXPECT_EQ(c.chip.dram.bandwidth, 100.0 * (1ull << 30));
  EXPECT_EQ(c.framework.call_overhead, 0.3e-3);
  EXPECT_EQ(get_config_value(c, "chip.dram.bandwidth"), "100GiB/s");
  apply_override(c, "chip.core.sbuf.size=12MiB");
  EXPECT_EQ(c.chip.core.sbuf.size, 12ull << 20);
  apply_override(c, "instance.price_per_hour=$1.5");
  EXPECT_EQ(c.price_per_hour, 1.5);
}

TEST_F(ConfigFiles, DumpLoadRoundTripIsExact) {
  // Values with no short decimal form must survive too.
  sim::SystemConfig c = load_instance(
      "inf1.6xlarge",
      {"chip.core.tensor.fp32_rate=0.3333333333333333", "chip.dram.bandwidth=7.123456789GB/s",
       "chip.core.clock=0.9876543GHz", "runtime.submit_overhead=33.3us", "host.memory=1.5GB"});
  std::string dumped = dump_config_yaml(c);
  sim::SystemConfig back = load_instance(write("dumped.yaml", dumped));
  EXPECT_EQ(dump_config_yaml(back), dumped);
  EXPECT_EQ(back.chip.core.tensor.fp32_rate, c.chip.core.tensor.fp32_rate);
  EXPECT_EQ(back.chip.dram.bandwidth, c.chip.dram.bandwidth);
  EXPECT_EQ(back.chip.core.clock, c.chip.core.clock);
  EXPECT_EQ(back.runtime.submit_overhead, c.runtime.submit_overhead);
  EXPECT_EQ(back.host.memory, 1500000000u);
  EXPECT_EQ(back.total_cores(), 16);
}

TEST(ConfigLoader, JsonHasBaseUnits) {
  auto json = nlohmann::json::parse(dump_config_json(load_instance("inf1.2xlarge")));
  EXPECT_EQ(json["instance"]["name"], "inf1.2xlarge");
  EXPECT_EQ(json["host"]["vcpus"], 8);
  EXPECT_EQ(json["chip"]["dram"]["size"], 8ull << 30);
  EXPECT_EQ(json["chip"]["core"]["clock"], 0.95e9);
  EXPECT_EQ(json["chip"]["core"]["psum"]["banks"], 8);
}

TEST_F(ConfigFiles, IncludeMergesAndTheIncludingFileWins) {
  write("middle.yaml", "include: base.yaml\nchip:\n  dram:\n    size: 4GiB\n");
  std::string top = write("top.yaml",
                          "include: [middle.yaml]\ninstance:\n  name: mine\n  chips: 2\n"
                          "chip:\n  dram:\n    channels: 4\n");
  sim::SystemConfig c = load_instance(top);
  EXPECT_EQ(c.name, "mine");
  EXPECT_EQ(c.chips, 2);
  EXPECT_EQ(c.chip.dram.size, 4ull << 30);
  EXPECT_EQ(c.chip.dram.channels, 4);
  EXPECT_EQ(c.chip.dram.bandwidth, 50.0 * (1ull << 30));
}

TEST_F(ConfigFiles, UnknownKeyNamesFileLineAndTheClosestKey) {
  std::string file =
      write("typo.yaml", "include: base.yaml\nchip:\n  dram:\n    bandwith: 10GiB/s\n");
  std::string message = error_of(file);
  EXPECT_CONTAINS(message, "typo.yaml:4");
  EXPECT_CONTAINS(message, "unknown key 'chip.dram.bandwith'");
  EXPECT_CONTAINS(message, "did you mean 'chip.dram.bandwidth'");
  // A key in the wrong section points to where it belongs.
  message = error_of(write("moved.yaml", "include: base.yaml\nchip:\n  clock: 1GHz\n"));
  EXPECT_CONTAINS(message, "moved.yaml:3");
  EXPECT_CONTAINS(message, "did you mean 'chip.core.clock'");
  message = error_of(write("top.yaml", "includes: base.yaml\n"));
  EXPECT_CONTAINS(message, "top.yaml:1");
  EXPECT_CONTAINS(message, "did you mean 'include'");
  message = error_of(write("nothing.yaml", "include: base.yaml\nhost:\n  zzz: 1\n"));
  EXPECT_CONTAINS(message, "valid keys in 'host': vcpus, memory");
}

TEST_F(ConfigFiles, MissingKeyNamesTheKeyAndItsSection) {
  std::string text = dump_config_yaml(sim::SystemConfig{});
  std::string line = "    latency: 100ns\n";
  auto pos = text.find(line);
  ASSERT_NE(pos, std::string::npos);
  text.erase(pos, line.size());
  std::string message = error_of(write("partial.yaml", text));
  EXPECT_CONTAINS(message, "partial.yaml");
  EXPECT_CONTAINS(message, "missing key 'chip.dram.latency'");
  EXPECT_CONTAINS(message, "a time such as");
  EXPECT_CONTAINS(message, "section 'chip.dram' is at");
}

TEST_F(ConfigFiles, BadUnitNamesFileLineAndTheExpectedForm) {
  std::string file =
      write("unit.yaml", "include: base.yaml\nchip:\n  dram:\n    bandwidth: 50GiB\n");
  std::string message = error_of(file);
  EXPECT_CONTAINS(message, "unit.yaml:4");
  EXPECT_CONTAINS(message, "chip.dram.bandwidth");
  EXPECT_CONTAINS(message, "unknown unit 'GiB'");
  EXPECT_CONTAINS(message, "a bandwidth such as 50GiB/s");
  message = error_of(write("count.yaml", "include: base.yaml\nchip:\n  cores: four\n"));
  EXPECT_CONTAINS(message, "count.yaml:3");
  EXPECT_CONTAINS(message, "chip.cores");
  EXPECT_CONTAINS(message, "a whole number");
}

TEST_F(ConfigFiles, OutOfRangeGivesTheRange) {
  std::string file = write("range.yaml", "include: base.yaml\nchip:\n  dram:\n    channels: 0\n");
  std::string message = error_of(file);
  EXPECT_CONTAINS(message, "range.yaml:4");
  EXPECT_CONTAINS(message, "chip.dram.channels");
  EXPECT_CONTAINS(message, "out of range [1, 64]");
  message = error_of(write("big.yaml", "include: base.yaml\nchip:\n  core:\n    clock: 200GHz\n"));
  EXPECT_CONTAINS(message, "big.yaml:4");
  EXPECT_CONTAINS(message, "out of range [1MHz, 100GHz]");
}

TEST_F(ConfigFiles, CrossFieldChecksNameTheValue) {
  std::string message = error_of(
      write("banks.yaml", "include: base.yaml\nchip:\n  core:\n    psum:\n      banks: 6\n"));
  EXPECT_CONTAINS(message, "banks.yaml:5");
  EXPECT_CONTAINS(message, "chip.core.psum.banks");
  EXPECT_CONTAINS(message, "do not divide the PSUM partition size (16KiB");
  message = error_of(
      write("sbuf.yaml", "include: base.yaml\nchip:\n  core:\n    sbuf:\n      partitions: 96\n"));
  EXPECT_CONTAINS(message, "chip.core.sbuf.size");
  EXPECT_CONTAINS(message, "not divisible by chip.core.sbuf.partitions (96)");
  message = error_of(
      write("rows.yaml", "include: base.yaml\nchip:\n  core:\n    tensor:\n      rows: 256\n"));
  EXPECT_CONTAINS(message, "rows.yaml:5");
  EXPECT_CONTAINS(message, "exceed chip.core.sbuf.partitions (128)");
}

TEST_F(ConfigFiles, BadIncludes) {
  std::string message = error_of(write("a.yaml", "include: nowhere.yaml\n"));
  EXPECT_CONTAINS(message, "a.yaml:1");
  EXPECT_CONTAINS(message, "nowhere.yaml");
  EXPECT_CONTAINS(message, "no such file");
  write("b.yaml", "include: c.yaml\n");
  write("c.yaml", "\ninclude: [base.yaml, b.yaml]\n");
  message = error_of((dir_ / "b.yaml").string());
  EXPECT_CONTAINS(message, "c.yaml:2");
  EXPECT_CONTAINS(message, "include cycle");
  EXPECT_CONTAINS(message, "b.yaml -> ");
}

TEST_F(ConfigFiles, SyntaxErrorsAndWrongShapes) {
  std::string message = error_of(write("syntax.yaml", "include: base.yaml\nchip: [1, 2\n"));
  EXPECT_CONTAINS(message, "syntax.yaml:");
  EXPECT_CONTAINS(message, "YAML syntax error");
  message = error_of(write("shape.yaml", "include: base.yaml\nchip:\n  dram: 5\n"));
  EXPECT_CONTAINS(message, "shape.yaml:3");
  EXPECT_CONTAINS(message, "'chip.dram' is a section");
  message = error_of(write("empty.yaml", "include: base.yaml\nchip:\n  cores:\n"));
  EXPECT_CONTAINS(message, "empty.yaml:3");
  EXPECT_CONTAINS(message, "missing value for 'chip.cores'");
  message = error_of(write("dup.yaml", "include: base.yaml\nhost:\n  vcpus: 4\n  vcpus: 8\n"));
  EXPECT_CONTAINS(message, "dup.yaml:4");
  EXPECT_CONTAINS(message, "duplicate key 'host.vcpus'");
}

TEST_F(ConfigFiles, BadSetSaysItCameFromSet) {
  std::string base = (dir_ / "base.yaml").string();
  std::string message = error_of(base, {"chip.dram.bandwith=1GiB/s"});
  EXPECT_CONTAINS(message, "--set chip.dram.bandwith=1GiB/s");
  EXPECT_CONTAINS(message, "unknown key");
  EXPECT_CONTAINS(message, "did you mean 'chip.dram.bandwidth'");
  message = error_of(base, {"chip.dram.bandwidth=fast"});
  EXPECT_CONTAINS(message, "--set chip.dram.bandwidth=fast");
  EXPECT_CONTAINS(message, "not a number");
  message = error_of(base, {"chip.cores"});
  EXPECT_CONTAINS(message, "expected KEY=VALUE");
  // Cross-field errors name every value involved, here the --set that broke them:
  // 1MB / 64 partitions = 15625B, not a multiple of 8 banks.
  message = error_of(base, {"chip.core.psum.size=1MB"});
  EXPECT_CONTAINS(message, "chip.core.psum.size at --set chip.core.psum.size=1MB");
  EXPECT_CONTAINS(message, "15.625kB = 1MB / 64 partitions");
  sim::SystemConfig c;
  EXPECT_THROW(apply_override(c, "chip.dram.latency=-1us"), ConfigError);
  EXPECT_THROW(apply_override(c, "nothing=1"), ConfigError);
  EXPECT_THROW(get_config_value(c, "chip.dram"), ConfigError);
}

TEST(ConfigLoader, UnknownInstanceListsTheValidOnes) {
  try {
    load_instance("inf1.large");
    FAIL() << "loaded an unknown instance";
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(e.what(), "unknown instance 'inf1.large'");
    EXPECT_CONTAINS(e.what(), "did you mean 'inf1.xlarge'");
    EXPECT_CONTAINS(e.what(),
                    "valid instances: inf1.24xlarge, inf1.2xlarge, inf1.6xlarge, inf1.xlarge");
  }
  EXPECT_THROW(load_instance("/no/such/file.yaml"), ConfigError);
}

TEST(ConfigLoader, FrameworkProfilesChooseTheRuntimeAndTheHostPath) {
  EXPECT_EQ(list_frameworks(), (std::vector<std::string>{"neuronperf", "tensorflow-neuron-1.15",
                                                         "torch-neuron-2020"}));
  for (const auto& name : list_frameworks()) {
    EXPECT_EQ(load_instance("inf1.xlarge", {}, name).framework.name, name);
  }
  const sim::SystemConfig torch = load_instance("inf1.xlarge", {}, "torch-neuron-2020");
  const sim::SystemConfig tf = load_instance("inf1.6xlarge", {}, "tensorflow-neuron-1.15");
  const sim::SystemConfig perf = load_instance("inf1.xlarge");
  EXPECT_EQ(torch.framework.runtime, 1);
  EXPECT_FALSE(torch.framework.shared_memory);
  EXPECT_EQ(tf.framework.runtime, 1);
  EXPECT_TRUE(tf.framework.shared_memory);
  EXPECT_EQ(tf.framework.cpu_node_time, 82.73e-6);
  EXPECT_EQ(perf.framework.name, kDefaultFramework);
  EXPECT_EQ(perf.framework.runtime, 2);
  // --set still wins over the profile.
  EXPECT_EQ(
      load_instance("inf1.xlarge", {"framework.ninfer=2"}, "torch-neuron-2020").framework.ninfer,
      2);
  try {
    load_instance("inf1.xlarge", {}, "torch-neuron");
    FAIL() << "loaded an unknown framework";
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(e.what(), "unknown framework 'torch-neuron'");
    EXPECT_CONTAINS(e.what(),
                    "valid frameworks: neuronperf, tensorflow-neuron-1.15, torch-neuron-2020");
  }
}

TEST_F(ConfigFiles, ConfigDirFromTheEnvironment) {
  fs::create_directories(dir_ / "instances");
  fs::create_directories(dir_ / "frameworks");
  fs::copy_file(dir_ / "base.yaml", dir_ / "instances" / "custom.yaml");
  fs::copy_file(dir_ / "base.yaml", dir_ / "frameworks" / "neuronperf.yaml");
  setenv("INFSIM_CONFIG_DIR", dir_.c_str(), 1);
  EXPECT_EQ(find_config_dir(), dir_.string());
  EXPECT_EQ(list_instances(), std::vector<std::string>{"custom"});
  EXPECT_EQ(load_instance("custom").total_cores(), 4);
  setenv("INFSIM_CONFIG_DIR", (dir_ / "missing").c_str(), 1);
  EXPECT_THROW(find_config_dir(), ConfigError);
  unsetenv("INFSIM_CONFIG_DIR");
}

TEST(ConfigLoader, ValidateConfigCatchesProgrammaticMistakes) {
  sim::SystemConfig c;
  validate_config(c);
  c.chips = 3;
  c.chip.neuronlink.ports = 1;
  EXPECT_THROW(validate_config(c), ConfigError);
}

// The error of validate_config() on `c`, or a default UserError if it passed.
UserError validation_error(const sim::SystemConfig& c) {
  try {
    validate_config(c);
  } catch (const UserError& e) {
    return e;
  }
  return UserError(ErrorKind::kBadFile, "");
}

// Each cross-field constraint, broken alone on the defaults: the error is an invalid config at
// the value's YAML path.
TEST(ConfigLoader, EachCrossFieldConstraintIsCheckedOnce) {
  struct Case {
    const char* path;
    void (*breaks)(sim::SystemConfig&);
    const char* says;
  };
  const Case cases[] = {
      {"instance.name", [](sim::SystemConfig& c) { c.name = ""; }, "must not be empty"},
      {"chip.core.sbuf.size", [](sim::SystemConfig& c) { c.chip.core.sbuf.partitions = 96; },
       "not divisible by chip.core.sbuf.partitions (96)"},
      {"chip.core.psum.size", [](sim::SystemConfig& c) { c.chip.core.psum.partitions = 48; },
       "not divisible by chip.core.psum.partitions (48)"},
      {"chip.core.psum.banks", [](sim::SystemConfig& c) { c.chip.core.psum.banks = 6; },
       "do not divide the PSUM partition size"},
      // 1KiB of PSUM over 64 partitions is 16B a partition; 8 banks of 2B hold no fp32 sum.
      {"chip.core.psum.banks", [](sim::SystemConfig& c) { c.chip.core.psum.size = 1024; },
       "cannot hold one fp32 partial sum"},
      {"chip.core.tensor.rows", [](sim::SystemConfig& c) { c.chip.core.tensor.rows = 256; },
       "add --set chip.core.sbuf.partitions=256 --set chip.core.sbuf.size=20MiB"},
      {"chip.core.tensor.cols", [](sim::SystemConfig& c) { c.chip.core.tensor.cols = 128; },
       "add --set chip.core.psum.partitions=128 --set chip.core.psum.size=2MiB"},
      {"chip.dram.size", [](sim::SystemConfig& c) { c.chip.dram.channels = 3; },
       "not a multiple of chip.dram.channels x chip.dram.interleave (3 x 4KiB)"},
      {"chip.neuronlink.ports",
       [](sim::SystemConfig& c) { c.chips = 2, c.chip.neuronlink.ports = 0; },
       "0 ports cannot chain 2 chips (needs 1)"},
  };
  for (const Case& k : cases) {
    sim::SystemConfig c;
    k.breaks(c);
    const UserError e = validation_error(c);
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidConfig) << k.path;
    EXPECT_EQ(e.where().yaml_path, k.path);
    EXPECT_CONTAINS(e.what(), std::string(k.path) + ": ");
    EXPECT_CONTAINS(e.what(), k.says);
  }
}

// A limit has one home: the simulator's byte-wide semaphore numbers (0xff = none) are the range
// of chip.core.semaphores, so 255 loads and 256 is refused with the range, before any run.
TEST(ConfigLoader, SemaphoresAreLimitedByTheirEncodingWhereTheyAreDeclared) {
  EXPECT_EQ(load_instance("inf1.xlarge", {"chip.core.semaphores=255"}).chip.core.semaphores, 255);
  try {
    load_instance("inf1.xlarge", {"chip.core.semaphores=256"});
    ADD_FAILURE() << "256 semaphores loaded";
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(e.what(), "--set chip.core.semaphores=256");
    EXPECT_CONTAINS(e.what(), "out of range [1, 255]");
  }
}

// The file and line of a value that conflicts travel as data, beside the message.
TEST_F(ConfigFiles, ACrossFieldErrorCarriesTheFileLineAndPathAsData) {
  const std::string file =
      write("cols.yaml", "include: base.yaml\nchip:\n  core:\n    tensor:\n      cols: 128\n");
  try {
    load_instance(file);
    ADD_FAILURE() << "128 columns over 64 PSUM partitions loaded";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidConfig);
    EXPECT_EQ(e.where().yaml_path, "chip.core.tensor.cols");
    EXPECT_EQ(e.where().line, 5);
    EXPECT_CONTAINS(e.where().file, "cols.yaml");
    EXPECT_CONTAINS(e.what(), "cols.yaml:5: chip.core.tensor.cols: 128 columns exceed");
    EXPECT_CONTAINS(e.what(), "(chip.core.psum.partitions at ");
  }
  // Set together, the two agree and the config loads.
  EXPECT_EQ(load_instance(file, {"chip.core.psum.partitions=128", "chip.core.psum.size=2MiB"})
                .chip.core.tensor.cols,
            128);
}

TEST(ConfigLoader, EveryKeyHasADescription) {
  for (const ConfigKey& k : describe_config_keys()) {
    EXPECT_GE(k.description.size(), 10u) << k.path;
  }
}

}  // namespace
}  // namespace infsim::driver
