// The sweep directory: atomic point files, the study guard, point round trips.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/sweep/point_store.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

class SweepStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sweep_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Study study(const std::vector<std::string>& batches) {
    Study s;
    s.name = "store";
    s.base.study_file = (dir_ / "store.yaml").string();
    s.base.fields = {{"instance", "inf1.xlarge"}, {"model", "single_conv"}};
    s.modes = {"compile"};
    Parameter p;
    p.name = "batch";
    p.values = batches;
    s.parameters = {p};
    s.metrics = {"fits", "estimated_cycles"};
    s.sensitivity = s.metrics;
    return s;
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
};

TEST_F(SweepStoreTest, AtomicWriteReplacesAndLeavesNoTempFile) {
  const fs::path target = dir_ / "file.txt";
  write_file_atomically(target.string(), "first\n");
  write_file_atomically(target.string(), "second\n");
  EXPECT_EQ(read(target), "second\n");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

// A writer killed with SIGKILL at arbitrary moments: the target is always absent or one whole
// version, never a prefix.
TEST_F(SweepStoreTest, KilledWriterNeverLeavesAPartialFile) {
  fs::create_directories(dir_ / "points");
  const fs::path target = dir_ / "points" / "big.json";
  const std::string a(1 << 20, 'a');
  const std::string b(1 << 20, 'b');
  for (int round = 0; round < 5; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0;; ++i) write_file_atomically(target.string(), i % 2 ? a : b);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 13 * round));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (fs::exists(target)) {
      std::string content = read(target);
      EXPECT_TRUE(content == a || content == b) << "partial file of " << content.size() << " bytes";
    }
  }
  // The killed writers' temp files are what clean_stale_temp_files() is for.
  clean_stale_temp_files(dir_.string());
  for (const auto& e : fs::directory_iterator(dir_ / "points")) {
    EXPECT_EQ(e.path(), target) << "left behind";
  }
}

TEST_F(SweepStoreTest, PointRoundTripKeepsNaNAsEmpty) {
  Study s = study({"1", "2"});
  prepare_sweep_dir(dir_.string(), s);
  EXPECT_FALSE(read_point(dir_.string(), s, 1).has_value());
  PointResult r;
  r.status = kStatusDoesNotFit;
  r.message = "SBUF too small";
  r.metrics = {{"fits", 0}, {"estimated_cycles", std::nan("")}};
  write_point(dir_.string(), s, s.point(1), r);
  auto back = read_point(dir_.string(), s, 1);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->status, kStatusDoesNotFit);
  EXPECT_EQ(back->message, "SBUF too small");
  EXPECT_EQ(back->metrics.at("fits"), 0);
  EXPECT_TRUE(std::isnan(back->metrics.at("estimated_cycles")));
  EXPECT_EQ(finished_points(dir_.string(), s), std::set<int>{1});
}

TEST_F(SweepStoreTest, ADirectoryOfAnotherStudyIsRefused) {
  Study s = study({"1", "2"});
  prepare_sweep_dir(dir_.string(), s);
  prepare_sweep_dir(dir_.string(), s);  // same study: resuming is fine
  try {
    prepare_sweep_dir(dir_.string(), study({"1", "4"}));
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("holds results of a different study"), std::string::npos)
        << e.what();
  }
}

TEST_F(SweepStoreTest, ManifestGivesBackTheStudy) {
  Study s = study({"1", "2", "8"});
  prepare_sweep_dir(dir_.string(), s);
  Study back = read_sweep_dir_study(dir_.string());
  EXPECT_EQ(back.hash(), s.hash());
  EXPECT_EQ(back.point_count(), 3u);
  EXPECT_THROW(read_sweep_dir_study((dir_ / "nope").string()), UsageError);
}

TEST_F(SweepStoreTest, PointFileOfAnotherStudyIsAnError) {
  Study s = study({"1", "2"});
  prepare_sweep_dir(dir_.string(), s);
  write_point(dir_.string(), s, s.point(0), PointResult{});
  EXPECT_THROW(read_point(dir_.string(), study({"1", "3"}), 0), UsageError);
  std::ofstream(point_file(dir_.string(), 1)) << "{ truncated";
  EXPECT_THROW(read_point(dir_.string(), s, 1), UsageError);
}

}  // namespace
}  // namespace infsim::driver
