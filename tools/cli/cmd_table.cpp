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

std::string num(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string eta_text(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  return buf;
}

int run_preset_table(const po::variables_map& vm, const std::vector<std::string>& overrides) {
  const driver::TablePreset preset = driver::load_preset(vm["preset"].as<std::string>());
  const auto start = std::chrono::steady_clock::now();
  auto progress = [&](int done, int total, const driver::PresetRow& row) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    driver::progress_stream() << "infsim: table " << preset.name << " [" << done + 1 << "/" << total
                              << "] " << row.spec.model << " on " << row.spec.instance << " batch "
                              << row.spec.batch;
    if (done > 0)
      driver::progress_stream() << "  (ETA " << eta_text(elapsed / done * (total - done)) << ")";
    driver::progress_stream() << "\n";
  };
  const std::vector<driver::PresetResult> results = driver::run_preset(preset, overrides, progress);
  for (const driver::PresetResult& r : results)
    if (r.result.outcome != driver::TableRowOutcome::kOk)
      driver::progress_stream() << "infsim:   " << r.row->spec.model << ": " << r.result.status
                                << "\n";
  // Files first, all or nothing; then stdout.
  if (vm.count("csv"))
    driver::write_file_atomically(vm["csv"].as<std::string>(), driver::preset_csv(results));
  if (vm.count("json"))
    driver::write_file_atomically(vm["json"].as<std::string>(),
                                  driver::preset_json(preset, results));
  std::cout << driver::preset_markdown(preset, results);
  return 0;
}

struct Row {
  std::string instance, model, dtype, status = "ok";
  driver::TableRowOutcome outcome = driver::TableRowOutcome::kOk;
  int batch = 1, pipeline = 1, n_models = 0, workers = 1;
  double throughput = 0, p50 = 0, p99 = 0, cost = 0;
};

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
      "csv", po::value<std::string>()->value_name("FILE"), "also write the table as CSV")(
      "json", po::value<std::string>()->value_name("FILE"),
      "also write the table as JSON (with --preset)")(
      "preset", po::value<std::string>()->value_name("NAME"),
      "regenerate a published page instead of a grid: a configs/tables/NAME.yaml or a path "
      "(e.g. inf1-performance)")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
      "override one config value (repeatable)");
  auto vm = driver::parse_command_args(
      args,
      "infsim table [options]\n"
      "infsim table --preset NAME [--csv FILE] [--json FILE] [--set KEY=VALUE]\n\n"
      "Regenerates a throughput table (NeuronPerf's columns plus instance, model, dtype and cost\n"
      "per million inferences) by simulating every instance x model x batch x pipeline size with\n"
      "every NeuronCore of the instance in use. With --preset, the rows of a published page\n"
      "(configs/tables/*.yaml) with its columns. Markdown on stdout, progress on stderr.",
      options);
  if (!vm) return 0;
  std::vector<std::string> overrides;
  if (vm->count("set")) overrides = (*vm)["set"].as<std::vector<std::string>>();
  if (vm->count("preset")) return run_preset_table(*vm, overrides);
  if (vm->count("json")) throw driver::UsageError("table: --json needs --preset");
  const std::vector<std::string> models = split((*vm)["models"].as<std::string>());
  const std::vector<std::string> instances = split((*vm)["instances"].as<std::string>());
  const std::vector<int> batches = split_ints((*vm)["batches"].as<std::string>(), "--batches");
  const std::vector<int> pipes =
      split_ints((*vm)["pipeline-cores"].as<std::string>(), "--pipeline-cores");
  const std::vector<int> workers = split_ints((*vm)["workers"].as<std::string>(), "--workers");
  const std::string dtype = (*vm)["dtype"].as<std::string>();
  const std::string framework = (*vm)["framework"].as<std::string>();
  driver::framework_harness(framework);  // an unknown name fails before any row runs
  const int requests = (*vm)["requests"].as<int>();
  if (requests < 1) throw driver::UsageError("table: --requests must be at least 1");
  if (models.empty() || instances.empty())
    throw driver::UsageError("table: no models or instances");
  for (const std::string& i : instances) driver::load_instance(i, overrides);

  std::vector<Row> rows;
  for (const std::string& instance : instances) {
    const isa::InstanceConfig cfg = driver::load_instance(instance, overrides);
    for (const std::string& model : models) {
      for (int batch : batches) {
        for (int pipe : pipes) {
          for (int w : workers) {
            Row row;
            row.instance = cfg.name;
            row.model = model;
            row.dtype = dtype;
            row.batch = batch;
            row.pipeline = pipe;
            row.workers = w;
            row.n_models = cfg.total_cores() / pipe;
            driver::progress_stream()
                << "infsim: table " << rows.size() + 1 << ": " << cfg.name << " " << model
                << " batch " << batch << " pipeline " << pipe << " workers " << w << "\n";
            driver::TableRowSpec spec;
            spec.instance = instance;
            spec.model = model;
            spec.dtype = dtype;
            spec.framework = framework;
            spec.batch = batch;
            spec.pipeline_cores = pipe;
            spec.workers = w;
            spec.requests = requests;
            spec.overrides = overrides;
            const driver::TableRowResult r = driver::run_table_row(spec);
            row.status = r.status;
            row.outcome = r.outcome;
            row.n_models = r.n_models;
            row.throughput = r.throughput;
            row.p50 = r.p50_ms;
            row.p99 = r.p99_ms;
            row.cost = r.cost_per_million;
            if (r.outcome == driver::TableRowOutcome::kError)
              driver::progress_stream() << "infsim:   " << r.status << "\n";
            rows.push_back(row);
          }
        }
      }
    }
  }
  std::ostringstream md, csv;
  md << "| instance | model | dtype | batch_size | pipeline_size | n_models | workers_per_model | "
        "throughput_avg | latency_ms_p50 | latency_ms_p99 | cost_per_1M_inferences | status |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  csv << "instance,model,dtype,batch_size,pipeline_size,n_models,workers_per_model,"
         "throughput_avg,latency_ms_p50,latency_ms_p99,cost_per_1M_inferences,status\n";
  for (const Row& r : rows) {
    const bool ok = r.outcome == driver::TableRowOutcome::kOk;
    const std::string t = ok ? num("%.1f", r.throughput) : "";
    const std::string p50 = ok ? num("%.3f", r.p50) : "";
    const std::string p99 = ok ? num("%.3f", r.p99) : "";
    const std::string cost = ok ? num("%.3f", r.cost) : "";
    md << "| " << r.instance << " | " << r.model << " | " << r.dtype << " | " << r.batch << " | "
       << r.pipeline << " | " << r.n_models << " | " << r.workers << " | " << t << " | " << p50
       << " | " << p99 << " | " << (ok ? "$" + cost : "") << " | " << r.status << " |\n";
    csv << r.instance << "," << r.model << "," << r.dtype << "," << r.batch << "," << r.pipeline
        << "," << r.n_models << "," << r.workers << "," << t << "," << p50 << "," << p99 << ","
        << cost << "," << r.status << "\n";
  }
  if (vm->count("csv")) driver::write_file_atomically((*vm)["csv"].as<std::string>(), csv.str());
  std::cout << md.str();
  return 0;
}

CommandRegistration reg{"table", "throughput table over instances x models x batch sizes",
                        run_table};

}  // namespace
}  // namespace infsim::tools
