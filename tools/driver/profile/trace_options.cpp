#include "tools/driver/profile/trace_options.h"

#include <sstream>

#include "tools/config/errors.h"
#include "tools/config/units.h"

namespace infsim::driver {
namespace {

int core_index(const std::string& text) {
  std::size_t used = 0;
  int v = -1;
  try {
    v = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v < 0 || text.empty()) {
    throw UsageError("--trace-cores: '" + text + "' is not a NeuronCore index (0, 1, ...)");
  }
  return v;
}

double window_edge(const std::string& text, double empty) {
  if (text.empty()) return empty;
  try {
    return parse_quantity(text, isa::Unit::kTime);
  } catch (const UserError& e) {
    throw UsageError(std::string("--trace-window: ") + e.what());
  }
}

}  // namespace

sim::TraceOptions parse_trace_options(const std::string& level, const std::string& cores,
                                      const std::string& window) {
  sim::TraceOptions o;
  if (level == "layer") {
    o.level = sim::TraceLevel::kLayer;
  } else if (level == "instruction") {
    o.level = sim::TraceLevel::kInstruction;
  } else {
    throw UsageError("--trace-level must be layer or instruction, not '" + level + "'");
  }
  std::istringstream in(cores);
  std::string item;
  while (std::getline(in, item, ',')) {
    const std::size_t dash = item.find('-');
    const int first = core_index(item.substr(0, dash));
    const int last = dash == std::string::npos ? first : core_index(item.substr(dash + 1));
    if (last < first || last - first > 65535) {
      throw UsageError("--trace-cores: '" + item + "' is not a range low-high");
    }
    for (int c = first; c <= last; ++c) o.cores.push_back(c);
  }
  if (!window.empty()) {
    const std::size_t colon = window.find(':');
    if (colon == std::string::npos) {
      throw UsageError("--trace-window must be BEGIN:END (e.g. 10ms:25ms), not '" + window + "'");
    }
    o.window_begin = window_edge(window.substr(0, colon), 0);
    o.window_end = window_edge(window.substr(colon + 1), o.window_end);
    if (!(o.window_end > o.window_begin)) {
      throw UsageError("--trace-window: the end must come after the beginning");
    }
  }
  return o;
}

}  // namespace infsim::driver
