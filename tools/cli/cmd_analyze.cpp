// infsim analyze: operator support and counts of a model, as torch.neuron.analyze_model prints.
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/analyze.h"
#include "models/model_loader.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"
#include "tools/config/version.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/vocabulary.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

int run_analyze(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("model", po::value<std::string>()->required()->value_name("MODEL"),
                        "zoo name or .onnx file (also the first argument)")(
      "batch", po::value<int>()->default_value(1)->value_name("N"), "batch size")(
      "image-size", po::value<int>()->default_value(0)->value_name("N"),
      "input height/width for zoo CNNs (0 = the model's default)")(
      "seq-len", po::value<int>()->default_value(128)->value_name("N"),
      "sequence length for zoo transformers")("json", po::value<std::string>()->value_name("FILE"),
                                              "also write the report as JSON");
  po::positional_options_description positional;
  positional.add("model", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim analyze <MODEL> [--batch N] [--image-size N] [--seq-len N] [--json FILE]\n\n"
      "Lists the operators of a model the NeuronCore supports and those it does not, with\n"
      "counts and the share of (arithmetic) operators supported.",
      options, positional);
  if (!vm) return 0;
  const driver::OutputList outputs = driver::given_outputs(*vm, {"json"});
  models::ZooOptions zoo;
  zoo.batch = (*vm)["batch"].as<int>();
  zoo.image_size = (*vm)["image-size"].as<int>();
  zoo.seq_len = (*vm)["seq-len"].as<int>();
  if (zoo.batch < 1) throw driver::UsageError("--batch must be at least 1");
  models::Graph graph =
      models::load_model((*vm)["model"].as<std::string>(), zoo, /*keep_unknown_ops=*/true);
  compiler::AnalyzeReport report = compiler::analyze(graph);
  driver::write_outputs(outputs, [&](const std::string&) {
    nlohmann::ordered_json j = {{driver::kVersionKey, version_string()}};
    j.update(nlohmann::ordered_json::parse(compiler::analyze_json(report)));
    return j.dump(2) + "\n";
  }) << compiler::format_analyze(report);
  return 0;
}

CommandRegistration reg{"analyze", "operator support and counts of a model", run_analyze};

}  // namespace
}  // namespace infsim::tools
