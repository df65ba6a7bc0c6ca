#pragma once
// The device side of an inference: the NeuronCore group's execution queue, context switches, and
// the program on its cores, in full detail or fast-forwarded (sampled simulation).
//
// Each NeuronCore serves inferences in the order they were submitted (a ticket per core), so the
// groups of an instance run in parallel and successive inferences of a pipeline stream through
// its stages: stage c of inference i+1 starts as soon as stage c of inference i is done.
//
// Sampled simulation (like SMARTS): each loaded copy runs its inferences in full detail through
// the SystemC NeuronCore model, concurrently with everything else (so DRAM, PCIe and NeuronLink
// contention is in the sample), until its device time has converged: at least `min_samples`
// detailed inferences and the last `window` of them within `tolerance` of their mean, or
// `max_samples` reached. Later inferences of that copy are fast-forwarded: each program core is
// occupied for the measured mean time in equal steps (at least `ff_slices`, and enough that a
// step's share of the DRAM traffic is no larger than the program's largest DMA), and at each step
// that share is booked on the chip's DRAM channels, so detailed neighbours still see the
// contention, interleaved with their own transfers as real DMAs would be. `full` turns sampling
// off.

#include <vector>

#include "sim/core/stats.h"
#include "sim/core/trace_writer.h"
#include "sim/instance/instance.h"
#include "sim/runtime/runtime_state.h"

namespace infsim::sim {

class DevicePath {
 public:
  DevicePath(const SystemConfig& config, const DetailOptions& detail, Instance& instance,
             TraceWriter* trace);

  // Blocking, from an SC_THREAD: the model's setup queues on its group (weights into SBUF), in
  // the group's queue order; the model becomes the group's active one.
  void load(LoadedModel& lm);
  // Blocking: one inference of the model on its group, after every inference submitted to those
  // cores before it; the IFMAPs are already in device DRAM.
  // Returns the time its first stage started (where the trace's request flow arrives).
  double execute(LoadedModel& lm);
  int trace_track(int core) const { return cores_[static_cast<std::size_t>(core)].trace_track; }

  const CoreRecord& core(int global_core) const {
    return cores_[static_cast<std::size_t>(global_core)];
  }

 private:
  TicketLock& lock(int global_core) { return locks_[static_cast<std::size_t>(global_core)]; }
  // execute(), by step: queue on the group, choose the mode, run each pipeline stage.
  struct Inference;
  std::vector<std::uint64_t> acquire_group(LoadedModel& lm);
  bool begin_inference(LoadedModel& lm);
  void run_stage(Inference& inf, int c);
  void run_detailed_stage(Inference& inf, int c, int core, double t0);
  void run_fast_forward_stage(Inference& inf, int c);
  void stage_busy(int core, double start, double end, const LoadedModel& lm, bool detailed);
  // `flow` names the requestor on the DRAM channels (one per core of the model).
  void book_fast_forward(int chip, std::uint64_t base, std::uint64_t span, double bytes, bool write,
                         double step, const void* flow);
  void record_sample(LoadedModel& lm, const std::vector<double>& stage,
                     const std::vector<double>& work, const std::vector<double>& tail);

  const SystemConfig& config_;
  const DetailOptions& detail_;
  Instance& inst_;
  void trace_memory_plan(int core, double start, double end, const LoadedModel& lm, bool detailed);

  TraceWriter* trace_;
  std::vector<TicketLock> locks_;
  std::vector<CoreRecord> cores_;
};

}  // namespace infsim::sim
