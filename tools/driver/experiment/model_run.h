#pragma once
// The one-off run of `infsim run --model M --batch N --cores C ...` (and of the Python module's
// infsim.run(model=...)): `cores` one-core (or pipeline_cores-core) copies of the model in one
// process, one data-parallel caller, or `threads` independent callers. Out-of-range values are
// UsageErrors worded with the command's flags ("run: --cores 3 must be a multiple of ...").
#include <string>

#include "tools/config/config_loader.h"
#include "tools/driver/experiment/experiment.h"

namespace infsim::driver {

struct ModelRun {
  std::string model;  // zoo name or .onnx file
  std::string instance = kDefaultInstance;
  int batch = 1;
  std::string dtype = "bf16";
  int cores = 1;
  int pipeline_cores = 1;
  int threads = 0;  // 0: one data-parallel caller
  int iterations = 100;
  int image_size = 0;  // 0: the model's default
  int seq_len = 128;
};

Experiment model_run_experiment(const ModelRun& run);

}  // namespace infsim::driver
