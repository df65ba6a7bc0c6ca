#include "sim/runtime/results.h"

#include <algorithm>
#include <cmath>

namespace infsim::sim {
namespace {

double sum_stats(const Stats& stats, const std::string& part, const std::string& suffix) {
  double total = 0;
  for (const Stats::Entry& e : stats.entries()) {
    if (e.formula) continue;
    const std::string& n = e.name;
    if (n.size() >= suffix.size() &&
        n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        n.find(part) != std::string::npos) {
      total += e.value;
    }
  }
  return total;
}

LoadedModelResult model_result(const SystemConfig& config, const ProcessState& p,
                               const LoadedModel& lm) {
  LoadedModelResult m;
  m.model = lm.model->name;
  m.process = p.spec->name;
  m.group = lm.group->index;
  m.cores = lm.binding.cores;
  m.load_seconds = lm.load_seconds;
  m.inferences = lm.inferences;
  m.detailed = lm.detailed;
  m.fast_forwarded = lm.fast_forwarded;
  m.context_switches = lm.switches;
  m.device_seconds = lm.inferences > 0 ? lm.device_total / lm.inferences : 0;
  const isa::TensorEngineConfig& te = config.chip.core.tensor;
  const double peak = static_cast<double>(te.rows) * te.cols * config.chip.core.clock;
  const std::vector<std::vector<double>>& samples = lm.sampling.samples;
  double util = 0;
  for (std::size_t c = 0; c < samples.size(); ++c) {
    double mean = 0;
    for (double s : samples[c]) mean += s;
    if (!samples[c].empty()) mean /= static_cast<double>(samples[c].size());
    if (mean > 0) util += lm.placed->macs[c] / (peak * mean);
  }
  m.matrix_utilization = samples.empty() ? 0 : util / static_cast<double>(samples.size());
  return m;
}

}  // namespace

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    const auto n = static_cast<double>(v.size());
    const auto i = static_cast<std::size_t>(std::max(1.0, std::ceil(q * n))) - 1;
    return v[std::min(i, v.size() - 1)];
  };
  p.min = v.front();
  p.p50 = rank(0.50);
  p.p90 = rank(0.90);
  p.p95 = rank(0.95);
  p.p99 = rank(0.99);
  p.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  return p;
}

Traffic traffic(const Stats& stats) {
  Traffic t;
  t.dram = sum_stats(stats, ".dram.", ".bytes_read") + sum_stats(stats, ".dram.", ".bytes_written");
  t.pcie = sum_stats(stats, ".pcie.h2d", ".bytes") + sum_stats(stats, ".pcie.d2h", ".bytes");
  t.neuronlink = sum_stats(stats, ".neuronlink.", ".bytes");
  return t;
}

double peak_throughput(std::vector<double> completions, double start, double images_per_request) {
  const int n = static_cast<int>(completions.size());
  if (n == 0) return 0;
  std::sort(completions.begin(), completions.end());
  const int windows = std::clamp(n / kRequestsPerWindow, 1, kMaxWindows);
  double best = 0, from = start;
  for (int w = 0; w < windows; ++w) {
    // Window w holds completions [w n / windows, (w + 1) n / windows).
    const int first = w * n / windows, last = (w + 1) * n / windows - 1;
    const double to = completions[static_cast<std::size_t>(last)];
    if (to > from) best = std::max(best, (last - first + 1) * images_per_request / (to - from));
    from = to;
  }
  return best;
}

ScenarioResult collect_result(const SystemConfig& config, const ScenarioSpec& spec,
                              const std::vector<std::unique_ptr<ProcessState>>& processes,
                              const DevicePath& device, const Traffic& at_start,
                              const Traffic& at_end) {
  ScenarioResult r;
  r.name = spec.name;
  double start = -1, end = 0;
  std::vector<double> lat;
  for (const auto& p : processes) {
    if (p->measure_start >= 0 && (start < 0 || p->measure_start < start)) start = p->measure_start;
    end = std::max(end, p->measure_end);
    lat.insert(lat.end(), p->latencies.begin(), p->latencies.end());
    r.images += p->measured_images;
    r.requests += static_cast<int>(p->latencies.size());
    r.load_seconds = std::max(r.load_seconds, p->load_end);
  }
  if (start < 0) start = end;
  r.window_seconds = end - start;
  // The processes of a scenario run side by side and start their measured requests together,
  // after every process's loads and warm-up (Runtime::process_main): the instance's rate is the
  // sum of theirs, so a process that finishes early does not count its neighbours' tail.
  for (const auto& p : processes) {
    const double w = p->measure_end - p->measure_start;
    if (p->measure_start >= 0 && w > 0) r.throughput += p->measured_images / w;
    if (p->measure_start >= 0 && !p->completions.empty()) {
      r.throughput_peak += peak_throughput(
          p->completions, p->measure_start,
          static_cast<double>(p->measured_images) / static_cast<double>(p->completions.size()));
    }
  }
  r.latency = percentiles(lat);
  r.simulated_seconds = sc_core::sc_time_stamp().to_seconds();
  for (const auto& p : processes) {
    for (const auto& g : p->groups) {
      for (int core : g->cores) {
        const CoreRecord& c = device.core(core);
        CoreUse u;
        u.core = core;
        u.process = p->spec->name;
        u.group = g->index;
        double busy = 0;
        for (const Interval& iv : c.busy) {
          busy += std::max(0.0, std::min(iv.end, end) - std::max(iv.start, start));
        }
        u.utilization = r.window_seconds > 0 ? busy / r.window_seconds : 0;
        if (c.detailed_seconds > 0) {
          u.tensor_utilization = c.engine_seconds[0] / c.detailed_seconds * u.utilization;
          u.vector_utilization = c.engine_seconds[1] / c.detailed_seconds * u.utilization;
          u.scalar_utilization = c.engine_seconds[2] / c.detailed_seconds * u.utilization;
        }
        r.cores.push_back(u);
      }
    }
    for (const auto& lm : p->loaded) {
      const LoadedModelResult m = model_result(config, *p, *lm);
      r.inferences += m.inferences;
      r.detailed += m.detailed;
      r.fast_forwarded += m.fast_forwarded;
      r.context_switches += m.context_switches;
      for (const isa::CoreMemoryPlan& plan : lm->model->program->memory) {
        r.sbuf_peak_bytes = std::max(r.sbuf_peak_bytes, static_cast<double>(plan.sbuf_peak));
      }
      r.models.push_back(m);
    }
  }
  r.dram_bytes = at_end.dram - at_start.dram;
  r.pcie_bytes = at_end.pcie - at_start.pcie;
  r.neuronlink_bytes = at_end.neuronlink - at_start.neuronlink;
  return r;
}

}  // namespace infsim::sim
