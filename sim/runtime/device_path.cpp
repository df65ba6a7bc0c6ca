#include "sim/runtime/device_path.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "sim/core/sim_error.h"
#include "sim/instance/run_program.h"
#include "sim/memory/dram.h"
#include "sim/neuroncore/neuron_core.h"

namespace infsim::sim {
namespace {

double now_s() {
  return sc_core::sc_time_stamp().to_seconds();
}
void wait_s(double s) {
  if (s > 0) sc_core::wait(sc_core::sc_time(s, sc_core::SC_SEC));
}

// The requestor the DRAM channels see for program core `core`'s fast-forwarded traffic: one per
// placed core. FairShareResource only compares the address, so any address that is stable and
// unique to the placed core names it; its entry in PlacedModel::dram_base is one.
const void* fast_forward_requestor(const PlacedModel& placed, std::size_t core) {
  return &placed.dram_base[core];
}

}  // namespace

DevicePath::DevicePath(const SystemConfig& config, const DetailOptions& detail, Instance& instance,
                       TraceWriter* trace)
    : config_(config),
      detail_(detail),
      inst_(instance),
      trace_(trace),
      locks_(static_cast<std::size_t>(instance.num_cores())),
      cores_(static_cast<std::size_t>(instance.num_cores())) {
  for (int g = 0; g < instance.num_cores(); ++g) {
    CoreRecord& c = cores_[static_cast<std::size_t>(g)];
    NeuronCore& core = instance.core(g);
    c.engines[0] = &core.tensor();
    c.engines[1] = &core.vector();
    c.engines[2] = &core.scalar();
    const std::string& label = core.label();
    if (trace_ != nullptr) {
      trace_->process(instance.chip_of(g), "chip" + std::to_string(instance.chip_of(g)));
      c.trace_track = trace_->track(instance.chip_of(g), label + " inferences");
    }
  }
}

void DevicePath::load(LoadedModel& lm) {
  GroupState& g = *lm.group;
  std::vector<std::uint64_t> tickets;
  for (int core : g.cores) tickets.push_back(lock(core).take());
  for (std::size_t i = 0; i < g.cores.size(); ++i) lock(g.cores[i]).wait_turn(tickets[i]);
  run_program(inst_, *lm.model->program, lm.binding, Phase::kSetup);
  g.active = &lm;
  for (int core : g.cores) lock(core).release();
}

void DevicePath::stage_busy(int core, double start, double end, const LoadedModel& lm,
                            bool detailed) {
  CoreRecord& c = cores_[static_cast<std::size_t>(core)];
  c.busy.push_back({start, end});
  if (trace_ != nullptr) {
    trace_->slice(c.trace_track, lm.model->name, start, end,
                  detailed ? "\"mode\":\"detailed\"" : "\"mode\":\"fast-forward\"", core);
    trace_memory_plan(core, start, end, lm, detailed);
  }
}

// SBUF and PSUM occupancy counters of the core. A detailed inference sets them layer by layer as
// the core starts each layer (TraceWriter::instruction); a fast-forwarded one runs no
// instructions, so it holds the program's busiest layer on this core for its whole span. Both
// drop to zero when the core's inference ends.
void DevicePath::trace_memory_plan(int core, double start, double end, const LoadedModel& lm,
                                   bool detailed) {
  const std::vector<int>& cores = lm.binding.cores;
  const auto pc = std::find(cores.begin(), cores.end(), core) - cores.begin();
  const int chip = inst_.chip_of(core);
  const int local = core % inst_.cores_per_chip();
  if (!detailed) {
    double sbuf = 0, psum = 0;
    for (const isa::LayerInfo& l : lm.model->program->layers) {
      if (l.core != pc) continue;
      sbuf = std::max(sbuf, static_cast<double>(l.sbuf_bytes));
      psum = std::max(psum, static_cast<double>(l.psum_bytes));
    }
    trace_->occupancy(chip, local, start, sbuf, psum);
  }
  trace_->occupancy(chip, local, end, 0, 0);
}

// Books up to `bytes` of a fast-forward slice on the DRAM channels, but never past the slice's
// end: the measured mean already contains the contention of the sample, so a fast-forwarded
// inference only fills the bandwidth that is left in its slice and cannot push the channels'
// backlog ahead of a detailed neighbour by more than one slice. The bytes are the core's
// background traffic on the fair-share channels (nobody waits for them), booked as requestor
// `flow`: one requestor for the whole core (fast_forward_requestor). That is an approximation: a
// detailed core books as one requestor per DMA engine, so under contention its transfers can take
// one share per busy engine, where the fast-forwarded core takes one share in all.
void DevicePath::book_fast_forward(int chip, std::uint64_t base, std::uint64_t span, double bytes,
                                   bool write, double step, const void* flow) {
  if (bytes <= 0) return;
  Dram& dram = inst_.dram(chip);
  const double t = now_s();
  double room = 0;
  for (int c = 0; c < dram.channels(); ++c) {
    const double free_at = dram.channel(c).backlog_end(sc_core::sc_time_stamp()).to_seconds();
    room += std::max(0.0, t + step - free_at) * dram.channel(c).bandwidth();
  }
  const double booked = std::min(bytes, room);
  if (booked < 1) return;
  Reservation r;
  dram.book(r, base, span, static_cast<std::uint64_t>(booked), booked, write, flow);
  r.commit(sc_core::sc_time_stamp());
}

void DevicePath::record_sample(LoadedModel& lm, const std::vector<double>& stage,
                               const std::vector<double>& work, const std::vector<double>& tail) {
  Sampling& s = lm.sampling;
  for (std::size_t c = 0; c < stage.size(); ++c) {
    s.samples[c].push_back(stage[c]);
    s.work_samples[c].push_back(c == 0 ? stage[c] : work[c]);
    s.tail_samples[c].push_back(tail[c]);
  }
  if (detail_.full) return;
  const std::size_t count = s.samples[0].size();
  const std::size_t window = static_cast<std::size_t>(std::max(1, detail_.window));
  if (count < static_cast<std::size_t>(std::max(detail_.min_samples, 1)) || count < window) return;
  bool stable = true;
  for (std::size_t c = 0; c < stage.size(); ++c) {
    double mean = 0;
    for (std::size_t i = count - window; i < count; ++i) mean += s.samples[c][i] / window;
    for (std::size_t i = count - window; i < count; ++i) {
      if (std::abs(s.samples[c][i] - mean) > detail_.tolerance * mean) stable = false;
    }
  }
  if (!stable && count < static_cast<std::size_t>(detail_.max_samples)) return;
  s.converged = true;
  s.ff_time.assign(stage.size(), 0);
  s.ff_tail.assign(stage.size(), 0);
  for (std::size_t c = 0; c < stage.size(); ++c) {
    for (std::size_t i = count - window; i < count; ++i) {
      s.ff_time[c] += s.work_samples[c][i] / static_cast<double>(window);
      s.ff_tail[c] += s.tail_samples[c][i] / static_cast<double>(window);
    }
  }
}

// One inference in flight on a group, shared by its stage processes: stage c waits on `progress`
// for stage c-1 to start or finish, and execute() waits on it for every stage to be done.
struct DevicePath::Inference {
  Inference(LoadedModel& model, std::vector<std::uint64_t> group_tickets, bool is_detailed,
            ExecutionId exec_id)
      : lm(model),
        tickets(std::move(group_tickets)),
        detailed(is_detailed),
        id(exec_id),
        stage(static_cast<std::size_t>(model.ncores), 0),
        start(static_cast<std::size_t>(model.ncores), -1),
        end(static_cast<std::size_t>(model.ncores), 0),
        work(static_cast<std::size_t>(model.ncores), 0),
        finished(static_cast<std::size_t>(model.ncores), false),
        remaining(model.ncores) {}

