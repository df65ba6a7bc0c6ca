#pragma once
// Validation files (configs/validation/*.csv): measured Inf1 numbers in NeuronPerf's columns, one
// benchmark run per row, read by `infsim validate`. RFC 4180 CSV with a header naming columns:
//
//   name                  optional  the row's label (default "line N")
//   instance              required  inf1.xlarge ... or an instance .yaml
//   model                 required  zoo name or .onnx file (relative to the CSV's folder)
//   framework             required  neuronperf | torch-neuron | tensorflow-neuron (the harness
//                                   and runtime profile the row was measured with)
//   dtype                 required  bf16 | fp16 | fp32
//   batch_size            required  compiled batch
//   n_models              required  loaded copies
//   workers_per_model     required  host threads per copy
//   pipeline_size         required  NeuronCores per copy
//   user_batch            optional  inputs per call (dynamic batching / DataParallel)
//   seq_len, image_size   optional  transformer length, CNN input size
//   set                   optional  config overrides of this row, "KEY=VALUE" separated by ';'
//   tolerance_pct         optional  how far the simulation may be off on this row (percent)
//   the measured values   at least one column, each cell may be empty (not measured):
//                         see validation_metrics()
//
// A cell that is not what its column needs (a batch of "four", a negative throughput), a missing
// required column, an unknown column or a row with no measured value is a ConfigError
// "FILE:LINE: ...". What a row names (model, instance, framework) is checked when it runs: a
// row it cannot run gets a status, it is not a bad file.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/runtime/runtime.h"
#include "tools/driver/experiment/single_model.h"

namespace infsim::driver {

// One measured quantity: its column, unit and how to read it off a simulated scenario.
struct ValidationMetric {
  std::string column;
  std::string unit;
  std::string description;
  std::function<double(const sim::ScenarioResult&)> simulated;
};

// throughput_avg, latency_ms_p50, latency_ms_p99, latency_ms_avg, load_avg_ms, device_ms,
// matrix_util_pct — in this order, the order of every report.
const std::vector<ValidationMetric>& validation_metrics();

struct ValidationRow {
  int line = 0;
  std::string name;
  SingleModelRun run;  // everything but `requests`, which the command chooses
  std::vector<std::optional<double>> measured;  // per validation_metrics(); nullopt = empty cell
  std::optional<double> tolerance_pct;
};

struct ValidationFile {
  std::string path;
  std::vector<std::string> metric_columns;  // the metric columns the header has
  std::vector<ValidationRow> rows;
};

ValidationFile parse_validation_csv(const std::string& text, const std::string& path);
ValidationFile read_validation_file(const std::string& path);

}  // namespace infsim::driver
