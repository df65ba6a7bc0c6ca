#include "tools/driver/sweep/plot.h"
#include "tools/driver/atomic_file.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "tools/config/install_paths.h"
#include "tools/driver/run_program.h"
#include "tools/driver/sweep/point_store.h"

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
  // A labelled zip moves all its parameters together: one plot per metric, against the labels.
  const bool labelled = !s.labels.empty();
  for (std::size_t p = 0; p < (labelled ? 1 : s.parameters.size()); ++p) {
    const Parameter& param = s.parameters[p];
    if (param.values.size() < 2) continue;
    const std::vector<WrittenQuantity> q = param.quantities();
    const std::vector<ResultLine> lines = lines_along(s, p);
    // A zipped parameter may repeat a value (rows 128 with cols 64, then with 128): such a line
    // is drawn point after point, labelled with the values, rather than doubling back.
    bool repeats = false;
    for (const auto& line : lines) {
      for (std::size_t k = 1; k < line.x.size(); ++k)
        repeats = repeats || line.x[k] == line.x[k - 1];
    }
    const bool by_position = q.empty() || repeats || labelled;
    const bool ticlabels = by_position || param.values.size() <= kMaxTickLabels;
    std::string x_name = labelled ? "point" : param.name;
    std::string xlabel = x_name;
    if (!labelled && !q.empty() && !q.front().unit.empty()) xlabel += " (" + q.front().unit + ")";
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      const std::string base =
          (plots / (file_safe(s.metrics[m]) + "-vs-" + file_safe(x_name))).string();
      bool any_value = false;
      std::string data;
      for (const auto& line : lines) {
        data += "\"" + (line.title.empty() ? s.metrics[m] : line.title) + "\"\ty\tlabel\n";
        for (std::size_t k = 0; k < line.rows.size(); ++k) {
          const ResultRow& row = table.rows[line.rows[k]];
          double y = row.status == kStatusOk ? row.metrics[m] : NAN;
          // Plot in the unit the study wrote (MiB, GiB/s), or by position.
          double x = by_position ? static_cast<double>(k) : line.x[k] / q.front().scale;
          any_value = any_value || std::isfinite(y);
          data += format_number(x) + "\t" + (std::isfinite(y) ? format_number(y) : "NaN") + "\t" +
                  (labelled ? s.labels.at(static_cast<std::size_t>(row.spec.index))
                            : row.spec.parameters.at(param.name)) +
                  "\n";
        }
        data += "\n\n";
      }
      if (!any_value) {
        if (p == 0) warnings.push_back("no values of " + s.metrics[m] + " to plot");
        continue;
      }
      write_file_atomically(base + ".dat", data);
      std::string vars =
          "datafile=" + gnuplot_string(base + ".dat") + "; outbase=" + gnuplot_string(base) +
          "; lines=" + std::to_string(lines.size()) +
          "; title=" + gnuplot_string(s.name + ": " + s.metrics[m] + " vs " + x_name) +
          "; xlabel=" + gnuplot_string(xlabel) + "; ylabel=" + gnuplot_string(s.metrics[m]) +
          "; logx=" + (param.geometric && !by_position ? "1" : "0") +
          "; ticlabels=" + (ticlabels ? "1" : "0");
      int rc = run_program({"gnuplot", "-e", vars, script}, log);
      if (rc != 0) {
        warnings.push_back("gnuplot failed on " + base + ".dat (exit " + std::to_string(rc) +
                           "; see " + log + ")");
      }
    }
  }
  return warnings;
}

}  // namespace infsim::driver
