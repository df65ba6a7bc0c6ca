// Reading a study file: every key checked, with FILE:LINE and the YAML path in each error.

#include "tools/driver/sweep/study.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "isa/hardware_config.h"
#include "models/zoo.h"
#include "tools/config/config_loader.h"
#include "tools/config/config_tree.h"
#include "tools/config/errors.h"
#include "tools/config/utf8.h"

namespace infsim::driver {

namespace fs = std::filesystem;

namespace {

// More values than this is a typo in a range (a step in bytes instead of MiB), not a study.
constexpr std::size_t kMaxValuesPerParameter = 100000;
constexpr std::size_t kMaxPoints = 10000000;

const std::vector<std::string> kKnownModes = {"compile", "run"};
const std::vector<std::string> kDtypes = {"fp32", "bf16", "fp16", "int8"};
const std::vector<std::string> kDefaultSensitivity = {"throughput_avg", "latency_ms_p50"};
// Without run metrics, the compiler's latency estimate is the closest stand-in.
const char* const kCompileLatency = "estimated_latency_ms";

bool is_config_key(const std::string& name) {
  static const std::vector<std::string> keys = list_config_keys();
  return std::find(keys.begin(), keys.end(), name) != keys.end();
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string join(const std::vector<std::string>& list, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : sep) + s;
  return out;
}

// The closest name by edit distance, for "did you mean" hints.
std::string closest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(3, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::vector<std::size_t> row(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= name.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j) {
        std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (name[i - 1] != c[j - 1])});
        diagonal = up;
      }
    }
    if (row[c.size()] < best_distance) {
      best_distance = row[c.size()];
      best = c;
    }
  }
  return best;
}

