#include "tools/driver/profile/layer_profile.h"

#include <algorithm>

namespace infsim::driver {
namespace {

using nlohmann::json;

enum StallKind { kSemaphore = 0, kDma = 1, kDependency = 2 };

int engine_index(isa::EngineKind k) {
  switch (k) {
    case isa::EngineKind::kTensor:
      return 0;
    case isa::EngineKind::kVector:
      return 1;
    case isa::EngineKind::kScalar:
      return 2;
    default:
      return 3;
  }
}

}  // namespace

void LayerProfiler::add_model(const isa::Program* program, const std::string& model,
                              std::vector<compiler::LayerEstimate> estimates, double clock_hz,
                              int rows, int cols) {
  Model& m = models_[program];
  m.name = model;
  m.estimates = std::move(estimates);
  m.clock_hz = clock_hz;
  m.rows = rows;
  m.cols = cols;
  m.layers.assign(program->layers.size(), LayerSums{});
  m.weights.resize(program->num_cores());
  for (const isa::TensorDecl& t : program->tensors) {
    if (t.kind == isa::TensorKind::kWeight && t.core < m.weights.size())
      m.weights[t.core].emplace_back(t.dram_offset, t.dram_offset + t.bytes);
  }
  for (std::size_t c = 0; c < program->cores.size(); ++c) {
    for (const isa::Queue& q : program->cores[c].queues) {
      for (const isa::Instruction& inst : q.instructions) {
        if (inst.signal.semaphore == isa::kNoSemaphore) continue;
        const int target =
            inst.signal.core == isa::kThisCore ? static_cast<int>(c) : inst.signal.core;
        m.signallers[{target, inst.signal.semaphore}] |= 1u << engine_index(q.engine);
      }
    }
  }
}

bool LayerProfiler::reads_weights(const Model& m, const isa::AccessPattern& ap) const {
  if (ap.space != isa::MemSpace::kDram || ap.core >= m.weights.size()) return false;
  for (const auto& [begin, end] : m.weights[ap.core]) {
    if (ap.offset >= begin && ap.offset < end) return true;
  }
  return false;
}

// Who the wait was for: DMA queues only -> memory; the waiting engine itself only -> a
// dependency on its own earlier work; otherwise another compute engine.
int LayerProfiler::stall_kind(const Model& m, const sim::InstructionEvent& e, int semaphore) {
  const auto it = m.signallers.find({e.program_core, semaphore});
  const unsigned bits = it == m.signallers.end() ? 0u : it->second;
  const unsigned own = 1u << engine_index(e.queue->engine);
  if (bits == (1u << 3)) return kDma;
  if (bits == own) return kDependency;
  return kSemaphore;
}

void LayerProfiler::on_instruction(const sim::InstructionEvent& e) {
  auto it = models_.find(e.program);
  if (it == models_.end()) return;
  Model& m = it->second;
  const isa::Instruction& inst = *e.instruction;
  if (inst.layer >= m.layers.size()) return;
  LayerSums& l = m.layers[inst.layer];
  const bool dma = e.queue->engine == isa::EngineKind::kDma;
  if (e.setup) {
    if (dma && inst.opcode == isa::Opcode::kDmaCopy && reads_weights(m, inst.src0))
      l.resident = true;
    return;
  }
  if (inst.opcode == isa::Opcode::kNop) return;
  l.busy_seconds[static_cast<std::size_t>(engine_index(e.queue->engine))] += e.end - e.start;
  if (dma) {
    if (inst.src0.space == isa::MemSpace::kDram) l.dma_in += static_cast<double>(inst.src0.bytes());
    if (inst.dst.space == isa::MemSpace::kDram) l.dma_out += static_cast<double>(inst.dst.bytes());
    if (reads_weights(m, inst.src0)) l.streamed = true;
  }
  for (const sim::InstructionEvent::Wait& w : e.waits) {
    if (w.semaphore >= 0) l.stall[stall_kind(m, e, w.semaphore)] += w.seconds;
  }
  l.stall[dma ? kDma : kDependency] += std::max(0.0, e.start - e.issued);
  Execution& x = m.executions[e.execution];
  if (x.intervals.empty() || e.start < x.first) x.first = e.start;
  if (x.intervals.empty() || e.visible > x.last) x.last = e.visible;
  x.intervals.push_back({e.start, e.end, inst.layer});
}

std::vector<ModelProfile> LayerProfiler::finish(const std::string& scenario) const {
  std::vector<ModelProfile> out;
  for (const auto& [program, m] : models_) {
    if (m.executions.empty()) continue;
    out.push_back(summarize(*program, m));
    out.back().scenario = scenario;
  }
  return out;
}

double LayerProfiler::attribute(const Execution& x, std::vector<double>& attributed) {
  // Sweep over the inference's instruction boundaries, splitting each stretch evenly among the
  // layers in flight.
  std::vector<std::pair<double, std::int64_t>> edges;  // time, +/-(layer + 1)
  edges.reserve(2 * x.intervals.size());
  for (const Interval& i : x.intervals) {
    if (!(i.end > i.start)) continue;
    edges.emplace_back(i.start, static_cast<std::int64_t>(i.layer) + 1);
    edges.emplace_back(i.end, -static_cast<std::int64_t>(i.layer) - 1);
  }
  std::sort(edges.begin(), edges.end());
  std::vector<int> in_flight(attributed.size(), 0);
  std::vector<std::uint32_t> active;
  double t = x.first;
  double busy = 0;
  for (const auto& [time, signed_layer] : edges) {
    if (time > t && !active.empty()) {
      const double share = (time - t) / static_cast<double>(active.size());
      for (std::uint32_t a : active) attributed[a] += share;
      busy += time - t;
    }
    t = std::max(t, time);
    const auto layer = static_cast<std::uint32_t>(std::llabs(signed_layer) - 1);
    if (signed_layer > 0) {
      if (in_flight[layer]++ == 0) active.push_back(layer);
    } else if (--in_flight[layer] == 0) {
      active.erase(std::find(active.begin(), active.end(), layer));
    }
  }
  return busy;
}

LayerProfileRow LayerProfiler::layer_row(const isa::Program& p, const Model& m, std::size_t i,
                                         double device_seconds, double inference_seconds) {
  const double n = static_cast<double>(m.executions.size());
  const LayerSums& s = m.layers[i];
  LayerProfileRow row;
  row.name = p.layers[i].name;
  row.op = p.layers[i].op;
  row.core = p.layers[i].core;
  row.macs = p.layers[i].macs;
  row.device_seconds = device_seconds;
  row.share = inference_seconds > 0 ? row.device_seconds / inference_seconds : 0;
  for (std::size_t k = 0; k < 4; ++k) {
    row.busy_cycles[k] = s.busy_seconds[k] * m.clock_hz / n;
    row.cycles += row.busy_cycles[k];
  }
  const double array_cycles = static_cast<double>(m.rows) * m.cols * row.busy_cycles[0];
  row.matrix_utilization = array_cycles > 0 ? static_cast<double>(row.macs) / array_cycles : 0;
  row.dma_in_bytes = s.dma_in / n;
  row.dma_out_bytes = s.dma_out / n;
  row.weights = s.resident && s.streamed ? "both"
                : s.resident             ? "resident"
                : s.streamed             ? "streamed"
                                         : "-";
  row.stall_semaphore_seconds = s.stall[kSemaphore] / n;
  row.stall_dma_seconds = s.stall[kDma] / n;
  row.stall_dependency_seconds = s.stall[kDependency] / n;
  if (i < m.estimates.size()) {
    for (std::uint64_t b : m.estimates[i].busy) row.estimated_cycles += b;
  }
  return row;
}

ModelProfile LayerProfiler::summarize(const isa::Program& p, const Model& m) const {
  ModelProfile r;
  r.model = m.name;
  r.clock_hz = m.clock_hz;
  r.inferences = static_cast<int>(m.executions.size());
  const double n = r.inferences;
  std::vector<double> attributed(p.layers.size(), 0.0);
  for (const auto& [id, x] : m.executions) {
    r.device_seconds += x.last - x.first;
    r.idle_seconds += (x.last - x.first) - attribute(x, attributed);
  }
  r.device_seconds /= n;
  r.idle_seconds /= n;
  for (std::size_t i = 0; i < p.layers.size(); ++i) {
    LayerProfileRow row = layer_row(p, m, i, attributed[i] / n, r.device_seconds);
    r.macs += row.macs;
    r.estimated_cycles += row.estimated_cycles;
    if (row.cycles > 0 || row.device_seconds > 0) r.layers.push_back(row);
  }
  const double device_cycles = r.device_seconds * m.clock_hz;
  r.matrix_utilization =
      device_cycles > 0 ? static_cast<double>(r.macs) / (m.rows * m.cols * device_cycles) : 0;
  std::stable_sort(r.layers.begin(), r.layers.end(),
                   [](const LayerProfileRow& a, const LayerProfileRow& b) {
                     return a.device_seconds > b.device_seconds;
                   });
  return r;
}

json profile_to_json(const ModelProfile& p) {
  json layers = json::array();
  for (const LayerProfileRow& l : p.layers) {
    json busy = json::object();
    for (std::size_t k = 0; k < 4; ++k) busy[kProfileEngines[k]] = l.busy_cycles[k];
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"core", l.core},
                      {"device_us", l.device_seconds * 1e6},
                      {"share", l.share},
                      {"busy_cycles", busy},
                      {"cycles", l.cycles},
                      {"estimated_cycles", l.estimated_cycles},
                      {"macs", l.macs},
                      {"matrix_utilization", l.matrix_utilization},
                      {"dma_in_bytes", l.dma_in_bytes},
                      {"dma_out_bytes", l.dma_out_bytes},
                      {"weights", l.weights},
                      {"stall_us",
                       {{"semaphore", l.stall_semaphore_seconds * 1e6},
                        {"dma", l.stall_dma_seconds * 1e6},
                        {"dependency", l.stall_dependency_seconds * 1e6}}}});
  }
  return {{"model", p.model},
          {"scenario", p.scenario},
          {"inferences", p.inferences},
          {"clock_hz", p.clock_hz},
          {"device_us", p.device_seconds * 1e6},
          {"idle_us", p.idle_seconds * 1e6},
          {"macs", p.macs},
          {"matrix_utilization", p.matrix_utilization},
          {"estimated_cycles", p.estimated_cycles},
          {"layers", layers}};
}

