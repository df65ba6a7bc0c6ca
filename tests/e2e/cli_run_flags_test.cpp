// `infsim run` does what it is told: a flag of another form is an error (not silently the
// tutorial), every value is range-checked in every form, and a --set the run ignores is a warning
// naming why. Each case here ran something else, or nothing, before.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/common/test_paths.h"
#include "tests/e2e/shell_helpers.h"

namespace {

using infsim::testing::shell_split;
using infsim::testing::SplitOutput;
namespace fs = std::filesystem;

// tiny_cnn: the zoo's smallest model, a run of a few requests takes well under a second.
const std::string kTiny = "--model tiny_cnn --iterations 3";

SplitOutput infsim(const std::string& args) {
  return shell_split("'" + std::string(INFSIM_BINARY) + "' " + args, fs::temp_directory_path());
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "output: " << (text)

TEST(CliRunFlags, ModelFlagsWithoutModelAreAnError) {
  // The command: it used to run the torch-neuron tutorial and exit 0.
  const SplitOutput o = infsim("run --cores 2 --batch 4 --iterations 5 --instance inf1.6xlarge");
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_CONTAINS(o.err, "--batch only applies with --model");
  EXPECT_CONTAINS(o.err, "give --model MODEL");
  EXPECT_EQ(o.out, "");
  for (const char* flag : {"--dtype fp16", "--iterations 5", "--threads 2", "--seq-len 64"}) {
    const SplitOutput f = infsim(std::string("run ") + flag);
    EXPECT_EQ(f.code, 2) << flag << ": " << f.err;
    EXPECT_CONTAINS(f.err, "only applies with");
  }
}

TEST(CliRunFlags, FlagsOfAnotherFormAreAnError) {
  // --functional computes one inference: timing outputs and loops are not its flags.
  SplitOutput o = infsim("run --functional --model tiny_cnn --json x.json");
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_CONTAINS(o.err, "--json only applies with an experiment file or --model");
  o = infsim("run --functional --model tiny_cnn --iterations 3");
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_CONTAINS(o.err, "--iterations only applies with --model (without --functional)");
  o = infsim("run " + kTiny + " --check");
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_CONTAINS(o.err, "--check only applies with --functional");
}

TEST(CliRunFlags, EveryValueIsRangeCheckedInEveryForm) {
  struct Case {
    std::string args, message;
  };
  const Case cases[] = {
      {"--batch 0", "--batch 0 out of range [1, 1024]"},
      {"--dtype int8", "--dtype must be bf16, fp16 or fp32, not 'int8'"},
      {"--cores 0", "--cores 0 out of range"},
      {"--pipeline-cores 0", "--pipeline-cores 0 out of range"},
      {"--image-size 3", "--image-size 3 out of range [8, 4096] (or 0: the model's own)"},
      {"--seq-len 0", "--seq-len 0 out of range"},
      {"--threads -1", "--threads -1 out of range"},
      {"--detail most", "--detail must be sampled or full, not 'most'"},
  };
  for (const Case& c : cases) {
    const SplitOutput o = infsim("run " + kTiny + " " + c.args);
    EXPECT_EQ(o.code, 2) << c.args << ": " << o.err;
    EXPECT_CONTAINS(o.err, c.message);
  }
  // The functional form checked none of these before (--batch 0 meant "the model's own").
  for (const char* args : {"--batch 0", "--dtype int8", "--seq-len 0"}) {
    const SplitOutput o = infsim(std::string("run --functional --model tiny_cnn ") + args);
    EXPECT_EQ(o.code, 2) << args << ": " << o.err;
    EXPECT_CONTAINS(o.err, "run: --");
  }
}

TEST(CliRunFlags, IgnoredSetIsAWarningNamingWhy) {
  // NeuronPerf runs runtime 2.x (libnrt): the neuron-rtd daemon's knobs change nothing.
  SplitOutput o = infsim("run " + kTiny + " --set runtime.daemon_workers=4");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.err,
                  "warning: --set runtime.daemon_workers=4 has no effect: only Neuron runtime "
                  "1.x (neuron-rtd) reads it; framework 'neuronperf' runs runtime 2.x");
  // The README's knob under torch-neuron (runtime 1.x, the default experiment's framework).
  o = infsim("run " + kTiny + " --framework torch-neuron-2020 --set runtime.submit_overhead=50us");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.err,
                  "warning: --set runtime.submit_overhead=50us has no effect: only Neuron "
                  "runtime 2.x (libnrt) reads it; framework 'torch-neuron-2020'");
  // A knob the run reads: no warning.
  o = infsim("run " + kTiny + " --set runtime.submit_overhead=50us");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.err.find("warning"), std::string::npos) << o.err;
}

// Every command that takes --set warns of a key with no effect in what it does, through one
// mechanism (driver::warn_ignored_overrides); only `run` did. The compiler reads the machine
// alone, so a runtime knob given to compile or verify changes nothing either.
TEST(CliRunFlags, EveryCommandTakingSetWarnsOfAKeyWithNoEffect) {
  const fs::path dir =
      fs::temp_directory_path() / ("infsim-set-warn-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "v.csv") << "name,instance,model,framework,dtype,batch_size,n_models,"
                                  "workers_per_model,pipeline_size,throughput_avg\n"
                                  "tiny,inf1.xlarge,tiny_cnn,neuronperf,bf16,1,1,1,1,1000\n";
  std::ofstream(dir / "s.yaml") << "study: warn\n"
                                   "base: {instance: inf1.xlarge, model: tiny_cnn, batch: 1,\n"
                                   "       set: {runtime.daemon_workers: 4}}\n"
                                   "evaluate: [compile]\n"
                                   "parameters: {chip.core.clock: [1GHz]}\n"
                                   "metrics: [fits]\n";
  const std::string run_key = "runtime.daemon_workers=4";
  const std::string runtime_why = "only Neuron runtime 1.x (neuron-rtd) reads it";
  const std::string machine_why = "this command reads only the machine";
  struct Case {
    std::string args, why;
  };
  const std::string set = " --set " + run_key;
  for (const Case& c : std::vector<Case>{
           {"compile tiny_cnn -o t.ifx" + set, machine_why},
           {"verify t.ifx" + set, machine_why},
           {"run --functional --model tiny_cnn" + set, runtime_why},
           {"profile tiny_cnn --iterations 1" + set, runtime_why},
           {"table --models tiny_cnn --instances inf1.xlarge --batches 1 --requests 4" + set,
            runtime_why},
           {"validate v.csv --requests 4" + set, runtime_why},
           {"config show" + set, runtime_why},
           {"sweep s.yaml --out o --no-plot", machine_why},
       }) {
    const SplitOutput o = shell_split("'" + std::string(INFSIM_BINARY) + "' " + c.args, dir);
    EXPECT_EQ(o.code, 0) << c.args << ": " << o.err;
    EXPECT_CONTAINS(o.err, "warning: --set " + run_key + " has no effect: " + c.why);
  }
  // A key the compiler reads: no warning.
  const SplitOutput o = shell_split(
      "'" + std::string(INFSIM_BINARY) + "' compile tiny_cnn -o t.ifx --set chip.core.clock=1GHz",
      dir);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.err.find("warning"), std::string::npos) << o.err;
  fs::remove_all(dir);
}

}  // namespace