  LoadedModel& lm;
  std::vector<std::uint64_t> tickets;  // this inference's place in each group core's queue
  bool detailed;
  ExecutionId id;
  std::vector<double> stage, start, end, work;  // per program core
  std::vector<bool> finished;
  sc_core::sc_event progress;
  int remaining;
};

// Queues the inference on every core of its group (so later inferences queue behind it), waits
// for its turn on the first one, and makes its model the group's active one. Cores of the group
// the program does not use are passed through at once, so they do not hold up the queue.
std::vector<std::uint64_t> DevicePath::acquire_group(LoadedModel& lm) {
  GroupState& g = *lm.group;
  std::vector<std::uint64_t> tickets;
  for (int core : g.cores) tickets.push_back(lock(core).take());
  lock(g.cores[0]).wait_turn(tickets[0]);
  if (g.active != &lm) {
    // Only one model of a group runs at a time: drain the group, then bring this model's
    // on-chip state back (its setup queues through the DMA model) and restart it.
    for (std::size_t i = 1; i < g.cores.size(); ++i) lock(g.cores[i]).wait_turn(tickets[i]);
    run_program(inst_, *lm.model->program, lm.binding, Phase::kSetup);
    wait_s(config_.runtime.context_switch_overhead);
    g.active = &lm;
    ++lm.switches;
  }
  for (std::size_t i = static_cast<std::size_t>(lm.ncores); i < g.cores.size(); ++i) {
    lock(g.cores[i]).wait_turn(tickets[i]);
    lock(g.cores[i]).release();
  }
  return tickets;
}

// Counts the inference and decides its mode: in detail until the model's device time has
// converged (the sample buffers are made on its first detailed inference), fast-forwarded after.
bool DevicePath::begin_inference(LoadedModel& lm) {
  ++lm.inferences;
  const bool detailed = !lm.sampling.converged;
  if (detailed) {
    if (lm.sampling.samples.empty()) {
      const auto n = static_cast<std::size_t>(lm.ncores);
      lm.sampling.samples.assign(n, {});
      lm.sampling.work_samples.assign(n, {});
      lm.sampling.tail_samples.assign(n, {});
    }
    ++lm.detailed;
  } else {
    ++lm.fast_forwarded;
  }
  return detailed;
}

// Stage c runs the program core c's instructions through the SystemC NeuronCore; the engines'
// busy time it adds is the stage's own work (what a fast-forwarded stage later occupies the core
// for, as opposed to time spent waiting on its neighbours).
void DevicePath::run_detailed_stage(Inference& inf, int c, int core, double t0) {
  const auto cu = static_cast<std::size_t>(c);
  CoreRecord& rec = cores_[static_cast<std::size_t>(core)];
  double before[3];
  for (int e = 0; e < 3; ++e) before[e] = rec.engines[e]->busy_cycles();
  inf.start[cu] = t0;
  inf.progress.notify();
  run_program_core(inst_, *inf.lm.model->program, c, inf.lm.binding, Phase::kInference, inf.id);
  const double clock = config_.chip.core.clock;
  for (int e = 0; e < 3; ++e) {
    const double busy = (rec.engines[e]->busy_cycles() - before[e]) / clock;
    rec.engine_seconds[e] += busy;
    inf.work[cu] = std::max(inf.work[cu], busy);
  }
  rec.detailed_seconds += now_s() - t0;
}

// A stage cannot start before the one feeding it; it does its own work, and it cannot finish
// before the measured tail after the stage feeding it has finished.
void DevicePath::run_fast_forward_stage(Inference& inf, int c) {
  const auto cu = static_cast<std::size_t>(c);
  const LoadedModel& lm = inf.lm;
  const PlacedModel& placed = *lm.placed;
  while (c > 0 && inf.start[cu - 1] < 0) sc_core::wait(inf.progress);
  inf.start[cu] = now_s();
  inf.progress.notify();
  // The traffic goes out in bursts no larger than the program's largest DMA: a detailed
  // neighbour's transfer then waits behind at most one burst, as it would behind one of
  // this core's own DMAs, not behind a whole slice of the inference's traffic.
  const CoreTraffic& traffic = placed.traffic[cu];
  const double bursts =
      std::ceil(std::max(traffic.read, traffic.write) / std::max(traffic.largest_dma, 1.0));
  const int slices = std::max({1, detail_.ff_slices, static_cast<int>(bursts)});
  const double step = lm.sampling.ff_time[cu] / slices;
  const std::uint64_t span = std::max<std::uint64_t>(placed.region_bytes[cu], 1);
  const void* const requestor = fast_forward_requestor(placed, cu);
  for (int s = 0; s < slices; ++s) {
    book_fast_forward(placed.chip_of_core[cu], placed.dram_base[cu], span, traffic.read / slices,
                      false, step, requestor);
    book_fast_forward(placed.chip_of_core[cu], placed.dram_base[cu], span, traffic.write / slices,
                      true, step, requestor);
    wait_s(step);
  }
  while (c > 0 && !inf.finished[cu - 1]) sc_core::wait(inf.progress);
  if (c > 0) wait_s(inf.end[cu - 1] + lm.sampling.ff_tail[cu] - now_s());
}

// Stage c of the inference on its core, in the core's queue order; the core is released (to the
// next inference's stage c) as soon as this stage ends, which is what streams a pipeline.
void DevicePath::run_stage(Inference& inf, int c) {
  const auto cu = static_cast<std::size_t>(c);
  lock(inf.lm.group->cores[cu]).wait_turn(inf.tickets[cu]);
  const int core = inf.lm.group->cores[cu];
  const double t0 = now_s();
  if (inf.detailed) {
    run_detailed_stage(inf, c, core, t0);
  } else {
    run_fast_forward_stage(inf, c);
  }
  inf.stage[cu] = now_s() - t0;
  inf.end[cu] = now_s();
  stage_busy(core, t0, now_s(), inf.lm, inf.detailed);
  inf.finished[cu] = true;
  lock(inf.lm.group->cores[cu]).release();
  --inf.remaining;
  inf.progress.notify();
}

double DevicePath::execute(LoadedModel& lm) {
  std::vector<std::uint64_t> tickets = acquire_group(lm);
  const bool detailed = begin_inference(lm);
  const ExecutionId id = detailed ? inst_.new_execution_id() : 0;
  Inference inf(lm, std::move(tickets), detailed, id);
  const int n = lm.ncores;
  // Stages 1.. run in their own processes, so that a pipeline's stages overlap; stage 0 runs in
  // the caller's. A stage's SimError is reported to the instance, which stops the run.
  for (int c = 1; c < n; ++c) {
    sc_core::sc_spawn(
        [this, &inf, c] {
          try {
            run_stage(inf, c);
          } catch (const SimError&) {
            inst_.report_error(std::current_exception());
          }
        },
        sc_core::sc_gen_unique_name("stage"));
  }
  run_stage(inf, 0);
  while (inf.remaining > 0 && !inst_.failed()) sc_core::wait(inf.progress);
  if (inst_.failed()) return now_s();
  lm.device_total += *std::max_element(inf.end.begin(), inf.end.end()) -
                     *std::min_element(inf.start.begin(), inf.start.end());
  if (detailed) {
    // A stage's tail: how long after the stage feeding it finished it finished.
    std::vector<double> tail(inf.end.size(), 0);
    for (std::size_t c = 1; c < tail.size(); ++c) {
      tail[c] = std::max(0.0, inf.end[c] - inf.end[c - 1]);
    }
    record_sample(lm, inf.stage, inf.work, tail);
  }
  return inf.start[0];
}

}  // namespace infsim::sim
