#pragma once
// `infsim profile`: one model on one NeuronCore group, a few inferences all simulated in detail,
// and its per-layer profile (layer_profile.h) as a text table sorted by time, CSV or JSON.

#include <string>
#include <vector>

#include "tools/driver/experiment/experiment.h"
#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/profile/layer_profile.h"

namespace infsim::driver {

struct ProfileRequest {
  ModelDef model;  // its id names the model in the outputs
  std::string instance = "inf1.xlarge";
  std::string framework = "neuronperf";
  std::vector<std::string> overrides;
  int inferences = 2;  // measured, after one warm-up; every one in detail
};

std::vector<ModelProfile> profile_model(const ProfileRequest& request);
// Every scenario's profiles of a run made with RunOptions::profile.
std::vector<ModelProfile> outcome_profiles(const ExperimentOutcome& outcome);

// The table: a header per model (device time, idle, MACs, utilization, compile estimate), then
// one row per layer, longest first; `top` > 0 keeps that many rows.
std::string format_profile_text(const std::vector<ModelProfile>& profiles, int top = 0);
// One row per (model, layer); RFC 4180 quoting.
std::string format_profile_csv(const std::vector<ModelProfile>& profiles);
std::string format_profile_json(const std::vector<ModelProfile>& profiles);

}  // namespace infsim::driver
