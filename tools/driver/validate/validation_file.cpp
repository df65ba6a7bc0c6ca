#include "tools/driver/validate/validation_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "tools/config/errors.h"
#include "tools/driver/csv_reader.h"
#include "tools/driver/vocabulary.h"

namespace infsim::driver {
namespace {

double mean_over_models(const sim::ScenarioResult& r,
                        double (*field)(const sim::LoadedModelResult&)) {
  if (r.models.empty()) return 0;
  double sum = 0;
  for (const sim::LoadedModelResult& m : r.models) sum += field(m);
  return sum / static_cast<double>(r.models.size());
}

const std::vector<std::string>& run_columns() {
  static const std::vector<std::string> kColumns = {
      "name",     "instance",          "model",         "framework",  "dtype",   "batch_size",
      "n_models", "workers_per_model", "pipeline_size", "user_batch", "seq_len", "image_size",
      "set",      "tolerance_pct"};
  return kColumns;
}

const std::set<std::string>& required_columns() {
  static const std::set<std::string> kRequired = {
      "instance",   "model",    "framework",         "dtype",
      "batch_size", "n_models", "workers_per_model", "pipeline_size"};
  return kRequired;
}

class RowReader {
 public:
  RowReader(const CsvTable& table, const CsvRecord& record, const std::string& path)
      : table_(table), record_(record), path_(path) {}

  // The cell of `column`, "" when the header has no such column.
  std::string text(const std::string& column) const {
    for (std::size_t i = 0; i < table_.header.size(); ++i) {
      if (table_.header[i] == column) return trim(record_.fields[i]);
    }
    return "";
  }

  std::string required_text(const std::string& column) const {
    const std::string t = text(column);
    if (t.empty()) fail(column + " is empty");
    return t;
  }

  // A positive integer; `fallback` for an empty optional cell.
  int positive_int(const std::string& column, std::optional<int> fallback) const {
    const std::string t = text(column);
    if (t.empty()) {
      if (!fallback) fail(column + " is empty");
      return *fallback;
    }
    std::size_t used = 0;
    long v = 0;
    try {
      v = std::stol(t, &used);
    } catch (const std::logic_error&) {
      used = 0;
    }
    if (used != t.size() || v < 1 || v > 1000000) {
      fail(column + " must be a positive integer, not '" + t + "'");
    }
    return static_cast<int>(v);
  }

  std::optional<double> positive_number(const std::string& column) const {
    const std::string t = text(column);
    if (t.empty()) return std::nullopt;
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(t, &used);
    } catch (const std::logic_error&) {
      used = 0;
    }
    if (used != t.size() || !std::isfinite(v) || v <= 0) {
      fail(column + " must be a positive number, not '" + t + "'");
    }
    return v;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(path_ + ":" + std::to_string(record_.line) + ": " + what);
  }

 private:
  static std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
  }

  const CsvTable& table_;
  const CsvRecord& record_;
  const std::string& path_;
};

std::vector<std::string> split_overrides(const std::string& text, const RowReader& reader) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ';')) {
    const auto b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    item = item.substr(b, item.find_last_not_of(" \t") - b + 1);
    if (item.find('=') == std::string::npos || item.front() == '=') {
      reader.fail("set: '" + item + "' is not KEY=VALUE");
    }
    out.push_back(item);
  }
  return out;
}

// A relative .onnx path is looked up beside the CSV first, as experiments do.
std::string resolve_model(const std::string& model, const std::string& csv_path) {
  const std::filesystem::path p(model);
  if (p.extension() != ".onnx" || p.is_absolute()) return model;
  const std::filesystem::path beside = std::filesystem::path(csv_path).parent_path() / p;
  return std::filesystem::exists(beside) ? beside.string() : model;
}

}  // namespace

