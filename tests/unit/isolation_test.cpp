// The isolation helper: a child's value, its UserError (kind, location, message), an internal
// error and a death come back to the parent as data.
#include "tools/driver/isolation.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "compiler/compile_error.h"
#include "models/model_error.h"

namespace infsim::driver {
namespace {

TEST(Isolation, ValueLargerThanAPipeBufferArrivesWhole) {
  // 1 MiB: far more than the 64 KiB a pipe holds, so the parent must read while the child writes.
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(run_isolated([&] { return big; }), big);
  EXPECT_EQ(run_isolated([] { return std::string(); }), "");
}

TEST(Isolation, UserErrorKeepsKindLocationAndMessage) {
  ErrorLocation where = ErrorLocation::in_file("configs/x.yaml", 12, "chip.core.sbuf.size");
  where.node = "conv1";
  where.op = "Conv";
  try {
    run_isolated([&]() -> std::string {
      throw compiler::CompileError("model 'm' does not fit: 12MiB", ErrorKind::kDoesNotFit, where);
    });
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDoesNotFit);
    EXPECT_STREQ(e.what(), "model 'm' does not fit: 12MiB");
    EXPECT_EQ(e.where().file, "configs/x.yaml");
    EXPECT_EQ(e.where().line, 12);
    EXPECT_EQ(e.where().yaml_path, "chip.core.sbuf.size");
    EXPECT_EQ(e.where().node, "conv1");
    EXPECT_EQ(e.where().op, "Conv");
  }
}

TEST(Isolation, EveryKindCrossesAsItself) {
  for (int k = 0; k < kNumErrorKinds; ++k) {
    const auto kind = static_cast<ErrorKind>(k);
    try {
      run_isolated([&]() -> std::string { throw models::ModelError("x", kind); });
      FAIL() << error_kind_name(kind);
    } catch (const UserError& e) {
      EXPECT_EQ(e.kind(), kind) << error_kind_name(kind);
    }
  }
}

TEST(Isolation, InternalErrorIsNotAUserError) {
  IsolatedChild child([]() -> std::string { throw std::logic_error("a bug"); });
  const IsolatedOutcome& o = child.wait();
  EXPECT_EQ(o.status, IsolatedOutcome::Status::kInternalError);
  EXPECT_EQ(o.message, "a bug");
  EXPECT_THROW(o.value_or_throw(), std::runtime_error);
  try {
    o.value_or_throw();
  } catch (const UserError&) {
    FAIL() << "an internal error must not look like the user's mistake";
  } catch (const std::runtime_error&) {
  }
}

TEST(Isolation, ADeathIsAnOutcome) {
  IsolatedChild killed([]() -> std::string {
    ::raise(SIGKILL);
    return "never";
  });
  const IsolatedOutcome& o = killed.wait();
  EXPECT_EQ(o.status, IsolatedOutcome::Status::kDied);
  EXPECT_NE(o.message.find("signal 9"), std::string::npos) << o.message;

  IsolatedChild exited([]() -> std::string { std::_Exit(3); });
  while (!exited.poll()) ::usleep(1000);
  EXPECT_EQ(exited.outcome().status, IsolatedOutcome::Status::kDied);
  EXPECT_NE(exited.outcome().message.find("code 3"), std::string::npos);
}

TEST(Isolation, LogFileTakesTheOutputAndTheError) {
  const std::string log = (std::filesystem::temp_directory_path() /
                           ("isolation_test." + std::to_string(::getpid()) + ".log"))
                              .string();
  IsolationOptions options;
  options.log_file = log;
  IsolatedChild child(
      []() -> std::string {
        std::cout << "working\n";
        throw UserError(ErrorKind::kBadFile, "points/3.json: not a point file");
      },
      options);
  EXPECT_EQ(child.wait().status, IsolatedOutcome::Status::kUserError);
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "working\ninfsim: error: points/3.json: not a point file\n");
  std::filesystem::remove(log);
}

TEST(Isolation, ErrorKindNamesRoundTrip) {
  for (int k = 0; k < kNumErrorKinds; ++k) {
    const auto kind = static_cast<ErrorKind>(k);
    EXPECT_EQ(error_kind_from_name(error_kind_name(kind)), kind);
  }
  EXPECT_EQ(error_kind_from_name("no such kind"), std::nullopt);
}

}  // namespace
}  // namespace infsim::driver
