#include "compiler/partition.h"

#include <algorithm>
#include <limits>
#include <string>

#include "compiler/compile_error.h"

namespace infsim::compiler {

StagePlan partition_layers(const LayerGraph& graph, int stages, const std::vector<double>& cost) {
  const int n = static_cast<int>(graph.layers.size());
  StagePlan plan;
  if (stages < 1)
    throw CompileError("--pipeline-cores must be at least 1", ErrorKind::kImpossibleRequest);
  // Candidate cut before layer i: exactly one value produced before i is read at or after i.
  std::vector<int> cut_at, cut_value;
  for (int i = 1; i < n; ++i) {
    int crossing = 0, value = -1;
    for (std::size_t v = 0; v < graph.values.size(); ++v) {
      const Value& val = graph.values[v];
      if (val.graph_input || val.producer >= i) continue;
      if (!val.consumers.empty() && val.consumers.back() >= i) {
        ++crossing;
        value = static_cast<int>(v);
      }
    }
    if (crossing == 1) {
      cut_at.push_back(i);
      cut_value.push_back(value);
    }
  }
  if (static_cast<int>(cut_at.size()) < stages - 1)
    throw CompileError("cannot split '" + graph.name + "' into " + std::to_string(stages) +
                           " pipeline stages: it has only " + std::to_string(cut_at.size() + 1) +
                           " places where a single tensor crosses",
                       ErrorKind::kDoesNotFit);
  std::vector<double> prefix(n + 1, 0.0);
  for (int i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + cost[i];
  // Points: 0, the candidates, n. best[k][j]: least max stage cost covering layers up to point j
  // with k stages.
  std::vector<int> points = {0};
  points.insert(points.end(), cut_at.begin(), cut_at.end());
  points.push_back(n);
  const int p = static_cast<int>(points.size());
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> best(stages + 1, std::vector<double>(p, inf));
  std::vector<std::vector<int>> from(stages + 1, std::vector<int>(p, -1));
  best[0][0] = 0.0;
  for (int k = 1; k <= stages; ++k)
    for (int j = 1; j < p; ++j)
      for (int i = 0; i < j; ++i) {
        if (best[k - 1][i] == inf) continue;
        double c = std::max(best[k - 1][i], prefix[points[j]] - prefix[points[i]]);
        if (c < best[k][j]) {
          best[k][j] = c;
          from[k][j] = i;
        }
      }
  std::vector<int> chosen;
  for (int k = stages, j = p - 1; k > 0; --k) {
    chosen.push_back(j);
    j = from[k][j];
  }
  std::reverse(chosen.begin(), chosen.end());
  plan.first.push_back(0);
  for (int k = 0; k + 1 < stages; ++k) {
    int point = chosen[k];
    plan.first.push_back(points[point]);
    plan.crossing.push_back(cut_value[point - 1]);
  }
  plan.layer_stage.assign(n, 0);
  for (int s = 0; s < stages; ++s)
    for (int i = plan.first[s]; i <= plan.last(s, n); ++i) plan.layer_stage[i] = s;
  return plan;
}

}  // namespace infsim::compiler
