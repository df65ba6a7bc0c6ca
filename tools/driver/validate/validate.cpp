#include "tools/driver/validate/validate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <sstream>
#include <tuple>
#include <utility>

#include "isa/user_error.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/config/version.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/csv_writer.h"
#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/isolation.h"
#include "tools/driver/run_program.h"
#include "tools/driver/vocabulary.h"

namespace infsim::driver {
namespace {

using nlohmann::json;

// The status of a row whose run threw: the error's kind.
std::string status_of(std::exception_ptr e, std::string& message) {
  try {
    std::rethrow_exception(e);
  } catch (const UserError& x) {
    message = x.what();
    return error_kind_name(x.kind());
  } catch (const std::exception& x) {
    message = x.what();
    return "internal error";
  }
}

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

// Four or five significant digits without an exponent.
std::string number(double v) {
  char buf[64];
  const double a = std::fabs(v);
  std::snprintf(buf, sizeof buf,
                a >= 10000 ? "%.0f"
                : a >= 100 ? "%.1f"
                : a >= 1   ? "%.3f"
                           : "%.4f",
                v);
  return buf;
}

std::string general(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f %%", fraction * 100);
  return buf;
}

// The row's simulated values (per validation_metrics()) and the hash of its resolved config.
std::pair<std::vector<std::optional<double>>, std::string> simulate_row(
    const SingleModelRun& run, const ValidateOptions& options) {
  const std::string data = run_isolated([&] {
    SingleModelRun r = run;
    r.requests = options.requests;
    r.overrides.insert(r.overrides.end(), options.overrides.begin(), options.overrides.end());
    // The loaded instance only sizes the run; the scenario applies the overrides itself.
    Experiment ex = single_model_experiment(r, load_instance(r.instance, r.overrides));
    std::vector<std::string>& overrides = ex.scenarios.at(0).overrides;
    overrides.insert(overrides.begin(), options.base_overrides.begin(),
                     options.base_overrides.end());
    const RunOptions defaults;
    const ExperimentOutcome outcome = run_experiment(ex, defaults);
    const sim::ScenarioResult& result = outcome.scenarios.at(0).result;
    json values = json::array();
    for (const ValidationMetric& m : validation_metrics()) values.push_back(m.simulated(result));
    return json{{"values", values}, {kConfigHashKey, outcome.scenarios.at(0).config_hash}}.dump();
  });
  const json j = json::parse(data);
  std::vector<std::optional<double>> out;
  for (const json& v : j.at("values")) out.push_back(v.get<double>());
  return {out, j.at(kConfigHashKey).get<std::string>()};
}

}  // namespace

std::optional<double> RowOutcome::error(std::size_t i) const {
  if (status != kRowOk || !row.measured[i] || !simulated[i]) return std::nullopt;
  return *simulated[i] / *row.measured[i] - 1;
}

bool RowOutcome::within_tolerance() const {
  if (status != kRowOk) return false;
  if (!tolerance_pct) return true;
  for (std::size_t i = 0; i < row.measured.size(); ++i) {
    const auto e = error(i);
    if (e && std::fabs(*e) * 100 > *tolerance_pct) return false;
  }
  return true;
}

std::optional<double> ValidationReport::mape(std::size_t i) const {
  double sum = 0;
  int n = 0;
  for (const RowOutcome& r : rows) {
    if (const auto e = r.error(i)) {
      sum += std::fabs(*e);
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return sum / n;
}

std::vector<std::pair<std::size_t, std::size_t>> ValidationReport::off_by_2x() const {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t i = 0; i < validation_metrics().size(); ++i) {
      const auto e = rows[r].error(i);
      if (e && (*e + 1 > 2 || *e + 1 < 0.5)) out.emplace_back(r, i);
    }
  }
  return out;
}

namespace {

// A --set (or a row's `set`) that a row's configuration ignores: warned before the rows run. A
// row whose configuration does not load reports that as its own status.
void warn_ignored_row_overrides(const ValidationFile& file, const ValidateOptions& options) {
  for (const ValidationRow& row : file.rows) {
    std::vector<std::string> overrides = row.run.overrides;
    overrides.insert(overrides.end(), options.overrides.begin(), options.overrides.end());
    const std::string framework = row.run.framework.empty() ? options.framework : row.run.framework;
    try {
      warn_ignored_overrides(load_instance(row.run.instance, overrides, framework), overrides);
    } catch (const UserError&) {
    }
  }
}

}  // namespace

ValidationReport run_validation(const ValidationFile& file, const ValidateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  ValidationReport report;
  report.file = file.path;
  for (const ValidationRow& row : file.rows) {
    if (row.run.framework.empty() && options.framework.empty()) {
      throw ConfigError(file.path + ":" + std::to_string(row.line) +
                        ": framework is empty and no --framework was given");
    }
  }
  warn_ignored_row_overrides(file, options);
  for (std::size_t k = 0; k < file.rows.size(); ++k) {
    RowOutcome out;
    out.row = file.rows[k];
    if (out.row.run.framework.empty()) out.row.run.framework = options.framework;
    out.tolerance_pct = out.row.tolerance_pct ? out.row.tolerance_pct : options.tolerance_pct;
    out.simulated.assign(validation_metrics().size(), std::nullopt);
    if (options.progress) {
      std::cerr << "infsim: validate " << k + 1 << "/" << file.rows.size() << ": " << out.row.name
                << "\n";
    }
    try {
      std::tie(out.simulated, out.config_hash) = simulate_row(out.row.run, options);
    } catch (...) {
      out.status = status_of(std::current_exception(), out.message);
      out.message = first_line(out.message);
      if (options.progress) std::cerr << "infsim:   " << out.status << ": " << out.message << "\n";
    }
    report.rows.push_back(out);
  }
  report.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string format_validation_markdown(const ValidationReport& report) {
  const auto& metrics = validation_metrics();
  std::ostringstream md;
  md << "| row | setup | metric | measured | simulated | error | tolerance |\n"
        "|---|---|---|---|---|---|---|\n";
  for (const RowOutcome& r : report.rows) {
    const SingleModelRun& run = r.row.run;
    std::string setup = run.instance + " " + run.model.source + " " + run.framework + " " +
                        run.model.dtype + " b" + std::to_string(run.model.batch) + " x" +
                        std::to_string(run.n_models) + " w" + std::to_string(run.workers_per_model);
    if (run.model.pipeline_cores > 1) setup += " p" + std::to_string(run.model.pipeline_cores);
    if (run.user_batch > 0) setup += " ub" + std::to_string(run.user_batch);
    const std::string tol = r.tolerance_pct ? "±" + general(*r.tolerance_pct) + " %" : "";
    if (r.status != kRowOk) {
      std::string measured;
      for (std::size_t i = 0; i < metrics.size(); ++i) {
        if (r.row.measured[i]) {
          measured +=
              (measured.empty() ? "" : ", ") + metrics[i].column + " " + number(*r.row.measured[i]);
        }
      }
      md << "| " << r.row.name << " | " << setup << " | " << measured << " | | " << r.status << ": "
         << r.message << " | | " << tol << " |\n";
      continue;
    }
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (!r.row.measured[i]) continue;
      const double e = *r.error(i);
      const bool off = r.tolerance_pct && std::fabs(e) * 100 > *r.tolerance_pct;
      md << "| " << r.row.name << " | " << setup << " | " << metrics[i].column << " | "
         << number(*r.row.measured[i]) << " | " << number(*r.simulated[i]) << " | " << percent(e)
         << " | " << tol << (off ? " **off**" : "") << " |\n";
    }
  }
  md << "\n| metric | unit | rows | MAPE |\n|---|---|---|---|\n";
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    int n = 0;
    for (const RowOutcome& r : report.rows) n += r.error(i).has_value();
    const auto mape = report.mape(i);
    if (!mape) continue;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", *mape * 100);
    md << "| " << metrics[i].column << " | " << metrics[i].unit << " | " << n << " | " << buf
       << " |\n";
  }
  const auto off = report.off_by_2x();
  md << "\nOff by more than 2x: ";
  if (off.empty()) md << "none.";
  for (std::size_t k = 0; k < off.size(); ++k) {
    const RowOutcome& r = report.rows[off[k].first];
    md << (k ? "; " : "") << r.row.name << " " << metrics[off[k].second].column << " "
       << percent(*r.error(off[k].second));
  }
  md << "\n";
  return md.str();
}

