#pragma once
// A study's results: one row per point, the tidy CSV and JSON built from them, and the
// sensitivity of metrics to each parameter. Everything here is a pure function of the study and
// the point files, so a sweep run here and one gathered from a cluster with --merge produce the
// same bytes (no timestamps, no wall times).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/driver/sweep/study.h"

namespace infsim::driver {

inline const char* const kStatusMissing = "missing";  // in a merge: the point never finished

struct ResultRow {
  PointSpec spec;
  std::string status;  // ok | does_not_fit | error | missing
  std::string message;
  std::vector<double> metrics;  // in study.metrics order; NaN = empty
  std::string config_hash;      // of the point's resolved configuration; empty if not evaluated
  std::string framework;        // the framework profile of a run point; empty if nothing ran
};

struct ResultTable {
  Study study;
  std::vector<ResultRow> rows;  // in point order
};

// Rows for every point of the study; `results[i]` is point i's result, nullopt if unfinished.
ResultTable make_result_table(const Study& study,
                              const std::vector<std::optional<PointResult>>& results);

// Columns: point, one per parameter, status, one per metric, message (its first line, at most
// 300 characters), framework (the profile a run point ran under; no extra column when framework
// is a parameter), infsim_version, config_hash. driver/csv_writer.h; empty cell = no value. The
// JSON carries infsim_version at the top and framework and config_hash per point.
std::string results_csv(const ResultTable& table);
nlohmann::json results_json(const ResultTable& table);

// The points along which one parameter varies: in a grid, one line per combination of the other
// parameters (in point order); in a zip, one line. Sorted by the parameter: x is its SI value, or
// its position in the list for text parameters.
struct ResultLine {
  std::string title;  // "batch=1, pipeline_cores=4"; empty when nothing else varies
  std::vector<std::size_t> rows;
  std::vector<double> x;
};
std::vector<ResultLine> lines_along(const Study& study, std::size_t param);

// Elasticity d ln(metric) / d ln(parameter), from each pair of neighbouring points along the
// parameter (the other parameters held fixed in a grid; in a zip they move together), averaged
// over the pairs. Pairs where a point is not ok or a value is not positive are left out.
struct Sensitivity {
  std::string parameter;
  std::string metric;
  std::optional<double> elasticity;  // nullopt: n/a, see note
  int pairs = 0;
  std::string note;  // why n/a
};

std::vector<Sensitivity> sensitivities(const ResultTable& table);
std::string sensitivity_csv(const std::vector<Sensitivity>& s);
std::string sensitivity_text(const std::vector<Sensitivity>& s);

// CSV number format shared by results and sensitivity (12 significant digits).
std::string format_number(double v);

}  // namespace infsim::driver
