#pragma once
// INFSIM_PANIC_IF: a simulator or compiler bug, not a user mistake. Aborts with context: where,
// what, the condition, and the values given after the message.
//
//   INFSIM_PANIC_IF(start < busy_until_, "resource booked before it is free", start, busy_until_);
//   -> infsim: internal error at sim/core/busy_resource.cpp:26: resource booked before it is
//      free (start < busy_until_) [start, busy_until_ = 10, 12]
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace infsim::detail {

template <class... Values>
[[noreturn]] void panic(const char* file, int line, const std::string& message,
                        const char* condition, const char* names, const Values&... values) {
  std::ostringstream text;
  if constexpr (sizeof...(Values) > 0) {
    text << " [" << names << " =";
    const char* separator = " ";
    ((text << separator << values, separator = ", "), ...);
    text << "]";
  }
  std::fprintf(stderr, "infsim: internal error at %s:%d: %s (%s)%s\n", file, line, message.c_str(),
               condition, text.str().c_str());
  std::abort();
}

}  // namespace infsim::detail

#define INFSIM_PANIC_IF(cond, msg, ...)                                                     \
  do {                                                                                      \
    if (cond) {                                                                             \
      ::infsim::detail::panic(__FILE__, __LINE__, msg, #cond, #__VA_ARGS__, ##__VA_ARGS__); \
    }                                                                                       \
  } while (0)
