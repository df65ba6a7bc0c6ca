#pragma once
// Running an experiment: compile its models for the instance (on the fly, cached per core
// configuration), run each scenario on a fresh simulated instance, and format the reports.
//
// SystemC allows one elaboration per OS process, so each scenario runs in a forked child that
// sends its ScenarioResult back as JSON; a user error in the child (SimError, ...) is rethrown
// in the parent with its type, so the command still exits 2 with the message.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "sim/runtime/runtime.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/experiment/experiment.h"
#include "tools/driver/profile/layer_profile.h"

namespace infsim::driver {

struct RunOptions {
  bool detail_full = false;
  std::optional<std::uint64_t> seed;     // overrides the experiment's
  std::optional<std::string> framework;  // profile name or path; overrides the experiment's
  std::vector<std::string> overrides;    // --set, after the experiment's and the scenario's
  std::string trace_path;                // Chrome trace; one file per scenario when several
  sim::TraceOptions trace_options;
  bool profile = false;   // per-layer profiles of the detailed inferences
  bool progress = false;  // lines on stderr
};

struct ScenarioOutcome {
  sim::ScenarioResult result;
  std::string instance;
  std::string config_yaml;  // the fully resolved configuration it ran with
  std::string config_hash;  // driver::config_hash_of_yaml(config_yaml)
  std::string item_kind;    // what its throughput counts: images, sequences or inferences
  double price_per_hour = 0;
  int cores = 0;
  double wall_seconds = 0;             // not deterministic: kept out of the reports
  std::vector<ModelProfile> profiles;  // RunOptions::profile
};

struct ExperimentOutcome {
  std::string experiment;
  std::string description;
  std::string instance;
  std::string framework;  // the profile's name (framework.name)
  std::uint64_t seed = 1;
  std::vector<ScenarioOutcome> scenarios;
  std::vector<StagedFile> trace_files;  // written by the scenarios, published by the command
  std::vector<std::string> warnings;    // --set values a scenario's configuration ignores
};

ExperimentOutcome run_experiment(const Experiment& experiment, const RunOptions& options);

std::string format_report(const ExperimentOutcome& outcome);
std::string format_json(const ExperimentOutcome& outcome);
std::string format_csv(const ExperimentOutcome& outcome);

}  // namespace infsim::driver
