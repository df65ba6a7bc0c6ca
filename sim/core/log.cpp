#include "sim/core/log.h"

#include <cstdio>

#include <systemc>

#include "sim/core/sim_error.h"

namespace infsim::sim {
namespace {

constexpr std::string_view kModuleNames[] = {"core", "memory",   "neuroncore", "interconnect",
                                             "chip", "instance", "runtime"};
constexpr std::string_view kLevelNames[] = {"off", "error", "warn", "info", "debug"};

}  // namespace

namespace detail {

LogLevel g_log_levels[static_cast<int>(LogModule::kCount)] = {
    LogLevel::kWarn, LogLevel::kWarn, LogLevel::kWarn, LogLevel::kWarn,
    LogLevel::kWarn, LogLevel::kWarn, LogLevel::kWarn};

void log_write(LogModule m, LogLevel level, const std::string& message) {
  std::fprintf(stderr, "[%s] %s %s: %s\n", sc_core::sc_time_stamp().to_string().c_str(),
               std::string(log_module_name(m)).c_str(),
               std::string(kLevelNames[static_cast<int>(level)]).c_str(), message.c_str());
}

}  // namespace detail

std::string_view log_module_name(LogModule m) {
  return kModuleNames[static_cast<int>(m)];
}

void set_log_level(LogModule m, LogLevel level) {
  detail::g_log_levels[static_cast<int>(m)] = level;
}

void set_log_level_all(LogLevel level) {
  for (auto& l : detail::g_log_levels) l = level;
}

void set_log_levels(std::string_view spec) {
  while (!spec.empty()) {
    const auto comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw SimError("log level '" + std::string(item) + "': expected module=level");
    }
    const std::string_view module = item.substr(0, eq);
    const std::string_view level_text = item.substr(eq + 1);
    int level = -1;
    for (int i = 0; i < static_cast<int>(std::size(kLevelNames)); ++i) {
      if (kLevelNames[i] == level_text) level = i;
    }
    if (level < 0) {
      throw SimError("log level '" + std::string(item) + "': unknown level '" +
                     std::string(level_text) + "' (off, error, warn, info, debug)");
    }
    if (module == "all") {
      set_log_level_all(static_cast<LogLevel>(level));
      continue;
    }
    int found = -1;
    for (int i = 0; i < static_cast<int>(LogModule::kCount); ++i) {
      if (kModuleNames[i] == module) found = i;
    }
    if (found < 0) {
      throw SimError("log level '" + std::string(item) + "': unknown module '" +
                     std::string(module) +
                     "' (all, core, memory, neuroncore, interconnect, chip, instance, runtime)");
    }
    set_log_level(static_cast<LogModule>(found), static_cast<LogLevel>(level));
  }
}

}  // namespace infsim::sim
