#include "tools/driver/validate/fit.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>

#include "tools/config/config_loader.h"
#include "tools/config/config_tree.h"
#include "tools/config/errors.h"
#include "tools/config/units.h"

namespace infsim::driver {
namespace {

// A row that fails at a grid point costs more than any error it could have had.
constexpr double kFailedValueCost = 1e3;
constexpr int kMaxPasses = 6;
// Significant digits of a grid value, and of a knob value in a table (one more than the grid's,
// so a grid value prints as itself and a configured value keeps its digit more).
constexpr int kGridDigits = 3;
constexpr int kTableDigits = 4;

// Significant digits of the number at the front of a formatted quantity ("0.0203ms": 3).
int significant_digits(const std::string& text) {
  int digits = 0;
  bool leading = true;
  for (char c : text) {
    if (c == '.' || c == '-' || c == '$') continue;
    if (c < '0' || c > '9') break;
    if (leading && c == '0') continue;
    leading = false;
    ++digits;
  }
  return digits;
}

// A knob value as a table shows it: its canonical text ("50GiB/s", "630MB/s", "76") when that has
// at most kTableDigits significant digits, else rounded to them ("20us" for 1.9999999999999998e-5
// s, "0.95" for 0.9500000000000001).
std::string knob_text(double value, isa::Unit unit) {
  const std::string exact = format_quantity(value, unit);
  if (significant_digits(exact) <= kTableDigits) return exact;
  return format_quantity(round_significant(value, kTableDigits), unit);
}

[[noreturn]] void fail(const std::string& path, const YAML::Node& node, const std::string& what) {
  throw ConfigError(path + ":" + std::to_string(node.Mark().line + 1) + ": " + what);
}

double row_cost(const RowOutcome& r) {
  double cost = 0;
  for (std::size_t i = 0; i < r.row.measured.size(); ++i) {
    if (!r.row.measured[i]) continue;
    if (r.status != kRowOk || !r.simulated[i] || !(*r.simulated[i] > 0)) {
      cost += kFailedValueCost;
      continue;
    }
    const double l = std::log(*r.simulated[i] / *r.row.measured[i]);
    cost += l * l;
  }
  return cost;
}

class Fitter {
 public:
  Fitter(const ValidationFile& file, const ValidateOptions& options, const std::vector<Knob>& knobs,
         int steps)
      : file_(file), options_(options), knobs_(knobs) {
    for (const Knob& k : knobs) grids_.push_back(knob_grid(k, steps));
  }

  const ValidationReport& evaluate(const std::vector<int>& at) {
    auto it = cache_.find(at);
    if (it != cache_.end()) return it->second;
    ValidateOptions o = options_;
    o.progress = false;
    std::string line;
    for (std::size_t k = 0; k < knobs_.size(); ++k) {
      const std::string value = format_quantity(grids_[k][at[k]], knobs_[k].unit);
      for (const std::string& key : knobs_[k].keys) o.base_overrides.push_back(key + "=" + value);
      line += " " + knobs_[k].keys[0] + "=" + value;
    }
    if (options_.progress)
      std::cerr << "infsim: fit point " << cache_.size() + 1 << ":" << line << "\n";
    return cache_.emplace(at, run_validation(file_, o)).first->second;
  }

  double objective(const std::vector<int>& at, const std::vector<bool>& use) {
    const ValidationReport& r = evaluate(at);
    double sum = 0;
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
      if (use[i]) sum += row_cost(r.rows[i]);
    }
    return sum;
  }

  // Coordinate descent: each pass moves every knob to the best value on its grid line.
  std::vector<int> descend(std::vector<int> at, const std::vector<bool>& use) {
    double best = objective(at, use);
    for (int pass = 0; pass < kMaxPasses; ++pass) {
      bool moved = false;
      for (std::size_t k = 0; k < knobs_.size(); ++k) {
        for (int g = 0; g < static_cast<int>(grids_[k].size()); ++g) {
          std::vector<int> trial = at;
          trial[k] = g;
          const double o = objective(trial, use);
          if (o < best * (1 - 1e-9)) {
            best = o;
            at = trial;
            moved = true;
          }
        }
      }
      if (!moved) break;
    }
    return at;
  }

