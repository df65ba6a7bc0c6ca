#pragma once
// One row of a throughput table, NeuronPerf-style: `n_models` copies of one compiled model, each
// in its own worker process on a NeuronCore group of `pipeline_cores`, with `workers` host
// threads per copy in a closed loop. The grid (`infsim table --models ...`) and the presets
// (`infsim table --preset ...`) both run their rows through run_table_row.

#include <string>
#include <vector>

namespace infsim::driver {

struct TableRowSpec {
  std::string instance;  // name or path
  std::string model;     // zoo name or .onnx
  std::string dtype = "bf16";
  std::string framework = "neuronperf";  // profile the copies run under (configs/frameworks/)
  int batch = 1;
  int pipeline_cores = 1;
  int n_models = 0;  // 0 = as many as the instance's NeuronCores hold
  int workers = 1;   // host threads per copy (NeuronPerf workers_per_model)
  int requests = 200;
  int image_size = 0;
  int seq_len = 128;
  bool cpu_fallback = false;
  std::vector<std::string> overrides;
};

// What became of a row, as data (the status text is for people): numbers, "does not fit" (the
// instance cannot hold the row: a result of the table) or an error of the row.
enum class TableRowOutcome { kOk, kDoesNotFit, kError };

struct TableRowResult {
  std::string instance;  // the config's name
  int n_models = 0;
  int cores = 0;  // NeuronCores in use
  double throughput = 0;
  double throughput_peak = 0;
  double p0_ms = 0, p50_ms = 0, p90_ms = 0, p95_ms = 0, p99_ms = 0, p100_ms = 0;
  int total_infs = 0;                    // inferences in the measured window
  std::string item_kind = "inferences";  // what they are: images, sequences or inferences
  double cost_per_million = 0;           // USD per 1M inferences at the instance's on-demand price
  std::string config_hash;               // of the resolved configuration (driver::config_hash)
  std::string status = "ok";             // or why the row has no numbers
  TableRowOutcome outcome = TableRowOutcome::kOk;
};

TableRowResult run_table_row(const TableRowSpec& spec);

}  // namespace infsim::driver
