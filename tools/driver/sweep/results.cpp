#include "tools/driver/sweep/results.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>

#include "tools/config/version.h"
#include "tools/driver/csv_writer.h"
#include "tools/driver/vocabulary.h"

namespace infsim::driver {

namespace {

// Some errors carry thousands of diagnostics; the CSV keeps one line of them per point (the
// JSON and the point file keep everything).
std::string message_summary(const std::string& message) {
  constexpr std::size_t kMaxChars = 300;
  std::size_t eol = message.find('\n');
  std::string first = message.substr(0, eol);
  std::string more;
  if (first.size() > kMaxChars) {
    first.resize(kMaxChars);
    more = "...";
  }
  if (eol != std::string::npos) {
    std::size_t lines = 1 + static_cast<std::size_t>(std::count(
                                message.begin() + static_cast<long>(eol) + 1, message.end(), '\n'));
    more += " (+" + std::to_string(lines) + " more lines in results.json)";
  }
  return first + more;
}

}  // namespace

std::vector<ResultLine> lines_along(const Study& study, std::size_t param) {
  const Parameter& p = study.parameters.at(param);
  std::vector<WrittenQuantity> q = p.quantities();
  std::vector<ResultLine> lines;
  std::vector<std::vector<std::string>> keys;
  for (std::size_t i = 0; i < study.point_count(); ++i) {
    PointSpec spec = study.point(i);
    std::vector<std::string> key;
    std::string title;
    if (study.combine == Combine::kGrid) {
      for (std::size_t o = 0; o < study.parameters.size(); ++o) {
        if (o == param) continue;
        const std::string& name = study.parameters[o].name;
        key.push_back(spec.parameters.at(name));
        title += (title.empty() ? "" : ", ") + name + "=" + spec.parameters.at(name);
      }
    }
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      lines.push_back({title, {}, {}});
      it = keys.end() - 1;
    }
    ResultLine& line = lines[static_cast<std::size_t>(it - keys.begin())];
    std::size_t at = static_cast<std::size_t>(
        std::find(p.values.begin(), p.values.end(), spec.parameters.at(p.name)) - p.values.begin());
    line.rows.push_back(i);
    line.x.push_back(q.empty() ? static_cast<double>(at) : q[at].si());
  }
  for (auto& line : lines) {
    std::vector<std::size_t> order(line.rows.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return line.x[a] < line.x[b]; });
    ResultLine sorted{line.title, {}, {}};
    for (std::size_t k : order) {
      sorted.rows.push_back(line.rows[k]);
      sorted.x.push_back(line.x[k]);
    }
    line = sorted;
  }
  return lines;
}

std::string format_number(double v) {
  if (!std::isfinite(v)) return "";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.12g", v);
  return buffer;
}

ResultTable make_result_table(const Study& study,
                              const std::vector<std::optional<PointResult>>& results) {
  ResultTable table{study, {}};
  for (std::size_t i = 0; i < study.point_count(); ++i) {
    ResultRow row;
    row.spec = study.point(i);
    const auto& r = results.at(i);
    row.status = r ? r->status : kStatusMissing;
    row.message = r ? r->message : "";
    row.config_hash = r ? r->config_hash : "";
    row.framework = r ? r->framework : "";
    for (const auto& metric : study.metrics) {
      double v = std::numeric_limits<double>::quiet_NaN();
      if (r) {
        auto it = r->metrics.find(metric);
        if (it != r->metrics.end()) v = it->second;
      }
      row.metrics.push_back(v);
    }
    table.rows.push_back(row);
  }
  return table;
}

std::string results_csv(const ResultTable& table) {
  const Study& s = table.study;
  std::vector<std::string> header = {"point"};
  for (const auto& p : s.parameters) header.push_back(p.name);
  header.emplace_back("status");
  for (const auto& m : s.metrics) header.push_back(m);
  // A `framework` parameter already has its column.
  const bool framework_column =
      std::none_of(s.parameters.begin(), s.parameters.end(),
                   [](const Parameter& p) { return p.name == "framework"; });
  header.emplace_back("message");
  if (framework_column) header.emplace_back("framework");
  for (const char* c : {kVersionKey, kConfigHashKey}) header.emplace_back(c);
  CsvWriter csv(header);
  for (const auto& row : table.rows) {
    std::vector<std::string> fields = {std::to_string(row.spec.index)};
    for (const auto& p : s.parameters) fields.push_back(row.spec.parameters.at(p.name));
    fields.push_back(row.status);
    for (double v : row.metrics) fields.push_back(format_number(v));
    fields.push_back(message_summary(row.message));
    if (framework_column) fields.push_back(row.framework);
    fields.push_back(tools::version_string());
    fields.push_back(row.config_hash);
    csv.row(fields);
  }
  return csv.str();
}

