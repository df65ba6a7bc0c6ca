#include <gtest/gtest.h>

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

}  // namespace
}  // namespace infsim::compiler
