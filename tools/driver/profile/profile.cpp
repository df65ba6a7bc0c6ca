#include "tools/driver/profile/profile.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "tools/config/config_loader.h"
#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/experiment/single_model.h"

namespace infsim::driver {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::vector<ModelProfile> profile_model(const ProfileRequest& request) {
  SingleModelRun run;
  run.name = "profile " + request.model.id;
  run.instance = request.instance;
  run.framework = request.framework;
  run.model = request.model;
  run.n_models = 1;
  run.requests = request.inferences;
  run.overrides = request.overrides;
  const sim::SystemConfig config =
      load_instance(request.instance, request.overrides, request.framework);
  warn_ignored_overrides(config, request.overrides);
  RunOptions options;
  options.detail_full = true;
  options.profile = true;
  const ExperimentOutcome out = run_experiment(single_model_experiment(run, config), options);
  return out.scenarios.at(0).profiles;
}

std::vector<ModelProfile> outcome_profiles(const ExperimentOutcome& outcome) {
  std::vector<ModelProfile> all;
  for (const ScenarioOutcome& s : outcome.scenarios)
    all.insert(all.end(), s.profiles.begin(), s.profiles.end());
  return all;
}

std::string format_profile_text(const std::vector<ModelProfile>& profiles, int top) {
  std::ostringstream os;
  for (const ModelProfile& p : profiles) {
    const double mhz = p.clock_hz / 1e6;
    os << "model " << p.model << " (" << p.scenario << "): device time "
       << fmt("%.1f", p.device_seconds * 1e6) << " us per inference ("
       << fmt("%.0f", p.device_seconds * p.clock_hz) << " cycles at " << fmt("%.0f", mhz)
       << " MHz, mean of " << p.inferences << " detailed), idle "
       << fmt("%.1f", p.idle_seconds * 1e6) << " us, " << fmt("%.3g", static_cast<double>(p.macs))
       << " MACs, matrix utilization " << fmt("%.1f", 100 * p.matrix_utilization) << " %\n";
    os << "  engine cycles summed per layer (the published per-operator notion): compile estimate "
       << p.estimated_cycles << "\n";
    char head[256];
    std::snprintf(
        head, sizeof head, "%-28s%-14s%10s%7s%11s%11s%10s%10s%10s%10s%7s%10s%10s%9s%9s%9s%9s\n",
        "layer", "op", "time_us", "share", "cycles", "est_cyc", "tensor", "vector", "scalar", "dma",
        "mm_ut", "dma_in_KB", "dma_outKB", "weights", "st_sem", "st_dma", "st_dep");
    os << head;
    int n = 0;
    for (const LayerProfileRow& l : p.layers) {
      if (top > 0 && n++ >= top) break;
      const std::string name = l.name.size() > 27 ? l.name.substr(0, 24) + "..." : l.name;
      const std::string op = l.op.substr(0, 13);
      os << name << std::string(28 - name.size(), ' ') << op << std::string(14 - op.size(), ' ')
         << fmt("%10.1f", l.device_seconds * 1e6) << fmt("%6.1f%%", 100 * l.share)
         << fmt("%11.0f", l.cycles) << fmt("%11.0f", static_cast<double>(l.estimated_cycles));
      for (double b : l.busy_cycles) os << fmt("%10.0f", b);
      os << fmt("%6.1f%%", 100 * l.matrix_utilization) << fmt("%10.1f", l.dma_in_bytes / 1024)
         << fmt("%10.1f", l.dma_out_bytes / 1024)
         << std::string(9 - std::min<std::size_t>(9, l.weights.size()), ' ') << l.weights
         << fmt("%9.1f", l.stall_semaphore_seconds * 1e6) << fmt("%9.1f", l.stall_dma_seconds * 1e6)
         << fmt("%9.1f", l.stall_dependency_seconds * 1e6) << "\n";
    }
    if (top > 0 && static_cast<int>(p.layers.size()) > top)
      os << "  ... " << p.layers.size() - static_cast<std::size_t>(top) << " more layers\n";
  }
  os << "time_us: the layer's share of the inference's wall time (each instant split among the\n"
        "layers in flight); cycles: engine busy cycles summed over tensor, vector, scalar and DMA\n"
        "queues (they overlap); est_cyc: the compiler's estimate of the same; mm_ut: MACs per\n"
        "array cell per tensor-busy cycle; st_*: us blocked on another engine's semaphore, on\n"
        "DMA/memory, on the engine's own dependencies.\n";
  return os.str();
}

std::string format_profile_csv(const std::vector<ModelProfile>& profiles) {
  std::string out =
      "model,scenario,layer,op,core,device_us,share,cycles,estimated_cycles,tensor_cycles,"
      "vector_cycles,scalar_cycles,dma_cycles,macs,matrix_utilization,dma_in_bytes,"
      "dma_out_bytes,weights,stall_semaphore_us,stall_dma_us,stall_dependency_us\n";
  for (const ModelProfile& p : profiles) {
    for (const LayerProfileRow& l : p.layers) {
      out += csv_cell(p.model) + "," + csv_cell(p.scenario) + "," + csv_cell(l.name) + "," +
             csv_cell(l.op) + "," + std::to_string(l.core) + "," +
             fmt("%.4f", l.device_seconds * 1e6) + "," + fmt("%.6f", l.share) + "," +
             fmt("%.0f", l.cycles) + "," + std::to_string(l.estimated_cycles);
      for (double b : l.busy_cycles) out += "," + fmt("%.0f", b);
      out += "," + std::to_string(l.macs) + "," + fmt("%.6f", l.matrix_utilization) + "," +
             fmt("%.0f", l.dma_in_bytes) + "," + fmt("%.0f", l.dma_out_bytes) + "," + l.weights +
             "," + fmt("%.4f", l.stall_semaphore_seconds * 1e6) + "," +
             fmt("%.4f", l.stall_dma_seconds * 1e6) + "," +
             fmt("%.4f", l.stall_dependency_seconds * 1e6) + "\n";
    }
  }
  return out;
}

std::string format_profile_json(const std::vector<ModelProfile>& profiles) {
  nlohmann::json j = nlohmann::json::array();
  for (const ModelProfile& p : profiles) j.push_back(profile_to_json(p));
  return nlohmann::json{{"profiles", j}}.dump(2) + "\n";
}

}  // namespace infsim::driver
