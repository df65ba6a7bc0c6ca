// infsim run: an experiment file (or a one-off from flags) -> latency/throughput report.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "isa/instruction_text.h"
#include "models/npy.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/experiment/experiment.h"
#include "tools/driver/experiment/model_run.h"
#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/functional/functional_run.h"
#include "tools/driver/profile/profile.h"
#include "tools/driver/profile/trace_options.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

// The three forms of `run` and the flags each one reads, declared once: a flag given to a form
// that does not read it is an error (never silently ignored), and every integer flag is
// range-checked in every form that reads it (the same bounds as an experiment file's).
enum Form : unsigned {
  kExperimentForm = 1,  // an experiment file (or the default tutorial)
  kModelForm = 2,       // --model, timing
  kFunctionalForm = 4,  // --model --functional
};
constexpr unsigned kTiming = kExperimentForm | kModelForm;
constexpr unsigned kModelForms = kModelForm | kFunctionalForm;
constexpr unsigned kAllForms = kExperimentForm | kModelForm | kFunctionalForm;

struct FlagRule {
  const char* flag;
  unsigned forms;
  long lo = 0, hi = 0;  // integer flags: allowed range (lo == hi == 0: not an integer flag)
};

const std::vector<FlagRule>& flag_rules() {
  static const std::vector<FlagRule> kRules = {
      {"experiment", kExperimentForm},
      {"out", kTiming},
      {"json", kTiming},
      {"csv", kTiming},
      {"trace", kTiming},
      {"trace-level", kTiming},
      {"trace-cores", kTiming},
      {"trace-window", kTiming},
      {"profile", kTiming},
      {"detail", kTiming},
      {"seed", kAllForms},
      {"model", kModelForms},
      {"batch", kModelForms, 1, driver::kMaxBatch},
      {"dtype", kModelForms},
      {"pipeline-cores", kModelForms, 1, driver::kMaxPipelineCores},
      {"image-size", kModelForms, 0, driver::kMaxImageSize},
      {"seq-len", kModelForms, 1, driver::kMaxSeqLen},
      {"cores", kModelForm, 1, driver::kMaxGroupCores},
      {"threads", kModelForm, 0, driver::kMaxThreads},
      {"iterations", kModelForm, 1, driver::kMaxRequests},
      {"input", kFunctionalForm},
      {"output", kFunctionalForm},
      {"check", kFunctionalForm},
  };
  return kRules;
}

const char* form_text(unsigned forms) {
  switch (forms) {
    case kExperimentForm:
      return "an experiment file";
    case kModelForm:
      return "--model (without --functional)";
    case kFunctionalForm:
      return "--functional";
    case kTiming:
      return "an experiment file or --model (not with --functional)";
    case kModelForms:
      return "--model";
    default:
      return "any form";
  }
}

Form form_of(const po::variables_map& vm) {
  if (vm.count("functional")) return kFunctionalForm;
  return vm.count("model") ? kModelForm : kExperimentForm;
}

// Every given flag belongs to this form and is in range; a defaulted one is not "given".
void check_flags(const po::variables_map& vm, Form form) {
  for (const FlagRule& r : flag_rules()) {
    if (!vm.count(r.flag) || vm[r.flag].defaulted()) continue;
    const std::string flag =
        r.flag == std::string("experiment") ? "an experiment file" : std::string("--") + r.flag;
    if (!(r.forms & form)) {
      throw driver::UsageError(
          "run: " + flag + " only applies with " + form_text(r.forms) + "; this run is " +
          form_text(form) +
          (form == kExperimentForm ? " (give --model MODEL for the flags form)" : ""));
    }
  }
  for (const FlagRule& r : flag_rules()) {
    if (r.lo == 0 && r.hi == 0) continue;
    const int v = vm[r.flag].as<int>();
    const bool image_auto = r.flag == std::string("image-size") && v == 0;
    const long lo = r.flag == std::string("image-size") ? driver::kMinImageSize : r.lo;
    if (!image_auto && (v < lo || v > r.hi)) {
      throw driver::UsageError(
          "run: --" + std::string(r.flag) + " " + std::to_string(v) + " out of range [" +
          std::to_string(lo) + ", " + std::to_string(r.hi) + "]" +
          (r.flag == std::string("image-size") ? " (or 0: the model's own)" : ""));
    }
  }
  const std::string dtype = vm["dtype"].as<std::string>();
  const auto parsed = isa::dtype_from_text(dtype);
  if (!parsed || *parsed == isa::DType::kInt8) {
    throw driver::UsageError("run: --dtype must be bf16, fp16 or fp32, not '" + dtype + "'");
  }
  const std::string detail = vm["detail"].as<std::string>();
  if (detail != "sampled" && detail != "full") {
    throw driver::UsageError("run: --detail must be sampled or full, not '" + detail + "'");
  }
}

