#pragma once
// Checks a Chrome trace-event JSON document the way speedscope and Perfetto read it: per track
// (pid, tid), "B"/"E" events in time order with strict nesting (every "E" closes the innermost
// open "B", none left open), every timestamp on the integer-nanosecond grid (a microsecond value
// with at most three decimals), and counters in time order per (pid, name). Returns the
// problems found (empty: the trace is good) and counts what it saw.

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace infsim::testing {

struct TraceSummary {
  std::vector<std::string> problems;
  int slices = 0;
  int counters = 0;
  int flows = 0;
  std::map<std::string, int> track_names;  // thread_name -> count
  std::map<std::string, int> slice_names;
  std::map<std::string, int> counter_names;
};

inline bool on_ns_grid(double us) {
  const double ns = us * 1000.0;
  return std::fabs(ns - std::round(ns)) < 1e-3;
}

inline TraceSummary check_trace(const nlohmann::json& doc) {
  TraceSummary s;
  // Per track, the open "B" events: their time and name.
  std::map<std::pair<int, int>, std::vector<std::pair<std::int64_t, std::string>>> open;
  std::map<std::pair<int, int>, std::int64_t> last;
  std::map<std::pair<int, std::string>, std::int64_t> last_counter;
  auto problem = [&](const std::string& what, const nlohmann::json& e) {
    if (s.problems.size() < 20) s.problems.push_back(what + ": " + e.dump());
  };
  for (const nlohmann::json& e : doc.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "M") {
      if (e.at("name") == "thread_name") ++s.track_names[e.at("args").at("name")];
      continue;
    }
    const double ts_us = e.at("ts").get<double>();
    if (!on_ns_grid(ts_us)) problem("timestamp off the ns grid", e);
    const auto ns = static_cast<std::int64_t>(std::llround(ts_us * 1000.0));
    if (ph == "C") {
      ++s.counters;
      ++s.counter_names[e.at("name")];
      auto& l = last_counter[{e.at("pid").get<int>(), e.at("name").get<std::string>()}];
      if (s.counters > 1 && ns < l) problem("counter out of order", e);
      l = ns;
      continue;
    }
    if (ph == "s" || ph == "f") {
      ++s.flows;
      continue;
    }
    const std::pair<int, int> track{e.at("pid").get<int>(), e.at("tid").get<int>()};
    auto it = last.find(track);
    if (it != last.end() && ns < it->second) problem("events out of order on a track", e);
    last[track] = ns;
    if (ph == "B") {
      ++s.slices;
      ++s.slice_names[e.at("name")];
      open[track].emplace_back(ns, e.at("name").get<std::string>());
    } else if (ph == "E") {
      if (open[track].empty()) {
        problem("E without an open B", e);
      } else {
        if (ns < open[track].back().first) problem("E before its B", e);
        // speedscope closes a frame only on an "E" that names it; an unnamed one is ignored
        // and every later slice nests inside (seen: "Maximum call stack size exceeded").
        if (!e.contains("name") || e.at("name") != open[track].back().second)
          problem("E does not name the B it closes", e);
        open[track].pop_back();
      }
    } else {
      problem("unexpected phase " + ph, e);
    }
  }
  for (const auto& [track, stack] : open) {
    if (!stack.empty()) s.problems.push_back("slices left open on a track");
  }
  return s;
}

}  // namespace infsim::testing
