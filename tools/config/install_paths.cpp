#include "tools/config/install_paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

// The folder of the running executable, or empty when /proc is not there.
fs::path exe_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

fs::path installed_share() {
  const fs::path dir = exe_dir();
  return dir.empty() ? fs::path() : (dir / ".." / "share" / "infsim").lexically_normal();
}

bool has_instances(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_directory(dir / "instances", ec);
}

}  // namespace

std::string find_config_dir() {
  if (const char* env = std::getenv("INFSIM_CONFIG_DIR"); env != nullptr && *env != '\0') {
    if (!has_instances(env)) {
      throw ConfigError(std::string("INFSIM_CONFIG_DIR=") + env +
                        " is not a config directory (it has no instances/ folder)");
    }
    return env;
  }
  const fs::path share = installed_share();
  if (has_instances(share / "configs")) return (share / "configs").string();
  const fs::path dir = exe_dir();
  if (!dir.empty() && has_instances(dir / ".." / ".." / "configs")) {
    return (dir / ".." / ".." / "configs").lexically_normal().string();
  }
  const fs::path source = fs::path(INFSIM_SOURCE_DIR) / "configs";
  if (has_instances(source)) return source.string();
  throw ConfigError("cannot find the configs/ directory; set INFSIM_CONFIG_DIR");
}

std::string find_script(const std::string& name) {
  const fs::path installed = installed_share() / "scripts" / name;
  std::error_code ec;
  if (fs::is_regular_file(installed, ec)) return installed.string();
  return (fs::path(INFSIM_SOURCE_DIR) / "tools" / "scripts" / name).string();
}

}  // namespace infsim::driver
