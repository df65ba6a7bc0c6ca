#pragma once
// `infsim compare A B`: two results of the same kind, side by side. A and B are each a
// results.json file (of `run`, `table --preset --json`, `validate --json`) or a folder holding
// one (`run --out DIR`, a sweep folder). Rows are matched by name (run scenarios, validate rows),
// point number (sweeps) or their text columns (table rows); every number of a row is a metric,
// named by its JSON path ("latency_ms.p99", "metrics.throughput"), so new or renamed output
// fields need nothing here. Besides the numbers: the configuration keys that differ between
// the two, from the resolved configs written beside the results (`run --out`: config.yaml or
// config.N.yaml per scenario) or, for sweeps, from the study recorded in results.json.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infsim::driver {

// One side of a comparison, as read from disk.
struct CompareInput {
  std::string path;  // as given
  std::string kind;  // "run", "sweep", "table" or "validate"
  // Row label -> (metric path -> value), rows in file order.
  std::vector<std::pair<std::string, std::map<std::string, double>>> rows;
  // Configuration scope ("" for the whole run, else a scenario name) -> dotted key -> text.
  std::map<std::string, std::map<std::string, std::string>> config;
};

// Reads a results.json file or a folder with one. UsageError (kBadFile) when there is none or
// it is not a results file infsim writes.
CompareInput read_compare_input(const std::string& path);

struct MetricDelta {
  std::string row, metric;
  std::optional<double> a, b;  // missing on one side: the row or metric is only in the other
  std::optional<double> delta() const;
  // (b - a) / |a| in percent; infinite when a is 0 and b is not.
  std::optional<double> delta_pct() const;
};

struct ConfigDelta {
  std::string scope;  // "" or the scenario
  std::string key;
  std::optional<std::string> a, b;
};

struct Comparison {
  std::string a, b, kind;
  std::vector<MetricDelta> metrics;  // every metric of every row, in A's order, then B's extras
  std::vector<ConfigDelta> config;   // only the keys that differ
  // The largest |delta %| over metrics present on both sides (0 when none).
  double max_abs_change_pct() const;
};

// UsageError when the two are of different kinds.
Comparison compare_results(const CompareInput& a, const CompareInput& b);

// Markdown: the differing config keys, then a table of the metrics that changed, and a count of
// those that did not.
std::string format_comparison_markdown(const Comparison& c);
// Every metric: row,metric,a,b,delta,delta_pct; then nothing else (config keys are in --json).
std::string format_comparison_csv(const Comparison& c);
nlohmann::json comparison_json(const Comparison& c);

}  // namespace infsim::driver