std::string format_validation_csv(const ValidationReport& report) {
  const auto& metrics = validation_metrics();
  CsvWriter csv(
      {"name",          "line",       "instance_type", "model_name",        "framework",
       "dtype",         "batch_size", "n_models",      "workers_per_model", "pipeline_size",
       "user_batch",    "metric",     "measured",      "simulated",         "error_pct",
       "tolerance_pct", "status",     "message",       kVersionKey,         kConfigHashKey});
  for (const RowOutcome& r : report.rows) {
    const SingleModelRun& run = r.row.run;
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (!r.row.measured[i]) continue;
      const auto e = r.error(i);
      csv.row({r.row.name,
               std::to_string(r.row.line),
               run.instance,
               run.model.source,
               run.framework,
               run.model.dtype,
               std::to_string(run.model.batch),
               std::to_string(run.n_models),
               std::to_string(run.workers_per_model),
               std::to_string(run.model.pipeline_cores),
               run.user_batch > 0 ? std::to_string(run.user_batch) : "",
               metrics[i].column,
               number(*r.row.measured[i]),
               e ? number(*r.simulated[i]) : "",
               e ? number(*e * 100) : "",
               r.tolerance_pct ? number(*r.tolerance_pct) : "",
               r.status,
               r.message,
               tools::version_string(),
               r.config_hash});
    }
  }
  return csv.str();
}

