#pragma once
// The one builder of single-model benchmark runs: one model, `n_models` loaded copies, as a
// benchmark harness drives them. `infsim table`, `infsim validate` and the sweep's run evaluator
// all build their scenarios here, so the same row means the same simulation everywhere.
//
// Two harnesses (which one a framework uses is framework_harness()):
// - NeuronPerf: every copy in its own worker process (no GIL shared between copies) with
//   `workers_per_model` threads, each calling the model synchronously; a NeuronCore pipeline of
//   P cores gets P threads per worker so that every stage has a request in flight.
// - one framework process (the torch-neuron and TensorFlow-Neuron tutorials): all copies in one
//   process (NEURONCORE_GROUP_SIZES = n_models groups of pipeline_size cores), workers_per_model
//   threads per copy; torch-neuron's DataParallel splits a user batch over the copies in one
//   call, TensorFlow's predictors take requests round-robin (dynamic batching of a user batch).

#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "tools/driver/experiment/experiment.h"

namespace infsim::driver {

enum class Harness { kNeuronPerf, kFrameworkProcess };

struct SingleModelRun {
  std::string name;      // the scenario's name
  std::string instance;  // name or .yaml path
  std::string framework = "neuronperf";
  ModelDef model;             // its id is the model's id in the experiment
  int n_models = 0;           // loaded copies; 0 = one per pipeline_cores NeuronCores, all used
  int workers_per_model = 1;  // host threads per copy (NeuronPerf's workers_per_model)
  int threads_per_model = 0;  // 0 = the harness's rule from workers_per_model
  int user_batch = 0;         // inputs per call; 0 = the compiled batch (x copies for DataParallel)
  int requests = 200;  // measured requests per copy (per call for DataParallel), >= 2 per thread
  std::vector<std::string> overrides;  // --set values, after the framework's
};

// Which harness runs `framework`'s rows; an unknown name is a UsageError listing the known ones.
Harness framework_harness(const std::string& framework);

// The experiment of one run on `instance` (the loaded config of run.instance, for its core
// count). Asking for more cores than the instance has is a UsageError.
Experiment single_model_experiment(const SingleModelRun& run, const isa::InstanceConfig& instance);

}  // namespace infsim::driver
