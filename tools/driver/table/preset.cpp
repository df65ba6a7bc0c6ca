#include "tools/driver/table/preset.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "compiler/canonicalize.h"
#include "models/model_loader.h"
#include "tools/config/config_loader.h"
#include "tools/config/version.h"
#include "tools/driver/csv_writer.h"
#include "tools/driver/vocabulary.h"
#include "tools/driver/yaml_reader.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

std::string resolve(const std::string& name_or_path) {
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  const std::string p = find_config_dir() + "/tables/" + name_or_path + ".yaml";
  if (fs::is_regular_file(p, ec)) return p;
  std::string known;
  for (const auto& e : fs::directory_iterator(find_config_dir() + "/tables", ec))
    if (e.path().extension() == ".yaml")
      known += (known.empty() ? "" : ", ") + e.path().stem().string();
  throw ConfigError("no table preset '" + name_or_path + "' (known: " + known + ")");
}

PresetRow read_row(const Reader& rd, const YAML::Node& n, const std::string& p,
                   const fs::path& dir) {
  rd.keys(
      n, p,
      {"model", "details", "framework", "application", "instance", "batch", "dtype",
       "pipeline_cores", "models", "workers", "image_size", "seq_len", "cpu_fallback", "requests"},
      {"model", "instance"});
  PresetRow row;
  TableRowSpec& s = row.spec;
  s.model = rd.text(n["model"], p + ".model");
  if (s.model.size() > 5 && s.model.rfind(".onnx") == s.model.size() - 5 &&
      fs::path(s.model).is_relative())
    s.model = (dir / s.model).string();
  s.instance = rd.text(n["instance"], p + ".instance");
  if (n["details"]) row.details = rd.text(n["details"], p + ".details");
  if (n["framework"]) row.framework = rd.text(n["framework"], p + ".framework");
  row.application = "batch";
  if (n["application"]) {
    row.application = rd.text(n["application"], p + ".application");
    if (row.application != "batch" && row.application != "real time")
      rd.fail(n["application"], p + ".application", "expected 'batch' or 'real time'");
  }
  auto integer = [&](const char* key, int& dst, long lo, long hi) {
    if (n[key]) dst = static_cast<int>(rd.integer(n[key], p + "." + key, lo, hi));
  };
  integer("batch", s.batch, 1, 1024);
  integer("pipeline_cores", s.pipeline_cores, 1, 64);
  integer("models", s.n_models, 1, 64);
  integer("workers", s.workers, 1, 64);
  integer("image_size", s.image_size, 0, 4096);
  integer("seq_len", s.seq_len, 1, 4096);
  integer("requests", s.requests, 1, 100000);
  if (n["dtype"]) {
    s.dtype = rd.text(n["dtype"], p + ".dtype");
    if (s.dtype != "bf16" && s.dtype != "fp16" && s.dtype != "fp32")
      rd.fail(n["dtype"], p + ".dtype", "expected bf16, fp16 or fp32");
  }
  if (n["cpu_fallback"]) s.cpu_fallback = rd.flag(n["cpu_fallback"], p + ".cpu_fallback");
  return row;
}

