// infsim verify: check a compiled program against a NeuronCore configuration.
#include <iostream>
#include <string>
#include <vector>

#include "isa/ifx_format.h"
#include "isa/isa_error.h"
#include "isa/verifier.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

int run_verify(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("input", po::value<std::string>()->required()->value_name("FILE.ifx"),
                        "the program to check (also the first argument)");
  driver::add_instance_options(options);
  po::positional_options_description positional;
  positional.add("input", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim verify <FILE.ifx> [--instance NAME] [--set KEY=VALUE]...\n\n"
      "Checks a program against the NeuronCore of an instance (default inf1.xlarge): access\n"
      "patterns inside SBUF, PSUM and the declared DRAM tensors, operands, engines, dtypes,\n"
      "semaphores, and that no queue waits forever. Lists every problem; exits 2 if any.",
      options, positional);
  if (!vm) return 0;
  const std::string& input = (*vm)["input"].as<std::string>();
  isa::InstanceConfig config = driver::instance_from_options(*vm, driver::ConfigUse::kMachine);
  isa::Program program = isa::read_program(input);
  std::vector<isa::Diagnostic> diagnostics = isa::verify_program(program, config.chip.core);
  if (!diagnostics.empty()) {
    std::string text = isa::format_diagnostics(diagnostics);
    text.pop_back();
    throw isa::IsaError(input + ": " + std::to_string(diagnostics.size()) + " problem" +
                        (diagnostics.size() == 1 ? "" : "s") + ":\n" + text);
  }
  std::size_t instructions = 0;
  for (const auto& core : program.cores) {
    for (const auto* queues : {&core.setup, &core.queues}) {
      for (const auto& q : *queues) instructions += q.instructions.size();
    }
  }
  std::cout << input << ": ok (" << program.cores.size() << " core"
            << (program.cores.size() == 1 ? "" : "s") << ", " << instructions
            << " instructions, checked against " << config.name << ")\n";
  return 0;
}

CommandRegistration reg{"verify", "check an .ifx program (bounds, semaphores, deadlocks)",
                        run_verify};

}  // namespace
}  // namespace infsim::tools
