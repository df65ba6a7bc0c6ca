#include "sim/instance/instance.h"

#include <algorithm>

#include "sim/core/log.h"
#include "sim/core/sim_error.h"
#include "sim/core/stat_names.h"
#include "sim/core/stats.h"
#include "sim/core/trace_writer.h"

namespace infsim::sim {
Instance::Instance(sc_core::sc_module_name name, const isa::InstanceConfig& cfg, Stats& stats,
                   TraceWriter* trace)
    : sc_core::sc_module(name), config_(cfg), stats_(stats), chips_("chip") {
  // The config passed driver::validate_config() (tools/config/config_validation.h) and the
  // ranges of its describe(): it is not checked again here.
  chips_.init(static_cast<std::size_t>(cfg.chips), [&](const char* chip_name, std::size_t i) {
    const int index = static_cast<int>(i);
    return new Chip(chip_name, cfg.chip, index, cfg.chips, index * cfg.chip.cores, stats, trace);
  });
  for (int g = 0; g < num_cores(); ++g) core(g).attach(*this);
  if (trace != nullptr) trace_counters(*trace);
}

// Bandwidth counter tracks per chip: its DRAM channels, each PCIe direction, its NeuronLink ports.
void Instance::trace_counters(TraceWriter& trace) {
  for (int c = 0; c < num_chips(); ++c) {
    Chip& ch = chip(c);
    trace.process(c, stat_names::chip(c));
    for (int i = 0; i < ch.dram().channels(); ++i)
      ch.dram().channel(i).trace_to(&trace, c, "DRAM GB/s");
    ch.pcie().host_to_device().trace_to(&trace, c, "PCIe host-to-device GB/s");
    ch.pcie().device_to_host().trace_to(&trace, c, "PCIe device-to-host GB/s");
    for (BusyResource* link : {ch.neuronlink().east(), ch.neuronlink().west()}) {
      if (link != nullptr) link->trace_to(&trace, c, "NeuronLink GB/s");
    }
  }
}

Instance::~Instance() = default;

Chip& Instance::chip(int index) {
  if (index < 0 || index >= num_chips()) {
    throw SimError("chip " + std::to_string(index) + " does not exist: " + config_.name + " has " +
                   std::to_string(num_chips()) + " chips");
  }
  return chips_[static_cast<std::size_t>(index)];
}

NeuronCore& Instance::core(int global_index) {
  if (global_index < 0 || global_index >= num_cores()) {
    throw SimError("NeuronCore " + std::to_string(global_index) + " does not exist: " +
                   config_.name + " has " + std::to_string(num_cores()) + " NeuronCores");
  }
  return chips_[static_cast<std::size_t>(chip_of(global_index))].core(global_index %
                                                                      config_.chip.cores);
}

int Instance::book_links(Reservation& r, int from, int to, double bytes) {
  const int step = to > from ? 1 : -1;
  for (int c = from; c != to; c += step) {
    NeuronLinkPorts& ports = chip(c).neuronlink();
    BusyResource* link = step > 0 ? ports.east() : ports.west();
    if (link == nullptr) {
      throw SimError("no NeuronLink from chip " + std::to_string(c) + " to chip " +
                     std::to_string(c + step) +
                     " (neuronlink.ports = " + std::to_string(ports.config().ports) + ")");
    }
    r.add(*link, bytes);
  }
  return (to - from) * step;
}

// The DMA engine pays for its chunking (effective_bytes); the memories and links downstream see
// the bytes actually moved: DRAM bursts (64 B) and link packets are far smaller than the
// engine's chunk, so short runs do not waste their bandwidth the same way.
DmaTiming Instance::dma(int issuing_core, int dma_engine, const DmaEndpoint& src,
                        const DmaEndpoint& dst, double effective_bytes, const sc_core::sc_time& now,
                        Completion& completion) {
  NeuronCore& issuer = core(issuing_core);
  // The DMA engine is the requestor the DRAM controller sees: its queues' requests share its
  // slot, in order.
  const void* requestor = &issuer.dma(dma_engine);
  const auto bytes = static_cast<double>(std::max(src.bytes, dst.bytes));
  Reservation r;
  r.add(issuer.dma(dma_engine).resource(), effective_bytes);
  sc_core::sc_time latency = issuer.dma(dma_engine).descriptor_latency();
  const int src_chip = chip_of(src.core);
  const int dst_chip = chip_of(dst.core);
  // Writes are posted: one DRAM latency covers a transfer that touches DRAM on either side.
  sc_core::sc_time dram_latency = sc_core::SC_ZERO_TIME;
  if (src.space == isa::MemSpace::kDram) {
    Dram& d = dram(src_chip);
    d.book(r, src.address, src.span, src.bytes, static_cast<double>(src.bytes), false, requestor);
    dram_latency = d.latency();
  }
  if (dst.space == isa::MemSpace::kDram) {
    Dram& d = dram(dst_chip);
    d.book(r, dst.address, dst.span, dst.bytes, static_cast<double>(dst.bytes), true, requestor);
    dram_latency = std::max(dram_latency, d.latency());
  }
  latency += dram_latency;
  if (src_chip != dst_chip) {
    const int hops = book_links(r, src_chip, dst_chip, bytes);
    latency += chip(src_chip).neuronlink().hop_latency() * hops;
  } else if (src.space != isa::MemSpace::kDram && dst.space != isa::MemSpace::kDram &&
             src.core != dst.core) {
    Fabric& f = chip(src_chip).fabric();
    r.add(f.resource(), bytes);
    latency += f.latency();
  }
  const auto [start, data_end] = r.commit(now, &completion);
  return DmaTiming{start, data_end, data_end + latency};
}

void Instance::host_to_device(int chip_index, std::uint64_t bytes, std::uint64_t dram_address) {
  if (failed()) return;
  try {
    Chip& c = chip(chip_index);
    if (!c.dram().fits(dram_address, bytes)) {
      throw SimError("host-to-device copy of " + std::to_string(bytes) + " bytes at " +
                     std::to_string(dram_address) + " exceeds chip " + std::to_string(chip_index) +
                     "'s DRAM");
    }
    Reservation r;
    r.add(c.pcie().host_to_device(), static_cast<double>(bytes));
    c.dram().book(r, dram_address, bytes, bytes, static_cast<double>(bytes), true,
                  &c.pcie().host_to_device());
    Completion data;
    r.commit(sc_core::sc_time_stamp(), &data);
    data.wait(c.pcie().latency() + c.dram().latency());
  } catch (const SimError&) {
    report_error(std::current_exception());
  }
}

void Instance::device_to_host(int chip_index, std::uint64_t bytes, std::uint64_t dram_address) {
  if (failed()) return;
  try {
    Chip& c = chip(chip_index);
    if (!c.dram().fits(dram_address, bytes)) {
      throw SimError("device-to-host copy of " + std::to_string(bytes) + " bytes at " +
                     std::to_string(dram_address) + " exceeds chip " + std::to_string(chip_index) +
                     "'s DRAM");
    }
    Reservation r;
    r.add(c.pcie().device_to_host(), static_cast<double>(bytes));
    c.dram().book(r, dram_address, bytes, bytes, static_cast<double>(bytes), false,
                  &c.pcie().device_to_host());
    Completion data;
    r.commit(sc_core::sc_time_stamp(), &data);
    data.wait(c.pcie().latency() + c.dram().latency());
  } catch (const SimError&) {
    report_error(std::current_exception());
  }
}

void Instance::device_to_device(int src_chip, std::uint64_t src_address, int dst_chip,
                                std::uint64_t dst_address, std::uint64_t bytes) {
  if (failed()) return;
  try {
    Dram& src = dram(src_chip);
    Dram& dst = dram(dst_chip);
    if (!src.fits(src_address, bytes) || !dst.fits(dst_address, bytes)) {
      throw SimError("device-to-device copy of " + std::to_string(bytes) +
                     " bytes exceeds a chip's DRAM");
    }
    const auto b = static_cast<double>(bytes);
    Reservation r;
    // The copy engine behind the links is the requestor on both chips' DRAM.
    const void* requestor = &chip(src_chip).neuronlink();
    src.book(r, src_address, bytes, bytes, b, false, requestor);
    dst.book(r, dst_address, bytes, bytes, b, true, requestor);
    const int hops = book_links(r, src_chip, dst_chip, b);
    Completion data;
    r.commit(sc_core::sc_time_stamp(), &data);
    data.wait(chip(src_chip).neuronlink().hop_latency() * hops +
              std::max(src.latency(), dst.latency()));
  } catch (const SimError&) {
    report_error(std::current_exception());
  }
}

void Instance::enable_functional_mode(FunctionalUnit* unit) {
  for (int g = 0; g < num_cores(); ++g) {
    core(g).enable_storage();
    core(g).set_functional_unit(unit);
  }
}

Execution& Instance::begin_execution(const isa::Program& program, const CoreBinding& binding,
                                     Phase phase, ExecutionId id) {
  auto it = executions_.find(id);
  if (it == executions_.end()) {
    const std::size_t n = program.num_cores();
    if (binding.cores.size() < n || binding.dram_base.size() < n) {
      throw SimError("binding maps " + std::to_string(binding.cores.size()) + " cores and " +
                     std::to_string(binding.dram_base.size()) + " DRAM bases for a " +
                     std::to_string(n) + "-core program");
    }
    for (std::size_t i = 0; i < n; ++i) {
      const int g = binding.cores[i];
      if (g < 0 || g >= num_cores()) {
        throw SimError("binding maps program core " + std::to_string(i) + " to NeuronCore " +
                       std::to_string(g) + ", but " + config_.name + " has " +
                       std::to_string(num_cores()));
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (binding.cores[j] == g) {
          throw SimError("binding maps program cores " + std::to_string(j) + " and " +
                         std::to_string(i) + " to the same NeuronCore " + std::to_string(g));
        }
      }
    }
    it = executions_
             .emplace(id, std::make_unique<Execution>(program, binding, phase, id,
                                                      config_.chip.core.semaphores))
             .first;
  } else if (&it->second->program() != &program || it->second->phase() != phase) {
    throw SimError("execution " + std::to_string(id) +
                   " is already running a different program or phase");
  }
  ++it->second->cores_running;
  return *it->second;
}

void Instance::end_execution(Execution& execution) {
  --execution.cores_running;
  ++execution.cores_finished;
  if (execution.cores_finished >= execution.num_program_cores() && execution.cores_running == 0) {
    executions_.erase(execution.id());
  }
}

void Instance::report_error(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    INFSIM_LOG(LogModule::kInstance, LogLevel::kInfo, "stopping the simulation: " << e.what());
  }
  if (error_ == nullptr) error_ = error;
  sc_core::sc_stop();
}

void Instance::rethrow_error() const {
  if (error_ != nullptr) std::rethrow_exception(error_);
}

std::vector<BlockedQueue> Instance::blocked_queues() {
  std::vector<BlockedQueue> out;
  for (int g = 0; g < num_cores(); ++g) {
    std::vector<BlockedQueue> b = core(g).blocked_queues();
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

}  // namespace infsim::sim
