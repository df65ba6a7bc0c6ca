// infsim profile: the per-layer profile of one model from the timed simulation.
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/profile/profile.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

int run_profile(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("model", po::value<std::string>()->required()->value_name("MODEL"),
                        "zoo name, .onnx or .ifx file (also the first argument)")(
      "batch", po::value<int>()->default_value(1)->value_name("N"), "batch size")(
      "dtype", po::value<std::string>()->default_value("bf16")->value_name("T"),
      "bf16, fp16 or fp32")("pipeline-cores", po::value<int>()->default_value(1)->value_name("N"),
                            "NeuronCores of the pipeline")(
      "image-size", po::value<int>()->default_value(0)->value_name("N"),
      "input height/width for zoo CNNs (0 = the model's default)")(
      "seq-len", po::value<int>()->default_value(128)->value_name("N"),
      "sequence length for zoo transformers")(
      "cpu-fallback", po::bool_switch(),
      "run unsupported operators at the graph's ends on the host")(
      "instance", po::value<std::string>()->default_value("inf1.xlarge")->value_name("NAME"),
      "instance name or .yaml")("framework", po::value<std::string>()->default_value("neuronperf"),
                                "framework profile")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
      "config override (repeatable)")("iterations",
                                      po::value<int>()->default_value(2)->value_name("N"),
                                      "measured inferences, all in detail, after one warm-up")(
      "top", po::value<int>()->default_value(0)->value_name("N"), "table: the N longest layers")(
      "csv", po::value<std::string>()->value_name("FILE"), "one row per layer")(
      "json", po::value<std::string>()->value_name("FILE"), "the profile as JSON");
  po::positional_options_description positional;
  positional.add("model", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim profile <MODEL> [--batch N] [--instance NAME] [--csv FILE] [--json FILE]\n\n"
      "Simulates a few inferences of one model on one NeuronCore group in full detail and\n"
      "prints, per layer and longest first: its share of the device time, busy cycles per\n"
      "engine, MACs and matrix utilization, DMA bytes, weights resident or streamed, where its\n"
      "instructions waited, and the compiler's estimate.",
      options, positional);
  if (!vm) return 0;
  const driver::OutputList outputs = driver::given_outputs(*vm, {"csv", "json"});
  driver::ProfileRequest r;
  r.model.id = (*vm)["model"].as<std::string>();
  r.model.source = r.model.id;
  r.model.batch = (*vm)["batch"].as<int>();
  r.model.dtype = (*vm)["dtype"].as<std::string>();
  r.model.pipeline_cores = (*vm)["pipeline-cores"].as<int>();
  r.model.image_size = (*vm)["image-size"].as<int>();
  r.model.seq_len = (*vm)["seq-len"].as<int>();
  r.model.cpu_fallback = (*vm)["cpu-fallback"].as<bool>();
  r.instance = (*vm)["instance"].as<std::string>();
  r.framework = (*vm)["framework"].as<std::string>();
  if (vm->count("set")) r.overrides = (*vm)["set"].as<std::vector<std::string>>();
  r.inferences = (*vm)["iterations"].as<int>();
  for (const char* flag : {"batch", "pipeline-cores", "iterations"}) {
    if ((*vm)[flag].as<int>() < 1 || (*vm)[flag].as<int>() > 1024)
      throw driver::UsageError(std::string("--") + flag + " must be in 1..1024");
  }
  if ((*vm)["top"].as<int>() < 0) throw driver::UsageError("--top must be at least 0");
  const std::vector<driver::ModelProfile> profiles = driver::profile_model(r);
  driver::write_outputs(outputs, [&](const std::string& flag) {
    return flag == "csv" ? driver::format_profile_csv(profiles)
                         : driver::format_profile_json(profiles);
  }) << driver::format_profile_text(profiles, (*vm)["top"].as<int>());
  return 0;
}

CommandRegistration reg{"profile", "per-layer profile of a model from the timed simulation",
                        run_profile};

}  // namespace
}  // namespace infsim::tools
