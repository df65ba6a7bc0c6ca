#pragma once
// An Inf1 instance: the host and N Inferentia chips in a NeuronLink chain, built from an
// isa::InstanceConfig. The API the runtime (sim/runtime) builds on:
//
//   Stats stats;
//   Instance inst("inf1", config, stats, trace_or_null);
//   sc_spawn([&] {                                     // any SC_THREAD
//     inst.host_to_device(0, input_bytes);             // over chip 0's PCIe (contends)
//     run_program(inst, program, default_binding(inst, program), Phase::kInference);
//     inst.device_to_host(0, output_bytes);
//   });
//   sc_start();
//   throw_if_deadlocked(inst);   // rethrows a program error, or names every queue left waiting
//
// Cores are numbered globally: core g is core g % cores_per_chip of chip g / cores_per_chip.
// Blocking calls (host_to_device, device_to_host, device_to_device, run_program*) must be made
// from an SC_THREAD; each books the shared resources it crosses and waits once. They never throw
// inside the SC_THREAD (SystemC would turn the exception into an untyped sc_report): a user error
// (chip out of range, copy beyond DRAM, no link) goes to report_error(), which stops the
// simulation, and the call returns at once; failed() tells the caller, and throw_if_deadlocked()
// after sc_start rethrows the SimError.

#include <cstdint>
#include <exception>
#include <memory>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "isa/hardware_config.h"
#include "sim/chip/chip.h"
#include "sim/neuroncore/execution.h"
#include "sim/neuroncore/memory_system.h"

namespace infsim::sim {

class Stats;
class TraceWriter;

class Instance : public sc_core::sc_module, public MemorySystem {
 public:
  // `trace` may be null (no tracing). Throws SimError for a config it cannot build.
  Instance(sc_core::sc_module_name name, const isa::InstanceConfig& cfg, Stats& stats,
           TraceWriter* trace);
  ~Instance() override;

  const isa::InstanceConfig& config() const { return config_; }
  Stats& stats() { return stats_; }

  int num_chips() const { return static_cast<int>(chips_.size()); }
  int num_cores() const override { return num_chips() * config_.chip.cores; }
  int cores_per_chip() const { return config_.chip.cores; }
  Chip& chip(int index);
  NeuronCore& core(int global_index) override;
  int chip_of(int global_core) const override { return global_core / config_.chip.cores; }
  Dram& dram(int chip_index) override { return chip(chip_index).dram(); }

  // Blocking: a host<->device copy of `bytes` over chip `chip`'s PCIe, into/out of its DRAM at
  // `dram_address`. Copies in the same direction on the same chip contend; the two directions
  // do not.
  void host_to_device(int chip, std::uint64_t bytes, std::uint64_t dram_address = 0);
  void device_to_host(int chip, std::uint64_t bytes, std::uint64_t dram_address = 0);
  // Blocking: DRAM of one chip to DRAM of another over NeuronLink (cut-through over every hop
  // between them; see sim/interconnect/neuronlink.h).
  void device_to_device(int src_chip, std::uint64_t src_address, int dst_chip,
                        std::uint64_t dst_address, std::uint64_t bytes);

  // Functional mode: allocates SBUF/PSUM storage on every core and sets `unit` on all engines.
  // DRAM contents are always available (sparse pages allocated on first touch).
  void enable_functional_mode(FunctionalUnit* unit);

  // Executions in flight (see run_program_core).
  ExecutionId new_execution_id() { return next_execution_id_++; }
  Execution& begin_execution(const isa::Program& program, const CoreBinding& binding, Phase phase,
                             ExecutionId id);
  void end_execution(Execution& execution);

  DmaTiming dma(int issuing_core, int dma_engine, const DmaEndpoint& src, const DmaEndpoint& dst,
                double effective_bytes, const sc_core::sc_time& now,
                Completion& completion) override;
  void report_error(std::exception_ptr error) override;
  bool failed() const { return error_ != nullptr; }
  // Rethrows the first error a queue or a run_program* call reported, if any.
  void rethrow_error() const;
  // Queues of every core currently waiting on a semaphore.
  std::vector<BlockedQueue> blocked_queues();

 private:
  void trace_counters(TraceWriter& trace);
  // Adds the outgoing NeuronLink directions from chip `from` to chip `to` to `r`; returns hops.
  int book_links(Reservation& r, int from, int to, double bytes);

  isa::InstanceConfig config_;
  Stats& stats_;
  sc_core::sc_vector<Chip> chips_;
  std::unordered_map<ExecutionId, std::unique_ptr<Execution>> executions_;
  ExecutionId next_execution_id_ = 1;
  std::exception_ptr error_;
};

}  // namespace infsim::sim
