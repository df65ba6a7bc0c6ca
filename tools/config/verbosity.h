#pragma once
// How much infsim writes to stderr besides errors: the -q / -v flags every command takes
// (tools/cli/cli_common.h). Quiet drops progress, ETA, timing and warning lines; verbose adds
// the simulator's info-level logs. Errors are always printed.
#include <ostream>

namespace infsim::driver {

enum class Verbosity { kQuiet, kNormal, kVerbose };

void set_verbosity(Verbosity v);
Verbosity verbosity();

// std::cerr, or a stream that drops everything when quiet: for progress and warning lines.
std::ostream& progress_stream();

}  // namespace infsim::driver
