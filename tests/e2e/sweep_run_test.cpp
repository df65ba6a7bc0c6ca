// infsim sweep end to end on the single_conv zoo model with the compile evaluator: results,
// worker processes, resume after kill -9 and Ctrl-C, the study guard, user errors.
#include <gtest/gtest.h>

#include "tests/e2e/shell_helpers.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include "tests/common/test_paths.h"

namespace {

namespace fs = std::filesystem;

using infsim::testing::Output;

// Runs infsim with `args` in `cwd`.
Output infsim(const std::string& args, const fs::path& cwd) {
  return infsim::testing::shell("'" + std::string(INFSIM_BINARY) + "' " + args, cwd);
}

std::string read(const fs::path& p) {
  return infsim::testing::read_file(p);
}

int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

std::size_t point_files(const fs::path& dir) {
  std::size_t n = 0;
  if (!fs::is_directory(dir / "points")) return 0;
  for (const auto& e : fs::directory_iterator(dir / "points")) {
    n += e.path().extension() == ".json" && e.path().filename().string()[0] != '.';
  }
  return n;
}

class SweepRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sweep_run_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // single_conv compiled for a few SBUF sizes and batches; 512KiB cannot hold even one image
  // (4 KiB per partition, a 56 x 56 map takes 6 KiB), so the grid has points that do not fit.
  fs::path write_study(const std::string& sbuf_values = "[512KiB, 2MiB, 4MiB]",
                       const std::string& batches = "[1, 4, 16]") {
    fs::path p = dir_ / "small.yaml";
    std::ofstream(p) << "study: small\n"
                        "base:\n"
                        "  instance: inf1.xlarge\n"
                        "  model: single_conv\n"
                        "evaluate: [compile]\n"
                        "parameters:\n"
                        "  chip.core.sbuf.size: "
                     << sbuf_values
                     << "\n"
                        "  batch: "
                     << batches
                     << "\n"
                        "metrics: [fits, estimated_latency_ms, sbuf_peak_bytes, instructions]\n";
    return p;
  }

  fs::path dir_;
};

TEST_F(SweepRunTest, WritesTidyResultsSensitivityAndPlots) {
  write_study();
  Output o = infsim("sweep small.yaml --out out --jobs 2", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  const std::string csv = read(dir_ / "out" / "results.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "point,chip.core.sbuf.size,batch,status,fits,estimated_latency_ms,sbuf_peak_bytes,"
            "instructions,message,framework,infsim_version,config_hash");
  EXPECT_EQ(count_lines(csv), 1 + 9);
  EXPECT_NE(csv.find("\n0,512KiB,1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n8,4MiB,16,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",does_not_fit,0,"), std::string::npos) << "512KiB cannot hold batch 16\n"
                                                             << csv;
  EXPECT_NE(csv.find(",ok,1,"), std::string::npos) << csv;
  EXPECT_NE(o.text.find("sensitivity"), std::string::npos) << o.text;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "results.json"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "sensitivity.csv"));
  EXPECT_NE(read(dir_ / "out" / "sensitivity.csv").find("batch,estimated_latency_ms,"),
            std::string::npos);
  if (::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    EXPECT_TRUE(fs::exists(dir_ / "out" / "plots" / "estimated_latency_ms-vs-batch.png"));
    EXPECT_TRUE(
        fs::exists(dir_ / "out" / "plots" / "estimated_latency_ms-vs-chip.core.sbuf.size.svg"));
    // Readable plots: the y label has the unit, the time axis starts at 0, the legend names
    // every series and the points that do not fit are marked; the boolean is drawn as steps
    // between "no" and "yes" (and its does-not-fit points are at "no", a value, not a gap).
    const std::string svg = read(dir_ / "out" / "plots" / "estimated_latency_ms-vs-batch.svg");
    for (const char* text :
         {"<text>estimated_latency_ms (ms)</text>", "<text> 0</text>",
          "<text>chip.core.sbuf.size=512KiB</text>", "<text>failed (does not fit or error)</text>"})
      EXPECT_NE(svg.find(text), std::string::npos) << text;
    const std::string fits = read(dir_ / "out" / "plots" / "fits-vs-batch.svg");
    EXPECT_NE(fits.find("<text>no (0)</text>"), std::string::npos);
    EXPECT_NE(fits.find("<text>fits (0/1)</text>"), std::string::npos);
    EXPECT_EQ(fits.find("failed (does not fit"), std::string::npos);
  }
  // A second run has nothing left to do and writes the same CSV.
  Output again = infsim("sweep small.yaml --out out --no-plot", dir_);
  ASSERT_EQ(again.code, 0) << again.text;
  EXPECT_NE(again.text.find("9 already done"), std::string::npos) << again.text;
  EXPECT_EQ(read(dir_ / "out" / "results.csv"), csv);
}

TEST_F(SweepRunTest, DefaultOutputDirectoryIsNamedAfterTheStudy) {
  write_study("[2MiB]", "[1, 2]");
  Output o = infsim("sweep small.yaml --no-plot", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "sweeps" / "small" / "results.csv"));
}

