#pragma once
// The infsim subcommands. Each lives in tools/cli/cmd_<name>.cpp and registers itself:
//
//   static infsim::tools::CommandRegistration reg{"compile", "model -> .ifx program", run_compile};
//
// run(args) gets the arguments after the subcommand name and returns the exit code. Errors are
// thrown: user mistakes as the modules' typed errors (exit 2, message on stderr), see main.cpp.

#include <functional>
#include <string>
#include <vector>

namespace infsim::tools {

using CommandFn = std::function<int(const std::vector<std::string>& args)>;

struct Command {
  std::string name;
  std::string summary;
  CommandFn run;
};

std::vector<Command>& command_registry();

struct CommandRegistration {
  CommandRegistration(std::string name, std::string summary, CommandFn run) {
    command_registry().push_back({std::move(name), std::move(summary), std::move(run)});
  }
};

}  // namespace infsim::tools
