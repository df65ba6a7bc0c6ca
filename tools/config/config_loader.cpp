#include "tools/config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <utility>
#include <variant>

#include "sim/runtime/runtime_config.h"
#include "tools/config/config_tree.h"
#include "tools/config/errors.h"
#include "tools/config/install_paths.h"
#include "tools/config/units.h"
#include "tools/config/utf8.h"
#include "tools/config/verbosity.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

using config_tree::closest;
using config_tree::is_leaf;
using config_tree::is_section;
using config_tree::join;
using config_tree::last_of;
using config_tree::Leaf;
using config_tree::leaves_of;
using config_tree::parent_of;
using config_tree::qualified;
using config_tree::schema;
using config_tree::unknown_key_hint;
using config_tree::unknown_path_hint;

[[noreturn]] void throw_not_a_value(const std::string& prefix, const std::string& path) {
  std::vector<std::string> keys;
  for (const auto& name : schema().children.at(path)) keys.push_back(qualified(path, name));
  throw ConfigError(prefix + "'" + path + "' is a section, not a value; its keys are " +
                    join(keys, ", "));
}

// Checks that `path` names a value; `prefix` says where the path came from.
void require_leaf(const std::string& prefix, const std::string& path) {
  if (is_leaf(path)) return;
  if (is_section(path)) throw_not_a_value(prefix, path);
  throw ConfigError(prefix + "unknown key '" + path + "'" + unknown_path_hint(path));
}

const Leaf& find_leaf(const std::vector<Leaf>& leaves, const std::string& prefix,
                      const std::string& path) {
  require_leaf(prefix, path);
  return *std::find_if(leaves.begin(), leaves.end(), [&](const Leaf& l) { return l.path == path; });
}

void check_range(const Leaf& leaf, double value, const std::string& text) {
  if (value >= leaf.range.min && value <= leaf.range.max) return;
  throw ConfigError(text + " is out of range [" + format_quantity(leaf.range.min, leaf.unit) +
                    ", " + format_quantity(leaf.range.max, leaf.unit) + "]");
}

template <class Int>
Int to_integer(const Leaf& leaf, const std::string& text) {
  double value;
  if (leaf.unit == isa::Unit::kBytes) {
    value = static_cast<double>(parse_bytes(text));
  } else {
    value = parse_quantity(text, leaf.unit);
    if (value != std::floor(value)) throw ConfigError(text + " is not a whole number");
  }
  check_range(leaf, value, text);
  if (value < static_cast<double>(std::numeric_limits<Int>::min()) ||
      value > static_cast<double>(std::numeric_limits<Int>::max())) {
    throw ConfigError(text + " does not fit");
  }
  return static_cast<Int>(value);
}

// Parses `text` into the leaf's field, with its unit and range. Errors carry no location; the
// caller adds it.
void assign(const Leaf& leaf, const std::string& text) {
  if (auto* p = std::get_if<int*>(&leaf.field)) {
    **p = to_integer<int>(leaf, text);
  } else if (auto* p = std::get_if<std::uint64_t*>(&leaf.field)) {
    **p = to_integer<std::uint64_t>(leaf, text);
  } else if (auto* p = std::get_if<double*>(&leaf.field)) {
    double value = parse_quantity(text, leaf.unit);
    check_range(leaf, value, text);
    **p = value;
  } else if (auto* p = std::get_if<std::string*>(&leaf.field)) {
    // Names go into reports (JSON must be UTF-8) and `config show` (one line each, to load back).
    if (!is_valid_utf8(text)) throw ConfigError("the text is not valid UTF-8");
    for (unsigned char c : text) {
      if (c < 0x20 || c == 0x7f) throw ConfigError("the text holds a control character");
    }
    **p = text;
  } else if (auto* p = std::get_if<bool*>(&leaf.field)) {
    **p = parse_flag(text);
  }
}

std::string format_leaf(const Leaf& leaf) {
  if (auto* p = std::get_if<int*>(&leaf.field)) {
    return format_quantity(**p, leaf.unit);
  } else if (auto* p = std::get_if<std::uint64_t*>(&leaf.field)) {
    return leaf.unit == isa::Unit::kBytes ? format_bytes(**p) : std::to_string(**p);
  } else if (auto* p = std::get_if<double*>(&leaf.field)) {
    return format_quantity(**p, leaf.unit);
  } else if (auto* p = std::get_if<std::string*>(&leaf.field)) {
    return **p;
  }
  return *std::get<bool*>(leaf.field) ? "true" : "false";
}

