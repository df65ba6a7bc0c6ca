#pragma once
// INFSIM_PANIC_IF: a simulator or compiler bug, not a user mistake. Aborts with context.
#include <cstdio>
#include <cstdlib>

#define INFSIM_PANIC_IF(cond, msg)                                                                \
  do {                                                                                            \
    if (cond) {                                                                                   \
      std::fprintf(stderr, "infsim: internal error at %s:%d: %s (%s)\n", __FILE__, __LINE__, msg, \
                   #cond);                                                                        \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)
