// infsim asm: text form (.s) -> .ifx program.
#include <fstream>
#include <sstream>
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

int run_asm(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("input", po::value<std::string>()->required()->value_name("FILE.s"),
                        "the text to assemble (also the first argument)")(
      "output,o", po::value<std::string>()->required()->value_name("FILE.ifx"),
      "the program file to write (- for standard output)");
  po::positional_options_description positional;
  positional.add("input", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim asm <FILE.s> -o FILE.ifx\n\n"
      "Assembles the text form that `infsim disasm` prints (or that was written by hand) into\n"
      "an .ifx program. Nothing is written if the text has an error.",
      options, positional);
  if (!vm) return 0;
  const driver::OutputList outputs = driver::given_outputs(*vm, {"output"});
  const std::string& input = (*vm)["input"].as<std::string>();
  std::ifstream in(input, std::ios::binary);
  if (!in) throw isa::IsaError(input + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw isa::IsaError(input + ": read error");
  const std::vector<std::uint8_t> bytes = isa::encode_program(isa::assemble(text.str(), input));
  driver::write_outputs(
      outputs, [&](const std::string&) { return std::string(bytes.begin(), bytes.end()); });
  return 0;
}

CommandRegistration reg{"asm", "text form (.s) -> .ifx program", run_asm};

}  // namespace
}  // namespace infsim::tools
