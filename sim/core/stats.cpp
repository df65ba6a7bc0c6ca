#include "sim/core/stats.h"

#include <algorithm>
#include <cmath>
#include <ostream>

#include <nlohmann/json.hpp>

#include "isa/panic.h"
#include "sim/core/sim_error.h"

namespace infsim::sim {
namespace {

// YAML double-quoted scalar.
std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Non-finite values (a rate over an empty window) are written as null in both formats.
bool finite(double v) {
  return std::isfinite(v);
}

}  // namespace

Stats::Entry& Stats::add(const std::string& name, const std::string& unit,
                         const std::string& description) {
  INFSIM_PANIC_IF(by_name_.count(name) != 0, "stat registered twice", name);
  Entry& e = entries_.emplace_back();
  e.name = name;
  e.unit = unit;
  e.description = description;
  by_name_.emplace(name, &e);
  return e;
}

double& Stats::counter(const std::string& name, const std::string& unit,
                       const std::string& description) {
  return add(name, unit, description).value;
}

Stats::Handle Stats::formula(const std::string& name, const std::string& unit,
                             const std::string& description, Formula f) {
  Entry& e = add(name, unit, description);
  e.formula = std::move(f);
  return &e;
}

bool Stats::contains(const std::string& name) const {
  return by_name_.count(name) != 0;
}

double Stats::evaluate(const Entry& e, double window_seconds) const {
  return e.formula ? e.formula(window_seconds) : e.value;
}

double Stats::value(const std::string& name, double window_seconds) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) throw SimError("unknown statistic '" + name + "'");
  return evaluate(*it->second, window_seconds);
}

void Stats::reset() {
  for (Entry& e : entries_) e.value = 0;
}

std::vector<const Stats::Entry*> Stats::sorted() const {
  std::vector<const Entry*> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(&e);
  std::sort(out.begin(), out.end(),
            [](const Entry* a, const Entry* b) { return a->name < b->name; });
  return out;
}

void Stats::dump_yaml(std::ostream& os, double window_seconds) const {
  os << "window_seconds: " << window_seconds << "\nstats:\n";
  const auto old_precision = os.precision(15);
  for (const Entry* e : sorted()) {
    const double v = evaluate(*e, window_seconds);
    os << "  " << e->name << ": {value: ";
    if (finite(v)) {
      os << v;
    } else {
      os << "null";
    }
    os << ", unit: " << yaml_quote(e->unit) << ", description: " << yaml_quote(e->description)
       << "}\n";
  }
  os.precision(old_precision);
}

void Stats::dump_json(std::ostream& os, double window_seconds, const Coverage& coverage) const {
  nlohmann::ordered_json stats = nlohmann::ordered_json::object();
  for (const Entry* e : sorted()) {
    const double v = evaluate(*e, window_seconds);
    nlohmann::ordered_json entry;
    if (finite(v)) {
      entry["value"] = v;
    } else {
      entry["value"] = nullptr;
    }
    entry["unit"] = e->unit;
    entry["description"] = e->description;
    stats[e->name] = std::move(entry);
  }
  nlohmann::ordered_json root;
  root["window_seconds"] = window_seconds;
  if (!coverage.empty()) {
    nlohmann::ordered_json c = nlohmann::ordered_json::object();
    for (const auto& [topic, text] : coverage) c[topic] = text;
    root["coverage"] = std::move(c);
  }
  root["stats"] = std::move(stats);
  os << root.dump(1) << "\n";
}

}  // namespace infsim::sim