TEST_F(SweepRunTest, OnePointIsWhatAWorkerRuns) {
  write_study();
  Output o = infsim("sweep small.yaml --point 4 --out out", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_EQ(point_files(dir_ / "out"), 1u);
  EXPECT_NE(read(dir_ / "out" / "points" / "4.json").find("\"status\": \"ok\""), std::string::npos);
  o = infsim("sweep small.yaml --point 9 --out out", dir_);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.text.find("--point 9 is out of range"), std::string::npos) << o.text;
}

TEST_F(SweepRunTest, ResumeAfterKillDoesNotRedoFinishedPoints) {
  write_study("[1MiB, 1.5MiB, 2MiB, 2.5MiB, 3MiB, 3.5MiB, 4MiB, 4.5MiB, 5MiB, 6MiB]", "[1, 2, 4]");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::chdir(dir_.c_str());
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    ::execl(INFSIM_BINARY, INFSIM_BINARY, "sweep", "small.yaml", "--out", "out", "--jobs", "1",
            "--no-plot", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (point_files(dir_ / "out") < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the sweep finished before it could be killed";
  // The workers die with the runner; give the kernel a moment to finish them.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  std::map<std::string, std::pair<ino_t, long>> finished;  // name -> inode, mtime ns
  for (const auto& e : fs::directory_iterator(dir_ / "out" / "points")) {
    if (e.path().filename().string()[0] == '.') continue;  // a write the kill cut short
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    finished[e.path().filename().string()] = {st.st_ino,
                                              st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec};
  }
  ASSERT_GE(finished.size(), 3u);
  ASSERT_LT(finished.size(), 30u);

  Output o = infsim("sweep small.yaml --out out --jobs 2 --no-plot", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find(std::to_string(finished.size()) + " already done (resuming)"),
            std::string::npos)
      << o.text;
  for (const auto& [name, id] : finished) {
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "out" / "points" / name).c_str(), &st), 0);
    EXPECT_EQ(st.st_ino, id.first) << name << " was rewritten";
    EXPECT_EQ(st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec, id.second) << name;
  }
  EXPECT_EQ(point_files(dir_ / "out"), 30u);
  for (const auto& e : fs::directory_iterator(dir_ / "out" / "points")) {
    EXPECT_NE(e.path().filename().string()[0], '.') << "stale temp file " << e.path();
  }
  const std::string csv = read(dir_ / "out" / "results.csv");
  EXPECT_EQ(count_lines(csv), 31);
  EXPECT_EQ(csv.find(",missing,"), std::string::npos) << csv;
}

TEST_F(SweepRunTest, CtrlCStopsTheWorkersAndKeepsFinishedPoints) {
  write_study("[1MiB, 1.5MiB, 2MiB, 2.5MiB, 3MiB, 3.5MiB, 4MiB, 4.5MiB, 5MiB, 6MiB]", "[1, 2, 4]");
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::chdir(dir_.c_str());
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::freopen("/dev/null", "w", stdout);
    ::close(pipe_fds[0]);
    ::execl(INFSIM_BINARY, INFSIM_BINARY, "sweep", "small.yaml", "--out", "out", "--jobs", "2",
            "--no-plot", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (point_files(dir_ / "out") < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGINT);
  std::string err;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0)
    err.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 130) << err;
  EXPECT_NE(err.find("interrupted"), std::string::npos) << err;
  EXPECT_NE(err.find("run the same command again to resume"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "results.csv"));
  // Interrupted points are not recorded as failures.
  for (const auto& e : fs::directory_iterator(dir_ / "out" / "points")) {
    if (e.path().extension() == ".json") {
      EXPECT_EQ(read(e.path()).find("\"error\""), std::string::npos) << e.path();
    }
  }
  Output o = infsim("sweep small.yaml --out out --no-plot", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_EQ(count_lines(read(dir_ / "out" / "results.csv")), 31);
}

TEST_F(SweepRunTest, ResumingADifferentStudyIsRefused) {
  write_study("[2MiB]", "[1, 2]");
  ASSERT_EQ(infsim("sweep small.yaml --out out --no-plot", dir_).code, 0);
  write_study("[2MiB]", "[1, 4]");
  Output o = infsim("sweep small.yaml --out out --no-plot", dir_);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.text.find("holds results of a different study"), std::string::npos) << o.text;
}

