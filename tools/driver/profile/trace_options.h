#pragma once
// The trace bounds as the command line writes them: --trace-level layer|instruction,
// --trace-cores 0,2,4-7 (global NeuronCore indices), --trace-window 10ms:25ms (simulated time;
// either side may be empty). A bad value is a UsageError naming the flag.

#include <string>

#include "sim/core/trace_writer.h"

namespace infsim::driver {

sim::TraceOptions parse_trace_options(const std::string& level, const std::string& cores,
                                      const std::string& window);

}  // namespace infsim::driver