json validation_json(const ValidationReport& report) {
  const auto& metrics = validation_metrics();
  json rows = json::array();
  for (const RowOutcome& r : report.rows) {
    const SingleModelRun& run = r.row.run;
    json values = json::object();
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (!r.row.measured[i]) continue;
      json v = {{"measured", *r.row.measured[i]}};
      if (const auto e = r.error(i)) {
        v["simulated"] = *r.simulated[i];
        v["error"] = *e;
      }
      values[metrics[i].column] = v;
    }
    json row = {{"name", r.row.name},
                {"line", r.row.line},
                {"instance_type", run.instance},
                {"model_name", run.model.source},
                {"framework", run.framework},
                {"dtype", run.model.dtype},
                {"batch_size", run.model.batch},
                {"n_models", run.n_models},
                {"workers_per_model", run.workers_per_model},
                {"pipeline_size", run.model.pipeline_cores},
                {"user_batch", run.user_batch},
                {"status", r.status},
                {"values", values},
                {"within_tolerance", r.within_tolerance()},
                {kConfigHashKey, r.config_hash}};
    if (!r.message.empty()) row["message"] = r.message;
    if (r.tolerance_pct) row["tolerance_pct"] = *r.tolerance_pct;
    rows.push_back(row);
  }
  json mape = json::object();
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    if (const auto m = report.mape(i)) mape[metrics[i].column] = *m;
  }
  json off = json::array();
  for (const auto& [r, i] : report.off_by_2x()) {
    off.push_back({{"name", report.rows[r].row.name}, {"metric", metrics[i].column}});
  }
  return {{kVersionKey, tools::version_string()},
          {"file", report.file},
          {"rows", rows},
          {"mape", mape},
          {"off_by_2x", off}};
}

std::vector<std::string> plot_validation(const ValidationReport& report,
                                         const std::string& prefix) {
  if (!on_path("gnuplot")) return {"gnuplot is not installed: no plot"};
  const std::string script = find_script("plot_validate.gp");
  if (!std::filesystem::is_regular_file(script)) return {"plot script " + script + " is missing"};
  const auto& metrics = validation_metrics();
  std::string stem = prefix;
  if (std::filesystem::path(stem).extension() == ".png") stem.resize(stem.size() - 4);
  std::vector<std::string> warnings;
  int plots = 0;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    // Two blocks (gnuplot's `index`): the rows that ran, then those that did not (drawn on the
    // bottom axis). Log-log axes from `lo` to `hi`: the rows span orders of magnitude (a trivial
    // model's 380,000/s beside BERT's 126/s), and a ratio reads the same everywhere.
    std::string ran;
    std::vector<const RowOutcome*> failed_rows;
    double hi = 0, lo = std::numeric_limits<double>::infinity();
    const auto extend = [&](double v) {
      hi = std::max(hi, v);
      if (v > 0) lo = std::min(lo, v);
    };
    for (const RowOutcome& r : report.rows) {
      if (!r.row.measured[i]) continue;
      extend(*r.row.measured[i]);
      if (r.error(i)) {
        ran +=
            number(*r.row.measured[i]) + "\t" + number(*r.simulated[i]) + "\t" + r.row.name + "\n";
        extend(*r.simulated[i]);
      } else if (r.status != kRowOk) {
        failed_rows.push_back(&r);
      }
    }
    if (ran.empty() || !std::isfinite(lo)) continue;  // nothing positive to draw on log axes
    lo /= 1.5;
    std::string failed;
    for (const RowOutcome* r : failed_rows)
      failed += number(*r->row.measured[i]) + "\t" + number(lo) + "\t" + r->row.name + "\n";
    const std::string base = stem + "-" + metrics[i].column;
    const std::string dat = base + ".dat", log = base + ".log";
    write_file_atomically(dat, ran + "\n\n" + failed);
    std::filesystem::remove(log);
    const std::string vars =
        "datafile=" + gnuplot_string(dat) + "; outbase=" + gnuplot_string(base) +
        "; lo=" + general(lo) + "; hi=" + general(hi * 1.5) +
        "; label=" + gnuplot_string(metric_label(metrics[i].column)) +
        "; failed=" + (failed.empty() ? "0" : "1") +
        "; title=" + gnuplot_string("infsim validate " + report.file + ": " + metrics[i].column);
    const int rc = run_program({"gnuplot", "-e", vars, script}, log);
    if (rc != 0) {
      warnings.push_back("gnuplot failed (exit " + std::to_string(rc) + "; see " + log + ")");
    } else {
      std::filesystem::remove(dat);
      std::filesystem::remove(log);
      ++plots;
    }
  }
  if (plots == 0 && warnings.empty()) warnings.push_back("no simulated values to plot");
  return warnings;
}

}  // namespace infsim::driver