std::string num(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// The columns, declared once: header and the cell of a result. NeuronPerf's names (its
// reports' columns; driver/vocabulary.h) wherever NeuronPerf has the quantity.
struct Column {
  const char* header;
  std::function<std::string(const PresetResult&)> cell;
  bool numeric = false;  // a number in JSON (null when empty)
};

const std::vector<Column>& columns() {
  auto ok = [](const PresetResult& r) { return r.result.outcome == TableRowOutcome::kOk; };
  // A number of the result, empty when the row has none.
  auto value = [ok](const char* format, double TableRowResult::*field) {
    return [ok, format, field](const PresetResult& r) {
      return ok(r) ? num(format, r.result.*field) : std::string();
    };
  };
  static const std::vector<Column> kColumns = {
      {"model_name", [](const PresetResult& r) { return r.row->spec.model; }},
      {"model_details", [](const PresetResult& r) { return r.row->details; }},
      {"framework", [](const PresetResult& r) { return r.row->framework; }},
      {"application_type", [](const PresetResult& r) { return r.row->application; }},
      {"run_mode",
       [](const PresetResult& r) {
         return std::string(r.row->spec.pipeline_cores > 1 ? "model pipeline" : "data parallel");
       }},
      {"instance_type", [](const PresetResult& r) { return r.result.instance; }},
      {"dtype", [](const PresetResult& r) { return r.row->spec.dtype; }},
      {"batch_size", [](const PresetResult& r) { return std::to_string(r.row->spec.batch); }, true},
      {"pipeline_size",
       [](const PresetResult& r) { return std::to_string(r.row->spec.pipeline_cores); }, true},
      {"n_models", [](const PresetResult& r) { return std::to_string(r.result.n_models); }, true},
      {"workers_per_model",
       [](const PresetResult& r) { return std::to_string(r.row->spec.workers); }, true},
      {"cores", [](const PresetResult& r) { return std::to_string(r.result.cores); }, true},
      {"threads",
       [](const PresetResult& r) {
         return std::to_string(r.result.n_models * r.row->spec.workers);
       },
       true},
      {"throughput_avg", value("%.1f", &TableRowResult::throughput), true},
      {"throughput_peak", value("%.1f", &TableRowResult::throughput_peak), true},
      {"throughput_unit",
       [](const PresetResult& r) { return throughput_unit(r.result.item_kind); }},
      {"latency_ms_p0", value("%.3f", &TableRowResult::p0_ms), true},
      {"latency_ms_p50", value("%.3f", &TableRowResult::p50_ms), true},
      {"latency_ms_p90", value("%.3f", &TableRowResult::p90_ms), true},
      {"latency_ms_p95", value("%.3f", &TableRowResult::p95_ms), true},
      {"latency_ms_p99", value("%.3f", &TableRowResult::p99_ms), true},
      {"latency_ms_p100", value("%.3f", &TableRowResult::p100_ms), true},
      {"total_infs",
       [ok](const PresetResult& r) { return ok(r) ? std::to_string(r.result.total_infs) : ""; },
       true},
      {"cost_per_1m_inf", value("%.3f", &TableRowResult::cost_per_million), true},
      {"ops_on_inferentia_percent",
       [](const PresetResult& r) { return num("%.1f", r.ops_on_device_percent); }, true},
      {"status", [](const PresetResult& r) { return r.result.status; }},
      {kVersionKey, [](const PresetResult&) { return tools::version_string(); }},
      {kConfigHashKey, [](const PresetResult& r) { return r.result.config_hash; }},
  };
  return kColumns;
}

// Graph nodes the compiler places on the NeuronCores, in percent (the rest run on the host).
double ops_on_device(const TableRowSpec& s) {
  models::ZooOptions o;
  o.batch = s.batch;
  o.image_size = s.image_size;
  o.seq_len = s.seq_len;
  const models::Graph g = models::load_model(s.model, o);
  const auto c = compiler::canonicalize(g, static_cast<std::uint32_t>(s.batch), s.cpu_fallback);
  if (g.nodes.empty()) return 0;
  return 100.0 * static_cast<double>(g.nodes.size() - c.host_ops.size()) /
         static_cast<double>(g.nodes.size());
}

}  // namespace

