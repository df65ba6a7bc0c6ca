#include "sim/neuroncore/dma_engine.h"

#include "sim/core/clock.h"
#include "sim/core/stat_names.h"
#include "sim/core/stats.h"

namespace infsim::sim {

DmaEngine::DmaEngine(sc_core::sc_module_name name, const isa::DmaConfig& cfg, Stats& stats,
                     const std::string& prefix)
    : sc_core::sc_module(name),
      config_(cfg),
      stats_(stats),
      prefix_(prefix),
      resource_(stats, prefix, cfg.engine_bandwidth, "the DMA engine"),
      descriptor_latency_(seconds_to_time(cfg.descriptor_latency)),
      queue_bytes_(static_cast<std::size_t>(cfg.queues_per_engine), nullptr),
      queue_descriptors_(static_cast<std::size_t>(cfg.queues_per_engine), nullptr) {}

void DmaEngine::count(int queue, double bytes) {
  const auto q = static_cast<std::size_t>(queue);
  if (queue_bytes_[q] == nullptr) {
    const std::string p = stat_names::child(prefix_, "q", queue);
    queue_bytes_[q] = &stats_.counter(p + ".bytes", "bytes", "bytes this DMA queue moved");
    queue_descriptors_[q] =
        &stats_.counter(p + ".descriptors", "count", "descriptors this DMA queue ran");
  }
  *queue_bytes_[q] += bytes;
  *queue_descriptors_[q] += 1;
}

}  // namespace infsim::sim
