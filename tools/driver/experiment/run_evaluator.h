#pragma once
// The sweep tool's "run" mode (tools/driver/sweep/point_evaluator.h): simulates one point and
// returns throughput, latency percentiles, utilization per engine, DRAM/PCIe/NeuronLink bandwidth
// and SBUF use.
//
// With an experiment in the study's base, the point runs that experiment (its first scenario)
// with the point's config overrides; the fields `instance` and, when the experiment has a single
// model, `model`/`batch`/`dtype`/`pipeline_cores`/`image_size`/`seq_len` replace the file's.
// Without one, the point is `instance` + `model` (+ `batch`, `dtype`, `pipeline_cores`, `threads`):
// one copy per `pipeline_cores` NeuronCores on every core of the instance, each in its own host
// process (as NeuronPerf runs them), `threads` host threads in all (default one per NeuronCore,
// so that a pipeline has a request per stage in flight), 200 measured requests per copy.

#include <string>
#include <vector>

#include "tools/driver/sweep/point_evaluator.h"

namespace infsim::driver {

std::vector<std::string> run_metric_names();
PointResult evaluate_run_point(const StudyBase& base, const PointSpec& spec);

}  // namespace infsim::driver