nlohmann::json results_json(const ResultTable& table) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& row : table.rows) {
    nlohmann::json metrics = nlohmann::json::object();
    for (std::size_t m = 0; m < row.metrics.size(); ++m) {
      double v = row.metrics[m];
      metrics[table.study.metrics[m]] =
          std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    }
    points.push_back({{"point", row.spec.index},
                      {"parameters", row.spec.parameters},
                      {"status", row.status},
                      {"message", row.message},
                      {"metrics", metrics},
                      {"framework", row.framework},
                      {kConfigHashKey, row.config_hash}});
  }
  nlohmann::json j = study_to_json(table.study);
  j["base"].erase("study_file");
  j["hash"] = table.study.hash();
  j[kVersionKey] = tools::version_string();
  j["points"] = points;
  return j;
}

std::vector<Sensitivity> sensitivities(const ResultTable& table) {
  const Study& s = table.study;
  std::vector<Sensitivity> out;
  for (std::size_t p = 0; p < s.parameters.size(); ++p) {
    const Parameter& param = s.parameters[p];
    const bool numeric = param.numeric();
    const std::vector<ResultLine> lines = lines_along(s, p);
    for (const auto& metric : s.sensitivity) {
      Sensitivity e{param.name, metric, std::nullopt, 0, ""};
      if (!numeric) {
        e.note = "not numeric";
      } else if (param.values.size() < 2) {
        e.note = "one value";
      } else {
        std::size_t m = static_cast<std::size_t>(
            std::find(s.metrics.begin(), s.metrics.end(), metric) - s.metrics.begin());
        double sum = 0;
        for (const auto& line : lines) {
          for (std::size_t k = 1; k < line.rows.size(); ++k) {
            const ResultRow& a = table.rows[line.rows[k - 1]];
            const ResultRow& b = table.rows[line.rows[k]];
            double ya = a.metrics[m], yb = b.metrics[m];
            double xa = line.x[k - 1], xb = line.x[k];
            if (a.status != kStatusOk || b.status != kStatusOk) continue;
            if (!(ya > 0) || !(yb > 0) || !(xa > 0) || !(xb > 0) || xa == xb) continue;
            if (!std::isfinite(ya) || !std::isfinite(yb)) continue;
            sum += (std::log(yb) - std::log(ya)) / (std::log(xb) - std::log(xa));
            ++e.pairs;
          }
        }
        bool any_value = false;
        for (const auto& row : table.rows) any_value = any_value || std::isfinite(row.metrics[m]);
        if (e.pairs > 0) {
          e.elasticity = sum / e.pairs;
        } else if (!any_value) {
          e.note = "no values";
        } else {
          e.note = "no neighbouring ok points with positive values";
        }
      }
      out.push_back(e);
    }
  }
  return out;
}

std::string sensitivity_csv(const std::vector<Sensitivity>& s) {
  std::string out = "parameter,metric,elasticity,pairs,note\n";
  for (const auto& e : s) {
    out += csv_field(e.parameter) + "," + csv_field(e.metric) + "," +
           (e.elasticity ? format_number(*e.elasticity) : "n/a") + "," + std::to_string(e.pairs) +
           "," + csv_field(e.note) + "\n";
  }
  return out;
}

std::string sensitivity_text(const std::vector<Sensitivity>& s) {
  std::size_t pw = 9, mw = 6;
  for (const auto& e : s) {
    pw = std::max(pw, e.parameter.size());
    mw = std::max(mw, e.metric.size());
  }
  auto pad = [](const std::string& t, std::size_t w) { return t + std::string(w - t.size(), ' '); };
  std::string out =
      "sensitivity: elasticity d ln(metric) / d ln(parameter), mean over neighbouring "
      "points\n  " +
      pad("parameter", pw) + "  " + pad("metric", mw) + "  elasticity  pairs\n";
  for (const auto& e : s) {
    char value[32];
    if (e.elasticity) {
      std::snprintf(value, sizeof value, "%+10.3f", *e.elasticity);
      out += "  " + pad(e.parameter, pw) + "  " + pad(e.metric, mw) + "  " + value + "  " +
             std::to_string(e.pairs) + "\n";
    } else {
      std::snprintf(value, sizeof value, "%10s", "n/a");
      out += "  " + pad(e.parameter, pw) + "  " + pad(e.metric, mw) + "  " + value + " (" + e.note +
             ")\n";
    }
  }
  return out;
}

}  // namespace infsim::driver
