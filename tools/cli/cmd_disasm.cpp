// infsim disasm: .ifx program -> its text form (which `infsim asm` turns back into the same bytes).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
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

// Through a temporary file and a rename, so that a failed write leaves nothing behind.
void write_text(const std::string& text, const std::string& path) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw isa::IsaError("cannot write '" + path + "': " + std::strerror(errno));
    out << text;
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      throw isa::IsaError("cannot write '" + path + "': write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw isa::IsaError("cannot write '" + path + "': " + std::strerror(err));
  }
}

int run_disasm(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("input", po::value<std::string>()->required()->value_name("FILE.ifx"),
                        "the program to disassemble (also the first argument)")(
      "output,o", po::value<std::string>()->value_name("FILE.s"),
      "write the text here instead of to stdout");
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
  isa::Program program = isa::read_program((*vm)["input"].as<std::string>());
  std::string text = isa::disassemble(program);
  if (vm->count("output")) {
    write_text(text, (*vm)["output"].as<std::string>());
  } else {
    std::cout << text;
  }
  return 0;
}

CommandRegistration reg{"disasm", ".ifx program -> text form", run_disasm};

}  // namespace
}  // namespace infsim::tools
