#include "tools/driver/vocabulary.h"

#include "models/graph.h"
#include "sim/runtime/runtime.h"

namespace infsim::driver {

const std::vector<MetricInfo>& metric_vocabulary() {
  using S = MetricScale;
  static const std::vector<MetricInfo> kMetrics = {
      // What NeuronPerf reports, under its names.
      {"throughput_avg", "1/s", "inferences (images, sequences) per second, over the window",
       S::kFromZero},
      {"throughput_peak", "1/s",
       "the best reporting window's throughput (docs/outputs.md: up to 10 equal windows of the "
       "measured interval, about 10 requests each)",
       S::kFromZero},
      {"latency_ms_p0", "ms", "fastest call", S::kFromZero},
      {"latency_ms_p50", "ms", "median latency of a call", S::kFromZero},
      {"latency_ms_p90", "ms", "90th percentile latency of a call", S::kFromZero},
      {"latency_ms_p95", "ms", "95th percentile latency of a call", S::kFromZero},
      {"latency_ms_p99", "ms", "99th percentile latency of a call", S::kFromZero},
      {"latency_ms_p100", "ms", "slowest call", S::kFromZero},
      {"latency_ms_avg", "ms", "mean latency of a call (NeuronPerf's infer_avg_ms)", S::kFromZero},
      {"load_avg_ms", "ms", "mean time to load one model copy", S::kFromZero},
      {"total_infs", "", "inferences (images, sequences) in the measured window", S::kFromZero},
      {"cost_per_1m_inf", "USD", "on-demand cost of a million inferences", S::kFromZero},
      // infsim's own.
      {"device_ms", "ms", "NeuronCore time per inference", S::kFromZero},
      {"matrix_util_pct", "%", "matrix (PE array) utilization during the device time",
       S::kFromZero},
      {"core_utilization", "", "NeuronCore busy time / window, per core averaged", S::kFromZero},
      {"tensor_utilization", "", "Tensor Engine busy time / window", S::kFromZero},
      {"vector_utilization", "", "Vector Engine busy time / window", S::kFromZero},
      {"scalar_utilization", "", "Scalar Engine busy time / window", S::kFromZero},
      {"dram_bandwidth", "bytes/s", "device DRAM traffic over the window, all chips", S::kFromZero},
      {"pcie_bandwidth", "bytes/s", "PCIe traffic over the window", S::kFromZero},
      {"neuronlink_bandwidth", "bytes/s", "NeuronLink traffic over the window", S::kFromZero},
      {"sbuf_peak_bytes", "bytes", "largest per-core SBUF plan", S::kFromZero},
      {"context_switches", "", "model switches in a NeuronCore group", S::kFromZero},
      {"inferences_detailed", "", "device inferences simulated instruction by instruction",
       S::kFromZero},
      {"inferences_fast_forwarded", "", "device inferences replayed from converged timings",
       S::kFromZero},
      // The compiler's (sweep's compile evaluator).
      {"fits", "0/1", "the model compiles for the configuration", S::kBoolean},
      {"weights_on_chip", "0/1", "every weight stays resident in SBUF", S::kBoolean},
      {"sbuf_utilization", "", "SBUF plan / SBUF size", S::kFromZero},
      {"sbuf_static_weight_bytes", "bytes", "weights resident in SBUF", S::kFromZero},
      {"weights_streamed_bytes", "bytes", "weights streamed from DRAM per inference", S::kFromZero},
      {"weight_bytes", "bytes", "all weights", S::kFromZero},
      {"estimated_cycles", "cycles", "the compiler's estimate of one inference", S::kFromZero},
      {"estimated_latency_ms", "ms", "the compiler's estimate of one inference", S::kFromZero},
      {"tensor_busy_cycles", "cycles", "Tensor Engine busy cycles of one inference, no waits",
       S::kFromZero},
      {"instructions", "", "instructions of the program", S::kFromZero},
      {"instructions_tensor", "", "Tensor Engine instructions", S::kFromZero},
      {"instructions_vector", "", "Vector Engine instructions", S::kFromZero},
      {"instructions_scalar", "", "Scalar Engine instructions", S::kFromZero},
      {"instructions_dma", "", "DMA instructions", S::kFromZero},
      {"sub_batch", "", "images per pass through the layers", S::kFromZero},
      {"passes", "", "passes per inference", S::kFromZero},
      {"macs", "", "multiply-accumulates per inference", S::kFromZero},
  };
  return kMetrics;
}

const MetricInfo* find_metric(const std::string& name) {
  for (const MetricInfo& m : metric_vocabulary()) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

double load_avg_ms(const sim::ScenarioResult& r) {
  if (r.models.empty()) return 0;
  double sum = 0;
  for (const sim::LoadedModelResult& m : r.models) sum += m.load_seconds;
  return sum / static_cast<double>(r.models.size()) * 1e3;
}

std::string metric_label(const std::string& name) {
  const MetricInfo* m = find_metric(name);
  if (m == nullptr || *m->unit == '\0') return name;
  return name + " (" + m->unit + ")";
}

std::string item_kind(const models::Graph& graph) {
  for (int id : graph.inputs) {
    const models::DType t = graph.tensors.at(static_cast<std::size_t>(id)).dtype;
    if (t == models::DType::kInt64 || t == models::DType::kInt32) return "sequences";
  }
  // NCHW images; [batch, sequence, hidden] (a transformer whose embeddings run on the host).
  for (int id : graph.inputs) {
    const models::Tensor& t = graph.tensors.at(static_cast<std::size_t>(id));
    if (t.shape.size() == 4) return "images";
    if (t.shape.size() == 3) return "sequences";
  }
  return "inferences";
}

std::string throughput_unit(const std::string& item_kind) {
  return item_kind + "/s";
}

}  // namespace infsim::driver