class StudyReader {
 public:
  explicit StudyReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                         const std::string& message) const {
    std::string where = file_;
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    if (line > 0) where += ":" + std::to_string(line);
    throw ConfigError(where + ": " + (path.empty() ? "" : path + ": ") + message,
                      ErrorKind::kInvalidConfig, ErrorLocation::in_file(file_, line, path));
  }

  std::string scalar(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) fail(node, path, "expected a single value");
    // Names, labels and metrics end up in the sweep's JSON, which holds UTF-8 only.
    if (!is_valid_utf8(node.Scalar())) fail(node, path, "the text is not valid UTF-8");
    return node.Scalar();
  }

  std::vector<std::string> scalar_list(const YAML::Node& node, const std::string& path) const {
    if (node.IsScalar()) return {scalar(node, path)};
    if (!node.IsSequence()) fail(node, path, "expected a value or a list of values");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < node.size(); ++i) {
      out.push_back(scalar(node[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  void check_keys(const YAML::Node& map, const std::string& path,
                  const std::vector<std::string>& allowed) const {
    if (!map.IsMap()) fail(map, path, "expected a mapping of keys to values");
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      if (contains(allowed, key)) continue;
      std::string hint = closest(key, allowed);
      fail(kv.first, path.empty() ? key : path + "." + key,
           "unknown key '" + key + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
               "; allowed: " + join(allowed));
    }
  }

  // A value for a config key gets the checks `--set` applies (unit, range, whole numbers), so
  // typos surface with their line before any point runs.
  void check_config_value(const YAML::Node& node, const std::string& path, const std::string& key,
                          const std::string& value) const {
    sim::SystemConfig scratch;
    try {
      apply_override(scratch, key + "=" + value);
    } catch (const ConfigError& e) {
      fail(node, path, std::string(e.what()) + " (for " + key + ")");
    }
  }

  void check_field_value(const YAML::Node& node, const std::string& path, const std::string& field,
                         const std::string& value) const {
    if (field == "dtype") {
      if (!contains(kDtypes, value)) {
        fail(node, path, "unknown dtype '" + value + "'; allowed: " + join(kDtypes));
      }
    } else if (field == "framework") {
      check_name(node, path, "framework", value, list_frameworks());
    } else if (field != "model" && field != "instance") {
      auto q = parse_written_quantity(value);
      if (!q || !q->unit.empty() || q->value != std::floor(q->value) || q->value < 1 ||
          q->value > 1e9) {
        fail(node, path, field + " must be a positive whole number, got '" + value + "'");
      }
    } else if (value.empty()) {
      fail(node, path, field + " must not be empty");
    } else if (field == "instance" && fs::path(value).extension() != ".yaml") {
      check_name(node, path, "instance", value, list_instances());
    } else if (field == "model" && fs::path(value).extension() != ".onnx") {
      std::vector<std::string> zoo;
      for (const auto& entry : models::zoo_list()) zoo.push_back(entry.name);
      check_name(node, path, "model", value, zoo);
    }
  }

  void check_name(const YAML::Node& node, const std::string& path, const std::string& what,
                  const std::string& value, const std::vector<std::string>& known) const {
    if (contains(known, value)) return;
    std::string hint = closest(value, known);
    fail(node, path,
         "unknown " + what + " '" + value + "'" +
             (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; known: " + join(known));
  }

  void check_value(const YAML::Node& node, const std::string& path, const std::string& name,
                   const std::string& value) const {
    if (is_config_key(name)) {
      check_config_value(node, path, name, value);
    } else {
      check_field_value(node, path, name, value);
    }
  }

  std::vector<std::string> expand_range(const YAML::Node& node, const std::string& path,
                                        bool* geometric) const {
    check_keys(node, path, {"from", "to", "step", "factor"});
    for (const char* required : {"from", "to"}) {
      if (!node[required]) fail(node, path, std::string("a range needs '") + required + "'");
    }
    if (node["step"].IsDefined() == node["factor"].IsDefined()) {
      fail(node, path, "a range needs exactly one of 'step' (linear) or 'factor' (geometric)");
    }
    auto quantity = [&](const char* key) {
      std::string text = scalar(node[key], path + "." + key);
      auto q = parse_written_quantity(text);
      if (!q) fail(node[key], path + "." + key, "'" + text + "' is not a number (with a unit)");
      return *q;
    };
    WrittenQuantity from = quantity("from");
    WrittenQuantity to = quantity("to");
    if (to.dimension != from.dimension) {
      fail(node["to"], path + ".to",
           "'" + to.unit + "' does not measure the same thing as '" + from.unit + "'");
    }
    if (to.si() < from.si()) {
      fail(node, path,
           "empty range: 'to' (" + node["to"].Scalar() + ") is below 'from' (" +
               node["from"].Scalar() + ")");
    }
    *geometric = node["factor"].IsDefined();
    double step_si = 0;
    double factor = 1;
    if (*geometric) {
      WrittenQuantity f = quantity("factor");
      if (!f.unit.empty() || f.value <= 1) {
        fail(node["factor"], path + ".factor", "factor must be a plain number above 1");
      }
      if (from.si() <= 0)
        fail(node["from"], path + ".from", "a geometric range must start above 0");
      factor = f.value;
    } else {
      WrittenQuantity step = quantity("step");
      if (!step.unit.empty() && step.dimension != from.dimension) {
        fail(node["step"], path + ".step",
             "'" + step.unit + "' does not measure the same thing as '" + from.unit + "'");
      }
      // A unitless step in a range with units counts in the unit of 'from'.
      step_si = step.unit.empty() ? step.value * from.scale : step.si();
      if (step_si <= 0) fail(node["step"], path + ".step", "step must be above 0");
    }
    std::vector<std::string> values;
    const double end = to.si() * (1 + 1e-9) + 1e-300;
    for (std::size_t i = 0;; ++i) {
      double v = *geometric ? from.si() * std::pow(factor, static_cast<double>(i))
                            : from.si() + static_cast<double>(i) * step_si;
      if (v > end) break;
      if (values.size() == kMaxValuesPerParameter) {
        fail(node, path,
             "range has more than " + std::to_string(kMaxValuesPerParameter) + " values");
      }
      values.push_back(format_written_quantity(v / from.scale, from.unit));
    }
    return values;
  }

  Parameter parameter(const YAML::Node& key_node, const YAML::Node& node,
                      const std::string& path) const {
    Parameter p;
    p.name = key_node.Scalar();
    p.is_config_key = is_config_key(p.name);
    if (!p.is_config_key && !contains(kExperimentFields, p.name)) {
      const std::string what = "; a parameter is an experiment field (" + join(kExperimentFields) +
                               ") or a config key (`infsim config keys`)";
      // A dotted name is meant as a config key (experiment fields have no dots): the config's
      // own hint names a retired key's replacement or the likely typo.
      if (p.name.find('.') != std::string::npos) {
        fail(key_node, path,
             "unknown parameter '" + p.name + "'" + config_tree::unknown_path_hint(p.name) + what);
      }
      std::vector<std::string> known = kExperimentFields;
      for (const auto& k : list_config_keys()) known.push_back(k);
      std::string hint = closest(p.name, known);
      fail(key_node, path,
           "unknown parameter '" + p.name + "'" +
               (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + what);
    }
    if (node.IsSequence()) {
      if (node.size() == 0) fail(node, path, "empty list of values");
      for (std::size_t i = 0; i < node.size(); ++i) {
        std::string item_path = path + "[" + std::to_string(i) + "]";
        std::string value = scalar(node[i], item_path);
        check_value(node[i], item_path, p.name, value);
        p.values.push_back(value);
      }
    } else if (node.IsMap()) {
      p.values = expand_range(node, path, &p.geometric);
      for (const auto& value : p.values) check_value(node, path, p.name, value);
    } else {
      fail(node, path, "expected a list of values or a range {from, to, step|factor}");
    }
    return p;
  }

  StudyBase base(const YAML::Node& node, const std::string& study_dir) const {
    StudyBase b;
    std::vector<std::string> allowed = kExperimentFields;
    allowed.push_back("experiment");
    allowed.push_back("set");
    check_keys(node, "base", allowed);
    for (const auto& kv : node) {
      std::string key = kv.first.Scalar();
      std::string path = "base." + key;
      if (key == "experiment") {
        fs::path p = scalar(kv.second, path);
        if (p.is_relative()) p = fs::path(study_dir) / p;
        if (!fs::is_regular_file(p)) fail(kv.second, path, "no such file: " + p.string());
        b.experiment = fs::weakly_canonical(p).string();
      } else if (key == "set") {
        overrides(kv.second, path, &b.overrides);
      } else {
        std::string value = scalar(kv.second, path);
        check_field_value(kv.second, path, key, value);
        b.fields[key] = value;
      }
    }
    if (b.experiment.empty() && (!b.fields.count("instance") || !b.fields.count("model"))) {
      fail(node, "base", "name an experiment file, or an instance and a model");
    }
    return b;
  }

  // `set:` as a mapping {key: value} or a list of "key=value".
  void overrides(const YAML::Node& node, const std::string& path,
                 std::vector<std::string>* out) const {
    auto add = [&](const YAML::Node& at, const std::string& at_path, const std::string& key,
                   const std::string& value) {
      if (!is_config_key(key))
        fail(at, at_path, "unknown config key '" + key + "'" + config_tree::unknown_path_hint(key));
      check_config_value(at, at_path, key, value);
      out->push_back(key + "=" + value);
    };
    if (node.IsMap()) {
      for (const auto& kv : node) {
        std::string key = kv.first.Scalar();
        add(kv.second, path + "." + key, key, scalar(kv.second, path + "." + key));
      }
    } else if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        std::string item_path = path + "[" + std::to_string(i) + "]";
        std::string text = scalar(node[i], item_path);
        auto eq = text.find('=');
        if (eq == std::string::npos)
          fail(node[i], item_path, "expected key=value, got '" + text + "'");
        add(node[i], item_path, text.substr(0, eq), text.substr(eq + 1));
      }
    } else {
      fail(node, path, "expected {key: value, ...} or a list of key=value");
    }
  }

  Study read(const YAML::Node& root) const {
    Study s;
    if (!root.IsMap()) fail(root, "", "a study is a mapping with base, parameters and metrics");
    check_keys(root, "",
               {"study", "description", "base", "evaluate", "parameters", "combine", "labels",
                "metrics", "sensitivity"});
    const std::string study_file = fs::weakly_canonical(file_).string();
    s.name = root["study"] ? scalar(root["study"], "study") : fs::path(file_).stem().string();
    if (s.name.empty() ||
        s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "0123456789._-") != std::string::npos) {
      fail(root["study"], "study", "a study name uses letters, digits, '.', '_' and '-' only");
    }
    if (root["description"]) s.description = scalar(root["description"], "description");
    if (!root["base"]) fail(root, "", "missing 'base' (the experiment every point starts from)");
    s.base = base(root["base"], fs::path(study_file).parent_path().string());
    s.base.study_file = study_file;

    s.modes = modes(root);

    if (!root["parameters"]) fail(root, "", "missing 'parameters' (what to vary)");
    const YAML::Node params = root["parameters"];
    if (!params.IsMap() || params.size() == 0) {
      fail(params, "parameters", "expected a mapping of parameter names to values or ranges");
    }
    for (const auto& kv : params) {
      s.parameters.push_back(parameter(kv.first, kv.second, "parameters." + kv.first.Scalar()));
    }

    combination(root, params, &s);

    labels(root, &s);
    metrics(root, &s);
    return s;
  }

  std::vector<std::string> modes(const YAML::Node& root) const {
    std::vector<std::string> modes = root["evaluate"] ? scalar_list(root["evaluate"], "evaluate")
                                                      : std::vector<std::string>{"compile", "run"};
    std::vector<std::string> known_modes = kKnownModes;
    for (const auto& m : registered_point_evaluator_modes()) {
      if (!contains(known_modes, m)) known_modes.push_back(m);
    }
    for (const auto& m : modes) {
      if (!contains(known_modes, m)) {
        fail(root["evaluate"], "evaluate", "unknown mode '" + m + "'; known: " + join(known_modes));
      }
    }
    return modes;
  }

  // combine: grid (every combination) or zip (the i-th values together), and what each needs.
  void combination(const YAML::Node& root, const YAML::Node& params, Study* study) const {
    Study& s = *study;
    if (root["combine"]) {
      std::string c = scalar(root["combine"], "combine");
      if (c == "grid") {
        s.combine = Combine::kGrid;
      } else if (c == "zip") {
        s.combine = Combine::kZip;
      } else {
        fail(root["combine"], "combine", "expected grid or zip, got '" + c + "'");
      }
    }
    if (s.combine == Combine::kZip) {
      const Parameter& first = s.parameters.front();
      for (const auto& kv : params) {
        const auto& p =
            *std::find_if(s.parameters.begin(), s.parameters.end(),
                          [&](const Parameter& q) { return q.name == kv.first.Scalar(); });
        if (p.values.size() != first.values.size()) {
          fail(kv.first, "parameters." + p.name,
               "zip needs lists of one length: " + p.name + " has " +
                   std::to_string(p.values.size()) + " values, " + first.name + " has " +
                   std::to_string(first.values.size()));
        }
      }
    } else {
      // In a grid a repeated value only repeats points (and confuses the lines of the plots);
      // in a zip it is normal (rows 128 with cols 64, then with cols 128).
      for (const auto& kv : params) {
        const auto& p =
            *std::find_if(s.parameters.begin(), s.parameters.end(),
                          [&](const Parameter& q) { return q.name == kv.first.Scalar(); });
        std::set<std::string> seen;
        for (const auto& value : p.values) {
          if (!seen.insert(value).second) {
            fail(kv.second, "parameters." + p.name, "value '" + value + "' appears twice");
          }
        }
      }
      double total = 1;
      for (const auto& p : s.parameters) total *= static_cast<double>(p.values.size());
      if (total > static_cast<double>(kMaxPoints)) {
        fail(params, "parameters",
             "the grid has " + std::to_string(total) + " points (limit " +
                 std::to_string(kMaxPoints) + ")");
      }
    }
  }

  void labels(const YAML::Node& root, Study* study) const {
    Study& s = *study;
    if (root["labels"]) {
      if (s.combine != Combine::kZip) {
        fail(root["labels"], "labels", "labels name the points of a zip (combine: zip)");
      }
      s.labels = scalar_list(root["labels"], "labels");
      if (s.labels.size() != s.point_count()) {
        fail(root["labels"], "labels",
             std::to_string(s.labels.size()) + " labels for " + std::to_string(s.point_count()) +
                 " points");
      }
    }
  }

  void metrics(const YAML::Node& root, Study* s) const {
    std::vector<std::string> reported;
    std::vector<std::string> missing_modes;
    for (const auto& m : s->modes) {
      const PointEvaluatorInfo* info = find_point_evaluator(m);
      if (info == nullptr) {
        missing_modes.push_back(m);
        continue;
      }
      for (const auto& metric : info->metrics) {
        if (!contains(reported, metric)) reported.push_back(metric);
      }
    }
    if (root["metrics"]) {
      s->metrics = scalar_list(root["metrics"], "metrics");
      if (s->metrics.empty()) fail(root["metrics"], "metrics", "empty list of metrics");
    } else {
      if (!missing_modes.empty()) {
        fail(root, "",
             "list the 'metrics' to collect: mode '" + missing_modes.front() +
                 "' has no evaluator in this build, so its metrics are not known");
      }
      s->metrics = reported;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < s->metrics.size(); ++i) {
      const std::string& metric = s->metrics[i];
      std::string path = "metrics[" + std::to_string(i) + "]";
      if (!seen.insert(metric).second)
        fail(root["metrics"][i], path, "'" + metric + "' listed twice");
      if (contains(reported, metric)) continue;
      if (missing_modes.empty()) {
        std::string hint = closest(metric, reported);
        fail(root["metrics"][i], path,
             "unknown metric '" + metric + "'" +
                 (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; mode(s) " +
                 join(s->modes) + " report: " + join(reported));
      }
      s->warnings.push_back("metric '" + metric + "' needs mode " + join(missing_modes, " or ") +
                            ", which has no evaluator in this build: its column stays empty");
    }
    if (root["sensitivity"]) {
      s->sensitivity = scalar_list(root["sensitivity"], "sensitivity");
      for (std::size_t i = 0; i < s->sensitivity.size(); ++i) {
        if (!contains(s->metrics, s->sensitivity[i])) {
          fail(root["sensitivity"], "sensitivity[" + std::to_string(i) + "]",
               "'" + s->sensitivity[i] + "' is not one of the study's metrics");
        }
      }
    } else {
      for (const auto& m : kDefaultSensitivity) {
        if (contains(s->metrics, m)) s->sensitivity.push_back(m);
      }
      if (s->sensitivity.empty() && contains(s->metrics, kCompileLatency)) {
        s->sensitivity.push_back(kCompileLatency);
      }
      if (s->sensitivity.empty()) s->sensitivity = s->metrics;
    }
  }

 private:
  std::string file_;
};

}  // namespace

Study read_study(const std::string& path) {
  if (!fs::is_regular_file(path)) throw ConfigError(path + ": no such study file");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return StudyReader(path).read(root);
}

}  // namespace infsim::driver
