#pragma once
// Experiment files (configs/experiments/*.yaml): a replay of a tutorial or benchmark as data.
//
//   experiment: torch-neuron-resnet50          # name (default: the file name)
//   description: ...                           # optional
//   instance: inf1.xlarge                      # name or .yaml path
//   framework: torch-neuron-2020               # configs/frameworks/ name or .yaml path
//   set: [runtime.submit_overhead=30us]        # optional config overrides, applied in order
//   seed: 1                                    # optional, default 1 (open-loop arrivals)
//   models:                                    # id -> how to build it
//     resnet50: {model: resnet50, batch: 1, dtype: bf16, pipeline_cores: 1,
//                image_size: 224, seq_len: 128, cpu_fallback: false}
//   workload: {...}                            # optional default for every process
//   scenarios:
//     - name: 1 NeuronCore, batch 1
//       set: [...]                             # optional, after the experiment's
//       processes:
//         - name: python                       # optional (default p<index>)
//           count: 1                           # identical processes (optional)
//           group_sizes: "1,1,1,1"             # NEURONCORE_GROUP_SIZES; also "4x1"
//           models: [resnet50]                 # model ids, loaded in order
//           copies: 4                          # the list repeated (optional, default 1)
//           workload:
//             call: predict | data_parallel
//             arrivals: closed | open | list
//             threads: 4       requests: 100   warmup: 1
//             user_batch: 20   rate: 500       times: [0, 1ms, 2.5ms]
//
// A model's `model` is a zoo name, an .onnx file or an .ifx program (paths relative to the
// experiment file). Every mistake is a ConfigError naming the file, the line and the YAML path.

#include <optional>
#include <string>
#include <vector>

#include "sim/runtime/runtime.h"

namespace infsim::driver {

// Bounds shared by experiment files and `infsim run`'s flags. Each host thread is a SystemC
// thread with its own stack, so their number is bounded (50,000 exhaust the process's mappings).
inline constexpr int kMaxThreads = 4096;
inline constexpr int kMaxRequests = 10000000;
inline constexpr int kMaxGroupCores = 4096;  // NeuronCores in one group, and groups of a process
inline constexpr int kMaxBatch = 1024;
inline constexpr int kMaxPipelineCores = 64;
inline constexpr int kMinImageSize = 8, kMaxImageSize = 4096;
inline constexpr int kMaxSeqLen = 65536;

struct ModelDef {
  std::string id;
  std::string source;  // zoo name, .onnx or .ifx path (resolved)
  int batch = 1;
  std::string dtype = "bf16";
  int pipeline_cores = 1;
  int image_size = 0;
  int seq_len = 128;
  bool cpu_fallback = false;
};

struct ProcessDef {
  std::string name;
  std::vector<int> group_sizes;
  std::vector<std::string> models;  // ids, in load order (copies already expanded)
  sim::WorkloadSpec workload;
};

struct ScenarioDef {
  std::string name;
  std::vector<std::string> overrides;  // the experiment's, then the scenario's
  std::vector<ProcessDef> processes;   // counts already expanded
};

struct Experiment {
  std::string name;
  std::string description;
  std::string file;  // "" for one built from flags
  std::string instance = "inf1.xlarge";
  std::string framework = "neuronperf";  // configs/frameworks/ name or .yaml path
  std::vector<std::string> overrides;
  std::uint64_t seed = 1;
  std::vector<ModelDef> models;
  std::vector<ScenarioDef> scenarios;

  const ModelDef& model(const std::string& id) const;
};

// Throws ConfigError (file:line: path: what) for anything malformed.
Experiment load_experiment(const std::string& path);

// "1,1,1,1" or "4x1" (N groups of M) -> sizes. `where` prefixes errors.
std::vector<int> parse_group_sizes(const std::string& text, const std::string& where);

// configs/experiments/torch-neuron-resnet50.yaml under the config directory.
std::string default_experiment_path();

}  // namespace infsim::driver
