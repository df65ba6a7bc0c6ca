#pragma once
// The one vocabulary of infsim's outputs: every metric name that `run`, `table`, `sweep` and
// `validate` write to JSON or CSV is declared here once, with its unit and how to plot it.
// Where NeuronPerf has a name for the quantity, it is NeuronPerf's (throughput_avg,
// latency_ms_p50, load_avg_ms, total_infs, cost_per_1m_inf, ...), so a NeuronPerf notebook reads
// infsim's tables unchanged. docs/outputs.md lists them.

#include <string>
#include <vector>

namespace infsim::models {
struct Graph;
}
namespace infsim::sim {
struct ScenarioResult;
}

namespace infsim::driver {

// Every JSON and CSV output carries these two: the version and git revision of the build
// (tools/config/version.h) and the hash of the resolved configuration (driver::config_hash).
inline constexpr const char* kVersionKey = "infsim_version";
inline constexpr const char* kConfigHashKey = "config_hash";

enum class MetricScale {
  kFromZero,  // a rate, a time, a size or a count: plotted on an axis that starts at 0
  kFree,      // may be negative or is a ratio around 1: the axis fits the data
  kBoolean,   // 0/1: plotted as steps
};

struct MetricInfo {
  const char* name;
  const char* unit;  // "ms", "1/s", "bytes", "bytes/s", "%", "cycles", "" (a count or ratio)
  const char* description;
  MetricScale scale;
};

// Every metric, in the order reports list them.
const std::vector<MetricInfo>& metric_vocabulary();

// nullptr for a name that is not in the vocabulary.
const MetricInfo* find_metric(const std::string& name);

// The metric's axis label: "latency_ms_p50 (ms)", "throughput_avg (1/s)", "fits (0/1)".
std::string metric_label(const std::string& name);

// What one inference of a model processes, for throughput units: "images" (a 4-D NCHW input),
// "sequences" (integer token ids, or a [batch, sequence, hidden] input: a transformer with its
// embeddings on the host) or "inferences" (anything else).
std::string item_kind(const models::Graph& graph);

// load_avg_ms, NeuronPerf's meaning: each model copy's load timed from its start to its end (by
// its own worker process in NeuronPerf), averaged over the copies. The one definition for run,
// table, sweep and validate.
double load_avg_ms(const sim::ScenarioResult& r);

// "images/s" for "images", ...; the unit of throughput_avg for that kind.
std::string throughput_unit(const std::string& item_kind);

}  // namespace infsim::driver
