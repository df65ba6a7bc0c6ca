#pragma once
// Shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp, built with INFSIM_FUZZ=ON; run one with
// tools/scripts/fuzz.sh TARGET SECONDS).
//
// A target feeds one input to one reader. What a user may hand infsim must end in one of the
// typed errors main() turns into exit 2 with a message; anything else escaping (std::bad_alloc,
// std::out_of_range, a protobuf CHECK, a nlohmann type_error, ...) is a finding: it propagates out
// of LLVMFuzzerTestOneInput and libFuzzer reports the uncaught exception with the input. So do
// sanitizer reports, and (with -rss_limit_mb=2048) any input that needs more than ~2 GiB.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace infsim::fuzz {

// A per-process scratch directory; readers that take a path read the input from a file in it.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d =
        std::filesystem::temp_directory_path() / ("infsim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// Writes the input to scratch_dir()/name and returns the path.
inline std::string write_input(const std::uint8_t* data, std::size_t size,
                               const std::string& name) {
  const std::filesystem::path path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path.string();
}

// Runs `read` on one input; the typed user errors `Errors...` (each target names those of its
// module) are the expected outcome of a bad input.
template <class F>
void expect_errors(F&& read) {
  read();
}
template <class Error, class... Errors, class F>
void expect_errors(F&& read) {
  try {
    expect_errors<Errors...>(read);
  } catch (const Error&) {
  }
}

// A broken invariant of a reader (e.g. a round trip that does not give back what it read).
[[noreturn]] inline void finding(const char* what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what);
  std::abort();
}

}  // namespace infsim::fuzz
