#pragma once
// Running commands from end-to-end tests: the exit code and stdout + stderr together.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace infsim::testing {

struct Output {
  int code = -1;
  std::string text;  // stdout and stderr together
};

// Runs a shell command line, appending its stdout to `text`; returns the exit code.
inline int read_command(const std::string& line, std::string& text) {
  FILE* pipe = ::popen(line.c_str(), "r");
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs `command` through the shell in `cwd`.
inline Output shell(const std::string& command, const std::filesystem::path& cwd) {
  Output out;
  out.code = read_command("cd '" + cwd.string() + "' && " + command + " 2>&1", out.text);
  return out;
}

// Runs `command` through the shell in `cwd`, keeping stdout and stderr apart.
struct SplitOutput {
  int code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string read_file(const std::filesystem::path& p);

inline SplitOutput shell_split(const std::string& command, const std::filesystem::path& cwd) {
  const std::filesystem::path err =
      std::filesystem::temp_directory_path() / ("infsim-stderr-" + std::to_string(::getpid()));
  SplitOutput s;
  s.code = read_command("cd '" + cwd.string() + "' && (" + command + ") 2>'" + err.string() + "'",
                        s.out);
  s.err = read_file(err);
  std::filesystem::remove(err);
  return s;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace infsim::testing
