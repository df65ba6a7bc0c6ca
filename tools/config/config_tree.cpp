#include "tools/config/config_tree.h"

#include <algorithm>

namespace infsim::driver::config_tree {
namespace {

// The describe() visitor that flattens the struct tree into dotted paths.
class LeafCollector {
 public:
  template <class T>
  void operator()(const char* name, T& field, isa::Unit unit, isa::Range range,
                  const char* description) {
    leaves_.push_back({path_of(name), unit, range, description, FieldRef(&field)});
  }

  template <class S>
  void section(const char* name, S& sub) {
    prefix_.push_back(path_of(name));
    sub.describe(*this);
    prefix_.pop_back();
  }

  std::vector<Leaf> take() { return std::move(leaves_); }

 private:
  std::string path_of(const char* name) const {
    return prefix_.empty() ? std::string(name) : prefix_.back() + "." + name;
  }

  std::vector<std::string> prefix_;
  std::vector<Leaf> leaves_;
};

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Why the three engines' instruction_overhead_cycles became one core-level key.
constexpr const char* kOneInstructionOverhead =
    "one issue cost for the Tensor, Vector and Scalar Engines' queues";

// Keys that were merged or renamed. A file or --set that still uses one gets an error naming the
// replacement rather than a guess from the edit distance.
constexpr RetiredKey kRetiredKeys[] = {
    {"chip.core.tensor.instruction_overhead_cycles", "chip.core.instruction_overhead_cycles",
     kOneInstructionOverhead},
    {"chip.core.vector.instruction_overhead_cycles", "chip.core.instruction_overhead_cycles",
     kOneInstructionOverhead},
    {"chip.core.scalar.instruction_overhead_cycles", "chip.core.instruction_overhead_cycles",
     kOneInstructionOverhead},
};

}  // namespace

const RetiredKey* retired_key(const std::string& path) {
  for (const RetiredKey& k : kRetiredKeys) {
    if (path == k.path) return &k;
  }
  return nullptr;
}

std::string retired_key_hint(const std::string& path) {
  const RetiredKey* k = retired_key(path);
  if (k == nullptr) return "";
  return "; it is now '" + std::string(k->replacement) + "' (" + k->why + ")";
}

std::vector<Leaf> leaves_of(sim::SystemConfig& config) {
  LeafCollector collector;
  sim::describe_root(collector, config);
  return collector.take();
}

std::string parent_of(const std::string& path) {
  auto dot = path.rfind('.');
  return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

std::string last_of(const std::string& path) {
  auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

const Schema& schema() {
  static const Schema s = [] {
    Schema out;
    sim::SystemConfig config;
    for (const auto& leaf : leaves_of(config)) {
      out.keys.push_back({leaf.path, leaf.unit, leaf.range, leaf.description});
      out.leaf_units[leaf.path] = leaf.unit;
      // Register the leaf and each enclosing section with its parent, in tree order.
      for (std::string path = leaf.path; !path.empty(); path = parent_of(path)) {
        auto& siblings = out.children[parent_of(path)];
        if (std::find(siblings.begin(), siblings.end(), last_of(path)) == siblings.end()) {
          siblings.push_back(last_of(path));
        }
      }
    }
    return out;
  }();
  return s;
}

bool is_leaf(const std::string& path) {
  return schema().leaf_units.count(path) > 0;
}
bool is_section(const std::string& path) {
  return schema().children.count(path) > 0;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) best = c, best_distance = d;
  }
  return best;
}

std::string qualified(const std::string& section, const std::string& name) {
  return section.empty() ? name : section + "." + name;
}

std::string unknown_key_hint(const std::string& section, const std::string& name, bool in_file) {
  if (std::string retired = retired_key_hint(qualified(section, name)); !retired.empty()) {
    return retired;
  }
  std::vector<std::string> elsewhere;
  for (const auto& key : schema().keys) {
    if (last_of(key.path) == name) elsewhere.push_back(key.path);
  }
  for (const auto& [path, names] : schema().children) {
    if (!path.empty() && last_of(path) == name) elsewhere.push_back(path);
  }
  if (!elsewhere.empty()) return " (did you mean '" + join(elsewhere, "' or '") + "'?)";
  std::vector<std::string> siblings = schema().children.at(section);
  if (section.empty() && in_file) siblings.insert(siblings.begin(), "include");
  std::string near = closest(name, siblings);
  if (!near.empty()) return " (did you mean '" + qualified(section, near) + "'?)";
  return "; valid keys " + (section.empty() ? std::string("at the top") : "in '" + section + "'") +
         ": " + join(siblings, ", ");
}

std::string unknown_path_hint(const std::string& path) {
  if (std::string retired = retired_key_hint(path); !retired.empty()) return retired;
  std::string section = parent_of(path);
  if (is_section(section)) return unknown_key_hint(section, last_of(path), false);
  std::vector<std::string> all;
  for (const auto& key : schema().keys) all.push_back(key.path);
  std::string near = closest(path, all);
  if (!near.empty()) return " (did you mean '" + near + "'?)";
  return "; `infsim config keys` lists the valid keys";
}

}  // namespace infsim::driver::config_tree
