#pragma once
// The statistics registry. Every module registers its counters once, at construction, with a
// dotted hierarchical name ("chip0.core1.tensor.busy_cycles"), a unit and a description, and
// keeps the returned reference to bump in the hot path (a plain add, nothing printed). Derived
// values (utilization, achieved bandwidth) are formulas evaluated only when dumped, over the
// measurement window the caller names.
//
//   Stats stats;
//   double& bytes = stats.counter("chip0.dram.bytes_read", "bytes", "bytes read from DRAM");
//   stats.formula("chip0.dram.read_bandwidth", "bytes/s", "achieved read bandwidth",
//                 [&bytes](double window) { return window > 0 ? bytes / window : 0; });
//   ... simulate ...
//   stats.dump_json(std::cout, sc_core::sc_time_stamp().to_seconds());
//
// reset() zeroes the counters (say after a warm-up); the caller then passes the window since
// the reset to the dumps.

#include <deque>
#include <functional>
#include <iosfwd>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace infsim::sim {

class Stats {
 public:
  using Formula = std::function<double(double window_seconds)>;

  struct Entry {
    std::string name;
    std::string unit;
    std::string description;
    double value = 0;
    Formula formula;  // set for derived entries; value unused then
  };
  // What a module keeps to read one of its formulas back (a counter is read through its
  // double&): stable for the registry's lifetime, like the counters.
  using Handle = const Entry*;

  Stats() = default;
  Stats(const Stats&) = delete;
  Stats& operator=(const Stats&) = delete;

  // Registers a counter and returns a reference that stays valid for the registry's lifetime.
  // A name may be registered only once (a second registration is a simulator bug).
  double& counter(const std::string& name, const std::string& unit, const std::string& description);
  Handle formula(const std::string& name, const std::string& unit, const std::string& description,
                 Formula f);

  bool contains(const std::string& name) const;
  // Current value of a counter, or a formula evaluated over `window_seconds`. Throws SimError
  // for an unknown name.
  double value(const std::string& name, double window_seconds = 0) const;
  // The same through a handle formula() returned.
  double value(Handle entry, double window_seconds) const {
    return evaluate(*entry, window_seconds);
  }
  // Entries in registration order.
  const std::deque<Entry>& entries() const { return entries_; }

  void reset();

  // `name: {value: ..., unit: ..., description: ...}` per entry, sorted by name.
  void dump_yaml(std::ostream& os, double window_seconds) const;
  // {"window_seconds": w, "coverage": {...}, "stats": {name: {"value", "unit", "description"}}},
  // sorted by name. `coverage` says in plain sentences what the counters cover (which window,
  // which work), keyed by topic; omitted when empty.
  using Coverage = std::vector<std::pair<std::string, std::string>>;
  void dump_json(std::ostream& os, double window_seconds, const Coverage& coverage = {}) const;

 private:
  Entry& add(const std::string& name, const std::string& unit, const std::string& description);
  std::vector<const Entry*> sorted() const;
  double evaluate(const Entry& e, double window_seconds) const;

  std::deque<Entry> entries_;  // a deque keeps references stable as it grows
  std::unordered_map<std::string, Entry*> by_name_;
};

}  // namespace infsim::sim
