#include <gtest/gtest.h>

#include "compiler/analyze.h"
#include "compiler_test_graphs.h"
#include "models/model_error.h"
#include "models/model_loader.h"
#include "models/zoo.h"

#include <map>
#include "tests/common/test_paths.h"

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

// Every operator is listed, the unknown and the unsupported ones too, not only the first.
TEST(CompilerAnalyze, ListsEveryUnsupportedOperator) {
  testing::GraphBuilder b("odd");
  int x = b.input("x", {1, 4, 4, 4});
  x = b.conv("conv", b.node("odd1", "Abs", {x}), 4, 1, 1, 0);
  x = b.node("odd2", "Neg", {x});
  AnalyzeReport r = analyze(b.finish(b.conv("conv2", x, 4, 1, 1, 0)));
  std::map<std::string, bool> supported;
  for (const auto& op : r.operators) supported[op.op] = op.supported;
  EXPECT_EQ(supported,
            (std::map<std::string, bool>{{"Abs", false}, {"Conv", true}, {"Neg", false}}));
}

// An ONNX file with an operator the IR does not know imports for analysis (and only for it).
TEST(CompilerAnalyze, OnnxWithAnUnknownOperatorIsAnalyzed) {
  const std::string path = std::string(INFSIM_TEST_DATA) + "/onnx/unsupported_op.onnx";
  EXPECT_THROW(models::load_model(path, {}), models::ModelError);
  AnalyzeReport r = analyze(models::load_model(path, {}, /*keep_unknown_ops=*/true));
  bool listed_unsupported = false;
  for (const auto& op : r.operators) listed_unsupported |= !op.supported;
  EXPECT_TRUE(listed_unsupported) << format_analyze(r);
  EXPECT_LT(r.supported_count, r.total_count);
}

}  // namespace
}  // namespace infsim::compiler
