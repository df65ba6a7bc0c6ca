// infsim disasm: .ifx program -> its text form (which `infsim asm` turns back into the same bytes).
#include <iostream>
#include <string>
#include <vector>

#include "isa/ifx_format.h"
#include "isa/isa_error.h"
#include "isa/text_format.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

int run_disasm(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("input", po::value<std::string>()->required()->value_name("FILE.ifx"),
                        "the program to disassemble (also the first argument)")(
      "output,o", po::value<std::string>()->value_name("FILE.s"),
      "write the text here instead of to stdout (- is stdout too)");
  po::positional_options_description positional;
  positional.add("input", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim disasm <FILE.ifx> [-o FILE.s]\n\n"
      "Prints a compiled program as text: options, tensors (with their data), layers, host ops,\n"
      "memory plan, support report, and every core's queues one instruction per line.\n"
      "`infsim asm` turns the text back into the same .ifx bytes.",
      options, positional);
  if (!vm) return 0;
  const driver::OutputList outputs = driver::given_outputs(*vm, {"output"});
  isa::Program program = isa::read_program((*vm)["input"].as<std::string>());
  std::string text = isa::disassemble(program);
  if (outputs.empty()) {
    std::cout << text;
  } else {
    driver::write_outputs(outputs, [&](const std::string&) { return text; });
  }
  return 0;
}

CommandRegistration reg{"disasm", ".ifx program -> text form", run_disasm};

}  // namespace
}  // namespace infsim::tools
