#include <gtest/gtest.h>

#include "compiler/analyze.h"
#include "compiler_test_graphs.h"
#include "models/zoo.h"

namespace infsim::compiler {
namespace {

TEST(CompilerAnalyze, ResNet50IsFullySupported) {
  models::ZooOptions o;
  AnalyzeReport r = analyze(models::build_zoo_model("resnet50", o));
  EXPECT_EQ(r.supported_count, r.total_count);
  EXPECT_DOUBLE_EQ(r.percent_supported(), 100.0);
  bool conv = false;
  for (const auto& op : r.operators)
    if (op.op == "Conv") conv = op.count == 53;
  EXPECT_TRUE(conv);
  EXPECT_NE(format_analyze(r).find("100.00% of arithmetic operations"), std::string::npos);
  EXPECT_NE(analyze_json(r).find("\"operator_count\""), std::string::npos);
}

TEST(CompilerAnalyze, CountsUnsupportedOperators) {
  testing::GraphBuilder b("odd");
  int x = b.input("x", {1, 4, 4, 4});
  x = b.node("flat", "Flatten", {b.node("odd", "Abs", {x})}, {{"axis", std::int64_t{1}}});
  AnalyzeReport r = analyze(b.finish(x));
  EXPECT_EQ(r.total_count, 2u);
  EXPECT_EQ(r.supported_count, 1u);
  EXPECT_EQ(r.arithmetic_count, 1u);  // Flatten moves data only
  EXPECT_EQ(r.supported_arithmetic_count, 0u);
  EXPECT_NE(format_analyze(r).find("not supported"), std::string::npos);
}

}  // namespace
}  // namespace infsim::compiler
