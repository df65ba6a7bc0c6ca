#pragma once
// Strict reading of a YAML file's values (experiments, table presets): every error is a
// ConfigError naming the file, the line and the YAML path; unknown keys are errors.

#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "tools/config/errors.h"
#include "tools/config/units.h"
#include "tools/config/utf8.h"

namespace infsim::driver {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& n, const std::string& path,
                         const std::string& what) const {
    const int line = n.IsDefined() ? n.Mark().line : -1;
    throw ConfigError(file_ + ":" + (line >= 0 ? std::to_string(line + 1) : std::string("?")) +
                          ": " + path + ": " + what,
                      ErrorKind::kInvalidConfig,
                      ErrorLocation::in_file(file_, line >= 0 ? line + 1 : 0, path));
  }

  void keys(const YAML::Node& n, const std::string& path, const std::set<std::string>& allowed,
            const std::set<std::string>& required = {}) const {
    if (!n.IsMap()) fail(n, path, "expected a mapping");
    for (const auto& kv : n) {
      const std::string k = kv.first.as<std::string>();
      if (!allowed.count(k)) {
        std::string list;
        for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(kv.first, path.empty() ? k : path + "." + k,
             "unknown key (expected one of " + list + ")");
      }
    }
    for (const std::string& r : required) {
      if (!n[r]) fail(n, path, "missing required key '" + r + "'");
    }
  }

  std::string text(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) fail(n, path, "expected a single value");
    if (!is_valid_utf8(n.Scalar())) fail(n, path, "the text is not valid UTF-8");
    return n.Scalar();
  }

  long integer(const YAML::Node& n, const std::string& path, long min, long max) const {
    const std::string t = text(n, path);
    try {
      std::size_t used = 0;
      const long v = std::stol(t, &used);
      if (used != t.size()) throw std::invalid_argument(t);
      if (v < min || v > max) {
        fail(n, path,
             "value " + t + " out of range [" + std::to_string(min) + ", " + std::to_string(max) +
                 "]");
      }
      return v;
    } catch (const std::out_of_range&) {
      fail(n, path,
           "value " + t + " out of range [" + std::to_string(min) + ", " + std::to_string(max) +
               "]");
    } catch (const std::logic_error&) {
      fail(n, path, "expected an integer, got '" + t + "'");
    }
  }

  double number(const YAML::Node& n, const std::string& path) const {
    const std::string t = text(n, path);
    try {
      std::size_t used = 0;
      const double v = std::stod(t, &used);
      if (used != t.size()) throw std::invalid_argument(t);
      return v;
    } catch (const std::logic_error&) {
      fail(n, path, "expected a number, got '" + t + "'");
    }
  }

  double seconds(const YAML::Node& n, const std::string& path) const {
    try {
      return parse_quantity(text(n, path), isa::Unit::kTime);
    } catch (const ConfigError& e) {
      fail(n, path, e.what());
    }
  }

  bool flag(const YAML::Node& n, const std::string& path) const {
    const std::string t = text(n, path);
    if (t == "true") return true;
    if (t == "false") return false;
    fail(n, path, "expected true or false, got '" + t + "'");
  }

  std::vector<std::string> strings(const YAML::Node& n, const std::string& path) const {
    std::vector<std::string> out;
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence()) fail(n, path, "expected a list");
    for (std::size_t i = 0; i < n.size(); ++i) {
      out.push_back(text(n[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace infsim::driver
