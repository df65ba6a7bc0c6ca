#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/atomic_file.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/compiler.h"
#include "isa/ifx_format.h"
#include "isa/instruction_text.h"
#include "isa/verifier.h"
#include "models/model_loader.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/config/version.h"
#include "tools/driver/csv_writer.h"
#include "tools/driver/isolation.h"
#include "tools/driver/vocabulary.h"

namespace infsim::driver {
namespace {

using nlohmann::json;

json percentiles_json(const sim::Percentiles& p) {
  return {{"min", p.min}, {"p50", p.p50}, {"p90", p.p90},  {"p95", p.p95},
          {"p99", p.p99}, {"max", p.max}, {"mean", p.mean}};
}
sim::Percentiles percentiles_from(const json& j) {
  return {j.at("min"), j.at("p50"), j.at("p90"), j.at("p95"),
          j.at("p99"), j.at("max"), j.at("mean")};
}

json result_to_json(const sim::ScenarioResult& r) {
  json cores = json::array();
  for (const sim::CoreUse& c : r.cores) {
    cores.push_back({{"core", c.core},
                     {"process", c.process},
                     {"group", c.group},
                     {"utilization", c.utilization},
                     {"tensor", c.tensor_utilization},
                     {"vector", c.vector_utilization},
                     {"scalar", c.scalar_utilization}});
  }
  json models = json::array();
  for (const sim::LoadedModelResult& m : r.models) {
    models.push_back({{"model", m.model},
                      {"process", m.process},
                      {"group", m.group},
                      {"cores", m.cores},
                      {"load_seconds", m.load_seconds},
                      {"device_seconds", m.device_seconds},
                      {"matrix_utilization", m.matrix_utilization},
                      {"inferences", m.inferences},
                      {"detailed", m.detailed},
                      {"fast_forwarded", m.fast_forwarded},
                      {"context_switches", m.context_switches}});
  }
  return {{"name", r.name},
          {"requests", r.requests},
          {"images", r.images},
          {"window_seconds", r.window_seconds},
          {"throughput", r.throughput},
          {"throughput_peak", r.throughput_peak},
          {"latency", percentiles_json(r.latency)},
          {"load_seconds", r.load_seconds},
          {"cores", cores},
          {"models", models},
          {"inferences", r.inferences},
          {"detailed", r.detailed},
          {"fast_forwarded", r.fast_forwarded},
          {"context_switches", r.context_switches},
          {"dram_bytes", r.dram_bytes},
          {"pcie_bytes", r.pcie_bytes},
          {"neuronlink_bytes", r.neuronlink_bytes},
          {"sbuf_peak_bytes", r.sbuf_peak_bytes},
          {"simulated_seconds", r.simulated_seconds},
          {"stats_json", r.stats_json}};
}

sim::ScenarioResult result_from_json(const json& j) {
  sim::ScenarioResult r;
  r.name = j.at("name");
  r.requests = j.at("requests");
  r.images = j.at("images");
  r.window_seconds = j.at("window_seconds");
  r.throughput = j.at("throughput");
  r.throughput_peak = j.at("throughput_peak");
  r.latency = percentiles_from(j.at("latency"));
  r.load_seconds = j.at("load_seconds");
  for (const json& c : j.at("cores")) {
    sim::CoreUse u;
    u.core = c.at("core");
    u.process = c.at("process");
    u.group = c.at("group");
    u.utilization = c.at("utilization");
    u.tensor_utilization = c.at("tensor");
    u.vector_utilization = c.at("vector");
    u.scalar_utilization = c.at("scalar");
    r.cores.push_back(u);
  }
  for (const json& m : j.at("models")) {
    sim::LoadedModelResult x;
    x.model = m.at("model");
    x.process = m.at("process");
    x.group = m.at("group");
    x.cores = m.at("cores").get<std::vector<int>>();
    x.load_seconds = m.at("load_seconds");
    x.device_seconds = m.at("device_seconds");
    x.matrix_utilization = m.at("matrix_utilization");
    x.inferences = m.at("inferences");
    x.detailed = m.at("detailed");
    x.fast_forwarded = m.at("fast_forwarded");
    x.context_switches = m.at("context_switches");
    r.models.push_back(x);
  }
  r.inferences = j.at("inferences");
  r.detailed = j.at("detailed");
  r.fast_forwarded = j.at("fast_forwarded");
  r.context_switches = j.at("context_switches");
  r.dram_bytes = j.at("dram_bytes");
  r.pcie_bytes = j.at("pcie_bytes");
  r.neuronlink_bytes = j.at("neuronlink_bytes");
  r.sbuf_peak_bytes = j.at("sbuf_peak_bytes");
  r.simulated_seconds = j.at("simulated_seconds");
  r.stats_json = j.at("stats_json");
  return r;
}

// Elements of the program's input (or output) tensors: the user's framework tensors hold as many,
// at the framework profile's element size.
std::uint64_t tensor_elements(const isa::Program& p, isa::TensorKind kind) {
  std::uint64_t total = 0;
  for (const isa::TensorDecl& t : p.tensors) {
    if (t.kind != kind) continue;
    std::uint64_t elements = 1;
    for (std::int64_t d : t.shape)
      elements *= static_cast<std::uint64_t>(std::max<std::int64_t>(d, 1));
    total += elements;
  }
  return total;
}

struct CompiledModel {
  isa::Program program;
  std::uint64_t program_bytes = 0;
  std::vector<compiler::LayerEstimate> estimates;  // empty for an .ifx
  std::string item_kind = "inferences";            // driver::item_kind of its graph
};

std::shared_ptr<CompiledModel> build_model(const ModelDef& m, const isa::InstanceConfig& config) {
  auto out = std::make_shared<CompiledModel>();
  const bool ifx = m.source.size() > 4 && m.source.compare(m.source.size() - 4, 4, ".ifx") == 0;
  if (ifx) {
    out->program = isa::read_program(m.source);
  } else {
    models::ZooOptions zoo;
    zoo.batch = m.batch;
    zoo.image_size = m.image_size;
    zoo.seq_len = m.seq_len;
    const models::Graph graph = models::load_model(m.source, zoo);
    out->item_kind = item_kind(graph);
    compiler::CompilerOptions copts;
    copts.batch = static_cast<std::uint32_t>(m.batch);
    const auto dtype = isa::dtype_from_text(m.dtype);
    if (!dtype) throw UsageError("model '" + m.id + "': unknown dtype '" + m.dtype + "'");
    copts.dtype = *dtype;
    copts.pipeline_cores = static_cast<std::uint32_t>(m.pipeline_cores);
    copts.cpu_fallback = m.cpu_fallback;
    copts.model = m.source;
    compiler::CompileResult compiled = compiler::compile(graph, config.chip.core, copts);
    out->program = std::move(compiled.program);
    out->estimates = std::move(compiled.report.layers);
  }
  isa::verify_or_throw(out->program, config.chip.core);
  out->program_bytes = isa::encode_program(out->program).size();
  return out;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

void run_scenarios(const Experiment& ex, const RunOptions& options, ExperimentOutcome& out);

ExperimentOutcome run_experiment(const Experiment& ex, const RunOptions& options) {
  ExperimentOutcome out;
  out.experiment = ex.name;
  out.description = ex.description;
  out.seed = options.seed.value_or(ex.seed);
  try {
    run_scenarios(ex, options, out);
  } catch (...) {
    for (const StagedFile& t : out.trace_files) discard_staged(t);
    throw;
  }
  return out;
}

namespace {

using ModelCache = std::map<std::string, std::shared_ptr<CompiledModel>>;

// The compiled models a scenario's spec points into, and their item kinds.
struct ScenarioModels {
  std::vector<std::shared_ptr<CompiledModel>> keep;
  std::set<std::string> kinds;
};

// Scenario `sc`'s models and processes into `spec`; each model compiled once per configuration
// (`cache`, keyed by the model id and the configuration's YAML).
void add_processes(const Experiment& ex, const ScenarioDef& sc, const sim::SystemConfig& config,
                   const std::string& config_yaml, const RunOptions& options, ModelCache& cache,
                   sim::ScenarioSpec& spec, ScenarioModels& models) {
  std::map<std::string, int> index;
  for (const ProcessDef& p : sc.processes) {
    sim::ProcessSpec ps;
    ps.name = p.name;
    ps.group_sizes = p.group_sizes;
    ps.workload = p.workload;
    for (const std::string& id : p.models) {
      if (!index.count(id)) {
        const ModelDef& m = ex.model(id);
        const std::string key = id + "\n" + config_yaml;
        if (!cache.count(key)) {
          if (options.progress)
            std::cerr << "infsim: compiling " << id << " (" << m.source << ", batch " << m.batch
                      << ")\n";
          cache[key] = build_model(m, config);
        }
        const std::shared_ptr<CompiledModel>& cm = cache[key];
        models.keep.push_back(cm);
        models.kinds.insert(cm->item_kind);
        sim::RuntimeModel rm;
        rm.name = id;
        rm.program = &cm->program;
        rm.program_bytes = cm->program_bytes;
        rm.user_input_elements = tensor_elements(cm->program, isa::TensorKind::kInput);
        rm.user_output_elements = tensor_elements(cm->program, isa::TensorKind::kOutput);
        index[id] = static_cast<int>(spec.models.size());
        spec.models.push_back(rm);
      }
      ps.models.push_back(index[id]);
    }
    spec.processes.push_back(ps);
  }
}

// Scenario si's trace (FILE.<si+1>.json when there are several), written under a temporary name;
// the command publishes it once everything succeeded.
void stage_trace(const Experiment& ex, std::size_t si, const RunOptions& options,
                 sim::ScenarioSpec& spec, ExperimentOutcome& out) {
  std::string path = options.trace_path;
  if (ex.scenarios.size() > 1 && is_stdout_path(path)) {
    throw UsageError("--trace -: the experiment has " + std::to_string(ex.scenarios.size()) +
                     " scenarios, one trace each; standard output takes one (give a FILE)");
  }
  if (ex.scenarios.size() > 1) {
    const std::filesystem::path p(path);
    path = (p.parent_path() /
            (p.stem().string() + "." + std::to_string(si + 1) + p.extension().string()))
               .string();
  }
  out.trace_files.push_back(stage_file(path));
  spec.trace_path = out.trace_files.back().staging;
  spec.trace_options = options.trace_options;
}

// The profiler watches every model of the spec.
void watch_models(LayerProfiler& profiler, const ScenarioModels& models,
                  const sim::ScenarioSpec& spec, const sim::SystemConfig& config) {
  for (const std::shared_ptr<CompiledModel>& cm : models.keep) {
    for (const sim::RuntimeModel& rm : spec.models) {
      if (rm.program != &cm->program) continue;
      profiler.add_model(&cm->program, rm.name, cm->estimates, config.chip.core.clock,
                         config.chip.core.tensor.rows, config.chip.core.tensor.cols);
    }
  }
}

// Simulates the scenario in an isolated child process; its result and the profiles come back as
// JSON. The outcome's wall time includes the fork.
ScenarioOutcome simulate_isolated(const sim::SystemConfig& config, const sim::ScenarioSpec& spec,
                                  LayerProfiler& profiler, const std::string& name) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string j = run_isolated([&] {
    json r = result_to_json(sim::run_scenario(config, spec));
    json profiles = json::array();
    for (const ModelProfile& p : profiler.finish(name)) profiles.push_back(profile_to_json(p));
    r["profiles"] = profiles;
    return r.dump();
  });
  ScenarioOutcome so;
  const json parsed = json::parse(j);
  so.result = result_from_json(parsed);
  for (const json& p : parsed.at("profiles")) so.profiles.push_back(profile_from_json(p));
  so.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return so;
}

}  // namespace

void run_scenarios(const Experiment& ex, const RunOptions& options, ExperimentOutcome& out) {
  ModelCache cache;
  for (std::size_t si = 0; si < ex.scenarios.size(); ++si) {
    const ScenarioDef& sc = ex.scenarios[si];
    std::vector<std::string> overrides = sc.overrides;
    overrides.insert(overrides.end(), options.overrides.begin(), options.overrides.end());
    const sim::SystemConfig config =
        load_instance(ex.instance, overrides, options.framework.value_or(ex.framework));
    if (out.framework.empty()) out.framework = config.framework.name;
    if (out.instance.empty()) out.instance = config.name;
    for (const std::string& w : warn_ignored_overrides(config, options.overrides)) {
      if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end())
        out.warnings.push_back(w);
    }
    const std::string config_yaml = dump_config_yaml(config);
    sim::ScenarioSpec spec;
    spec.name = sc.name;
    spec.seed = out.seed;
    spec.detail.full = options.detail_full;
    ScenarioModels models;
    add_processes(ex, sc, config, config_yaml, options, cache, spec, models);
    if (!options.trace_path.empty()) stage_trace(ex, si, options, spec, out);
    LayerProfiler profiler;
    if (options.profile) {
      watch_models(profiler, models, spec, config);
      spec.observer = &profiler;
    }
    if (options.progress) {
      std::cerr << "infsim: scenario " << si + 1 << "/" << ex.scenarios.size() << ": " << sc.name
                << "\n";
    }
    ScenarioOutcome so = simulate_isolated(config, spec, profiler, sc.name);
    so.instance = config.name;
    so.config_yaml = config_yaml;
    so.config_hash = config_hash_of_yaml(config_yaml);
    so.item_kind = models.kinds.size() == 1 ? *models.kinds.begin() : "inferences";
    so.price_per_hour = config.price_per_hour;
    so.cores = config.total_cores();
    if (options.progress) {
      const sim::ScenarioResult& r = so.result;
      std::cerr << "infsim:   " << r.inferences << " inferences (" << r.detailed << " detailed, "
                << r.fast_forwarded << " fast-forwarded) in " << fmt("%.2f", so.wall_seconds)
                << " s wall, "
                << fmt("%.2f", r.inferences > 0 ? 1e3 * so.wall_seconds / r.inferences : 0)
                << " ms per simulated inference\n";
    }
    out.scenarios.push_back(std::move(so));
  }
}

std::string format_report(const ExperimentOutcome& o) {
  std::ostringstream os;
  os << "experiment " << o.experiment << " on " << o.instance << " with " << o.framework
     << " (seed " << o.seed << ")\n";
  if (!o.description.empty()) os << o.description << "\n";
  for (const ScenarioOutcome& so : o.scenarios) {
    const sim::ScenarioResult& r = so.result;
    const double w = r.window_seconds > 0 ? r.window_seconds : 1;
    os << "\n== " << r.name << "\n";
    os << "  throughput     " << fmt("%.1f", r.throughput) << " " << throughput_unit(so.item_kind)
       << "  (" << r.images << " " << so.item_kind << ", " << r.requests << " requests in "
       << fmt("%.2f", r.window_seconds * 1e3) << " ms)\n";
    os << "  latency ms     p50 " << fmt("%.3f", r.latency.p50 * 1e3) << "  p90 "
       << fmt("%.3f", r.latency.p90 * 1e3) << "  p99 " << fmt("%.3f", r.latency.p99 * 1e3)
       << "  max " << fmt("%.3f", r.latency.max * 1e3) << "\n";
    os << "  load time      " << fmt("%.1f", load_avg_ms(r)) << " ms per copy (load_avg_ms), "
       << fmt("%.1f", r.load_seconds * 1e3) << " ms until every copy is loaded\n";
    os << "  NeuronCores   ";
    int shown = 0;
    for (const sim::CoreUse& c : r.cores) {
      if (shown++ == 8) {
        os << " ... (" << r.cores.size() << " in use)";
        break;
      }
      os << " nc" << c.core << " " << fmt("%.1f%%", c.utilization * 100) << " (tensor "
         << fmt("%.1f%%", c.tensor_utilization * 100) << ")";
    }
    os << "\n";
    std::map<std::string, std::vector<const sim::LoadedModelResult*>> by_model;
    for (const sim::LoadedModelResult& m : r.models) by_model[m.model].push_back(&m);
    for (const auto& [name, list] : by_model) {
      double dev = 0, util = 0;
      int n = 0;
      for (const sim::LoadedModelResult* m : list) {
        if (m->inferences == 0) continue;
        dev += m->device_seconds;
        util += m->matrix_utilization;
        ++n;
      }
      os << "  device         " << name << " x" << list.size() << ": "
         << fmt("%.3f", n ? dev / n * 1e3 : 0) << " ms per inference, matrix utilization "
         << fmt("%.2f%%", n ? util / n * 100 : 0) << "\n";
    }
    os << "  simulation     " << r.inferences << " inferences: " << r.detailed << " detailed, "
       << r.fast_forwarded << " fast-forwarded";
    if (r.context_switches > 0) os << "; " << r.context_switches << " context switches";
    os << "\n";
    os << "  traffic        DRAM " << fmt("%.2f", r.dram_bytes / w / 1e9) << " GB/s, PCIe "
       << fmt("%.3f", r.pcie_bytes / w / 1e9) << " GB/s, NeuronLink "
       << fmt("%.3f", r.neuronlink_bytes / w / 1e9) << " GB/s\n";
  }
  os << "\n";
  os << "| scenario | throughput_avg | unit | latency_ms_p50 | latency_ms_p90 | latency_ms_p99 | "
        "latency_ms_p100 | load_avg_ms |\n";
  os << "|---|---|---|---|---|---|---|---|\n";
  for (const ScenarioOutcome& so : o.scenarios) {
    const sim::ScenarioResult& r = so.result;
    os << "| " << r.name << " | " << fmt("%.1f", r.throughput) << " | "
       << throughput_unit(so.item_kind) << " | " << fmt("%.3f", r.latency.p50 * 1e3) << " | "
       << fmt("%.3f", r.latency.p90 * 1e3) << " | " << fmt("%.3f", r.latency.p99 * 1e3) << " | "
       << fmt("%.3f", r.latency.max * 1e3) << " | " << fmt("%.1f", load_avg_ms(r)) << " |\n";
  }
  return os.str();
}

namespace {

// The scenario's numbers under the shared vocabulary (driver/vocabulary.h), declared once for
// the JSON and the CSV: name and value.
std::vector<std::pair<const char*, double>> scenario_metrics(const sim::ScenarioResult& r) {
  const double w = r.window_seconds > 0 ? r.window_seconds : 1;
  return {{"throughput_avg", r.throughput},
          {"throughput_peak", r.throughput_peak},
          {"latency_ms_p0", r.latency.min * 1e3},
          {"latency_ms_p50", r.latency.p50 * 1e3},
          {"latency_ms_p90", r.latency.p90 * 1e3},
          {"latency_ms_p95", r.latency.p95 * 1e3},
          {"latency_ms_p99", r.latency.p99 * 1e3},
          {"latency_ms_p100", r.latency.max * 1e3},
          {"latency_ms_avg", r.latency.mean * 1e3},
          {"load_avg_ms", load_avg_ms(r)},
          {"total_infs", r.images},
          {"dram_bandwidth", r.dram_bytes / w},
          {"pcie_bandwidth", r.pcie_bytes / w},
          {"neuronlink_bandwidth", r.neuronlink_bytes / w}};
}

}  // namespace

std::string format_json(const ExperimentOutcome& o) {
  json scenarios = json::array();
  for (const ScenarioOutcome& so : o.scenarios) {
    const sim::ScenarioResult& r = so.result;
    json j = result_to_json(r);
    j.erase("stats_json");
    j.erase("latency");
    j.erase("throughput");
    j.erase("images");  // total_infs: a BERT run counts sequences
    for (const auto& [name, value] : scenario_metrics(r)) j[name] = value;
    for (json& m : j["models"]) {
      m["load_avg_ms"] = m["load_seconds"].get<double>() * 1e3;
      m["device_ms"] = m["device_seconds"].get<double>() * 1e3;
      m["matrix_util_pct"] = m["matrix_utilization"].get<double>() * 100;
      for (const char* raw : {"load_seconds", "device_seconds", "matrix_utilization"}) m.erase(raw);
    }
    j["throughput_unit"] = throughput_unit(so.item_kind);
    j["instance_type"] = so.instance;
    j[kConfigHashKey] = so.config_hash;
    j["traffic"] = {{"dram_bytes", r.dram_bytes},
                    {"pcie_bytes", r.pcie_bytes},
                    {"neuronlink_bytes", r.neuronlink_bytes}};
    scenarios.push_back(j);
  }
  json root = {{kVersionKey, tools::version_string()},
               {"experiment", o.experiment},
               {"instance_type", o.instance},
               {"framework", o.framework},
               {"seed", o.seed},
               {"scenarios", scenarios}};
  return root.dump(2) + "\n";
}

std::string format_csv(const ExperimentOutcome& o) {
  std::vector<std::string> header = {"experiment", "instance_type", "scenario", "requests"};
  for (const auto& m : scenario_metrics(sim::ScenarioResult{})) header.emplace_back(m.first);
  for (const char* c : {"throughput_unit", "inferences", "detailed", "fast_forwarded",
                        "context_switches", kVersionKey, kConfigHashKey})
    header.emplace_back(c);
  CsvWriter csv(header);
  for (const ScenarioOutcome& so : o.scenarios) {
    const sim::ScenarioResult& r = so.result;
    std::vector<std::string> row = {o.experiment, so.instance, r.name, std::to_string(r.requests)};
    for (const auto& m : scenario_metrics(r)) row.push_back(fmt("%.10g", m.second));
    for (const std::string& c :
         {throughput_unit(so.item_kind), std::to_string(r.inferences), std::to_string(r.detailed),
          std::to_string(r.fast_forwarded), std::to_string(r.context_switches),
          tools::version_string(), so.config_hash})
      row.push_back(c);
    csv.row(row);
  }
  return csv.str();
}

}  // namespace infsim::driver
