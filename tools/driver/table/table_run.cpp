#include "tools/driver/table/table_run.h"

#include <algorithm>
#include <exception>

#include "isa/user_error.h"
#include "tools/config/config_loader.h"
#include "tools/driver/experiment/experiment.h"
#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/experiment/single_model.h"

namespace infsim::driver {

namespace {

// The first line of a message, without the table separators.
std::string status_text(std::string msg) {
  const std::size_t nl = msg.find('\n');
  if (nl != std::string::npos) msg = msg.substr(0, nl);
  for (char& c : msg) {
    if (c == '|' || c == ',') c = ';';
  }
  return msg;
}

}  // namespace

TableRowResult run_table_row(const TableRowSpec& spec) {
  const sim::SystemConfig cfg = load_instance(spec.instance, spec.overrides);
  TableRowResult row;
  row.instance = cfg.name;
  row.config_hash = config_hash(cfg);
  const int fit = cfg.total_cores() / spec.pipeline_cores;
  row.n_models = spec.n_models > 0 ? spec.n_models : fit;
  row.cores = row.n_models * spec.pipeline_cores;
  if (row.n_models < 1 || row.n_models > fit) {
    row.status =
        "needs " + std::to_string(std::max(1, row.n_models) * spec.pipeline_cores) + " NeuronCores";
    row.outcome = TableRowOutcome::kDoesNotFit;
    return row;
  }
  SingleModelRun run;
  run.name = spec.model;
  run.instance = spec.instance;
  run.framework = spec.framework;
  run.model.id = spec.model;
  run.model.source = spec.model;
  run.model.batch = spec.batch;
  run.model.dtype = spec.dtype;
  run.model.pipeline_cores = spec.pipeline_cores;
  run.model.image_size = spec.image_size;
  run.model.seq_len = spec.seq_len;
  run.model.cpu_fallback = spec.cpu_fallback;
  run.n_models = row.n_models;
  run.workers_per_model = spec.workers;
  run.requests = spec.requests;
  run.overrides = spec.overrides;
  try {
    const ExperimentOutcome o = run_experiment(single_model_experiment(run, cfg), RunOptions{});
    const sim::ScenarioResult& r = o.scenarios[0].result;
    row.config_hash = o.scenarios[0].config_hash;
    row.item_kind = o.scenarios[0].item_kind;
    row.total_infs = r.images;
    row.throughput = r.throughput;
    row.throughput_peak = r.throughput_peak;
    row.p0_ms = r.latency.min * 1e3;
    row.p100_ms = r.latency.max * 1e3;
    row.p50_ms = r.latency.p50 * 1e3;
    row.p90_ms = r.latency.p90 * 1e3;
    row.p95_ms = r.latency.p95 * 1e3;
    row.p99_ms = r.latency.p99 * 1e3;
    row.cost_per_million = r.throughput > 0 ? cfg.price_per_hour / 3600.0 / r.throughput * 1e6 : 0;
  } catch (const UserError& e) {
    // A configuration the hardware cannot hold is a result of the table; anything else is an
    // error of that row.
    const bool fits = e.kind() != ErrorKind::kDoesNotFit;
    row.outcome = fits ? TableRowOutcome::kError : TableRowOutcome::kDoesNotFit;
    row.status = (fits ? "error: " : "does not fit: ") + status_text(e.what());
  } catch (const std::exception& e) {
    row.outcome = TableRowOutcome::kError;
    row.status = "error: " + status_text(e.what());
  }
  return row;
}

}  // namespace infsim::driver
