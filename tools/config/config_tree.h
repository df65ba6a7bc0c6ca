#pragma once
// The configuration's key tree, for the config loader (config_loader.cpp): every settable value
// as a dotted path with its unit, range and description, pointing into a config object; the
// tree's shape (sections and their children); and the hints after an unknown key (a key in
// the wrong section, a likely typo, or the valid keys).

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "sim/runtime/runtime_config.h"
#include "tools/config/config_loader.h"

namespace infsim::driver::config_tree {

// One settable value of the tree, pointing into a config object.
using FieldRef = std::variant<int*, std::uint64_t*, double*, std::string*, bool*>;

struct Leaf {
  std::string path;
  isa::Unit unit;
  isa::Range range;
  const char* description;
  FieldRef field;
};

// Every value of `config`, in tree order, pointing into it.
std::vector<Leaf> leaves_of(sim::SystemConfig& config);

// The shape of the tree, independent of any values.
struct Schema {
  std::vector<ConfigKey> keys;
  std::map<std::string, isa::Unit> leaf_units;
  std::map<std::string, std::vector<std::string>> children;  // section path ("" = root) -> names
};
const Schema& schema();

std::string parent_of(const std::string& path);  // "" at the top
std::string last_of(const std::string& path);
bool is_leaf(const std::string& path);
bool is_section(const std::string& path);
std::string qualified(const std::string& section, const std::string& name);

std::string join(const std::vector<std::string>& items, const std::string& sep);
// The closest candidate, if it is close enough to be a likely typo; else "".
std::string closest(const std::string& word, const std::vector<std::string>& candidates);
// A key infsim once read and no longer does: the key that replaced it and why.
struct RetiredKey {
  const char* path;
  const char* replacement;
  const char* why;
};
// The entry for `path`, or nullptr if `path` was never retired.
const RetiredKey* retired_key(const std::string& path);
// "; it is now 'new.key' (why)" for a retired key, else "".
std::string retired_key_hint(const std::string& path);

// The hint after "unknown key 'x'": the replacement of a retired key, the same name elsewhere in
// the tree (a key in the wrong section), a near miss among the siblings, or the list of valid keys.
// In a file the top level also takes `include`.
std::string unknown_key_hint(const std::string& section, const std::string& name, bool in_file);
// The hint for a full dotted path (from --set, a lookup, or a reader of keys outside the config
// loader: sweeps, knob files).
std::string unknown_path_hint(const std::string& path);

}  // namespace infsim::driver::config_tree
