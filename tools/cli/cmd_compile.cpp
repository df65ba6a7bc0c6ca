// infsim compile: model (zoo name or .onnx) -> verified .ifx program, and the compile report.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "compiler/compile_error.h"
#include "compiler/compiler.h"
#include "isa/ifx_format.h"
#include "isa/instruction_text.h"
#include "isa/isa_error.h"
#include "isa/verifier.h"
#include "models/model_loader.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

int run_compile(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("model", po::value<std::string>()->required()->value_name("MODEL"),
                        "zoo name or .onnx file (also the first argument)")(
      "batch", po::value<int>()->default_value(1)->value_name("N"), "batch size to compile for")(
      "dtype", po::value<std::string>()->default_value("bf16")->value_name("D"),
      "bf16 | fp16 | fp32 (fp32 models are cast to this type, as neuron-cc does)")(
      "pipeline-cores", po::value<int>()->default_value(1)->value_name("N"),
      "NeuronCores to pipeline the model over")(
      "image-size", po::value<int>()->default_value(0)->value_name("N"),
      "input height/width for zoo CNNs (0 = the model's default)")(
      "seq-len", po::value<int>()->default_value(128)->value_name("N"),
      "sequence length for zoo transformers")(
      "cpu-fallback", po::bool_switch(),
      "run unsupported operators at the graph's ends on the host")(
      "weights", po::bool_switch(), "embed weight values (for functional simulation)")(
      "output,o", po::value<std::string>()->required()->value_name("OUT.ifx"),
      "program file to write")("quiet,q", po::bool_switch(),
                               "print only the summary lines of the report");
  driver::add_instance_options(options);
  po::positional_options_description positional;
  positional.add("model", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim compile <MODEL> --batch N --dtype D --pipeline-cores N -o OUT.ifx [options]\n\n"
      "Compiles a model for the NeuronCore of an instance (default inf1.xlarge), checks the\n"
      "program with the verifier, writes it, and prints the compile report: instructions per\n"
      "engine and core, SBUF use, weights kept on chip or streamed, MACs and estimated cycles.",
      options, positional);
  if (!vm) return 0;
  const int batch = (*vm)["batch"].as<int>();
  const int cores = (*vm)["pipeline-cores"].as<int>();
  if (batch < 1) throw driver::UsageError("--batch must be at least 1");
  if (cores < 1) throw driver::UsageError("--pipeline-cores must be at least 1");
  auto dtype = isa::dtype_from_text((*vm)["dtype"].as<std::string>());
  if (!dtype || *dtype == isa::DType::kInt8)
    throw driver::UsageError("--dtype must be bf16, fp16 or fp32, not '" +
                             (*vm)["dtype"].as<std::string>() + "'");
  isa::InstanceConfig config = driver::instance_from_options(*vm);
  const int available = config.total_cores();
  if (cores > available)
    throw driver::UsageError("--pipeline-cores " + std::to_string(cores) + " but " + config.name +
                             " has " + std::to_string(available) + " NeuronCores");

  models::ZooOptions zoo;
  zoo.batch = batch;
  zoo.image_size = (*vm)["image-size"].as<int>();
  zoo.seq_len = (*vm)["seq-len"].as<int>();
  zoo.with_weights = (*vm)["weights"].as<bool>();
  const std::string& model = (*vm)["model"].as<std::string>();
  models::Graph graph = models::load_model(model, zoo);

  compiler::CompilerOptions copts;
  copts.batch = static_cast<std::uint32_t>(batch);
  copts.dtype = *dtype;
  copts.pipeline_cores = static_cast<std::uint32_t>(cores);
  copts.cpu_fallback = (*vm)["cpu-fallback"].as<bool>();
  copts.weight_data = zoo.with_weights;
  copts.model = model;
  compiler::CompileResult result = compiler::compile(graph, config.chip.core, copts);
  std::vector<isa::Diagnostic> diagnostics = isa::verify_program(result.program, config.chip.core);
  if (!diagnostics.empty())
    throw compiler::CompileError("internal: the compiled program fails verification:\n" +
                                 isa::format_diagnostics(diagnostics));
  const std::string& output = (*vm)["output"].as<std::string>();
  isa::write_program(result.program, output);
  std::string report = compiler::format_compile_report(result.report);
  if ((*vm)["quiet"].as<bool>()) report = report.substr(0, report.find("\ncore "));
  std::cout << report << (report.back() == '\n' ? "" : "\n") << "wrote " << output << "\n";
  return 0;
}

CommandRegistration reg{"compile", "model -> .ifx program, with a compile report", run_compile};

}  // namespace
}  // namespace infsim::tools
