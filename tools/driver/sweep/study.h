#pragma once
// A what-if study: a base experiment, the parameters to vary and how to combine them, the
// evaluator modes to run per point and the metrics to collect. Read from YAML:
//
//   study: sbuf-size                 # name; default: the file name without .yaml
//   description: ...
//   base:                            # experiment: FILE, and/or experiment fields, and set:
//     instance: inf1.xlarge
//     model: resnet50
//     batch: 1
//     set: {chip.dram.bandwidth: 50GiB/s}
//   evaluate: [compile, run]         # evaluator modes, in order
//   parameters:                      # any --set config key or experiment field
//     chip.core.sbuf.size: {from: 4MiB, to: 24MiB, step: 2MiB}
//     pipeline_cores: [1, 2, 4]
//     chip.dram.bandwidth: {from: 25GiB/s, to: 200GiB/s, factor: 2}
//   combine: grid                    # grid (every combination) or zip (i-th with i-th)
//   labels: [...]                    # zip only: a name per point, for the plots' x axis
//   metrics: [throughput_avg, weights_on_chip]
//   sensitivity: [throughput_avg]  # default: throughput_avg and latency_ms_p50 if listed,
//                                    # else estimated_latency_ms if listed, else every metric
//
// Every mistake is a ConfigError naming the file, the line and the YAML path.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/driver/sweep/point_evaluator.h"
#include "tools/driver/sweep/quantity.h"

namespace infsim::driver {

// The experiment fields a study may set in its base or vary; everything else is a config key.
inline const std::vector<std::string> kExperimentFields = {
    "instance", "model",      "batch",   "dtype",    "pipeline_cores",
    "threads",  "image_size", "seq_len", "framework"};

enum class Combine { kGrid, kZip };

struct Parameter {
  std::string name;
  bool is_config_key = false;       // else an experiment field
  std::vector<std::string> values;  // as passed to --set or the experiment field
  bool geometric = false;           // came from a {from, to, factor} range: log axis

  // Numeric view of the values, when all of them are numbers of one dimension (units may
  // differ: "512KiB", "4MiB"). Empty for text parameters such as model names.
  std::vector<WrittenQuantity> quantities() const;
  bool numeric() const { return !quantities().empty(); }
};

struct Study {
  std::string name;
  std::string description;
  StudyBase base;
  std::vector<std::string> modes;
  std::vector<Parameter> parameters;
  Combine combine = Combine::kGrid;
  // Zip only, optional: a name per point ("128x64"), the x axis labels of the plots.
  std::vector<std::string> labels;
  std::vector<std::string> metrics;
  std::vector<std::string> sensitivity;
  // Things worth telling the user that do not stop the study (e.g. a mode with no evaluator in
  // this build, whose metrics will stay empty).
  std::vector<std::string> warnings;

  std::size_t point_count() const;
  PointSpec point(std::size_t index) const;
  std::vector<PointSpec> points() const;
  // Hash of everything that defines the points and their columns (not comments, the description
  // or the file's location): resuming into a directory of a different study is refused.
  std::string hash() const;
};

Study read_study(const std::string& path);

// A study round-trips through JSON, so `--merge DIR` needs only DIR (the YAML may live on
// another machine). Warnings are not part of it.
nlohmann::json study_to_json(const Study& study);
Study study_from_json(const nlohmann::json& j);

}  // namespace infsim::driver
