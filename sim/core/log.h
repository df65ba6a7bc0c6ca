#pragma once
// Per-module log levels. Messages go to stderr prefixed with the simulated time and the module.
// The level test is an array load, and INFSIM_LOG evaluates its message only when the level is
// on, so debug logging compiled into hot paths costs nothing when off (the default is kWarn).
//
//   INFSIM_LOG(LogModule::kDram, LogLevel::kDebug, "channel " << c << " busy until " << t);
//   set_log_levels("neuroncore=debug,dram=info");   // e.g. from a --log flag

#include <sstream>
#include <string>
#include <string_view>

namespace infsim::sim {

enum class LogLevel : int { kOff, kError, kWarn, kInfo, kDebug };
enum class LogModule : int {
  kCore,
  kMemory,
  kNeuronCore,
  kInterconnect,
  kChip,
  kInstance,
  kRuntime,
  kCount
};

std::string_view log_module_name(LogModule m);
void set_log_level(LogModule m, LogLevel level);
void set_log_level_all(LogLevel level);
// "module=level[,module=level...]", module "all" for every module; levels off, error, warn,
// info, debug. Throws SimError naming the bad item.
void set_log_levels(std::string_view spec);

namespace detail {
extern LogLevel g_log_levels[static_cast<int>(LogModule::kCount)];
void log_write(LogModule m, LogLevel level, const std::string& message);
}  // namespace detail

inline bool log_enabled(LogModule m, LogLevel level) {
  return static_cast<int>(level) <= static_cast<int>(detail::g_log_levels[static_cast<int>(m)]);
}

}  // namespace infsim::sim

#define INFSIM_LOG(module, level, expr)                                      \
  do {                                                                       \
    if (::infsim::sim::log_enabled(module, level)) {                         \
      std::ostringstream infsim_log_os_;                                     \
      infsim_log_os_ << expr;                                                \
      ::infsim::sim::detail::log_write(module, level, infsim_log_os_.str()); \
    }                                                                        \
  } while (0)