void assign_from(const Leaf& leaf, const std::string& text, const std::string& origin,
                 ErrorLocation where) {
  try {
    assign(leaf, text);
  } catch (const ConfigError& e) {
    where.yaml_path = leaf.path;
    throw ConfigError(origin + ": " + leaf.path + ": " + e.what(), e.kind(), std::move(where));
  }
}

std::pair<std::string, std::string> split_assignment(const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError("--set '" + assignment +
                      "': expected KEY=VALUE, e.g. --set chip.dram.bandwidth=100GiB/s");
  }
  return {assignment.substr(0, eq), assignment.substr(eq + 1)};
}

// --- files -----------------------------------------------------------------------------------

std::string display(const fs::path& p) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (!ec) {
    fs::path rel = p.lexically_normal().lexically_relative(cwd);
    if (!rel.empty() && *rel.begin() != "..") return rel.string();
  }
  return p.lexically_normal().string();
}

std::string at(const std::string& file, const YAML::Mark& mark) {
  return file + ":" + std::to_string(std::max(mark.line, 0) + 1);
}
ErrorLocation location(const std::string& file, const YAML::Mark& mark,
                       const std::string& yaml_path = "") {
  return ErrorLocation::in_file(file, std::max(mark.line, 0) + 1, yaml_path);
}

// A value as written, and where ("file:line" or "--set k=v"; as data, the file and line).
struct Setting {
  std::string text;
  std::string origin;
  ErrorLocation where;
};

// The merged contents of an instance file and everything it includes.
struct Tree {
  std::map<std::string, Setting> values;
  std::map<std::string, std::string> sections;  // path -> where it was last opened
};

void flatten(const YAML::Node& map, const std::string& section, const std::string& file,
             Tree& tree) {
  std::set<std::string> seen;
  for (const auto& entry : map) {
    // Copies: the iterator hands out a temporary pair.
    const YAML::Node key = entry.first;
    const YAML::Node value = entry.second;
    std::string where = at(file, key.Mark()) + ": ";
    if (!key.IsScalar()) {
      throw ConfigError(where + "a key must be a plain name", ErrorKind::kInvalidConfig,
                        location(file, key.Mark(), section));
    }
    const std::string& name = key.Scalar();
    if (section.empty() && name == "include") continue;
    std::string path = qualified(section, name);
    const ErrorLocation key_at = location(file, key.Mark(), path);
    if (!seen.insert(name).second) {
      throw ConfigError(where + "duplicate key '" + path + "'", ErrorKind::kInvalidConfig, key_at);
    }
    if (is_leaf(path)) {
      isa::Unit unit = schema().leaf_units.at(path);
      if (!value.IsScalar()) {
        throw ConfigError(
            where + "missing value for '" + path + "'; expected " + expected_form(unit),
            ErrorKind::kInvalidConfig, key_at);
      }
      tree.values[path] = {value.Scalar(), at(file, value.Mark()), location(file, value.Mark())};
    } else if (is_section(path)) {
      tree.sections[path] = at(file, key.Mark());
      if (value.IsNull()) continue;
      if (!value.IsMap()) throw_not_a_value(where, path);
      flatten(value, path, file, tree);
    } else {
      throw ConfigError(
          where + "unknown key '" + path + "'" + unknown_key_hint(section, name, true),
          ErrorKind::kInvalidConfig, key_at);
    }
  }
}

void load_file(const fs::path& file, const std::string& included_from, std::vector<fs::path>& stack,
               Tree& tree) {
  std::string name = display(file);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    throw ConfigError(included_from + "include '" + name + "': no such file");
  }
  fs::path canonical = fs::weakly_canonical(file, ec);
  if (std::find(stack.begin(), stack.end(), canonical) != stack.end()) {
    std::vector<std::string> chain;
    for (const auto& f : stack) chain.push_back(display(f));
    chain.push_back(name);
    throw ConfigError(included_from + "include cycle: " + join(chain, " -> "));
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::ParserException& e) {
    throw ConfigError(at(name, e.mark) + ": YAML syntax error: " + e.msg, ErrorKind::kInvalidConfig,
                      location(name, e.mark));
  } catch (const YAML::BadFile&) {
    throw ConfigError(name + ": cannot read file", ErrorKind::kBadFile,
                      ErrorLocation::in_file(name));
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    throw ConfigError(
        at(name, root.Mark()) +
        ": expected a mapping with include, instance, host, runtime, framework and chip");
  }
  stack.push_back(canonical);
  const YAML::Node includes = static_cast<const YAML::Node&>(root)["include"];
  if (includes) {
    std::string where = at(name, includes.Mark()) + ": ";
    std::vector<YAML::Node> entries;
    if (includes.IsScalar()) {
      entries.push_back(includes);
    } else if (includes.IsSequence()) {
      for (const auto& entry : includes) entries.push_back(entry);
    } else {
      throw ConfigError(where + "include takes a file name or a list of file names");
    }
    for (const auto& entry : entries) {
      std::string entry_where = at(name, entry.Mark()) + ": ";
      if (!entry.IsScalar()) throw ConfigError(entry_where + "include entries must be file names");
      load_file(file.parent_path() / entry.Scalar(), entry_where, stack, tree);
    }
  }
  flatten(root, "", name, tree);
  stack.pop_back();
}

