// Results of a study: the tidy CSV, point evaluation, and the sensitivity arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "tools/config/version.h"
#include "tools/driver/sweep/results.h"

namespace infsim::driver {
namespace {

Parameter param(const std::string& name, std::vector<std::string> values, bool config = false) {
  Parameter p;
  p.name = name;
  p.is_config_key = config;
  p.values = std::move(values);
  return p;
}

// A 3 x 2 grid over sbuf size (MiB) and batch with metrics of known elasticities:
//   throughput = 100 * size^0.5 * batch      latency = 8 / size
Study grid_study() {
  Study s;
  s.name = "known";
  s.parameters = {param("chip.core.sbuf.size", {"4MiB", "16MiB", "64MiB"}, true),
                  param("batch", {"1", "2"})};
  s.metrics = {"throughput_avg", "latency_ms_p50"};
  s.sensitivity = s.metrics;
  return s;
}

std::vector<std::optional<PointResult>> known_results(const Study& s) {
  std::vector<std::optional<PointResult>> out;
  for (std::size_t i = 0; i < s.point_count(); ++i) {
    PointSpec p = s.point(i);
    double size = s.parameters[0].quantities()[i / 2].value;
    double batch = std::stod(p.parameters.at("batch"));
    PointResult r;
    r.metrics = {{"throughput_avg", 100 * std::sqrt(size) * batch}, {"latency_ms_p50", 8 / size}};
    out.push_back(r);
  }
  return out;
}

TEST(SweepResultsTest, ElasticitiesOfAKnownTable) {
  Study s = grid_study();
  ResultTable t = make_result_table(s, known_results(s));
  auto sens = sensitivities(t);
  ASSERT_EQ(sens.size(), 4u);
  // Along size: each of the 2 batch lines has 2 neighbouring pairs. Throughput ~ size^0.5:
  // (ln(100*sqrt(16)) - ln(100*sqrt(4))) / (ln 16 - ln 4) = ln 2 / ln 4 = 0.5 for every pair.
  EXPECT_EQ(sens[0].parameter, "chip.core.sbuf.size");
  EXPECT_EQ(sens[0].metric, "throughput_avg");
  EXPECT_EQ(sens[0].pairs, 4);
  EXPECT_NEAR(*sens[0].elasticity, 0.5, 1e-12);
  // Latency ~ size^-1: ln(1/4) / ln 4 = -1.
  EXPECT_NEAR(*sens[1].elasticity, -1.0, 1e-12);
  // Along batch: 3 size lines, 1 pair each. Throughput ~ batch: ln 2 / ln 2 = 1; latency flat.
  EXPECT_EQ(sens[2].pairs, 3);
  EXPECT_NEAR(*sens[2].elasticity, 1.0, 1e-12);
  EXPECT_NEAR(*sens[3].elasticity, 0.0, 1e-12);
}

TEST(SweepResultsTest, ElasticityAveragesPairsAndSkipsPointsThatDoNotFit) {
  Study s;
  s.parameters = {param("chip.core.clock", {"0.5GHz", "1GHz", "2GHz", "4GHz"}, true)};
  s.metrics = {"throughput_avg"};
  s.sensitivity = s.metrics;
  // Pairs: (0.5,1): 10 -> 20, e = ln2/ln2 = 1. (1,2): 20 -> 30, e = ln1.5/ln2 = 0.5849625.
  // (2,4) is left out: 4GHz does not fit. Mean = (1 + 0.5849625007) / 2 = 0.7924812504.
  std::vector<std::optional<PointResult>> r(4);
  for (int i = 0; i < 3; ++i)
    r[i] = PointResult{kStatusOk, "", {{"throughput_avg", 10.0 * (i + 1)}}, "", ""};
  r[3] = PointResult{kStatusDoesNotFit, "too fast", {{"throughput_avg", 99}}, "", ""};
  auto sens = sensitivities(make_result_table(s, r));
  ASSERT_EQ(sens.size(), 1u);
  EXPECT_EQ(sens[0].pairs, 2);
  EXPECT_NEAR(*sens[0].elasticity, (1 + std::log(1.5) / std::log(2)) / 2, 1e-12);
}

TEST(SweepResultsTest, NonNumericParametersAreNotApplicable) {
  Study s;
  s.parameters = {param("model", {"resnet50", "bert_base"}), param("batch", {"1"})};
  s.metrics = {"throughput_avg"};
  s.sensitivity = s.metrics;
  std::vector<std::optional<PointResult>> r(
      2, PointResult{kStatusOk, "", {{"throughput_avg", 5}}, "", ""});
  auto sens = sensitivities(make_result_table(s, r));
  ASSERT_EQ(sens.size(), 2u);
  EXPECT_FALSE(sens[0].elasticity.has_value());
  EXPECT_EQ(sens[0].note, "not numeric");
  EXPECT_FALSE(sens[1].elasticity.has_value());
  EXPECT_EQ(sens[1].note, "one value");
  EXPECT_NE(sensitivity_text(sens).find("n/a (not numeric)"), std::string::npos);
  EXPECT_EQ(sensitivity_csv(sens),
            "parameter,metric,elasticity,pairs,note\n"
            "model,throughput_avg,n/a,0,not numeric\n"
            "batch,throughput_avg,n/a,0,one value\n");
}

TEST(SweepResultsTest, ZipParametersMoveTogetherOnOneLine) {
  Study s;
  s.combine = Combine::kZip;
  s.parameters = {param("chip.core.tensor.rows", {"64", "128"}, true),
                  param("chip.core.tensor.cols", {"64", "128"}, true)};
  s.metrics = {"throughput_avg"};
  s.sensitivity = s.metrics;
  std::vector<std::optional<PointResult>> r = {
      PointResult{kStatusOk, "", {{"throughput_avg", 1}}, "", ""},
      PointResult{kStatusOk, "", {{"throughput_avg", 4}}, "", ""}};
  auto lines = lines_along(s, 0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].title, "");
  auto sens = sensitivities(make_result_table(s, r));
  // 1 -> 4 while rows doubles: ln 4 / ln 2 = 2.
  EXPECT_NEAR(*sens[0].elasticity, 2.0, 1e-12);
  EXPECT_EQ(sens[0].pairs, 1);
}

TEST(SweepResultsTest, LinesAreSortedByValueAndTitledByTheOthers) {
  Study s;
  s.parameters = {param("batch", {"4", "1"}),
                  param("chip.dram.bandwidth", {"50GiB/s", "25GiB/s"}, true)};
  auto lines = lines_along(s, 1);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].title, "batch=4");
  EXPECT_EQ(lines[1].title, "batch=1");
  // Points 0 (50GiB/s) and 1 (25GiB/s) of batch=4, in increasing bandwidth.
  EXPECT_EQ(lines[0].rows, (std::vector<std::size_t>{1, 0}));
  EXPECT_DOUBLE_EQ(lines[0].x[0], 25.0 * (1ull << 30));
}