  FitResult result(const std::vector<int>& at, const std::vector<bool>& use) {
    FitResult f;
    for (std::size_t k = 0; k < knobs_.size(); ++k) f.values.push_back(grids_[k][at[k]]);
    f.objective = objective(at, use);
    return f;
  }

  int nearest(std::size_t k, double value) const {
    int best = 0;
    for (int g = 1; g < static_cast<int>(grids_[k].size()); ++g) {
      if (std::fabs(grids_[k][g] - value) < std::fabs(grids_[k][best] - value)) best = g;
    }
    return best;
  }

  int simulations() const { return static_cast<int>(cache_.size()); }

 private:
  const ValidationFile& file_;
  const ValidateOptions& options_;
  const std::vector<Knob>& knobs_;
  std::vector<std::vector<double>> grids_;
  std::map<std::vector<int>, ValidationReport> cache_;
};

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f %%", fraction * 100);
  return buf;
}

// The metric of a row with the largest |error|, and that error.
std::pair<std::size_t, std::optional<double>> worst(
    const std::vector<std::optional<double>>& errors) {
  std::size_t at = 0;
  std::optional<double> e;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i] && (!e || std::fabs(*errors[i]) > std::fabs(*e))) {
      at = i;
      e = errors[i];
    }
  }
  return {at, e};
}

std::vector<std::optional<double>> errors_of(const RowOutcome& r) {
  std::vector<std::optional<double>> out;
  for (std::size_t i = 0; i < r.row.measured.size(); ++i) out.push_back(r.error(i));
  return out;
}

}  // namespace

double round_significant(double value, int digits) {
  if (value == 0 || !std::isfinite(value)) return value;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", std::max(1, digits) - 1, value);
  return std::strtod(buf, nullptr);
}

std::vector<Knob> read_knobs_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap() || !root["knobs"] || !root["knobs"].IsSequence() || root["knobs"].size() == 0) {
    throw ConfigError(path + ":1: expected `knobs:` with a list of {key, min, max, meaning}");
  }
  std::map<std::string, ConfigKey> keys;
  for (const ConfigKey& k : describe_config_keys()) keys.emplace(k.path, k);
  std::vector<Knob> out;
  for (const YAML::Node& n : root["knobs"]) {
    if (!n.IsMap()) fail(path, n, "a knob is a map {key, min, max, meaning}");
    for (const auto& field : n) {
      const std::string name = field.first.as<std::string>();
      if (name != "key" && name != "min" && name != "max" && name != "meaning") {
        fail(path, field.first, "unknown knob field '" + name + "'");
      }
    }
    for (const char* f : {"key", "min", "max", "meaning"}) {
      if (!n[f]) fail(path, n, std::string("a knob needs `") + f + "`");
    }
    Knob k;
    if (n["key"].IsSequence()) {
      for (const YAML::Node& key : n["key"]) k.keys.push_back(key.as<std::string>());
    } else {
      k.keys.push_back(n["key"].as<std::string>());
    }
    if (k.keys.empty()) fail(path, n["key"], "a knob needs at least one key");
    const std::string& name = k.keys[0];
    for (const std::string& key : k.keys) {
      const auto it = keys.find(key);
      if (it == keys.end()) {
        fail(path, n["key"],
             "unknown config key '" + key + "'" + config_tree::unknown_path_hint(key));
      }
      if (key == name) k.unit = it->second.unit;
      if (it->second.unit != k.unit) fail(path, n["key"], key + " has another unit than " + name);
      if (k.unit == isa::Unit::kText || k.unit == isa::Unit::kFlag) {
        fail(path, n["key"], key + " is not a number");
      }
    }
    try {
      k.min = parse_quantity(n["min"].as<std::string>(), k.unit);
      k.max = parse_quantity(n["max"].as<std::string>(), k.unit);
    } catch (const ConfigError& e) {
      fail(path, n, name + ": " + e.what());
    }
    if (!(k.min < k.max)) fail(path, n, name + ": min must be below max");
    for (const std::string& key : k.keys) {
      const isa::Range& valid = keys.at(key).range;
      if (k.min < valid.min || k.max > valid.max) {
        fail(path, n, key + ": the range leaves the key's valid range");
      }
    }
    k.meaning = n["meaning"].as<std::string>();
    out.push_back(k);
  }
  return out;
}

