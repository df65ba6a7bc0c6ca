#include "tools/driver/experiment/run_evaluator.h"

#include <filesystem>

#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/driver/experiment/experiment.h"
#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/experiment/single_model.h"
#include "tools/driver/vocabulary.h"

namespace infsim::driver {
namespace {

void apply_fields(ModelDef& m, const PointSpec& spec, const StudyBase& base) {
  m.source = spec.field("model", m.source);
  const std::filesystem::path p(m.source);
  if (p.is_relative() && (p.extension() == ".onnx" || p.extension() == ".ifx") &&
      spec.parameters.count("model") + base.fields.count("model") > 0) {
    const std::filesystem::path beside = std::filesystem::path(base.study_file).parent_path() / p;
    if (std::filesystem::exists(beside)) m.source = beside.string();
  }
  m.batch = static_cast<int>(spec.field_int("batch", m.batch));
  m.dtype = spec.field("dtype", m.dtype);
  m.pipeline_cores = static_cast<int>(spec.field_int("pipeline_cores", m.pipeline_cores));
  m.image_size = static_cast<int>(spec.field_int("image_size", m.image_size));
  m.seq_len = static_cast<int>(spec.field_int("seq_len", m.seq_len));
}

}  // namespace

// Names from driver/vocabulary.h, the same as run's, table's and validate's.
std::vector<std::string> run_metric_names() {
  return {
      "throughput_avg",     "throughput_peak",  "latency_ms_p50",      "latency_ms_p90",
      "latency_ms_p99",     "latency_ms_p100",  "load_avg_ms",         "device_ms",
      "matrix_util_pct",    "core_utilization", "tensor_utilization",  "vector_utilization",
      "scalar_utilization", "dram_bandwidth",   "pcie_bandwidth",      "neuronlink_bandwidth",
      "sbuf_peak_bytes",    "context_switches", "inferences_detailed", "inferences_fast_forwarded"};
}

namespace {

// A scenario's result as run_metric_names().
Metrics scenario_metrics(const sim::ScenarioResult& r) {
  const double w = r.window_seconds > 0 ? r.window_seconds : 1;
  Metrics m;
  m["throughput_avg"] = r.throughput;
  m["throughput_peak"] = r.throughput_peak;
  m["latency_ms_p50"] = r.latency.p50 * 1e3;
  m["latency_ms_p90"] = r.latency.p90 * 1e3;
  m["latency_ms_p99"] = r.latency.p99 * 1e3;
  m["latency_ms_p100"] = r.latency.max * 1e3;
  m["load_avg_ms"] = load_avg_ms(r);
  double device = 0, matrix = 0;
  for (const sim::LoadedModelResult& lm : r.models) {
    device += lm.device_seconds;
    matrix += lm.matrix_utilization;
  }
  const double nm = r.models.empty() ? 1 : static_cast<double>(r.models.size());
  m["device_ms"] = device / nm * 1e3;
  m["matrix_util_pct"] = matrix / nm * 100;
  double u[4] = {0, 0, 0, 0};
  for (const sim::CoreUse& c : r.cores) {
    u[0] += c.utilization;
    u[1] += c.tensor_utilization;
    u[2] += c.vector_utilization;
    u[3] += c.scalar_utilization;
  }
  const double nc = r.cores.empty() ? 1 : static_cast<double>(r.cores.size());
  m["core_utilization"] = u[0] / nc;
  m["tensor_utilization"] = u[1] / nc;
  m["vector_utilization"] = u[2] / nc;
  m["scalar_utilization"] = u[3] / nc;
  m["dram_bandwidth"] = r.dram_bytes / w;
  m["pcie_bandwidth"] = r.pcie_bytes / w;
  m["neuronlink_bandwidth"] = r.neuronlink_bytes / w;
  m["sbuf_peak_bytes"] = r.sbuf_peak_bytes;
  m["context_switches"] = r.context_switches;
  m["inferences_detailed"] = r.detailed;
  m["inferences_fast_forwarded"] = r.fast_forwarded;
  return m;
}

}  // namespace

PointResult evaluate_run_point(const StudyBase& base, const PointSpec& spec) {
  Experiment ex;
  if (!base.experiment.empty()) {
    ex = load_experiment(base.experiment);
    ex.scenarios.resize(1);
    ex.instance = spec.field("instance", ex.instance);
    ex.framework = spec.field("framework", ex.framework);
    if (ex.models.size() == 1) apply_fields(ex.models[0], spec, base);
  } else {
    const std::string instance = spec.field("instance", "");
    if (instance.empty() || spec.field("model", "").empty()) {
      throw UsageError(
          "the run evaluator needs an experiment, or an instance and a model, in "
          "the study's base or parameters");
    }
    SingleModelRun run;
    run.name = "point";
    run.instance = instance;
    run.framework = spec.field("framework", kDefaultFramework);
    run.model.id = "model";
    apply_fields(run.model, spec, base);
    const isa::InstanceConfig cfg = load_instance(instance, spec.overrides, run.framework);
    const int copies = cfg.total_cores() / std::max(1, run.model.pipeline_cores);
    if (copies < 1) {
      PointResult r;
      r.status = kStatusDoesNotFit;
      r.message = "pipeline_cores " + std::to_string(run.model.pipeline_cores) + " exceeds the " +
                  std::to_string(cfg.total_cores()) + " NeuronCores of " + cfg.name;
      return r;
    }
    // `threads` host threads in all, default one per NeuronCore.
    run.threads_per_model =
        std::max(1, static_cast<int>(spec.field_int("threads", cfg.total_cores())) / copies);
    ex = single_model_experiment(run, cfg);
  }
  RunOptions options;
  options.overrides = spec.overrides;
  PointResult result;
  ExperimentOutcome outcome;
  try {
    outcome = run_experiment(ex, options);
  } catch (const UserError& e) {
    // Not enough SBUF, pipeline cut points, device DRAM or free NeuronCores: a result.
    if (e.kind() != ErrorKind::kDoesNotFit) throw;
    result.status = kStatusDoesNotFit;
    result.message = e.what();
    return result;
  }
  const sim::ScenarioResult& r = outcome.scenarios[0].result;
  result.config_hash = outcome.scenarios[0].config_hash;
  result.framework = outcome.framework;
  result.metrics = scenario_metrics(r);
  return result;
}

}  // namespace infsim::driver