// The flags-only form: `cores` one-core (or pipeline-core) copies in one process, data parallel.
driver::Experiment experiment_from_flags(const po::variables_map& vm) {
  driver::ModelRun run;
  run.model = vm["model"].as<std::string>();
  run.instance = vm["instance"].as<std::string>();
  run.batch = vm["batch"].as<int>();
  run.dtype = vm["dtype"].as<std::string>();
  run.cores = vm["cores"].as<int>();
  run.pipeline_cores = vm["pipeline-cores"].as<int>();
  run.threads = vm["threads"].as<int>();
  run.iterations = vm["iterations"].as<int>();
  run.image_size = vm["image-size"].as<int>();
  run.seq_len = vm["seq-len"].as<int>();
  return driver::model_run_experiment(run);
}

// `--functional`: one inference of --model computed on real data through the simulated
// NeuronCores (timing as in timing mode), optionally checked against the reference executor.
int run_functional_mode(const po::variables_map& vm) {
  if (!vm.count("model")) throw driver::UsageError("run --functional needs --model MODEL");
  const driver::OutputList outputs = driver::given_outputs(vm, {"output"});
  driver::FunctionalRequest req;
  req.model = vm["model"].as<std::string>();
  if (vm.count("input")) req.input_path = vm["input"].as<std::string>();
  req.dtype = *isa::dtype_from_text(vm["dtype"].as<std::string>());  // check_flags checked it
  req.batch = vm["batch"].defaulted() ? 0 : vm["batch"].as<int>();
  req.image_size = vm["image-size"].as<int>();
  req.seq_len = vm["seq-len"].as<int>();
  req.pipeline_cores = static_cast<std::uint32_t>(vm["pipeline-cores"].as<int>());
  if (vm.count("seed")) req.seed = vm["seed"].as<std::uint64_t>();
  req.instance = driver::instance_from_options(vm);
  req.check_reference = vm.count("check") > 0;
  const driver::FunctionalResult result = driver::run_functional(req);
  driver::write_outputs(outputs, [&](const std::string&) {
    return models::encode_npy(result.outputs.at(0));
  }) << driver::format_functional_result(result);
  return 0;
}

// Creates --out DIR if needed; true when it did (so that a failure can remove it again).
bool make_out_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw driver::UsageError("run: --out " + dir.string() + " is not a directory");
  }
  const bool created = fs::create_directories(dir, ec);
  if (ec) {
    throw driver::UsageError("run: --out: cannot create the directory " + dir.string() + ": " +
                             ec.message());
  }
  return created;
}

// What --out DIR holds: the report, the results, and per scenario its config and stats.
std::vector<std::pair<std::string, std::string>> out_dir_files(
    const fs::path& dir, const driver::ExperimentOutcome& outcome, const std::string& report) {
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back((dir / "report.txt").string(), report);
  files.emplace_back((dir / "results.json").string(), driver::format_json(outcome));
  files.emplace_back((dir / "results.csv").string(), driver::format_csv(outcome));
  for (std::size_t i = 0; i < outcome.scenarios.size(); ++i) {
    const std::string suffix = outcome.scenarios.size() == 1 ? "" : "." + std::to_string(i + 1);
    files.emplace_back((dir / ("config" + suffix + ".yaml")).string(),
                       outcome.scenarios[i].config_yaml);
    files.emplace_back((dir / ("stats" + suffix + ".json")).string(),
                       outcome.scenarios[i].result.stats_json);
  }
  return files;
}

