// The cluster path: --emit-jobs, the jobs run by GNU parallel, --merge; the merged results
// must equal a direct run's byte for byte.
#include <gtest/gtest.h>

#include "tests/e2e/shell_helpers.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include "tests/common/test_paths.h"

namespace {

namespace fs = std::filesystem;

using infsim::testing::Output;
using infsim::testing::shell;

std::string read(const fs::path& p) {
  return infsim::testing::read_file(p);
}

class SweepJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sweep_jobs_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "study.yaml") << "study: cluster\n"
                                          "base:\n"
                                          "  instance: inf1.xlarge\n"
                                          "  model: single_conv\n"
                                          "evaluate: [compile]\n"
                                          "parameters:\n"
                                          "  chip.core.clock: {from: 0.5GHz, to: 2GHz, factor: 2}\n"
                                          "  batch: [1, 16]\n"
                                          "  chip.core.sbuf.size: [512KiB, 4MiB]\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(SweepJobsTest, EmitJobsWritesOneCommandPerPointAndASlurmArray) {
  Output o = shell("'" + std::string(INFSIM_BINARY) + "' sweep study.yaml --emit-jobs jobs", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  const std::string jobs = read(dir_ / "jobs" / "jobs.txt");
  int lines = 0;
  for (char c : jobs) lines += c == '\n';
  EXPECT_EQ(lines, 12);  // 3 clocks x 2 batches x 2 sizes
  const std::string abs_dir = fs::canonical(dir_).string();
  EXPECT_NE(jobs.find(std::string(INFSIM_BINARY) + " sweep " + abs_dir +
                      "/study.yaml --point 11 --out " + abs_dir + "/jobs\n"),
            std::string::npos)
      << jobs;
  const std::string slurm = read(dir_ / "jobs" / "slurm.sh");
  EXPECT_NE(slurm.find("#SBATCH --array=0-11\n"), std::string::npos) << slurm;
  EXPECT_NE(slurm.find("--point \"$SLURM_ARRAY_TASK_ID\" --out " + abs_dir + "/jobs"),
            std::string::npos)
      << slurm;
  EXPECT_NE(read(dir_ / "jobs" / "README.txt").find("parallel --sshloginfile"), std::string::npos);
  EXPECT_NE(o.text.find("infsim sweep --merge"), std::string::npos) << o.text;
  // Nothing ran yet: a merge now says which points are missing.
  o = shell("'" + std::string(INFSIM_BINARY) + "' sweep --merge jobs --no-plot", dir_);
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("12 point(s) have no result yet"), std::string::npos) << o.text;
}

TEST_F(SweepJobsTest, ParallelJobsThenMergeEqualTheDirectRun) {
  if (::system("command -v parallel >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "GNU parallel is not installed (Debian package 'parallel')";
  }
  Output direct =
      shell("'" + std::string(INFSIM_BINARY) + "' sweep study.yaml --out direct --no-plot", dir_);
  ASSERT_EQ(direct.code, 0) << direct.text;

  Output emit =
      shell("'" + std::string(INFSIM_BINARY) + "' sweep study.yaml --emit-jobs cluster", dir_);
  ASSERT_EQ(emit.code, 0) << emit.text;
  // From another directory, as a cluster node would: the job lines carry absolute paths.
  fs::create_directories(dir_ / "elsewhere");
  Output run = shell("parallel --will-cite --jobs 2 < ../cluster/jobs.txt", dir_ / "elsewhere");
  ASSERT_EQ(run.code, 0) << run.text;
  Output merge =
      shell("'" + std::string(INFSIM_BINARY) + "' sweep --merge cluster --no-plot", dir_);
  ASSERT_EQ(merge.code, 0) << merge.text;

  const std::string csv = read(dir_ / "direct" / "results.csv");
  ASSERT_FALSE(csv.empty());
  EXPECT_EQ(read(dir_ / "cluster" / "results.csv"), csv);
  EXPECT_EQ(read(dir_ / "cluster" / "results.json"), read(dir_ / "direct" / "results.json"));
  EXPECT_EQ(read(dir_ / "cluster" / "sensitivity.csv"), read(dir_ / "direct" / "sensitivity.csv"));
  EXPECT_NE(csv.find(",does_not_fit,"), std::string::npos) << csv;
}

TEST_F(SweepJobsTest, MergeNeedsASweepDirectory) {
  Output o = shell("'" + std::string(INFSIM_BINARY) + "' sweep --merge nowhere", dir_);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.text.find("nowhere is not a sweep directory"), std::string::npos) << o.text;
}

}  // namespace
