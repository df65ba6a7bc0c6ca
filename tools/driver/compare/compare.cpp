#include "tools/driver/compare/compare.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

using json = nlohmann::json;

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string opt_number(const std::optional<double>& v) {
  return v ? number(*v) : "";
}

std::string percent(const std::optional<double>& v) {
  if (!v) return "";
  if (std::isinf(*v)) return *v > 0 ? "+inf %" : "-inf %";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.2f %%", *v);
  return buf;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

json opt_json(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

template <class T>
json opt_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

void diff_config(const std::map<std::string, std::string>& a,
                 const std::map<std::string, std::string>& b, const std::string& scope,
                 std::vector<ConfigDelta>& out) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  for (const std::string& k : keys) {
    const auto ia = a.find(k);
    const auto ib = b.find(k);
    std::optional<std::string> va, vb;
    if (ia != a.end()) va = ia->second;
    if (ib != b.end()) vb = ib->second;
    if (va != vb) out.push_back({scope, k, va, vb});
  }
}

}  // namespace

std::optional<double> MetricDelta::delta() const {
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

std::optional<double> MetricDelta::delta_pct() const {
  if (!a || !b) return std::nullopt;
  if (*a == *b) return 0.0;
  if (*a == 0)
    return *b > 0 ? std::numeric_limits<double>::infinity()
                  : -std::numeric_limits<double>::infinity();
  return (*b - *a) / std::fabs(*a) * 100.0;
}

double Comparison::max_abs_change_pct() const {
  double worst = 0;
  for (const MetricDelta& m : metrics) {
    if (const auto p = m.delta_pct()) worst = std::max(worst, std::fabs(*p));
  }
  return worst;
}

Comparison compare_results(const CompareInput& a, const CompareInput& b) {
  if (a.kind != b.kind) {
    throw UsageError("compare: " + a.path + " holds " + a.kind + " results but " + b.path +
                     " holds " + b.kind + " results");
  }
  Comparison c{a.path, b.path, a.kind, {}, {}};
  std::map<std::string, const std::map<std::string, double>*> b_rows;
  for (const auto& [label, numbers] : b.rows) b_rows[label] = &numbers;
  std::set<std::string> a_labels;
  for (const auto& [label, numbers] : a.rows) {
    a_labels.insert(label);
    const auto it = b_rows.find(label);
    const std::map<std::string, double> none;
    const auto& other = it == b_rows.end() ? none : *it->second;
    for (const auto& [metric, v] : numbers) {
      const auto o = other.find(metric);
      c.metrics.push_back(
          {label, metric, v, o == other.end() ? std::nullopt : std::optional<double>(o->second)});
    }
    for (const auto& [metric, v] : other) {
      if (!numbers.count(metric)) c.metrics.push_back({label, metric, std::nullopt, v});
    }
  }
  for (const auto& [label, numbers] : b.rows) {
    if (a_labels.count(label)) continue;
    for (const auto& [metric, v] : numbers) c.metrics.push_back({label, metric, std::nullopt, v});
  }
  std::set<std::string> scopes;
  for (const auto& [s, m] : a.config) scopes.insert(s);
  for (const auto& [s, m] : b.config) scopes.insert(s);
  const std::map<std::string, std::string> none;
  for (const std::string& s : scopes) {
    const auto ia = a.config.find(s);
    const auto ib = b.config.find(s);
    diff_config(ia == a.config.end() ? none : ia->second, ib == b.config.end() ? none : ib->second,
                s, c.config);
  }
  return c;
}

std::string format_comparison_markdown(const Comparison& c) {
  std::ostringstream os;
  os << "A: " << c.a << "\nB: " << c.b << "\n\n";
  if (c.config.empty()) {
    os << "config: no differing keys (or no resolved configs beside the results)\n\n";
  } else {
    os << "| config key | A | B |\n|---|---|---|\n";
    for (const ConfigDelta& d : c.config) {
      os << "| " << (d.scope.empty() ? "" : d.scope + ": ") << d.key << " | "
         << d.a.value_or("(absent)") << " | " << d.b.value_or("(absent)") << " |\n";
    }
    os << "\n";
  }
  std::size_t unchanged = 0;
  std::ostringstream table;
  for (const MetricDelta& m : c.metrics) {
    if (m.delta_pct() && *m.delta_pct() == 0) {
      ++unchanged;
      continue;
    }
    table << "| " << m.row << " | " << m.metric << " | " << opt_number(m.a) << " | "
          << opt_number(m.b) << " | " << opt_number(m.delta()) << " | " << percent(m.delta_pct())
          << " |\n";
  }
  if (unchanged < c.metrics.size()) {
    os << "| row | metric | A | B | delta | delta % |\n|---|---|---|---|---|---|\n" << table.str();
    os << "\n";
  }
  os << (c.metrics.size() - unchanged) << " of " << c.metrics.size() << " metrics changed";
  os << "; largest change " << percent(c.max_abs_change_pct()) << "\n";
  return os.str();
}

std::string format_comparison_csv(const Comparison& c) {
  std::string out = "row,metric,a,b,delta,delta_pct\n";
  for (const MetricDelta& m : c.metrics) {
    const auto p = m.delta_pct();
    out += csv_cell(m.row) + "," + csv_cell(m.metric) + "," + opt_number(m.a) + "," +
           opt_number(m.b) + "," + opt_number(m.delta()) + "," + (p ? number(*p) : "") + "\n";
  }
  return out;
}

json comparison_json(const Comparison& c) {
  json metrics = json::array();
  for (const MetricDelta& m : c.metrics) {
    metrics.push_back({{"row", m.row},
                       {"metric", m.metric},
                       {"a", opt_json(m.a)},
                       {"b", opt_json(m.b)},
                       {"delta", opt_json(m.delta())},
                       {"delta_pct", opt_json(m.delta_pct())}});
  }
  json config = json::array();
  for (const ConfigDelta& d : c.config) {
    config.push_back(
        {{"scope", d.scope}, {"key", d.key}, {"a", opt_json(d.a)}, {"b", opt_json(d.b)}});
  }
  return {{"a", c.a},         {"b", c.b},           {"kind", c.kind},
          {"config", config}, {"metrics", metrics}, {"max_abs_change_pct", c.max_abs_change_pct()}};
}

}  // namespace infsim::driver
