#include "tools/driver/experiment/model_run.h"

#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

// `v` in [lo, hi] (the same bounds as an experiment file's).
int bounded(int v, const std::string& flag, int lo, int hi) {
  if (v < lo || v > hi) {
    throw UsageError("run: --" + flag + " " + std::to_string(v) + " out of range [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

}  // namespace

Experiment model_run_experiment(const ModelRun& run) {
  Experiment ex;
  ex.name = "run";
  ex.instance = run.instance;
  ModelDef m;
  m.id = run.model;
  m.source = m.id;
  m.batch = bounded(run.batch, "batch", 1, kMaxBatch);
  m.dtype = run.dtype;
  m.pipeline_cores = bounded(run.pipeline_cores, "pipeline-cores", 1, kMaxPipelineCores);
  m.image_size = run.image_size;
  m.seq_len = bounded(run.seq_len, "seq-len", 1, kMaxSeqLen);
  const int cores = bounded(run.cores, "cores", 1, kMaxGroupCores);
  bounded(run.threads, "threads", 0, kMaxThreads);
  if (m.image_size != 0) bounded(m.image_size, "image-size", kMinImageSize, kMaxImageSize);
  if (cores < m.pipeline_cores || cores % m.pipeline_cores != 0) {
    throw UsageError("run: --cores " + std::to_string(cores) + " must be a multiple of " +
                     "--pipeline-cores " + std::to_string(m.pipeline_cores));
  }
  const int copies = cores / m.pipeline_cores;
  ex.models.push_back(m);
  ProcessDef p;
  p.name = "python";
  p.group_sizes.assign(static_cast<std::size_t>(copies), m.pipeline_cores);
  p.models.assign(static_cast<std::size_t>(copies), m.id);
  p.workload.call = sim::CallKind::kDataParallel;
  p.workload.threads = copies;
  p.workload.requests = bounded(run.iterations, "iterations", 1, kMaxRequests);
  p.workload.warmup = 1;
  if (run.threads > 0) {
    // Independent callers, each sending compiled batches round-robin over the copies.
    p.workload.call = sim::CallKind::kPredict;
    p.workload.threads = run.threads;
  }
  ScenarioDef s;
  s.name = m.id + " batch " + std::to_string(m.batch) + " on " + std::to_string(cores) +
           " NeuronCore" + (cores == 1 ? "" : "s");
  s.processes.push_back(p);
  ex.scenarios.push_back(s);
  return ex;
}

}  // namespace infsim::driver