ModelProfile profile_from_json(const json& j) {
  ModelProfile p;
  p.model = j.at("model");
  p.scenario = j.at("scenario");
  p.inferences = j.at("inferences");
  p.clock_hz = j.at("clock_hz");
  p.device_seconds = j.at("device_us").get<double>() * 1e-6;
  p.idle_seconds = j.at("idle_us").get<double>() * 1e-6;
  p.macs = j.at("macs");
  p.matrix_utilization = j.at("matrix_utilization");
  p.estimated_cycles = j.at("estimated_cycles");
  for (const json& x : j.at("layers")) {
    LayerProfileRow l;
    l.name = x.at("name");
    l.op = x.at("op");
    l.core = x.at("core");
    l.device_seconds = x.at("device_us").get<double>() * 1e-6;
    l.share = x.at("share");
    for (std::size_t k = 0; k < 4; ++k)
      l.busy_cycles[k] = x.at("busy_cycles").at(kProfileEngines[k]);
    l.cycles = x.at("cycles");
    l.estimated_cycles = x.at("estimated_cycles");
    l.macs = x.at("macs");
    l.matrix_utilization = x.at("matrix_utilization");
    l.dma_in_bytes = x.at("dma_in_bytes");
    l.dma_out_bytes = x.at("dma_out_bytes");
    l.weights = x.at("weights");
    l.stall_semaphore_seconds = x.at("stall_us").at("semaphore").get<double>() * 1e-6;
    l.stall_dma_seconds = x.at("stall_us").at("dma").get<double>() * 1e-6;
    l.stall_dependency_seconds = x.at("stall_us").at("dependency").get<double>() * 1e-6;
    p.layers.push_back(l);
  }
  return p;
}

}  // namespace infsim::driver
