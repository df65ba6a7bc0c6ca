#pragma once
// infsim's version (CMake's project version) and the git revision it was built from. Every
// JSON and CSV output records version_string(), so a number can be traced to the code that made it.
#include <string>

namespace infsim::tools {

// "0.1.0", from project(VERSION) in the top-level CMakeLists.txt.
const char* version();
// The short git revision of the build ("1a2b3c4d5e6f", "-dirty" when the tracked files had
// changes), or "unknown" outside a git checkout.
const char* git_revision();
// "0.1.0 (1a2b3c4d5e6f)": what `infsim --version` prints and outputs record as infsim_version.
std::string version_string();

}  // namespace infsim::tools