fs::path resolve_instance(const std::string& name_or_path) {
  auto ends_with = [&](const std::string& suffix) {
    return name_or_path.size() >= suffix.size() &&
           name_or_path.compare(name_or_path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (name_or_path.find('/') != std::string::npos || ends_with(".yaml") || ends_with(".yml")) {
    if (!fs::is_regular_file(name_or_path)) {
      throw ConfigError("config file '" + name_or_path + "' not found");
    }
    return name_or_path;
  }
  fs::path file = fs::path(find_config_dir()) / "instances" / (name_or_path + ".yaml");
  if (!fs::is_regular_file(file)) {
    auto names = list_instances();
    std::string near = closest(name_or_path, names);
    throw ConfigError("unknown instance '" + name_or_path + "'" +
                      (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                      "; valid instances: " + join(names, ", "));
  }
  return file;
}

fs::path resolve_framework(const std::string& name_or_path) {
  const bool is_path =
      name_or_path.find('/') != std::string::npos ||
      (name_or_path.size() > 5 && name_or_path.compare(name_or_path.size() - 5, 5, ".yaml") == 0);
  if (is_path) {
    if (!fs::is_regular_file(name_or_path)) {
      throw ConfigError("framework profile '" + name_or_path + "' not found");
    }
    return name_or_path;
  }
  fs::path file = fs::path(find_config_dir()) / "frameworks" / (name_or_path + ".yaml");
  if (!fs::is_regular_file(file)) {
    auto names = list_frameworks();
    std::string near = closest(name_or_path, names);
    throw ConfigError("unknown framework '" + name_or_path + "'" +
                      (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                      "; valid frameworks: " + join(names, ", "));
  }
  return file;
}

}  // namespace

namespace {
std::vector<std::string> yaml_names(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  const fs::path dir = fs::path(find_config_dir()) / folder;
  if (!fs::is_directory(dir, ec)) return names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}
}  // namespace

std::vector<std::string> list_instances() {
  return yaml_names("instances");
}

std::vector<std::string> list_frameworks() {
  return yaml_names("frameworks");
}

sim::SystemConfig load_instance(const std::string& name_or_path,
                                const std::vector<std::string>& overrides,
                                const std::string& framework) {
  fs::path file = resolve_instance(name_or_path);
  Tree tree;
  std::vector<fs::path> stack;
  // The framework profile first: an instance file (or a dumped configuration) that sets
  // framework keys itself wins over it, as an including file wins over what it includes.
  load_file(resolve_framework(framework), "", stack, tree);
  load_file(file, "", stack, tree);
  for (const auto& assignment : overrides) {
    auto [path, text] = split_assignment(assignment);
    require_leaf("--set " + assignment + ": ", path);
    tree.values[path] = {text, "--set " + assignment, ErrorLocation{}};
  }

  sim::SystemConfig config;
  auto leaves = leaves_of(config);
  std::vector<std::string> missing;
  for (const auto& leaf : leaves) {
    if (tree.values.count(leaf.path)) continue;
    std::string section = parent_of(leaf.path);
    while (!section.empty() && !tree.sections.count(section)) section = parent_of(section);
    missing.push_back("'" + leaf.path + "' (" + expected_form(leaf.unit) + ")" +
                      (section.empty()
                           ? std::string()
                           : ", section '" + section + "' is at " + tree.sections.at(section)));
  }
  if (!missing.empty()) {
    throw ConfigError(display(file) + " (with its includes): missing key" +
                      (missing.size() > 1 ? "s:\n  " : " ") + join(missing, "\n  "));
  }
  for (const auto& leaf : leaves) {
    const auto& setting = tree.values.at(leaf.path);
    assign_from(leaf, setting.text, setting.origin, setting.where);
  }
  validate_config(config, [&](const std::string& path) {
    const Setting& s = tree.values.at(path);
    return ValueOrigin{s.origin, s.where};
  });
  return config;
}

void apply_override(sim::SystemConfig& config, const std::string& assignment) {
  auto [path, text] = split_assignment(assignment);
  auto leaves = leaves_of(config);
  assign_from(find_leaf(leaves, "--set " + assignment + ": ", path), text, "--set " + assignment,
              ErrorLocation{});
}

std::vector<IgnoredOverride> ignored_overrides(const sim::SystemConfig& config,
                                               const std::vector<std::string>& overrides,
                                               ConfigUse use) {
  if (use == ConfigUse::kMachine) {
    std::vector<IgnoredOverride> out;
    for (const std::string& assignment : overrides) {
      const std::string path = split_assignment(assignment).first;
      if (path.rfind("instance.", 0) == 0 || path.rfind("chip.", 0) == 0) continue;
      out.push_back({assignment,
                     "this command reads only the machine (instance.* and chip.*); host, "
                     "runtime and framework keys apply when a model runs"});
    }
    return out;
  }
  sim::SystemConfig copy = config;
  std::map<const void*, std::string> ignored;
  sim::describe_ignored(copy, [&](const auto& field, const std::string& why) {
    ignored.emplace(static_cast<const void*>(&field), why);
  });
  std::vector<IgnoredOverride> out;
  if (ignored.empty()) return out;
  const auto leaves = leaves_of(copy);
  for (const std::string& assignment : overrides) {
    const std::string path = split_assignment(assignment).first;
    for (const Leaf& leaf : leaves) {
      if (leaf.path != path) continue;
      const void* address =
          std::visit([](auto* p) { return static_cast<const void*>(p); }, leaf.field);
      auto it = ignored.find(address);
      if (it != ignored.end()) out.push_back({assignment, it->second});
    }
  }
  return out;
}

std::vector<std::string> warn_ignored_overrides(const sim::SystemConfig& config,
                                                const std::vector<std::string>& overrides,
                                                ConfigUse use) {
  static std::set<std::string> said;
  std::vector<std::string> texts;
  for (const IgnoredOverride& w : ignored_overrides(config, overrides, use)) {
    const std::string text = "--set " + w.assignment + " has no effect: " + w.why;
    if (std::find(texts.begin(), texts.end(), text) != texts.end()) continue;
    texts.push_back(text);
    if (said.insert(text).second) progress_stream() << "infsim: warning: " << text << "\n";
  }
  return texts;
}

std::string get_config_value(const sim::SystemConfig& config, const std::string& path) {
  sim::SystemConfig copy = config;
  auto leaves = leaves_of(copy);
  return format_leaf(find_leaf(leaves, "", path));
}

std::vector<std::string> list_config_keys() {
  std::vector<std::string> keys;
  for (const auto& key : schema().keys) keys.push_back(key.path);
  return keys;
}

std::vector<ConfigKey> describe_config_keys() {
  return schema().keys;
}

std::string dump_config_yaml(const sim::SystemConfig& config, bool comments) {
  sim::SystemConfig copy = config;
  YAML::Emitter out;
  out << YAML::BeginMap;
  // describe() lists each section's values together, so the tree is written in one pass.
  std::vector<std::string> open;
  for (const auto& leaf : leaves_of(copy)) {
    std::vector<std::string> parts;
    for (std::string path = leaf.path; !path.empty(); path = parent_of(path)) {
      parts.insert(parts.begin(), last_of(path));
    }
    std::size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common]) {
      ++common;
    }
    for (; open.size() > common; open.pop_back()) out << YAML::EndMap;
    for (std::size_t i = common; i + 1 < parts.size(); ++i) {
      out << YAML::Key << parts[i] << YAML::Value << YAML::BeginMap;
      open.push_back(parts[i]);
    }
    out << YAML::Key << parts.back() << YAML::Value << format_leaf(leaf);
    if (comments) out << YAML::Comment(leaf.description);
  }
  for (; !open.empty(); open.pop_back()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string dump_config_json(const sim::SystemConfig& config) {
  sim::SystemConfig copy = config;
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  for (const auto& leaf : leaves_of(copy)) {
    nlohmann::ordered_json* node = &root;
    std::string path = leaf.path;
    for (auto dot = path.find('.'); dot != std::string::npos; dot = path.find('.')) {
      node = &(*node)[path.substr(0, dot)];
      path = path.substr(dot + 1);
    }
    std::visit([&](auto* field) { (*node)[path] = *field; }, leaf.field);
  }
  return root.dump(2) + "\n";
}

}  // namespace infsim::driver
