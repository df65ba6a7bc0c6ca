// What every command shares: --version, -q / -v, the completion script from the command table.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "shell_helpers.h"
#include "tests/common/test_paths.h"

namespace {

using infsim::testing::shell;

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "output: " << (text)

infsim::testing::Output infsim(const std::string& args) {
  return shell(std::string(INFSIM_BINARY) + " " + args, std::filesystem::temp_directory_path());
}

TEST(GlobalFlags, Version) {
  const auto a = infsim("--version");
  EXPECT_EQ(a.code, 0);
  EXPECT_EQ(a.text.rfind("infsim 0.", 0), 0u) << a.text;
  EXPECT_EQ(infsim("version").text, a.text);
}

TEST(GlobalFlags, QuietDropsProgressAndVerboseAddsNothingToStdout) {
  // `run` writes "infsim: scenario 1/1: ..." progress on stderr; -q (before or after the
  // command) drops it, the report on stdout stays the same. (shell() appends 2>&1: the braces
  // keep it off the redirections inside.)
  const std::string args = "run --model tiny_cnn --iterations 5";
  const auto normal =
      shell("{ " + std::string(INFSIM_BINARY) + " " + args + " 2>&1 >/dev/null; }", "/tmp");
  EXPECT_CONTAINS(normal.text, "infsim: scenario 1/1");
  for (const std::string& q : {"-q " + args, args + " -q", args + " --quiet"}) {
    const auto quiet =
        shell("{ " + std::string(INFSIM_BINARY) + " " + q + " 2>&1 >/dev/null; }", "/tmp");
    EXPECT_EQ(quiet.code, 0);
    EXPECT_EQ(quiet.text, "") << q;
  }
  const auto out_q =
      shell("{ " + std::string(INFSIM_BINARY) + " -q " + args + " 2>/dev/null; }", "/tmp");
  const auto out_v =
      shell("{ " + std::string(INFSIM_BINARY) + " -v " + args + " 2>/dev/null; }", "/tmp");
  EXPECT_EQ(out_q.text, out_v.text);
  for (const char* both : {"-q -v config show", "config show -q -v"}) {
    const auto out = infsim(both);
    EXPECT_EQ(out.code, 2) << both;
    EXPECT_CONTAINS(out.text, "-q and -v contradict each other");
  }
  // Errors are printed when quiet.
  const auto bad = infsim("-q run --model resnet50 --cores 0");
  EXPECT_EQ(bad.code, 2);
  EXPECT_CONTAINS(bad.text, "infsim: error: run: --cores 0 out of range");
}

TEST(GlobalFlags, CompletionListsEveryCommand) {
  const auto usage = infsim("--help");
  const auto script = infsim("completion bash");
  ASSERT_EQ(script.code, 0);
  EXPECT_CONTAINS(script.text, "complete -o filenames -F _infsim infsim");
  // Every command of the usage text ("  name  summary") is in the script's word list.
  for (const char* name : {"run", "compile", "compare", "sweep", "table", "validate", "config"}) {
    EXPECT_CONTAINS(usage.text, std::string("  ") + name + " ");
    EXPECT_CONTAINS(script.text, std::string(" ") + name + " ");
  }
  EXPECT_EQ(infsim("completion zsh").code, 2);
}

}  // namespace
