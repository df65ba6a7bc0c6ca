// infsim: git-style subcommands (tools/cli/cmd_*.cpp). User mistakes exit 2 with a message on
// stderr.
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <yaml-cpp/exceptions.h>
#include <boost/program_options/errors.hpp>

#include "isa/user_error.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/version.h"

namespace {

void print_usage(std::ostream& os) {
  auto commands = infsim::tools::command_registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  os << "usage: infsim [-q|-v] <command> [options]   (infsim <command> --help for its options)\n"
     << "       infsim --version\n\n"
     << "A cycle-approximate simulator of AWS Inferentia (Inf1).\n\ncommands:\n";
  for (const auto& c : commands) {
    os << "  " << c.name << std::string(c.name.size() < 12 ? 12 - c.name.size() : 2, ' ')
       << c.summary << "\n";
  }
  os << "\nevery command also takes:\n"
     << "  -q, --quiet  no progress, timing or warning lines on stderr (errors still)\n"
     << "  -v, --verbose  also the simulator's info-level logs on stderr\n";
}

int fail(const std::string& what) {
  std::cerr << "infsim: error: " << what << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // -q / -v before the command name are the same as after it (parse_command_args).
  bool quiet = false, verbose = false;
  for (; !args.empty(); args.erase(args.begin())) {
    if (args[0] == "-q" || args[0] == "--quiet") {
      quiet = true;
    } else if (args[0] == "-v" || args[0] == "--verbose") {
      verbose = true;
    } else {
      break;
    }
  }
  if (quiet && verbose) return fail("-q and -v contradict each other");
  if (quiet || verbose) {
    infsim::driver::apply_verbosity(quiet ? infsim::driver::Verbosity::kQuiet
                                          : infsim::driver::Verbosity::kVerbose);
  }
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::cout << "infsim " << infsim::tools::version_string() << "\n";
    return 0;
  }
  const auto& commands = infsim::tools::command_registry();
  auto it = std::find_if(commands.begin(), commands.end(),
                         [&](const auto& c) { return c.name == args[0]; });
  if (it == commands.end()) {
    print_usage(std::cerr);
    return fail("unknown command '" + args[0] + "'");
  }
  try {
    return it->run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const infsim::UserError& e) {
    // Every module's user-facing error, of any kind, and from a child process too.
    return fail(e.what());
  } catch (const boost::program_options::error& e) {
    return fail(args[0] + ": " + e.what());
  } catch (const YAML::Exception& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    std::cerr << "infsim: internal error: " << e.what() << "\n";
    return 1;
  }
}