TEST_F(SweepRunTest, StudyMistakesExit2WithFileAndLine) {
  std::ofstream(dir_ / "bad.yaml") << "base: {instance: inf1.xlarge, model: single_conv}\n"
                                      "evaluate: [compile]\n"
                                      "parameters:\n"
                                      "  chip.core.sbuf.sise: [1MiB]\n";
  Output o = infsim("sweep bad.yaml", dir_);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(
      o.text.find("infsim: error: bad.yaml:4: parameters.chip.core.sbuf.sise: unknown parameter"),
      std::string::npos)
      << o.text;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  o = infsim("sweep", dir_);
  EXPECT_EQ(o.code, 2);
  o = infsim("sweep --bogus", dir_);
  EXPECT_EQ(o.code, 2);
  o = infsim("sweep --help", dir_);
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.text.find("--emit-jobs"), std::string::npos);
}

TEST_F(SweepRunTest, PointErrorsAreResultsNotCrashes) {
  std::ofstream(dir_ / "models.yaml") << "base: {instance: inf1.xlarge, model: single_conv}\n"
                                         "evaluate: [compile]\n"
                                         "parameters:\n"
                                         "  dtype: [bf16, int8]\n"
                                         "metrics: [fits]\n";
  Output o = infsim("sweep models.yaml --out out --no-plot", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  const std::string csv = read(dir_ / "out" / "results.csv");
  // The compiler refuses int8 (as Neuron does for Inf1): an error for that point only.
  EXPECT_NE(csv.find("0,bf16,ok,1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("1,int8,error,,\"compile: int8 is not supported"), std::string::npos) << csv;
  EXPECT_NE(read(dir_ / "out" / "sensitivity.csv").find("dtype,fits,n/a,0,not numeric"),
            std::string::npos);
}

// The run evaluator runs a point under a framework profile and says which: the default
// (NeuronPerf) for a study without one, or the `framework` field, a parameter like any other.
// The profiles differ (runtime 2.x in-process submit vs the runtime 1.x daemon), so the same
// point gives different numbers under them.
TEST_F(SweepRunTest, RunPointsNameTheirFramework) {
  std::ofstream(dir_ / "fw.yaml") << "base: {instance: inf1.xlarge, model: single_conv}\n"
                                     "evaluate: [run]\n"
                                     "parameters:\n"
                                     "  framework: [neuronperf, torch-neuron-2020]\n"
                                     "metrics: [throughput_avg]\n";
  Output o = infsim("sweep fw.yaml --out out --no-plot", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  const nlohmann::json j = nlohmann::json::parse(read(dir_ / "out" / "results.json"));
  ASSERT_EQ(j["points"].size(), 2u);
  EXPECT_EQ(j["points"][0]["status"], "ok") << j["points"][0]["message"];
  EXPECT_EQ(j["points"][1]["status"], "ok") << j["points"][1]["message"];
  EXPECT_EQ(j["points"][0]["framework"], "neuronperf");
  EXPECT_EQ(j["points"][1]["framework"], "torch-neuron-2020");
  EXPECT_NE(j["points"][0]["metrics"]["throughput_avg"],
            j["points"][1]["metrics"]["throughput_avg"]);
  EXPECT_NE(j["points"][0]["config_hash"], j["points"][1]["config_hash"]);

  // Without the field: NeuronPerf, in the CSV's framework column.
  std::ofstream(dir_ / "plain.yaml") << "base: {instance: inf1.xlarge, model: single_conv}\n"
                                        "evaluate: [run]\n"
                                        "parameters: {batch: [1]}\n"
                                        "metrics: [throughput_avg]\n";
  o = infsim("sweep plain.yaml --out plain --no-plot", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  const std::string csv = read(dir_ / "plain" / "results.csv");
  EXPECT_NE(csv.find("throughput_avg,message,framework,infsim_version"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",neuronperf,"), std::string::npos) << csv;

  // An unknown profile is a study mistake, before any point runs.
  std::ofstream(dir_ / "bad.yaml") << "base: {instance: inf1.xlarge, model: single_conv, "
                                      "framework: pytorch}\n"
                                      "evaluate: [run]\n"
                                      "parameters: {batch: [1]}\n";
  o = infsim("sweep bad.yaml --out bad --no-plot", dir_);
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_NE(o.text.find("unknown framework 'pytorch'"), std::string::npos) << o.text;
  EXPECT_EQ(point_files(dir_ / "bad"), 0u);
}

}  // namespace
