#pragma once
// The one seam between a study and whatever measures a point of it. A study names the
// evaluator modes it needs ("compile", "run"); each mode is a function from the study's base and
// one point's parameter values to a status and a set of named metrics. The sweep machinery
// (expansion, worker processes, resume, CSV, sensitivity, plots) knows nothing else about them.
//
// The driver's own modes, "compile" (sweep/compile_evaluator.h) and "run"
// (experiment/run_evaluator.h), are in the registry from the start (builtin_point_evaluators in
// sweep/builtin_evaluators.cpp: a new built-in mode is one line there). A test or another program
// may add or replace a mode with register_point_evaluator.
//
// What "run" is expected to do: start from base.experiment when set (else an experiment of one
// scenario made of the point's fields: instance, model, batch, dtype, pipeline_cores, threads,
// ...), with the point's fields and then spec.overrides applied, run it, and report its numbers
// under the names configs/studies/ use: throughput_avg, latency_ms_p50, latency_ms_p90,
// latency_ms_p99, latency_ms_p100, load_avg_ms, plus utilization and bandwidth metrics. A point
// runs in its own process, so the evaluator may elaborate SystemC directly.

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace infsim::driver {

// Metric name -> value. NaN means "not applicable" (e.g. PCIe bandwidth of a run without
// inputs); a metric the evaluator does not report at all is treated the same way.
using Metrics = std::map<std::string, double>;

// What every point of a study starts from.
struct StudyBase {
  std::string study_file;  // absolute path of the study YAML
  std::string experiment;  // absolute path of an experiment file, "" when the study has none
  // Experiment fields written in the base: instance, model, batch, dtype, pipeline_cores,
  // threads, image_size, seq_len, framework (see kExperimentFields). Text, as in the YAML.
  std::map<std::string, std::string> fields;
  std::vector<std::string> overrides;  // the base's `set:` entries, "key=value", in order
};

// One point: the base with some parameters changed.
struct PointSpec {
  int index = 0;
  std::map<std::string, std::string> parameters;  // varied parameter -> value text
  // The base's experiment fields with this point's field parameters applied.
  std::map<std::string, std::string> fields;
  // The base's overrides followed by this point's config-key parameters, "key=value"; apply
  // them in order (later wins) with driver::apply_override.
  std::vector<std::string> overrides;

  // A field's text, or `fallback` when neither the base nor the point sets it.
  std::string field(const std::string& name, const std::string& fallback) const;
  // An integer field (validated when the study was read), or `fallback`.
  long field_int(const std::string& name, long fallback) const;
};

inline const char* const kStatusOk = "ok";
inline const char* const kStatusDoesNotFit = "does_not_fit";  // a result, not a failure
inline const char* const kStatusError = "error";

struct PointResult {
  std::string status = kStatusOk;
  std::string message;  // why a point does not fit or failed; empty when ok
  Metrics metrics;
  std::string config_hash;  // driver::config_hash of the point's resolved configuration
  // The framework profile a run ran under (configs/frameworks/ name); "" when nothing ran.
  std::string framework;
};

using PointEvaluator = std::function<PointResult(const StudyBase&, const PointSpec&)>;

struct PointEvaluatorInfo {
  std::vector<std::string> metrics;  // every metric it can report, in column order
  PointEvaluator evaluate;
};

// The driver's modes ("compile", "run"): what the registry starts with.
std::map<std::string, PointEvaluatorInfo> builtin_point_evaluators();

// Later registrations of the same mode replace earlier ones (the built-ins too).
void register_point_evaluator(const std::string& mode, std::vector<std::string> metrics,
                              PointEvaluator evaluate);
// Takes a mode out of the registry (a test of a program without it).
void unregister_point_evaluator(const std::string& mode);
// nullptr when no evaluator of that mode is registered.
const PointEvaluatorInfo* find_point_evaluator(const std::string& mode);
std::vector<std::string> registered_point_evaluator_modes();

// Runs the modes in order and merges their metrics. A mode whose status is not ok ends the
// point (a program that does not fit cannot run). A mode with no evaluator in this program is
// skipped: its metrics stay empty (status "error" if no mode had one). User-facing errors thrown by
// an evaluator (bad config value, unknown model, ...) become status "error" with the message; they
// do not end the sweep.
PointResult evaluate_point(const std::vector<std::string>& modes, const StudyBase& base,
                           const PointSpec& spec);

}  // namespace infsim::driver
