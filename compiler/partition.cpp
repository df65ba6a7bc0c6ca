#include "compiler/partition.h"

#include <algorithm>
#include <limits>
#include <string>

#include "compiler/compile_error.h"

namespace infsim::compiler {
namespace {

// The places a stage may start or end: 0, every layer before which exactly one value produced
// earlier is read at or after it (and that value), and the layer count.
struct CutPoints {
  std::vector<int> at;     // layer indices: 0, the candidate cuts, n
  std::vector<int> value;  // per point: the value crossing a cut there (-1 at 0 and n)
  int count() const { return static_cast<int>(at.size()); }
};

CutPoints cut_points(const LayerGraph& graph) {
  const int n = static_cast<int>(graph.layers.size());
  CutPoints points;
  points.at.push_back(0);
  points.value.push_back(-1);
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
      points.at.push_back(i);
      points.value.push_back(value);
    }
  }
  points.at.push_back(n);
  points.value.push_back(-1);
  return points;
}

// The stages between consecutive points of `chosen` (indices into points, from 0 to the last).
StagePlan make_plan(const CutPoints& points, const std::vector<int>& chosen, int layers) {
  StagePlan plan;
  for (std::size_t k = 0; k + 1 < chosen.size(); ++k) {
    plan.first.push_back(points.at[chosen[k]]);
    if (k > 0) plan.crossing.push_back(points.value[chosen[k]]);
  }
  plan.layer_stage.assign(layers, 0);
  for (int s = 0; s < plan.stages(); ++s)
    for (int i = plan.first[s]; i <= plan.last(s, layers); ++i) plan.layer_stage[i] = s;
  return plan;
}

// Stage checks between points i < j, each asked once.
class StageFits {
 public:
  StageFits(const CutPoints& points, int layers, const StageCheck& check)
      : points_(points),
        layers_(layers),
        check_(check),
        why_(points.count(), std::vector<std::string>(points.count())),
        asked_(points.count(), std::vector<bool>(points.count(), false)) {}

  bool operator()(int i, int j) { return !check_ || why(i, j).empty(); }

  const std::string& why(int i, int j) {
    if (!asked_[i][j]) {
      std::vector<int> chosen;
      if (i > 0) chosen.push_back(0);
      chosen.push_back(i);
      chosen.push_back(j);
      if (j + 1 < points_.count()) chosen.push_back(points_.count() - 1);
      why_[i][j] = check_(make_plan(points_, chosen, layers_), i > 0 ? 1 : 0);
      asked_[i][j] = true;
    }
    return why_[i][j];
  }

 private:
  const CutPoints& points_;
  int layers_;
  StageCheck check_;
  std::vector<std::vector<std::string>> why_;
  std::vector<std::vector<bool>> asked_;
};

// The least-max-cost split of points 0..p-1 into `stages` stages that `fits` allows (indices
// into the points, from 0 to p-1); empty when there is none. A stage is only checked when it
// would improve the best split found so far through its end point.
std::vector<int> balanced_split(const std::vector<double>& prefix, const CutPoints& points,
                                int stages, StageFits& fits) {
  const int p = points.count();
  const double inf = std::numeric_limits<double>::infinity();
  // best[k][j]: least max stage cost covering layers up to point j with k stages.
  std::vector<std::vector<double>> best(stages + 1, std::vector<double>(p, inf));
  std::vector<std::vector<int>> from(stages + 1, std::vector<int>(p, -1));
  best[0][0] = 0.0;
  for (int k = 1; k <= stages; ++k)
    for (int j = 1; j < p; ++j) {
      if (p - 1 - j < stages - k) continue;  // too few points left for the other stages
      for (int i = 0; i < j; ++i) {
        if (best[k - 1][i] == inf) continue;
        double c = std::max(best[k - 1][i], prefix[points.at[j]] - prefix[points.at[i]]);
        if (c < best[k][j] && fits(i, j)) {
          best[k][j] = c;
          from[k][j] = i;
        }
      }
    }
  std::vector<int> chosen;
  if (best[stages][p - 1] == inf) return chosen;
  for (int k = stages, j = p - 1; k >= 0; --k) {
    chosen.push_back(j);
    j = from[k][j];
  }
  std::reverse(chosen.begin(), chosen.end());
  return chosen;
}

