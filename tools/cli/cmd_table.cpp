// infsim table: a NeuronPerf-style throughput table over instances x models x batch sizes x
// (data parallel | pipeline cores).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/experiment/experiment.h"
#include "tools/driver/experiment/single_model.h"
#include "tools/driver/table/preset.h"
#include "tools/driver/table/table_run.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<int> split_ints(const std::string& s, const std::string& flag) {
  std::vector<int> out;
  for (const std::string& t : split(s)) {
    try {
      std::size_t used = 0;
      const int v = std::stoi(t, &used);
      if (used != t.size() || v < 1) throw std::invalid_argument(t);
      out.push_back(v);
    } catch (const std::logic_error&) {
      throw driver::UsageError("table: " + flag + " takes positive integers, not '" + t + "'");
    }
  }
  if (out.empty()) throw driver::UsageError("table: " + flag + " is empty");
  return out;
}

std::string eta_text(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  return buf;
}

// Runs the rows and writes the outputs: the files first, all or nothing ("-" is stdout), then the
// Markdown (on stderr when an output went to stdout).
int run_rows(const po::variables_map& vm, const driver::TablePreset& preset,
             const std::vector<std::string>& overrides) {
  const driver::OutputList outputs = driver::given_outputs(vm, {"csv", "json"});
  const auto start = std::chrono::steady_clock::now();
  auto progress = [&](int done, int total, const driver::PresetRow& row) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    driver::progress_stream() << "infsim: table " << preset.name << " [" << done + 1 << "/" << total
                              << "] " << row.spec.model << " on " << row.spec.instance << " batch "
                              << row.spec.batch << " pipeline " << row.spec.pipeline_cores
                              << " workers " << row.spec.workers;
    if (done > 0)
      driver::progress_stream() << "  (ETA " << eta_text(elapsed / done * (total - done)) << ")";
    driver::progress_stream() << "\n";
  };
  const std::vector<driver::PresetResult> results = driver::run_preset(preset, overrides, progress);
  for (const driver::PresetResult& r : results)
    if (r.result.outcome != driver::TableRowOutcome::kOk)
      driver::progress_stream() << "infsim:   " << r.row->spec.model << ": " << r.result.status
                                << "\n";
  driver::write_outputs(outputs, [&](const std::string& flag) {
    return flag == "csv" ? driver::preset_csv(results) : driver::preset_json(preset, results);
  }) << driver::preset_markdown(preset, results);
  return 0;
}

// The grid form as a preset of one untitled table: every instance x model x batch x pipeline
// size x workers, every NeuronCore of the instance in use.
driver::TablePreset grid_preset(const po::variables_map& vm) {
  const std::vector<std::string> models = split(vm["models"].as<std::string>());
  const std::vector<std::string> instances = split(vm["instances"].as<std::string>());
  const std::vector<int> batches = split_ints(vm["batches"].as<std::string>(), "--batches");
  const std::vector<int> pipes =
      split_ints(vm["pipeline-cores"].as<std::string>(), "--pipeline-cores");
  const std::vector<int> workers = split_ints(vm["workers"].as<std::string>(), "--workers");
  const std::string dtype = vm["dtype"].as<std::string>();
  const std::string framework = vm["framework"].as<std::string>();
  driver::framework_harness(framework);  // an unknown name fails before any row runs
  if (dtype != "bf16" && dtype != "fp16" && dtype != "fp32")
    throw driver::UsageError("table: --dtype must be bf16, fp16 or fp32, not '" + dtype + "'");
  const int requests = vm["requests"].as<int>();
  if (requests < 1 || requests > driver::kMaxRequests)
    throw driver::UsageError("table: --requests " + std::to_string(requests) +
                             " out of range [1, " + std::to_string(driver::kMaxRequests) + "]");
  if (models.empty() || instances.empty())
    throw driver::UsageError("table: no models or instances");
  driver::TablePreset preset;
  preset.name = "grid";
  preset.tables.emplace_back();
  for (const std::string& instance : instances)
    for (const std::string& model : models)
      for (int batch : batches)
        for (int pipe : pipes)
          for (int w : workers) {
            driver::PresetRow row;
            row.application = "batch";
            row.framework = framework;
            row.spec.framework = framework;
            row.spec.instance = instance;
            row.spec.model = model;
            row.spec.dtype = dtype;
            row.spec.batch = batch;
            row.spec.pipeline_cores = pipe;
            row.spec.workers = w;
            row.spec.requests = requests;
            preset.tables[0].rows.push_back(row);
          }
  return preset;
}

int run_table(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("models", po::value<std::string>()->default_value("resnet50,bert_base"),
                        "comma-separated zoo names or .onnx files")(
      "instances",
      po::value<std::string>()->default_value(
          "inf1.xlarge,inf1.2xlarge,inf1.6xlarge,inf1.24xlarge"),
      "comma-separated instances")("batches", po::value<std::string>()->default_value("1,4"),
                                   "compiled batch sizes")(
      "pipeline-cores", po::value<std::string>()->default_value("1"),
      "NeuronCores per copy (1 = data parallel, N = NeuronCore pipeline)")(
      "workers", po::value<std::string>()->default_value("1"),
      "host threads per loaded copy (NeuronPerf workers_per_model)")(
      "dtype", po::value<std::string>()->default_value("bf16"), "bf16 | fp16 | fp32")(
      "framework", po::value<std::string>()->default_value("neuronperf")->value_name("NAME"),
      "framework profile of every row: neuronperf, torch-neuron-2020, tensorflow-neuron-1.15")(
      "requests", po::value<int>()->default_value(200)->value_name("N"),
      "measured requests per loaded copy (at least 2 per thread)")(
      "csv", po::value<std::string>()->value_name("FILE"),
      "also write the table as CSV (- for stdout)")("json",
                                                    po::value<std::string>()->value_name("FILE"),
                                                    "also write the table as JSON (- for stdout)")(
      "preset", po::value<std::string>()->value_name("NAME"),
      "regenerate a published page instead of a grid: a configs/tables/NAME.yaml or a path "
      "(e.g. inf1-performance)")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
      "override one config value (repeatable)");
  auto vm = driver::parse_command_args(
      args,
      "infsim table [options]\n"
      "infsim table --preset NAME [--csv FILE] [--json FILE] [--set KEY=VALUE]\n\n"
      "Regenerates a throughput table under NeuronPerf's column names (model_name, instance_type,\n"
      "throughput_avg, latency_ms_p0..p100, total_infs, cost_per_1m_inf, ...; docs/outputs.md) by\n"
      "simulating every instance x model x batch x pipeline size with every NeuronCore of the\n"
      "instance in use. With --preset, the rows of a published page (configs/tables/*.yaml).\n"
      "Markdown on stdout, progress on stderr.",
      options);
  if (!vm) return 0;
  std::vector<std::string> overrides;
  if (vm->count("set")) overrides = (*vm)["set"].as<std::vector<std::string>>();
  if (vm->count("preset")) {
    for (const char* grid_flag :
         {"models", "instances", "batches", "pipeline-cores", "workers", "dtype", "requests"}) {
      if (!(*vm)[grid_flag].defaulted())
        throw driver::UsageError(std::string("table: --") + grid_flag +
                                 " is a grid option; a --preset lists its own rows");
    }
    return run_rows(*vm, driver::load_preset((*vm)["preset"].as<std::string>()), overrides);
  }
  return run_rows(*vm, grid_preset(*vm), overrides);
}

CommandRegistration reg{"table", "throughput table over instances x models x batch sizes",
                        run_table};

}  // namespace
}  // namespace infsim::tools