const std::vector<ValidationMetric>& validation_metrics() {
  static const std::vector<ValidationMetric> kMetrics = {
      {"throughput_avg", "/s", "inferences (images, sequences) per second",
       [](const sim::ScenarioResult& r) { return r.throughput; }},
      {"latency_ms_p50", "ms", "median latency of a call",
       [](const sim::ScenarioResult& r) { return r.latency.p50 * 1e3; }},
      {"latency_ms_p99", "ms", "99th percentile latency of a call",
       [](const sim::ScenarioResult& r) { return r.latency.p99 * 1e3; }},
      {"latency_ms_avg", "ms", "mean latency of a call (NeuronPerf's infer_avg_ms)",
       [](const sim::ScenarioResult& r) { return r.latency.mean * 1e3; }},
      {"load_avg_ms", "ms", find_metric("load_avg_ms")->description,
       [](const sim::ScenarioResult& r) { return load_avg_ms(r); }},
      {"device_ms", "ms", "NeuronCore time per inference (the profiler's)",
       [](const sim::ScenarioResult& r) {
         return mean_over_models(r,
                                 [](const sim::LoadedModelResult& m) { return m.device_seconds; }) *
                1e3;
       }},
      {"matrix_util_pct", "%", "matrix (PE array) utilization during the device time",
       [](const sim::ScenarioResult& r) {
         return mean_over_models(
                    r, [](const sim::LoadedModelResult& m) { return m.matrix_utilization; }) *
                100;
       }},
  };
  return kMetrics;
}

ValidationFile parse_validation_csv(const std::string& text, const std::string& path) {
  const CsvTable table = parse_csv(text, path);
  ValidationFile file;
  file.path = path;
  const auto& metrics = validation_metrics();
  std::set<std::string> present(table.header.begin(), table.header.end());
  for (const std::string& column : table.header) {
    const bool run_column =
        std::find(run_columns().begin(), run_columns().end(), column) != run_columns().end();
    const bool metric = std::any_of(metrics.begin(), metrics.end(),
                                    [&](const ValidationMetric& m) { return m.column == column; });
    if (!run_column && !metric) {
      std::string known;
      for (const std::string& c : run_columns()) known += c + ", ";
      for (const ValidationMetric& m : metrics) known += m.column + ", ";
      known.resize(known.size() - 2);
      throw ConfigError(path + ":1: unknown column '" + column + "' (known: " + known + ")");
    }
  }
  for (const std::string& column : required_columns()) {
    if (!present.count(column)) {
      throw ConfigError(path + ":1: the header has no column '" + column + "'");
    }
  }
  for (const ValidationMetric& m : metrics) {
    if (present.count(m.column)) file.metric_columns.push_back(m.column);
  }
  if (file.metric_columns.empty()) {
    throw ConfigError(path + ":1: no measured column (throughput_avg, latency_ms_p50, ...)");
  }
  for (const CsvRecord& record : table.records) {
    const RowReader cell(table, record, path);
    ValidationRow row;
    row.line = record.line;
    row.name = cell.text("name");
    if (row.name.empty()) row.name = "line " + std::to_string(record.line);
    SingleModelRun& run = row.run;
    run.name = row.name;
    run.instance = cell.required_text("instance");
    run.framework = cell.text("framework");  // may be empty: --framework then gives it
    run.model.id = "model";
    run.model.source = resolve_model(cell.required_text("model"), path);
    run.model.dtype = cell.required_text("dtype");
    run.model.batch = cell.positive_int("batch_size", std::nullopt);
    run.n_models = cell.positive_int("n_models", std::nullopt);
    run.workers_per_model = cell.positive_int("workers_per_model", std::nullopt);
    run.model.pipeline_cores = cell.positive_int("pipeline_size", std::nullopt);
    run.user_batch = cell.positive_int("user_batch", 0);
    run.model.seq_len = cell.positive_int("seq_len", run.model.seq_len);
    run.model.image_size = cell.positive_int("image_size", 0);
    // As the frameworks run it: torch-neuron, TensorFlow-Neuron and NeuronPerf's models partition
    // the graph and leave what Neuron does not support (embedding lookups) on the CPU (ref §5.1).
    run.model.cpu_fallback = true;
    run.overrides = split_overrides(cell.text("set"), cell);
    row.tolerance_pct = cell.positive_number("tolerance_pct");
    bool any = false;
    for (const ValidationMetric& m : metrics) {
      row.measured.push_back(cell.positive_number(m.column));
      any = any || row.measured.back().has_value();
    }
    if (!any) cell.fail("no measured value in the row");
    file.rows.push_back(row);
  }
  return file;
}

ValidationFile read_validation_file(const std::string& path) {
  return parse_validation_csv(read_text_file(path), path);
}

}  // namespace infsim::driver
