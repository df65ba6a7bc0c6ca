#include "tools/config/verbosity.h"

#include <iostream>

namespace infsim::driver {
namespace {

Verbosity g_verbosity = Verbosity::kNormal;

}  // namespace

void set_verbosity(Verbosity v) {
  g_verbosity = v;
}

Verbosity verbosity() {
  return g_verbosity;
}

std::ostream& progress_stream() {
  static std::ostream null_stream(nullptr);  // no buffer: every write is dropped
  return g_verbosity == Verbosity::kQuiet ? null_stream : std::cerr;
}

}  // namespace infsim::driver
