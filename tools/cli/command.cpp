#include "tools/cli/command.h"

namespace infsim::tools {

std::vector<Command>& command_registry() {
  static std::vector<Command> commands;
  return commands;
}

}  // namespace infsim::tools