// Every output or none (driver::write_files_atomically; the traces were written while the run went
// and are published last), then the report: on stdout, or on stderr when an output went to stdout.
void write_run_outputs(const po::variables_map& vm, const driver::OutputList& outputs,
                       const driver::ExperimentOutcome& outcome) {
  const std::string report = driver::format_report(outcome);
  std::vector<std::pair<std::string, std::string>> files;
  bool created_dir = false;
  fs::path dir;
  try {
    if (vm.count("out")) {
      dir = vm["out"].as<std::string>();
      created_dir = make_out_dir(dir);
      files = out_dir_files(dir, outcome, report);
    }
    for (const auto& [flag, path] : outputs) {
      if (flag == "trace") continue;
      files.emplace_back(
          path, flag == "json"  ? driver::format_json(outcome)
                : flag == "csv" ? driver::format_csv(outcome)
                                : driver::format_profile_json(driver::outcome_profiles(outcome)));
    }
    driver::write_files_atomically(files);
    for (const driver::StagedFile& t : outcome.trace_files) driver::publish_staged(t);
    (driver::outputs_take_stdout(outputs) ? std::cerr : std::cout) << report;
  } catch (const driver::UsageError&) {
    for (const driver::StagedFile& t : outcome.trace_files) driver::discard_staged(t);
    std::error_code ec;
    if (created_dir) fs::remove(dir, ec);
    throw;
  }
}

// Every flag of every form of `run` (check_flags says which form reads which), plus the
// instance options shared with the other commands.
po::options_description run_option_table() {
  po::options_description options("options");
  options.add_options()("experiment", po::value<std::string>()->value_name("FILE"),
                        "experiment file (default configs/experiments/torch-neuron-resnet50.yaml)")(
      "out", po::value<std::string>()->value_name("DIR"),
      "write report.txt, results.json, results.csv, config.yaml and stats there")(
      "json", po::value<std::string>()->value_name("FILE"), "write the results as JSON")(
      "csv", po::value<std::string>()->value_name("FILE"), "write one CSV row per scenario")(
      "trace", po::value<std::string>()->value_name("FILE"),
      "Chrome/Perfetto trace (FILE.N.json per scenario when there are several)")(
      "trace-level", po::value<std::string>()->default_value("layer")->value_name("L"),
      "layer (one slice per layer run on each engine) | instruction")(
      "trace-cores", po::value<std::string>()->default_value("")->value_name("LIST"),
      "trace only these NeuronCores (global indices: 0,2,4-7)")(
      "trace-window", po::value<std::string>()->default_value("")->value_name("B:E"),
      "trace only slices starting in simulated time [B, E), e.g. 10ms:25ms")(
      "profile", po::value<std::string>()->value_name("FILE"),
      "per-layer profile of every loaded model (JSON; see `infsim profile`)")(
      "seed", po::value<std::uint64_t>()->value_name("N"), "seed for open-loop arrivals")(
      "detail", po::value<std::string>()->default_value("sampled")->value_name("MODE"),
      "sampled (converged inferences are fast-forwarded) | full (every inference in detail)")(
      "model", po::value<std::string>()->value_name("MODEL"),
      "flags-only form: zoo name or .onnx file")(
      "batch", po::value<int>()->default_value(1)->value_name("N"), "compiled batch size")(
      "dtype", po::value<std::string>()->default_value("bf16")->value_name("D"),
      "bf16 | fp16 | fp32")("cores", po::value<int>()->default_value(1)->value_name("N"),
                            "NeuronCores used, one copy per core (or per pipeline)")(
      "pipeline-cores", po::value<int>()->default_value(1)->value_name("N"),
      "NeuronCores per pipelined copy")(
      "threads", po::value<int>()->default_value(0)->value_name("N"),
      "independent host threads (default: one data-parallel caller)")(
      "iterations", po::value<int>()->default_value(100)->value_name("M"),
      "measured requests after one warm-up")(
      "image-size", po::value<int>()->default_value(0)->value_name("N"), "CNN input size")(
      "seq-len", po::value<int>()->default_value(128)->value_name("N"), "transformer length")(
      "functional", "compute real results (one inference of --model; see docs/functional.md)")(
      "input", po::value<std::string>()->value_name("X.npy"),
      "--functional: input tensor (float32/float16, NCHW); default seeded random")(
      "output", po::value<std::string>()->value_name("Y.npy"),
      "--functional: write the output (- for standard output)")(
      "check", "--functional: also run the reference executor and compare");
  driver::add_instance_options(options);
  return options;
}