// Why no split into `stages` passes the check: how many stages the splits that pass have and
// the first failing stage of the cost-balanced split, or when no split into any number of stages
// passes, the first run of layers without a cut inside that no passing stage takes after a
// passing split of the layers before it. Only stages that start where a passing split ends are
// checked. (A run may fail alone and pass with its neighbours: the value it hands over is then
// its core's own, which it may spill to DRAM.)
[[noreturn]] void explain_no_split(const LayerGraph& graph, int stages,
                                   const std::vector<double>& prefix, const CutPoints& points,
                                   StageFits& fits) {
  const int p = points.count();
  const std::string head = "cannot split '" + graph.name + "' into " + std::to_string(stages) +
                           " pipeline stages that each fit their core: ";
  // fewest[j], most[j]: the fewest and the most passing stages covering layers up to point j
  // (-1: no passing split reaches j).
  std::vector<int> fewest(p, p), most(p, -1);
  fewest[0] = most[0] = 0;
  int reached = 0;  // the last point a passing split reaches
  for (int j = 1; j < p; ++j) {
    for (int i = 0; i < j; ++i) {
      if (most[i] < 0 || !fits(i, j)) continue;
      fewest[j] = std::min(fewest[j], fewest[i] + 1);
      most[j] = std::max(most[j], most[i] + 1);
    }
    if (most[j] >= 0) reached = j;
  }
  if (most[p - 1] < 0) {
    const int i = reached;
    const std::string& a = graph.layers[points.at[i]].name;
    const std::string& b = graph.layers[points.at[i + 1] - 1].name;
    throw CompileError(head +
                           (points.at[i] + 1 == points.at[i + 1]
                                ? "layer '" + a + "' is"
                                : "layers '" + a + "' to '" + b +
                                      "' (no single tensor crosses between them) are") +
                           " in no stage that fits after the layers before them; as a stage of "
                           "their own, " +
                           fits.why(i, i + 1),
                       ErrorKind::kDoesNotFit);
  }
  StageFits any(points, static_cast<int>(graph.layers.size()), StageCheck{});
  const std::vector<int> balanced = balanced_split(prefix, points, stages, any);
  std::string example;
  for (std::size_t k = 0; k + 1 < balanced.size() && example.empty(); ++k)
    example = fits.why(balanced[k], balanced[k + 1]);
  throw CompileError(head + "in the cost-balanced split " + example +
                         "; the splits whose every stage fits have at least " +
                         std::to_string(fewest[p - 1]) + " and at most " +
                         std::to_string(most[p - 1]) + " stages",
                     ErrorKind::kDoesNotFit);
}

}  // namespace

StagePlan partition_layers(const LayerGraph& graph, int stages, const std::vector<double>& cost,
                           const StageCheck& check) {
  const int n = static_cast<int>(graph.layers.size());
  if (stages < 1)
    throw CompileError("--pipeline-cores must be at least 1", ErrorKind::kImpossibleRequest);
  const CutPoints points = cut_points(graph);
  if (points.count() - 1 < stages)
    throw CompileError("cannot split '" + graph.name + "' into " + std::to_string(stages) +
                           " pipeline stages: it has only " + std::to_string(points.count() - 1) +
                           " places where a single tensor crosses",
                       ErrorKind::kDoesNotFit);
  std::vector<double> prefix(n + 1, 0.0);
  for (int i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + cost[i];
  StageFits fits(points, n, check);
  const std::vector<int> chosen = balanced_split(prefix, points, stages, fits);
  if (chosen.empty()) explain_no_split(graph, stages, prefix, points, fits);
  return make_plan(points, chosen, n);
}

}  // namespace infsim::compiler
