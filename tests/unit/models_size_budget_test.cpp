#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "models/model_error.h"
#include "models/size_budget.h"

namespace infsim::models {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

TEST(SizeBudget, ClaimsUpToTheLimitAndNamesTheTensorPastIt) {
  SizeBudget b(1000);
  b.claim(600, "m.onnx", "w", {150});
  b.claim(400, "m.onnx", "b", {100});  // exactly the limit
  EXPECT_EQ(b.used(), 1000u);
  EXPECT_EQ(message_of([&] { b.claim(1, "m.onnx", "c", {1}); }),
            "m.onnx: tensor 'c' [1] needs 1 B, which with the 1000 B before it is over the model "
            "size budget of 1000 B (INFSIM_MODEL_BUDGET)");
  // A failed claim takes nothing.
  EXPECT_EQ(b.used(), 1000u);
}

TEST(SizeBudget, OneTensorAloneOverTheLimit) {
  SizeBudget b(std::uint64_t{2} << 30);
  // 10^12 fp32 elements: 4e12 bytes = 3.64 TiB.
  EXPECT_EQ(message_of([&] {
              b.check(tensor_bytes({1000000, 1000000}, DType::kFp32), "f", "t", {1000000, 1000000});
            }),
            "f: tensor 't' [1000000, 1000000] needs 3.64 TiB over the model size budget of 2 GiB "
            "(INFSIM_MODEL_BUDGET)");
  EXPECT_EQ(b.used(), 0u);  // check() claims nothing
}

TEST(SizeBudget, ElementCountsAreChecked) {
  EXPECT_EQ(num_elements({}), 1);
  EXPECT_EQ(num_elements({2, 0, 5}), 0);
  EXPECT_EQ(num_elements({1 << 24, 1 << 24}), std::int64_t{1} << 48);  // kMaxElements itself
  EXPECT_THROW(num_elements({1 << 24, 1 << 24, 2}), ModelError);
  // 2^32 * 2^32 wraps to 0 in 64 bits; it must not pass as an empty tensor.
  EXPECT_THROW(num_elements({std::int64_t{1} << 32, std::int64_t{1} << 32}), ModelError);
  EXPECT_THROW(num_elements({4, -8}), ModelError);
}

TEST(SizeBudget, TheEnvironmentOverridesTheDefault) {
  ::unsetenv(kModelBudgetVariable);
  EXPECT_EQ(model_budget(), kDefaultModelBudget);
  ::setenv(kModelBudgetVariable, "500MiB", 1);
  EXPECT_EQ(model_budget(), std::uint64_t{500} << 20);
  ::setenv(kModelBudgetVariable, "4096", 1);
  EXPECT_EQ(model_budget(), 4096u);
  for (const char* bad : {"lots", "-1", "0", "5 GiB", "1PiB", "99999999999999999999"}) {
    ::setenv(kModelBudgetVariable, bad, 1);
    EXPECT_THROW(model_budget(), ModelError) << bad;
  }
  ::unsetenv(kModelBudgetVariable);
}

}  // namespace
}  // namespace infsim::models