// How a timing run goes (detail, progress, seed, framework, trace, profile, --set overrides),
// the same for an experiment file and the flags form.
driver::RunOptions timing_run_options(const po::variables_map& vm) {
  driver::RunOptions ro;
  ro.detail_full = vm["detail"].as<std::string>() == "full";
  ro.progress = driver::verbosity() != driver::Verbosity::kQuiet;
  if (vm.count("seed")) ro.seed = vm["seed"].as<std::uint64_t>();
  // An experiment names its framework; --framework replaces it when given.
  if (!vm["framework"].defaulted() || vm.count("model")) {
    ro.framework = vm["framework"].as<std::string>();
  }
  if (vm.count("trace")) ro.trace_path = vm["trace"].as<std::string>();
  ro.trace_options = driver::parse_trace_options(vm["trace-level"].as<std::string>(),
                                                 vm["trace-cores"].as<std::string>(),
                                                 vm["trace-window"].as<std::string>());
  ro.profile = vm.count("profile") > 0;
  if (vm.count("set")) ro.overrides = vm["set"].as<std::vector<std::string>>();
  return ro;
}

// What a timing run replays: the flags form's experiment, or the experiment file (default: the
// tutorial), whose instance --instance replaces when given.
driver::Experiment timing_experiment(const po::variables_map& vm, Form form) {
  if (form == kModelForm) return experiment_from_flags(vm);
  const std::string path = vm.count("experiment") ? vm["experiment"].as<std::string>()
                                                  : driver::default_experiment_path();
  driver::Experiment ex = driver::load_experiment(path);
  if (!vm["instance"].defaulted()) ex.instance = vm["instance"].as<std::string>();
  return ex;
}

int run_run(const std::vector<std::string>& args) {
  po::positional_options_description positional;
  positional.add("experiment", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim run [EXPERIMENT.yaml] [options]\n"
      "       infsim run --model resnet50 --batch 1 --cores 4 --instance inf1.xlarge\n\n"
      "Replays an experiment (default: the torch-neuron ResNet-50 tutorial) on simulated Inf1\n"
      "instances and prints per scenario: throughput, latency p50/p90/p99/max, NeuronCore\n"
      "utilization, model load time. Progress and simulator speed go to stderr.",
      run_option_table(), positional);
  if (!vm) return 0;
  const Form form = form_of(*vm);
  if (vm->count("model") && vm->count("experiment")) {
    throw driver::UsageError("run: give either an experiment file or --model, not both");
  }
  check_flags(*vm, form);
  if (form == kFunctionalForm) return run_functional_mode(*vm);
  driver::check_directory_options(*vm, {"out"});
  const driver::OutputList outputs =
      driver::given_outputs(*vm, {"json", "csv", "profile", "trace"});
  const driver::RunOptions ro = timing_run_options(*vm);
  const driver::Experiment ex = timing_experiment(*vm, form);
  const driver::ExperimentOutcome outcome = driver::run_experiment(ex, ro);
  write_run_outputs(*vm, outputs, outcome);
  return 0;
}

CommandRegistration reg{"run", "an experiment file or flags -> latency/throughput report", run_run};

}  // namespace
}  // namespace infsim::tools