TEST(SweepResultsTest, TidyCsv) {
  Study s;
  s.parameters = {param("model", {"a", "b,c"}), param("batch", {"1", "2"})};
  s.metrics = {"fits", "estimated_cycles"};
  std::vector<std::optional<PointResult>> r(4);
  r[0] = PointResult{
      kStatusOk, "", {{"fits", 1}, {"estimated_cycles", 1234567.5}}, "00ab", "neuronperf"};
  r[1] = PointResult{kStatusDoesNotFit, "needs \"12MiB\" of SBUF", {{"fits", 0}}, "", ""};
  r[2] = PointResult{kStatusError, "mode: boom\nsecond\nthird", {}, "", ""};
  auto t = make_result_table(s, r);
  const std::string v = tools::version_string();
  EXPECT_EQ(results_csv(t),
            "point,model,batch,status,fits,estimated_cycles,message,framework,infsim_version,"
            "config_hash\n"
            "0,a,1,ok,1,1234567.5,,neuronperf," +
                v +
                ",00ab\n"
                "1,a,2,does_not_fit,0,,\"needs \"\"12MiB\"\" of SBUF\",," +
                v +
                ",\n"
                "2,\"b,c\",1,error,,,mode: boom (+2 more lines in results.json),," +
                v +
                ",\n"
                "3,\"b,c\",2,missing,,,,," +
                v + ",\n");
  auto j = results_json(t);
  EXPECT_EQ(j["points"][1]["status"], "does_not_fit");
  EXPECT_TRUE(j["points"][1]["metrics"]["estimated_cycles"].is_null());
  EXPECT_EQ(j["points"][2]["message"], "mode: boom\nsecond\nthird");
  EXPECT_EQ(j["infsim_version"], v);
  EXPECT_EQ(j["points"][0]["config_hash"], "00ab");
  EXPECT_EQ(j["points"][0]["framework"], "neuronperf");
  EXPECT_EQ(j["points"][1]["framework"], "");
  // A `framework` parameter is the column already: no second one.
  s.parameters.push_back(param("framework", {"neuronperf"}));
  const std::string header = results_csv(make_result_table(s, r));
  EXPECT_EQ(header.substr(0, header.find('\n')),
            "point,model,batch,framework,status,fits,estimated_cycles,message,infsim_version,"
            "config_hash");
}

TEST(SweepResultsTest, EvaluatePointMergesModesAndStopsWhenItDoesNotFit) {
  register_point_evaluator("test_a", {"a"}, [](const StudyBase&, const PointSpec& p) {
    PointResult r;
    r.metrics["a"] = p.field_int("batch", 1);
    if (p.field_int("batch", 1) > 2) {
      r.status = kStatusDoesNotFit;
      r.message = "batch too large";
    }
    return r;
  });
  int b_calls = 0;
  register_point_evaluator("test_b", {"b"}, [&](const StudyBase&, const PointSpec& p) {
    ++b_calls;
    if (p.field("model", "") == "bad") throw std::runtime_error("no such model 'bad'");
    // A run mode says which framework profile it ran under; the merged point keeps it.
    return PointResult{kStatusOk, "", {{"b", 7}}, "", "neuronperf"};
  });
  PointSpec p;
  p.fields = {{"batch", "2"}};
  PointResult r = evaluate_point({"test_a", "not_linked", "test_b"}, StudyBase{}, p);
  EXPECT_EQ(r.status, kStatusOk);
  EXPECT_EQ(r.metrics.at("a"), 2);
  EXPECT_EQ(r.metrics.at("b"), 7);
  EXPECT_EQ(r.framework, "neuronperf");

  p.fields["batch"] = "4";
  r = evaluate_point({"test_a", "test_b"}, StudyBase{}, p);
  EXPECT_EQ(r.status, kStatusDoesNotFit);
  EXPECT_EQ(r.message, "batch too large");
  EXPECT_EQ(b_calls, 1);

  p.fields = {{"model", "bad"}};
  r = evaluate_point({"test_b"}, StudyBase{}, p);
  EXPECT_EQ(r.status, kStatusError);
  EXPECT_EQ(r.message, "test_b: no such model 'bad'");
}

}  // namespace
}  // namespace infsim::driver
