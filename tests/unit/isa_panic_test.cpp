// INFSIM_PANIC_IF prints where, what, the condition and the values it was given, then aborts.
#include "isa/panic.h"

#include <gtest/gtest.h>

#include <string>

namespace {

int checked_half(int x, const std::string& who) {
  INFSIM_PANIC_IF(x % 2 != 0, "odd input", x, who);
  INFSIM_PANIC_IF(x < 0, "negative input");
  return x / 2;
}

TEST(PanicDeathTest, PrintsTheValues) {
  EXPECT_EQ(checked_half(4, "a"), 2);
  EXPECT_DEATH(checked_half(3, "queue 2"),
               "internal error at .*isa_panic_test.cpp:[0-9]+: odd input \\(x % 2 != 0\\) "
               "\\[x, who = 3, queue 2\\]");
  EXPECT_DEATH(checked_half(-2, "b"), "negative input \\(x < 0\\)\n");
}

}  // namespace
