// Reading one side of `infsim compare`: a results.json (or a folder with one) into rows of
// named numbers, and the resolved configuration written beside it into dotted keys.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tools/config/errors.h"
#include "tools/driver/compare/compare.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

[[noreturn]] void bad_file(const std::string& path, const std::string& why) {
  throw UsageError("compare: " + path + ": " + why, ErrorKind::kBadFile,
                   ErrorLocation::in_file(path));
}

// Fields that say which row it is, not how it performed.
const std::set<std::string>& identity_fields() {
  static const std::set<std::string> s = {"line", "point", "parameters", "status", "message"};
  return s;
}

// Every finite number under `j`, by its dotted path; arrays (per-core and per-model detail) are
// left out: their entries have no stable name across two runs.
void flatten_numbers(const json& j, const std::string& prefix, std::map<std::string, double>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (prefix.empty() && identity_fields().count(it.key())) continue;
    const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) {
      flatten_numbers(*it, path, out);
    } else if (it->is_number()) {
      out[path] = it->get<double>();
    }
  }
}

std::string scalar_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The row's name: its "name", a sweep point with its parameters, or its text columns (tables).
std::string row_label(const json& row, const std::string& kind) {
  if (row.contains("name") && row["name"].is_string()) return row["name"].get<std::string>();
  if (kind == "sweep") {
    std::string label = "point " + row.value("point", json(0)).dump();
    std::string params;
    const json parameters = row.value("parameters", json::object());
    for (auto it = parameters.begin(); it != parameters.end(); ++it) {
      params += (params.empty() ? "" : ", ") + it.key() + "=" + scalar_text(*it);
    }
    return params.empty() ? label : label + " (" + params + ")";
  }
  std::string label;
  for (auto it = row.begin(); it != row.end(); ++it) {
    if (it->is_string() && !identity_fields().count(it.key())) {
      label += (label.empty() ? "" : " ") + it->get<std::string>();
    }
    if (it.key() == "batch_size" && it->is_number()) label += " batch " + it->dump();
  }
  return label;
}

std::string kind_of(const json& j) {
  if (!j.is_object()) return "";
  if (j.contains("scenarios") && j["scenarios"].is_array()) return "run";
  if (j.contains("points") && j["points"].is_array()) return "sweep";
  if (j.contains("rows") && j["rows"].is_array()) return j.contains("mape") ? "validate" : "table";
  return "";
}

void flatten_yaml(const YAML::Node& node, const std::string& prefix,
                  std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      flatten_yaml(entry.second, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (node.IsScalar()) {
    out[prefix] = node.Scalar();
  } else if (!node.IsNull()) {
    std::ostringstream os;
    os << YAML::Dump(node);
    out[prefix] = os.str();
  }
}

void flatten_json_text(const json& j, const std::string& prefix,
                       std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      flatten_json_text(*it, prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
  } else {
    out[prefix] = scalar_text(j);
  }
}

std::map<std::string, std::string> read_config_yaml(const fs::path& file) {
  std::map<std::string, std::string> out;
  try {
    flatten_yaml(YAML::LoadFile(file.string()), "", out);
  } catch (const YAML::Exception& e) {
    bad_file(file.string(), std::string("cannot read the resolved config: ") + e.what());
  }
  return out;
}

// `run --out DIR` writes config.yaml (one scenario) or config.N.yaml (scenario N).
void read_run_configs(const fs::path& dir, CompareInput& in) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "config.yaml", ec)) {
    in.config[""] = read_config_yaml(dir / "config.yaml");
    return;
  }
  for (std::size_t i = 0; i < in.rows.size(); ++i) {
    const fs::path f = dir / ("config." + std::to_string(i + 1) + ".yaml");
    if (fs::is_regular_file(f, ec)) in.config[in.rows[i].first] = read_config_yaml(f);
  }
}

}  // namespace

CompareInput read_compare_input(const std::string& path) {
  std::error_code ec;
  fs::path file = path;
  if (fs::is_directory(file, ec)) file /= "results.json";
  if (!fs::is_regular_file(file, ec)) {
    bad_file(path, fs::is_directory(path, ec) ? "the folder has no results.json"
                                              : "no such file or folder");
  }
  std::ifstream f(file);
  json j;
  try {
    j = json::parse(f);
  } catch (const json::exception& e) {
    bad_file(file.string(), std::string("not JSON: ") + e.what());
  }
  CompareInput in;
  in.path = path;
  in.kind = kind_of(j);
  if (in.kind.empty()) {
    bad_file(file.string(), "not a results file of infsim run, sweep, table --preset or validate");
  }
  const char* list = in.kind == "run" ? "scenarios" : in.kind == "sweep" ? "points" : "rows";
  std::map<std::string, int> seen;  // labels that repeat get " #2", " #3", ...
  for (const json& row : j[list]) {
    if (!row.is_object())
      bad_file(file.string(), std::string("an entry of ") + list + " is not an object");
    std::string label = row_label(row, in.kind);
    if (const int n = ++seen[label]; n > 1) label += " #" + std::to_string(n);
    std::map<std::string, double> numbers;
    flatten_numbers(row, "", numbers);
    in.rows.emplace_back(label, std::move(numbers));
  }
  if (in.kind == "run") read_run_configs(file.parent_path(), in);
  if (in.kind == "sweep") {
    json study = j;
    study.erase("points");
    study.erase("hash");
    flatten_json_text(study, "", in.config[""]);
  }
  return in;
}

}  // namespace infsim::driver
