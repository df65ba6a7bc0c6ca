#pragma once
// `infsim validate`: simulate every row of a validation file the way its framework's harness ran
// it, compare with the measured values, and report per row, per metric (MAPE) and the rows off
// by more than 2x. Every row runs in its own child process (run_isolated), so a row that cannot
// run — unknown model, more cores than the instance has, a simulator failure — becomes a row
// with a status, and the other rows still run.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/driver/validate/validation_file.h"

namespace infsim::driver {

struct ValidateOptions {
  int requests = 200;                  // measured requests per loaded copy
  std::vector<std::string> overrides;  // --set, after each row's own
  // Set before the framework's and the row's values (a fitted knob: a profile's value wins).
  std::vector<std::string> base_overrides;
  std::string framework;                // for rows whose framework cell is empty
  std::optional<double> tolerance_pct;  // for rows without tolerance_pct
  bool progress = false;                // a line per row on stderr
};

// Row statuses: "ok", or what kind of error stopped the row.
inline const char* const kRowOk = "ok";

struct RowOutcome {
  ValidationRow row;
  std::string status = kRowOk;
  std::string message;                           // the error's first line
  std::vector<std::optional<double>> simulated;  // per validation_metrics(), ok rows only
  std::optional<double> tolerance_pct;           // the row's, else the option's
  std::string config_hash;                       // of the resolved configuration, ok rows only

  // simulated / measured - 1 for metric i, when both exist.
  std::optional<double> error(std::size_t i) const;
  // |error| <= tolerance for every measured value (false for a row that did not run; true when
  // there is no tolerance).
  bool within_tolerance() const;
};

struct ValidationReport {
  std::string file;
  std::vector<RowOutcome> rows;
  double wall_seconds = 0;  // not deterministic: stderr only, never in the reports

  // Mean |error| over the ok rows that measured metric i; nullopt when none did.
  std::optional<double> mape(std::size_t i) const;
  // (row, metric) pairs with simulated/measured above 2 or below 1/2.
  std::vector<std::pair<std::size_t, std::size_t>> off_by_2x() const;
};

// Rows with an empty framework cell take options.framework; neither is a ConfigError FILE:LINE.
ValidationReport run_validation(const ValidationFile& file, const ValidateOptions& options);

std::string format_validation_markdown(const ValidationReport& report);
std::string format_validation_csv(const ValidationReport& report);
nlohmann::json validation_json(const ValidationReport& report);

// Per metric, a scatter of simulated against measured values from 0 (the y = x line, the 2x band,
// the rows that did not run as red crosses on the x axis), drawn by gnuplot from
// tools/scripts/plot_validate.gp into PREFIX-<metric>.png and .svg (a trailing .png of `prefix`
// is dropped). Returns warnings (gnuplot missing, it failed); plots never fail the command.
std::vector<std::string> plot_validation(const ValidationReport& report, const std::string& prefix);

}  // namespace infsim::driver
