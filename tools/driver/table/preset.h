#pragma once
// Table presets: a YAML file under configs/tables/ that lists the rows of a published
// performance page (model, its details, framework, application type, run mode, instance, batch,
// copies x workers), so `infsim table --preset NAME` regenerates the page and users add rows.

#include <functional>
#include <string>
#include <vector>

#include "tools/driver/table/table_run.h"

namespace infsim::driver {

struct PresetRow {
  TableRowSpec spec;
  std::string details;      // "fp16, 608x608", ...
  std::string framework;    // "PyTorch 1.13 (torch-neuron)", ...
  std::string application;  // "real time" | "batch"
};

struct PresetTable {
  std::string title;
  std::vector<PresetRow> rows;
};

struct TablePreset {
  std::string name;
  std::string file;
  std::string description;
  std::vector<PresetTable> tables;
};

// A name (configs/tables/NAME.yaml) or a path. ConfigError for a bad file, key or value.
TablePreset load_preset(const std::string& name_or_path);

struct PresetResult {
  const PresetRow* row = nullptr;
  std::string table;  // the section title
  TableRowResult result;
  double ops_on_device_percent = 0;  // graph nodes placed on the NeuronCores
};

// Runs every row; `progress(done, total)` is called before each row and at the end.
std::vector<PresetResult> run_preset(
    const TablePreset& preset, const std::vector<std::string>& overrides,
    const std::function<void(int, int, const PresetRow&)>& progress);

// NeuronPerf's columns (model_name, instance_type, throughput_avg, latency_ms_p0..p100,
// total_infs, cost_per_1m_inf, ...) plus the page's (model_details, framework, ...),
// infsim_version and config_hash: one Markdown table per section (a section with an empty title
// has no heading), or one CSV/JSON table with a `table` column.
std::string preset_markdown(const TablePreset& preset, const std::vector<PresetResult>& results);
std::string preset_csv(const std::vector<PresetResult>& results);
std::string preset_json(const TablePreset& preset, const std::vector<PresetResult>& results);

}  // namespace infsim::driver