std::vector<double> knob_grid(const Knob& knob, int steps) {
  steps = std::max(2, steps);
  const bool geometric = knob.min > 0 && knob.max / knob.min > 4;
  std::vector<double> out;
  for (int i = 0; i < steps; ++i) {
    const double t = static_cast<double>(i) / (steps - 1);
    double v = geometric ? knob.min * std::pow(knob.max / knob.min, t)
                         : knob.min + (knob.max - knob.min) * t;
    if (knob.unit == isa::Unit::kCount) v = std::round(v);
    // Three significant digits, as the double nearest that decimal: it goes into --set, tables
    // and progress lines as its short text ("44.7us"; scaling by a power of ten would leave
    // "44.699999999999996us").
    if (knob.unit != isa::Unit::kCount) v = round_significant(v, kGridDigits);
    if (out.empty() || v != out.back()) out.push_back(v);
  }
  return out;
}

FitReport fit_knobs(const ValidationFile& file, const ValidateOptions& options,
                    const std::vector<Knob>& knobs, int steps) {
  Fitter fitter(file, options, knobs, steps);
  FitReport report;
  report.knobs = knobs;
  // The configured values, as the first row's instance loads them.
  const sim::SystemConfig config = load_instance(file.rows.at(0).run.instance, options.overrides);
  std::vector<int> start;
  for (std::size_t k = 0; k < knobs.size(); ++k) {
    report.start.push_back(
        parse_quantity(get_config_value(config, knobs[k].keys[0]), knobs[k].unit));
    start.push_back(fitter.nearest(k, report.start.back()));
  }
  const ValidationReport& first = fitter.evaluate(start);
  std::vector<bool> use(first.rows.size());
  for (std::size_t i = 0; i < use.size(); ++i) use[i] = first.rows[i].status == kRowOk;
  const std::vector<int> all = fitter.descend(start, use);
  report.all = fitter.result(all, use);
  report.fitted = fitter.evaluate(all);
  for (std::size_t r = 0; r < use.size(); ++r) {
    if (!use[r]) continue;
    std::vector<bool> without = use;
    without[r] = false;
    const std::vector<int> at = fitter.descend(all, without);
    LeaveOneOut l;
    l.row = r;
    l.fit = fitter.result(at, without);
    l.held_out_error = errors_of(fitter.evaluate(at).rows[r]);
    report.loo.push_back(l);
  }
  report.simulations = fitter.simulations();
  return report;
}

std::string format_fit_markdown(const FitReport& report) {
  const auto& metrics = validation_metrics();
  std::ostringstream md;
  md << "| knob | plausible range | configured | fitted on all rows | meaning |\n"
        "|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < report.knobs.size(); ++k) {
    const Knob& knob = report.knobs[k];
    std::string keys;
    for (const std::string& key : knob.keys) keys += (keys.empty() ? "`" : ", `") + key + "`";
    md << "| " << keys << " | " << knob_text(knob.min, knob.unit) << " – "
       << knob_text(knob.max, knob.unit) << " | " << knob_text(report.start[k], knob.unit) << " | "
       << knob_text(report.all.values[k], knob.unit) << " | " << knob.meaning << " |\n";
  }
  md << "\nLeave-one-out: each row's largest error when the knobs are fitted on every row, and "
        "when they are fitted on all the other rows.\n\n"
        "| row | metric | error, fitted on all | error, held out | knobs fitted without it |\n"
        "|---|---|---|---|---|\n";
  for (const LeaveOneOut& l : report.loo) {
    const RowOutcome& in = report.fitted.rows[l.row];
    const auto [i, held] = worst(l.held_out_error);
    const auto e_in = in.error(i);
    std::string values;
    for (std::size_t k = 0; k < report.knobs.size(); ++k) {
      values += (k ? ", " : "") + knob_text(l.fit.values[k], report.knobs[k].unit);
    }
    md << "| " << in.row.name << " | " << metrics[i].column << " | "
       << (e_in ? percent(*e_in) : in.status) << " | " << (held ? percent(*held) : "failed")
       << " | " << values << " |\n";
  }
  md << "\n" << report.simulations << " grid points simulated.\n";
  return md.str();
}

}  // namespace infsim::driver
