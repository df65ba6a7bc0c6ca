#include "tools/driver/experiment/single_model.h"

#include <algorithm>

#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

struct FrameworkRule {
  const char* name;
  const char* profile;  // configs/frameworks/<profile>.yaml
  Harness harness;
  bool splits_user_batch;  // a DataParallel call splits one user batch over the copies
};

// "" = the default profile (NeuronPerf); the short names are the validation file's.
const std::vector<FrameworkRule>& framework_rules() {
  static const std::vector<FrameworkRule> kRules = {
      {"", "neuronperf", Harness::kNeuronPerf, false},
      {"neuronperf", "neuronperf", Harness::kNeuronPerf, false},
      {"torch-neuron", "torch-neuron-2020", Harness::kFrameworkProcess, true},
      {"torch-neuron-2020", "torch-neuron-2020", Harness::kFrameworkProcess, true},
      {"tensorflow-neuron", "tensorflow-neuron-1.15", Harness::kFrameworkProcess, false},
      {"tensorflow-neuron-1.15", "tensorflow-neuron-1.15", Harness::kFrameworkProcess, false},
  };
  return kRules;
}

const FrameworkRule& framework_rule(const std::string& framework) {
  std::string known;
  for (const FrameworkRule& r : framework_rules()) {
    if (r.name == framework) return r;
    if (*r.name) known += std::string(known.empty() ? "" : ", ") + r.name;
  }
  throw UsageError("unknown framework '" + framework + "' (known: " + known + ")");
}

}  // namespace

Harness framework_harness(const std::string& framework) {
  return framework_rule(framework).harness;
}

Experiment single_model_experiment(const SingleModelRun& run, const isa::InstanceConfig& instance) {
  const FrameworkRule& rule = framework_rule(run.framework);
  const int pipe = std::max(1, run.model.pipeline_cores);
  const int copies = run.n_models > 0 ? run.n_models : instance.total_cores() / pipe;
  if (copies < 1 || copies * pipe > instance.total_cores()) {
    throw UsageError(std::to_string(std::max(copies, 1)) + " model copies of " +
                     std::to_string(pipe) + " NeuronCore" + (pipe == 1 ? "" : "s") +
                     " need more than the " + std::to_string(instance.total_cores()) +
                     " NeuronCores of " + instance.name);
  }
  if (run.workers_per_model < 1) throw UsageError("workers_per_model must be at least 1");
  Experiment ex;
  ex.name = run.name;
  ex.instance = run.instance;
  ex.framework = rule.profile;
  ex.models.push_back(run.model);
  const std::string& id = run.model.id;
  ScenarioDef s;
  s.name = run.name;
  s.overrides = run.overrides;
  const int threads =
      run.threads_per_model > 0 ? run.threads_per_model : run.workers_per_model * pipe;
  if (rule.harness == Harness::kNeuronPerf) {
    for (int c = 0; c < copies; ++c) {
      ProcessDef p;
      p.name = "neuronperf" + std::to_string(c);
      p.group_sizes = {pipe};
      p.models = {id};
      p.workload.call = sim::CallKind::kPredict;
      p.workload.threads = threads;
      p.workload.user_batch = run.user_batch;
      p.workload.warmup = threads;
      p.workload.requests = std::max(run.requests, 2 * threads);
      s.processes.push_back(p);
    }
  } else {
    ProcessDef p;
    p.name = "python";
    p.group_sizes.assign(static_cast<std::size_t>(copies), pipe);
    p.models.assign(static_cast<std::size_t>(copies), id);
    // One DataParallel call feeds every copy: its thread pool has one task per copy.
    const bool data_parallel = rule.splits_user_batch && copies > 1;
    p.workload.call = data_parallel ? sim::CallKind::kDataParallel : sim::CallKind::kPredict;
    p.workload.threads = data_parallel ? copies : threads * copies;
    p.workload.user_batch = run.user_batch;
    p.workload.warmup = 1;
    p.workload.requests =
        std::max(run.requests * (data_parallel ? 1 : copies), 2 * p.workload.threads);
    s.processes.push_back(p);
  }
  ex.scenarios.push_back(s);
  return ex;
}

}  // namespace infsim::driver
