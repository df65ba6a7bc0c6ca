// Output paths and formats users can trust: `-` is stdout for every output option, a target that
// is not a regular file (symlink, FIFO, /dev/stdout) is written through rather than replaced, one
// RFC 4180 CSV writer, and every JSON and CSV records infsim_version and config_hash.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/common/test_paths.h"
#include "tests/e2e/shell_helpers.h"
#include "tools/config/version.h"
#include "tools/driver/csv_reader.h"

namespace {

using infsim::testing::read_file;
using infsim::testing::shell_split;
using infsim::testing::SplitOutput;
namespace fs = std::filesystem;

const std::string kTiny = "run --model tiny_cnn --iterations 3";

class CliOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("infsim-cli-outputs-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  SplitOutput infsim(const std::string& args) {
    return shell_split("'" + std::string(INFSIM_BINARY) + "' " + args, dir_);
  }

  fs::path dir_;
};

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "output: " << (text)

TEST_F(CliOutputs, DashIsStdoutAndTheReportMovesToStderr) {
  SplitOutput o = infsim(kTiny + " --json -");
  ASSERT_EQ(o.code, 0) << o.err;
  const nlohmann::json j = nlohmann::json::parse(o.out);  // nothing but the JSON on stdout
  EXPECT_EQ(j["infsim_version"], infsim::tools::version_string());
  EXPECT_CONTAINS(o.err, "throughput");
  EXPECT_FALSE(fs::exists(dir_ / "-"));
  o = infsim(kTiny + " --csv -");
  ASSERT_EQ(o.code, 0) << o.err;
  const auto csv = infsim::driver::parse_csv(o.out, "stdout");
  ASSERT_EQ(csv.records.size(), 1u);
  EXPECT_EQ(csv.header.front(), "experiment");
  // Two outputs cannot share stdout: refused before anything runs.
  o = infsim(kTiny + " --csv - --json -");
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "--csv -: --json writes there too (standard output takes one output)");
  EXPECT_EQ(o.out, "");
}

TEST_F(CliOutputs, SymlinkFifoAndDevStdoutAreWrittenThrough) {
  // A symlink stays a symlink; the file it points to gets the JSON.
  std::ofstream(dir_ / "target.json") << "old content that is longer than nothing at all";
  fs::create_symlink(dir_ / "target.json", dir_ / "link.json");
  SplitOutput o = infsim(kTiny + " --json link.json");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.json"));
  EXPECT_TRUE(nlohmann::json::accept(read_file(dir_ / "target.json")));
  // A FIFO stays a FIFO; its reader gets the CSV.
  ASSERT_EQ(::mkfifo((dir_ / "pipe.csv").c_str(), 0644), 0);
  o = shell_split("cat pipe.csv > got.csv & '" + std::string(INFSIM_BINARY) + "' " + kTiny +
                      " --csv pipe.csv; rc=$?; wait; exit $rc",
                  dir_);
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(fs::is_fifo(dir_ / "pipe.csv"));
  EXPECT_EQ(infsim::driver::parse_csv(read_file(dir_ / "got.csv"), "got.csv").records.size(), 1u);
  // /dev/stdout into a pipe: the JSON comes through (it used to try to rename over /dev/stdout).
  o = shell_split("'" + std::string(INFSIM_BINARY) + "' " + kTiny + " --json /dev/stdout | cat",
                  dir_);
  ASSERT_EQ(o.code, 0) << o.err;
  const std::string out = o.out;
  EXPECT_TRUE(nlohmann::json::accept(out.substr(0, out.rfind('}') + 1))) << out;
}

