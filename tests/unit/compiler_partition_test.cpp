#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "compiler/canonicalize.h"
#include "compiler/compile_error.h"
#include "compiler/partition.h"
#include "compiler_test_graphs.h"
#include "models/zoo.h"

namespace infsim::compiler {
namespace {

TEST(CompilerPartition, CutsOnlyWhereOneTensorCrosses) {
  models::ZooOptions o;
  LayerGraph g = canonicalize(models::build_zoo_model("resnet18", o), 1, false).graph;
  std::vector<double> cost(g.layers.size(), 1.0);
  StagePlan p = partition_layers(g, 4, cost);
  ASSERT_EQ(p.stages(), 4);
  for (int k = 0; k < 3; ++k) {
    const Value& v = g.values[p.crossing[k]];
    for (int c : v.consumers) EXPECT_GE(c, p.first[k + 1]);  // read only after the cut
    for (std::size_t u = 0; u < g.values.size(); ++u) {
      if (static_cast<int>(u) == p.crossing[k] || g.values[u].graph_input) continue;
      const Value& other = g.values[u];
      bool crosses = other.producer < p.first[k + 1] && !other.consumers.empty() &&
                     other.consumers.back() >= p.first[k + 1];
      EXPECT_FALSE(crosses) << other.name;
    }
  }
}

TEST(CompilerPartition, BalancesByCost) {
  LayerGraph g;
  g.batch = 1;
  for (int i = 0; i <= 4; ++i) {
    Value v;
    v.channels = 4;
    v.producer = i - 1;
    if (i < 4) v.consumers = {i};
    g.values.push_back(v);
  }
  for (int i = 0; i < 4; ++i) {
    Layer l;
    l.inputs = {i};
    l.output = i + 1;
    g.layers.push_back(l);
  }
  g.values[0].graph_input = true;
  StagePlan p = partition_layers(g, 2, {5, 1, 1, 3});
  EXPECT_EQ(p.first, (std::vector<int>{0, 1}));  // {5} | {1, 1, 3}
  EXPECT_THROW(partition_layers(g, 5, {1, 1, 1, 1}), CompileError);
}

// A chain of `n` layers, each reading the one before: a cut fits before every layer.
LayerGraph chain(int n) {
  LayerGraph g;
  g.name = "chain";
  g.batch = 1;
  for (int i = 0; i <= n; ++i) {
    Value v;
    v.channels = 4;
    v.producer = i - 1;
    if (i < n) v.consumers = {i};
    g.values.push_back(v);
  }
  for (int i = 0; i < n; ++i) {
    Layer l;
    l.name = "l" + std::to_string(i);
    l.inputs = {i};
    l.output = i + 1;
    g.layers.push_back(l);
  }
  g.values[0].graph_input = true;
  return g;
}

// A stage's layers, for checks.
std::vector<int> layers_of(const StagePlan& plan, int s, int n) {
  std::vector<int> out;
  for (int l = plan.first[s]; l <= plan.last(s, n); ++l) out.push_back(l);
  return out;
}

// A check (memory, in compile()) that refuses a stage with more than `most` layers or one that
// holds layer `alone_only` with another: the most balanced split among those it allows.
TEST(CompilerPartition, TheCheckRulesOutStagesAndTheRestStayBalanced) {
  LayerGraph g = chain(4);
  const std::vector<double> cost = {5, 1, 1, 3};
  int asked = 0;
  auto at_most_two = [&](const StagePlan& plan, int s) {
    ++asked;
    return layers_of(plan, s, 4).size() > 2 ? std::string("too many layers") : std::string();
  };
  // {5} | {1, 1, 3} has a stage of 3 layers; {5, 1} | {1, 3} (max 6) is the best that passes.
  StagePlan p = partition_layers(g, 2, cost, at_most_two);
  EXPECT_EQ(p.first, (std::vector<int>{0, 2}));
  EXPECT_EQ(p.layer_stage, (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(p.crossing, (std::vector<int>{2}));
  EXPECT_GT(asked, 0);
  // Without a check, and with one that passes every stage, the split balanced by cost.
  EXPECT_EQ(partition_layers(g, 2, cost).first, (std::vector<int>{0, 1}));
  auto any = [](const StagePlan&, int) { return std::string(); };
  EXPECT_EQ(partition_layers(g, 2, cost, any).first, (std::vector<int>{0, 1}));
}

// The check sees the candidate stage with at most one stage before and one after it, the
// crossing values of its cuts set.
TEST(CompilerPartition, TheCheckSeesTheStageBetweenItsCuts) {
  LayerGraph g = chain(5);
  int asked = 0;
  auto check = [&](const StagePlan& plan, int s) {
    ++asked;
    EXPECT_LE(plan.stages(), 3);
    EXPECT_EQ(static_cast<int>(plan.crossing.size()), plan.stages() - 1);
    EXPECT_EQ(s, plan.first[s] > 0 ? 1 : 0);
    for (int k = 0; k + 1 < plan.stages(); ++k)
      EXPECT_EQ(plan.crossing[k], plan.first[k + 1]);  // value i is read by layer i
    for (int l = 0; l < 5; ++l)
      EXPECT_EQ(plan.layer_stage[l],
                static_cast<int>(std::upper_bound(plan.first.begin(), plan.first.end(), l) -
                                 plan.first.begin()) -
                    1);
    return std::string();
  };
  partition_layers(g, 3, std::vector<double>(5, 1.0), check);
  EXPECT_GT(asked, 0);  // the expectations above ran
}

// When no split passes, the error is does_not_fit and says why: a layer that no passing stage
// takes after the layers before it, or else the balanced split's failing stage and how many
// stages the passing splits have.
TEST(CompilerPartition, NoSplitThatFitsSaysWhy) {
  LayerGraph g = chain(4);
  const std::vector<double> cost(4, 1.0);
  auto never_l2 = [&](const StagePlan& plan, int s) {
    const auto l = layers_of(plan, s, 4);
    return std::find(l.begin(), l.end(), 2) != l.end() ? std::string("l2 is too large")
                                                       : std::string();
  };
  try {
    partition_layers(g, 2, cost, never_l2);
    ADD_FAILURE() << "expected does_not_fit";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDoesNotFit);
    EXPECT_NE(std::string(e.what()).find(
                  "layer 'l2' is in no stage that fits after the layers before them"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("l2 is too large"), std::string::npos) << e.what();
  }
  // Stages of one or two layers fit: 2 to 4 stages do, 1 does not.
  auto at_most_two = [&](const StagePlan& plan, int s) {
    return layers_of(plan, s, 4).size() > 2 ? std::string("three layers do not fit")
                                            : std::string();
  };
  EXPECT_EQ(partition_layers(g, 4, cost, at_most_two).stages(), 4);
  try {
    partition_layers(g, 1, cost, at_most_two);
    ADD_FAILURE() << "expected does_not_fit";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDoesNotFit);
    EXPECT_NE(std::string(e.what()).find("three layers do not fit"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at least 2 and at most 4 stages"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace infsim::compiler
