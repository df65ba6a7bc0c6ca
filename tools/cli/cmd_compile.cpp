// infsim compile: model (zoo name or .onnx) -> verified .ifx program, and the compile report.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "isa/ifx_format.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/compile_model.h"

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
      "program file to write (- for standard output)");
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
  const driver::OutputList outputs = driver::given_outputs(*vm, {"output"});
  driver::CompileRequest request;
  request.model = (*vm)["model"].as<std::string>();
  request.batch = (*vm)["batch"].as<int>();
  request.dtype = (*vm)["dtype"].as<std::string>();
  request.pipeline_cores = (*vm)["pipeline-cores"].as<int>();
  request.image_size = (*vm)["image-size"].as<int>();
  request.seq_len = (*vm)["seq-len"].as<int>();
  request.cpu_fallback = (*vm)["cpu-fallback"].as<bool>();
  request.weights = (*vm)["weights"].as<bool>();
  const compiler::CompileResult result = driver::compile_model(
      request, driver::instance_from_options(*vm, driver::ConfigUse::kMachine));
  const std::vector<std::uint8_t> bytes = isa::encode_program(result.program);
  std::ostream& out = driver::write_outputs(
      outputs, [&](const std::string&) { return std::string(bytes.begin(), bytes.end()); });
  std::string report = compiler::format_compile_report(result.report);
  if (driver::verbosity() == driver::Verbosity::kQuiet)
    report = report.substr(0, report.find("\ncore "));
  out << report << (report.back() == '\n' ? "" : "\n");
  const std::string& output = outputs.at(0).second;
  if (!driver::is_stdout_path(output)) out << "wrote " << output << "\n";
  return 0;
}

CommandRegistration reg{"compile", "model -> .ifx program, with a compile report", run_compile};

}  // namespace
}  // namespace infsim::tools
