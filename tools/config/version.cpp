#include "tools/config/version.h"

#include "infsim_git_revision.h"  // generated at build time by cmake/git_revision.cmake

namespace infsim::tools {

const char* version() {
  return INFSIM_VERSION;
}

const char* git_revision() {
  return INFSIM_GIT_REVISION;
}

std::string version_string() {
  return std::string(version()) + " (" + git_revision() + ")";
}

}  // namespace infsim::tools