TEST_F(CliOutputs, EveryFileOutputOptionTakesDash) {
  // Each command's one-file outputs, "-" each: the output alone on stdout (never a file named
  // "-"), the human report (if any) on stderr.
  ASSERT_EQ(infsim("compile tiny_cnn -o t.ifx -q").code, 0);
  ASSERT_EQ(infsim("disasm t.ifx -o t.s").code, 0);
  const std::string ifx = read_file(dir_ / "t.ifx");
  struct Case {
    std::string args;
    std::string starts;  // what stdout starts with
  };
  const std::string npy_magic = "\x93NUMPY";
  const std::string json = "{";
  for (const Case& c : std::vector<Case>{
           {"compile tiny_cnn -o -", "IFX1"},
           {"asm t.s -o -", "IFX1"},
           {"disasm t.ifx -o -", "; infsim program"},
           {"run --model tiny_cnn --functional --output -", npy_magic},
           {"profile tiny_cnn --iterations 1 --json -", json},
           {"profile tiny_cnn --iterations 1 --csv -", "model,"},
           {"analyze tiny_cnn --json -", json},
           {kTiny + " --profile -", json},
           {kTiny + " --trace -", "{\"displayTimeUnit\""},
       }) {
    const SplitOutput o = infsim(c.args);
    ASSERT_EQ(o.code, 0) << c.args << ": " << o.err;
    EXPECT_EQ(o.out.substr(0, c.starts.size()), c.starts) << c.args;
    if (c.starts == "IFX1") {
      EXPECT_EQ(o.out, ifx) << c.args;  // the same program, byte for byte
    }
    if (c.starts[0] == '{') {
      EXPECT_TRUE(nlohmann::json::accept(o.out)) << c.args;
    }
    EXPECT_FALSE(fs::exists(dir_ / "-")) << c.args;
  }
  // The compile report moved to stderr with its program on stdout.
  EXPECT_CONTAINS(infsim("compile tiny_cnn -o -").err, "MACs");
  // Options that name several files take no "-"; a trace per scenario cannot share stdout.
  for (const std::string& args :
       {std::string("sweep any.yaml --out -"), std::string("validate any.csv --plot -"),
        std::string("run --out -"), std::string("run --trace -")}) {
    const SplitOutput o = infsim(args);
    EXPECT_EQ(o.code, 2) << args << ": " << o.err;
    EXPECT_EQ(o.out, "") << args;
  }
}

TEST_F(CliOutputs, ProgramsAndTracesWriteThroughSymlinksAndFifos) {
  // A dangling symlink gets its file, as with the shell's `>`; the link stays a link.
  fs::create_symlink(dir_ / "real.ifx", dir_ / "link.ifx");
  ASSERT_EQ(infsim("compile tiny_cnn -o link.ifx -q").code, 0);
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.ifx"));
  EXPECT_EQ(read_file(dir_ / "real.ifx").substr(0, 4), "IFX1");
  // A trace into a FIFO: its reader gets the whole trace, the FIFO stays (it was renamed over).
  ASSERT_EQ(::mkfifo((dir_ / "trace.json").c_str(), 0644), 0);
  const SplitOutput o =
      shell_split("cat trace.json > got.json & '" + std::string(INFSIM_BINARY) + "' " + kTiny +
                      " --trace trace.json -q; rc=$?; wait; exit $rc",
                  dir_);
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(fs::is_fifo(dir_ / "trace.json"));
  const nlohmann::json trace = nlohmann::json::parse(read_file(dir_ / "got.json"));
  EXPECT_GT(trace["traceEvents"].size(), 10u);
  EXPECT_FALSE(fs::exists(dir_ / "trace.json.partial"));
}

TEST_F(CliOutputs, RunCsvQuotesNamesAndCarriesVersionAndHash) {
  // A scenario name with a comma and quotes survives the CSV (run --csv turned commas into spaces).
  std::ofstream(dir_ / "e.yaml") << "experiment: quoting\n"
                                    "instance: inf1.xlarge\n"
                                    "framework: neuronperf\n"
                                    "models:\n  m: {model: tiny_cnn, batch: 1, dtype: bf16}\n"
                                    "scenarios:\n"
                                    "  - name: 'one copy, \"quoted\"'\n"
                                    "    processes:\n"
                                    "      - name: p\n"
                                    "        group_sizes: \"1\"\n"
                                    "        models: [m]\n"
                                    "        workload: {call: predict, threads: 1, requests: 3}\n";
  const SplitOutput o = infsim("run e.yaml --csv r.csv --json r.json");
  ASSERT_EQ(o.code, 0) << o.err;
  const auto csv = infsim::driver::parse_csv(read_file(dir_ / "r.csv"), "r.csv");
  ASSERT_EQ(csv.records.size(), 1u);
  auto column = [&](const std::string& name) {
    for (std::size_t i = 0; i < csv.header.size(); ++i)
      if (csv.header[i] == name) return csv.records[0].fields[i];
    ADD_FAILURE() << "no column " << name;
    return std::string();
  };
  EXPECT_EQ(column("scenario"), "one copy, \"quoted\"");
  EXPECT_EQ(column("infsim_version"), infsim::tools::version_string());
  EXPECT_EQ(column("throughput_unit"), "images/s");
  const nlohmann::json j = nlohmann::json::parse(read_file(dir_ / "r.json"));
  EXPECT_EQ(column("config_hash"), j["scenarios"][0]["config_hash"]);
  EXPECT_EQ(column("config_hash").size(), 16u);
}

TEST_F(CliOutputs, BertCountsSequencesNotImages) {
  const SplitOutput o = infsim("run --model distilbert_base --seq-len 16 --iterations 2 --json -");
  ASSERT_EQ(o.code, 0) << o.err;
  const nlohmann::json j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["scenarios"][0]["throughput_unit"], "sequences/s");
}

}  // namespace