TablePreset load_preset(const std::string& name_or_path) {
  const std::string path = resolve(name_or_path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Reader rd(path);
  rd.keys(root, "", {"preset", "description", "tables"}, {"tables"});
  TablePreset preset;
  preset.file = path;
  preset.name = root["preset"] ? rd.text(root["preset"], "preset") : fs::path(path).stem().string();
  if (root["description"]) preset.description = rd.text(root["description"], "description");
  const YAML::Node& tables = root["tables"];
  if (!tables.IsSequence() || tables.size() == 0)
    rd.fail(tables, "tables", "expected a list of tables");
  for (std::size_t t = 0; t < tables.size(); ++t) {
    const std::string tp = "tables[" + std::to_string(t) + "]";
    rd.keys(tables[t], tp, {"title", "rows"}, {"title", "rows"});
    PresetTable table;
    table.title = rd.text(tables[t]["title"], tp + ".title");
    const YAML::Node& rows = tables[t]["rows"];
    if (!rows.IsSequence() || rows.size() == 0) rd.fail(rows, tp + ".rows", "expected a list");
    for (std::size_t r = 0; r < rows.size(); ++r)
      table.rows.push_back(read_row(rd, rows[r], tp + ".rows[" + std::to_string(r) + "]",
                                    fs::path(path).parent_path()));
    preset.tables.push_back(std::move(table));
  }
  return preset;
}

std::vector<PresetResult> run_preset(
    const TablePreset& preset, const std::vector<std::string>& overrides,
    const std::function<void(int, int, const PresetRow&)>& progress) {
  int total = 0;
  for (const PresetTable& t : preset.tables) total += static_cast<int>(t.rows.size());
  // Fails early on a bad instance or value, and warns of a --set a row's configuration ignores.
  for (const PresetTable& t : preset.tables) {
    for (const PresetRow& r : t.rows)
      warn_ignored_overrides(load_instance(r.spec.instance, overrides, r.spec.framework),
                             overrides);
  }
  std::vector<PresetResult> out;
  for (const PresetTable& t : preset.tables) {
    for (const PresetRow& row : t.rows) {
      if (progress) progress(static_cast<int>(out.size()), total, row);
      PresetResult r;
      r.row = &row;
      r.table = t.title;
      TableRowSpec spec = row.spec;
      spec.overrides.insert(spec.overrides.end(), overrides.begin(), overrides.end());
      try {
        r.ops_on_device_percent = ops_on_device(spec);
      } catch (const std::exception&) {
        r.ops_on_device_percent = 0;  // the row's run reports why
      }
      r.result = run_table_row(spec);
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::string preset_markdown(const TablePreset& preset, const std::vector<PresetResult>& results) {
  std::ostringstream md;
  for (const PresetTable& t : preset.tables) {
    if (!t.title.empty()) md << "### " << t.title << "\n\n";
    md << "|";
    for (const Column& c : columns()) md << " " << c.header << " |";
    md << "\n|";
    for (std::size_t i = 0; i < columns().size(); ++i) md << "---|";
    md << "\n";
    for (const PresetResult& r : results) {
      if (r.table != t.title) continue;
      md << "|";
      for (const Column& c : columns()) md << " " << c.cell(r) << " |";
      md << "\n";
    }
    md << "\n";
  }
  return md.str();
}

std::string preset_csv(const std::vector<PresetResult>& results) {
  std::vector<std::string> header = {"table"};
  for (const Column& c : columns()) header.emplace_back(c.header);
  CsvWriter csv(header);
  for (const PresetResult& r : results) {
    std::vector<std::string> row = {r.table};
    for (const Column& c : columns()) row.push_back(c.cell(r));
    csv.row(row);
  }
  return csv.str();
}

std::string preset_json(const TablePreset& preset, const std::vector<PresetResult>& results) {
  nlohmann::ordered_json j;
  j[kVersionKey] = tools::version_string();
  j["preset"] = preset.name;
  j["description"] = preset.description;
  auto rows = nlohmann::ordered_json::array();
  for (const PresetResult& r : results) {
    nlohmann::ordered_json o;
    o["table"] = r.table;
    for (const Column& c : columns()) {
      const std::string v = c.cell(r);
      if (!c.numeric) {
        o[c.header] = v;
      } else if (v.empty()) {
        o[c.header] = nullptr;
      } else {
        o[c.header] = std::stod(v);
      }
    }
    rows.push_back(o);
  }
  j["rows"] = rows;
  return j.dump(2) + "\n";
}

}  // namespace infsim::driver
