#include "tools/driver/sweep/plot.h"
#include "tools/driver/atomic_file.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "tools/config/install_paths.h"
#include "tools/driver/run_program.h"
#include "tools/driver/sweep/point_store.h"
#include "tools/driver/vocabulary.h"

namespace infsim::driver {

namespace fs = std::filesystem;

namespace {

// More tick labels than this overlap; the axis then gets plain numbers in the unit.
constexpr std::size_t kMaxTickLabels = 12;

std::string file_safe(const std::string& name) {
  std::string out;
  for (char c : name)
    out +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return out;
}

// One parameter's axis: the lines along it and how x is drawn.
struct Axis {
  const Parameter* param = nullptr;
  std::vector<WrittenQuantity> q;
  std::vector<ResultLine> lines;
  bool by_position = false, ticlabels = false, labelled = false;
  std::string name, label;
};

// The data file of metric m (tools/scripts/plot_study.gp's layout); `failed` says whether a
// point is marked as failed. Empty when the metric has no value at all.
std::string metric_data(const ResultTable& table, const Axis& axis, std::size_t m, bool& failed) {
  const Study& s = table.study;
  const MetricInfo* info = find_metric(s.metrics[m]);
  // A failed point is marked on the axis (0) of a rate, time or boolean, else at the lowest value.
  double fail_y = info != nullptr && info->scale != MetricScale::kFree ? 0 : INFINITY;
  for (const ResultRow& row : table.rows) {
    if (std::isfinite(row.metrics[m])) fail_y = std::min(fail_y, row.metrics[m]);
  }
  bool any_value = false;
  failed = false;
  std::string data;
  for (const auto& line : axis.lines) {
    data += "\"" + (line.title.empty() ? s.metrics[m] : line.title) + "\"\ty\tlabel\tfailed\n";
    for (std::size_t k = 0; k < line.rows.size(); ++k) {
      const ResultRow& row = table.rows[line.rows[k]];
      // A value is drawn whatever the status (a point that does not fit has fits = 0); a point
      // without one that did not succeed is marked.
      const double y = row.metrics[m];
      const bool failed_point =
          !std::isfinite(y) && row.status != kStatusOk && std::isfinite(fail_y);
      failed = failed || failed_point;
      any_value = any_value || std::isfinite(y);
      // Plot in the unit the study wrote (MiB, GiB/s), or by position.
      const double x = axis.by_position ? static_cast<double>(k) : line.x[k] / axis.q.front().scale;
      data += format_number(x) + "\t" + (std::isfinite(y) ? format_number(y) : "NaN") + "\t" +
              (axis.labelled ? s.labels.at(static_cast<std::size_t>(row.spec.index))
                             : row.spec.parameters.at(axis.param->name)) +
              "\t" + (failed_point ? format_number(fail_y) : "NaN") + "\n";
    }
    data += "\n\n";
  }
  return any_value ? data : std::string();
}

// The gnuplot variables of one plot: labels with units, a y axis from 0 for rates and times,
// booleans as steps, failed points marked.
std::string plot_vars(const Study& s, const Axis& axis, std::size_t m, const std::string& base,
                      bool failed) {
  const MetricInfo* info = find_metric(s.metrics[m]);
  const bool boolean = info != nullptr && info->scale == MetricScale::kBoolean;
  const bool yzero = info != nullptr && info->scale == MetricScale::kFromZero;
  return "datafile=" + gnuplot_string(base + ".dat") + "; outbase=" + gnuplot_string(base) +
         "; lines=" + std::to_string(axis.lines.size()) +
         "; title=" + gnuplot_string(s.name + ": " + s.metrics[m] + " vs " + axis.name) +
         "; xlabel=" + gnuplot_string(axis.label) +
         "; ylabel=" + gnuplot_string(metric_label(s.metrics[m])) +
         "; logx=" + (axis.param->geometric && !axis.by_position ? "1" : "0") +
         "; ticlabels=" + (axis.ticlabels ? "1" : "0") + "; yzero=" + (yzero ? "1" : "0") +
         "; boolean=" + (boolean ? "1" : "0") + "; failed=" + (failed ? "1" : "0");
}

Axis axis_of(const Study& s, std::size_t p) {
  Axis a;
  a.param = &s.parameters[p];
  a.q = a.param->quantities();
  a.lines = lines_along(s, p);
  // A labelled zip moves all its parameters together: one plot per metric, against the labels.
  a.labelled = !s.labels.empty();
  // A zipped parameter may repeat a value (rows 128 with cols 64, then with 128): such a line
  // is drawn point after point, labelled with the values, rather than doubling back.
  bool repeats = false;
  for (const auto& line : a.lines) {
    for (std::size_t k = 1; k < line.x.size(); ++k) repeats = repeats || line.x[k] == line.x[k - 1];
  }
  a.by_position = a.q.empty() || repeats || a.labelled;
  a.ticlabels = a.by_position || a.param->values.size() <= kMaxTickLabels;
  a.name = a.labelled ? "point" : a.param->name;
  a.label = a.name;
  if (!a.labelled && !a.q.empty() && !a.q.front().unit.empty())
    a.label += " (" + a.q.front().unit + ")";
  return a;
}

}  // namespace

std::string plot_script_path() {
  return find_script("plot_study.gp");
}

std::vector<std::string> plot_results(const ResultTable& table, const std::string& dir,
                                      const std::string& script) {
  if (!on_path("gnuplot")) return {"gnuplot is not installed: no plots (the CSV has the results)"};
  if (!fs::is_regular_file(script)) return {"plot script " + script + " is missing: no plots"};
  const Study& s = table.study;
  const fs::path plots = fs::path(dir) / "plots";
  fs::create_directories(plots);
  const std::string log = (plots / "gnuplot.log").string();
  fs::remove(log);
  std::vector<std::string> warnings;
  for (std::size_t p = 0; p < (s.labels.empty() ? s.parameters.size() : 1); ++p) {
    if (s.parameters[p].values.size() < 2) continue;
    const Axis axis = axis_of(s, p);
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      const std::string base =
          (plots / (file_safe(s.metrics[m]) + "-vs-" + file_safe(axis.name))).string();
      bool failed = false;
      const std::string data = metric_data(table, axis, m, failed);
      if (data.empty()) {
        if (p == 0) warnings.push_back("no values of " + s.metrics[m] + " to plot");
        continue;
      }
      write_file_atomically(base + ".dat", data);
      const int rc =
          run_program({"gnuplot", "-e", plot_vars(s, axis, m, base, failed), script}, log);
      if (rc != 0) {
        warnings.push_back("gnuplot failed on " + base + ".dat (exit " + std::to_string(rc) +
                           "; see " + log + ")");
      }
    }
  }
  return warnings;
}

}  // namespace infsim::driver
