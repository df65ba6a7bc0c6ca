#include "sim/runtime/runtime.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "isa/cost_model.h"
#include "isa/ifx_format.h"
#include "sim/core/sim_error.h"
#include "sim/core/stats.h"
#include "sim/core/trace_writer.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "sim/memory/dram.h"
#include "sim/runtime/host_sync.h"

namespace infsim::sim {

const char* const kAcceleratorsExhausted =
    "All machine learning accelerators are currently being consumed. Please check if there are "
    "other processes running on the accelerator. If no other processes are consuming machine "
    "learning accelerator resource, please manually free up hardware resource by `sudo "
    "systemctl restart neuron-rtd`. If you have package `aws-neuron-tools` installed, you may "
    "also free up resource by `/opt/aws/neuron/bin/neuron-cli reset`. IMPORTANT: MANUALLY "
    "FREEING UP HARDWARE RESOURCE CAN DESTROY YOUR OTHER PROCESSES RUNNING ON MACHINE LEARNING "
    "ACCELERATORS!";

namespace {

using sc_core::SC_SEC;
using sc_core::sc_time;

sc_time seconds(double s) {
  return sc_time(std::max(s, 0.0), SC_SEC);
}
double now_s() {
  return sc_core::sc_time_stamp().to_seconds();
}
void wait_s(double s) {
  if (s > 0) sc_core::wait(seconds(s));
}

std::string mib(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return buf;
}

// A portable exponential draw: the same seed gives the same arrivals on every platform.
double exponential(std::mt19937_64& rng, double rate) {
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return -std::log1p(-u) / rate;
}

// DRAM bytes one inference of a program core reads and writes.
struct CoreTraffic {
  double read = 0;
  double write = 0;
};

struct Group;
struct Process;

struct IoTensor {
  int chip = 0;
  std::uint64_t address = 0;
  std::uint64_t bytes = 0;
};

struct Loaded {
  const RuntimeModel* model = nullptr;
  Process* process = nullptr;
  Group* group = nullptr;
  CoreBinding binding;
  int ncores = 0;
  std::vector<int> chip_of_core;
  std::vector<std::uint64_t> region_bytes;  // per program core: DRAM footprint
  std::vector<std::uint64_t> weight_bytes;  // per program core: bytes loaded over PCIe
  std::vector<CoreTraffic> traffic;         // per program core, per inference
  std::vector<double> macs;                 // per program core, per inference
  std::vector<IoTensor> inputs, outputs;
  std::unique_ptr<HostSemaphore> inflight;
  std::vector<std::vector<double>> samples;  // per program core: detailed device times
  // Pipeline stages c > 0: the stage's own work (its busiest compute engine) and how long it
  // runs on after the stage feeding it has finished, per detailed inference.
  std::vector<std::vector<double>> work_samples, tail_samples;
  std::vector<double> ff_time;  // per program core, once converged: stage 0's occupancy, the
                                // later stages' own work
  std::vector<double> ff_tail;  // per program core, once converged
  bool converged = false;
  double load_seconds = 0;
  double device_total = 0;  // sum over inferences of the slowest stage time
  int inferences = 0, detailed = 0, fast_forwarded = 0, switches = 0;
};

struct Group {
  int index = 0;
  std::vector<int> cores;
  Loaded* active = nullptr;
};

struct Process {
  const ProcessSpec* spec = nullptr;
  int index = 0;
  std::vector<std::unique_ptr<Group>> groups;
  std::vector<std::unique_ptr<Loaded>> loaded;
  std::unique_ptr<HostSemaphore> gil;
  std::deque<std::function<void(int thread)>> jobs;
  std::deque<sc_core::sc_event*> idle_workers;
  std::vector<int> worker_tracks;
  double load_end = 0;
  double measure_start = -1;
  double measure_end = 0;
  std::vector<double> latencies;
  int measured_images = 0;
  std::uint64_t next_request = 0;
};

struct Interval {
  double start, end;
};

struct CoreRecord {
  std::vector<Interval> busy;
  double detailed_seconds = 0;
  double engine_seconds[3] = {0, 0, 0};
  std::string engine_stat[3];
  int trace_track = -1;
};

class Runtime {
 public:
  Runtime(const isa::InstanceConfig& cfg, const ScenarioSpec& spec, Instance& inst, Stats& stats,
          TraceWriter* trace)
      : cfg_(cfg),
        rt_(cfg.runtime),
        spec_(spec),
        inst_(inst),
        stats_(stats),
        trace_(trace),
        vcpus_(cfg.host.vcpus),
        core_locks_(static_cast<std::size_t>(inst.num_cores())),
        cores_(static_cast<std::size_t>(inst.num_cores())),
        rng_(spec.seed) {
    for (int g = 0; g < inst.num_cores(); ++g) {
      CoreRecord& c = cores_[static_cast<std::size_t>(g)];
      const std::string label = "chip" + std::to_string(inst.chip_of(g)) + ".core" +
                                std::to_string(g % inst.cores_per_chip());
      c.engine_stat[0] = label + ".tensor.busy_cycles";
      c.engine_stat[1] = label + ".vector.busy_cycles";
      c.engine_stat[2] = label + ".scalar.busy_cycles";
      if (trace_ != nullptr) c.trace_track = trace_->track(inst.chip_of(g), label + " inferences");
    }
    place();
  }

  void start() {
    for (auto& p : processes_) {
      Process* pp = p.get();
      for (int t = 0; t < std::max(1, pp->spec->workload.threads); ++t) {
        if (trace_ != nullptr) {
          const int pid = inst_.num_chips() + pp->index;
          trace_->process(pid, "host process " + pp->spec->name);
          pp->worker_tracks.push_back(trace_->track(pid, "thread " + std::to_string(t)));
        }
        sc_core::sc_spawn([this, pp, t] { guarded([&] { worker(*pp, t); }); },
                          sc_core::sc_gen_unique_name("host_thread"));
      }
      sc_core::sc_spawn([this, pp] { guarded([&] { process_main(*pp); }); },
                        sc_core::sc_gen_unique_name("host_process"));
    }
  }

  ScenarioResult result();

 private:
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const SimError&) {
      inst_.report_error(std::current_exception());
    }
  }

  // Cores in process order, groups in order, models round-robin over the groups; device DRAM
  // allocated per chip. All capacity errors surface here, before anything is simulated.
  void place();
  void prepare(Loaded& lm, std::vector<std::uint64_t>& dram_used);

  void process_main(Process& p);
  void worker(Process& p, int thread);
  void submit(Process& p, std::function<void(int thread)> job);
  void run_requests(Process& p, int count, bool measured);
  void load(Process& p, Loaded& lm, bool first);
  void predict(Process& p, Loaded& lm, int images);
  void data_parallel(Process& p, int images);
  void device(Loaded& lm);
  void host_work(double seconds_of_work) {
    if (seconds_of_work <= 0) return;
    HostHold cpu(vcpus_);
    wait_s(seconds_of_work);
  }
  void framework_work(Process& p, double s) {
    HostHold gil(*p.gil);
    host_work(s);
  }
  // Runtime 1.x: neuron-rtd handles one gRPC message at a time for the whole instance, copying
  // the tensors client -> protobuf -> runtime buffer (and back for the outputs).
  void daemon_work(double fixed, double bytes) {
    HostHold handler(daemon_);
    host_work(fixed + bytes / rt_.daemon_copy_bandwidth);
  }
  void stage_busy(int core, double start, double end, const Loaded& lm, bool detailed) {
    CoreRecord& c = cores_[static_cast<std::size_t>(core)];
    c.busy.push_back({start, end});
    if (trace_ != nullptr) {
      trace_->slice(inst_.chip_of(core), c.trace_track, lm.model->name, start, end - start,
                    detailed ? "\"mode\":\"detailed\"" : "\"mode\":\"fast-forward\"");
    }
  }
  // Books up to `bytes` of a fast-forward slice on the DRAM channels, but never past the slice's
  // end: the measured mean already contains the contention of the sample, so a fast-forwarded
  // inference only fills the bandwidth that is left in its slice and cannot push the channels'
  // busy-until time ahead of a detailed neighbour by more than one slice.
  void book_fast_forward(Dram& dram, std::uint64_t base, std::uint64_t span, double bytes,
                         bool write, double step) {
    if (bytes <= 0) return;
    const double t = now_s();
    double room = 0;
    for (int c = 0; c < dram.channels(); ++c) {
      const double free_at = std::max(t, dram.channel(c).free_at().to_seconds());
      room += std::max(0.0, t + step - free_at) * dram.channel(c).bandwidth();
    }
    const double booked = std::min(bytes, room);
    if (booked < 1) return;
    Reservation r;
    dram.book(r, base, span, static_cast<std::uint64_t>(booked), booked, write);
    r.commit(sc_core::sc_time_stamp());
  }
  // A host thread's call, on its track of the process's trace row.
  void trace_request(const Process& p, int thread, const std::string& model, double started) {
    if (trace_ == nullptr) return;
    trace_->slice(inst_.num_chips() + p.index, p.worker_tracks[static_cast<std::size_t>(thread)],
                  "predict " + model, started, now_s() - started);
  }
  void record_sample(Loaded& lm, const std::vector<double>& stage_seconds,
                     const std::vector<double>& work, const std::vector<double>& tail);
  int images_per_request(const Process& p) const;

  const isa::InstanceConfig& cfg_;
  const isa::RuntimeConfig& rt_;
  const ScenarioSpec& spec_;
  Instance& inst_;
  Stats& stats_;
  TraceWriter* trace_;
  HostSemaphore vcpus_;
  HostSemaphore daemon_{1};
  std::vector<TicketLock> core_locks_;
  std::vector<CoreRecord> cores_;
  std::vector<std::unique_ptr<Process>> processes_;
  std::vector<std::uint64_t> program_bytes_;  // per model
  std::mt19937_64 rng_;
  double traffic_start_[3] = {0, 0, 0};
  bool traffic_started_ = false;
};

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

void traffic(const Stats& stats, double out[3]) {
  out[0] = sum_stats(stats, ".dram.", ".bytes_read") + sum_stats(stats, ".dram.", ".bytes_written");
  out[1] = sum_stats(stats, ".pcie.h2d", ".bytes") + sum_stats(stats, ".pcie.d2h", ".bytes");
  out[2] = sum_stats(stats, ".neuronlink.", ".bytes");
}

void Runtime::place() {
  const int total = inst_.num_cores();
  int next_core = 0;
  std::vector<std::uint64_t> dram_used(static_cast<std::size_t>(inst_.num_chips()), 0);
  program_bytes_.resize(spec_.models.size());
  for (std::size_t m = 0; m < spec_.models.size(); ++m) {
    const RuntimeModel& model = spec_.models[m];
    INFSIM_PANIC_IF(model.program == nullptr, "runtime model without a program");
    program_bytes_[m] =
        model.program_bytes != 0 ? model.program_bytes : isa::encode_program(*model.program).size();
  }
  for (std::size_t pi = 0; pi < spec_.processes.size(); ++pi) {
    const ProcessSpec& ps = spec_.processes[pi];
    auto p = std::make_unique<Process>();
    p->spec = &ps;
    p->index = static_cast<int>(pi);
    p->gil = std::make_unique<HostSemaphore>(1);
    int asked = 0;
    std::string sizes;
    for (int s : ps.group_sizes) {
      asked += s;
      sizes += (sizes.empty() ? "" : ",") + std::to_string(s);
    }
    if (ps.group_sizes.empty()) {
      throw SimError("process '" + ps.name + "' has no NeuronCore groups");
    }
    if (next_core + asked > total) {
      throw SimError("ResourceExhaustedError: " + std::string(kAcceleratorsExhausted) +
                         "\n  process '" + ps.name + "' (process " + std::to_string(pi + 1) +
                         " of " + std::to_string(spec_.processes.size()) + ") asks for " +
                         std::to_string(asked) + " NeuronCore" + (asked == 1 ? "" : "s") +
                         " (NEURONCORE_GROUP_SIZES=" + sizes + "), but " +
                         std::to_string(next_core) + " of the " + std::to_string(total) +
                         " NeuronCores of " + cfg_.name + " are already taken by the processes " +
                         "before it (" + std::to_string(total - next_core) + " free)",
                     ErrorKind::kDoesNotFit);
    }
    for (std::size_t g = 0; g < ps.group_sizes.size(); ++g) {
      auto group = std::make_unique<Group>();
      group->index = static_cast<int>(g);
      for (int c = 0; c < ps.group_sizes[g]; ++c) group->cores.push_back(next_core++);
      p->groups.push_back(std::move(group));
    }
    if (ps.models.empty()) throw SimError("process '" + ps.name + "' loads no model");
    for (std::size_t k = 0; k < ps.models.size(); ++k) {
      const int m = ps.models[k];
      INFSIM_PANIC_IF(m < 0 || m >= static_cast<int>(spec_.models.size()), "bad model index");
      auto lm = std::make_unique<Loaded>();
      lm->model = &spec_.models[static_cast<std::size_t>(m)];
      lm->process = p.get();
      lm->group = p->groups[k % p->groups.size()].get();
      prepare(*lm, dram_used);
      p->loaded.push_back(std::move(lm));
    }
    processes_.push_back(std::move(p));
  }
}

void Runtime::prepare(Loaded& lm, std::vector<std::uint64_t>& dram_used) {
  const isa::Program& prog = *lm.model->program;
  const Process& p = *lm.process;
  const Group& g = *lm.group;
  lm.ncores = static_cast<int>(prog.num_cores());
  const std::string who = "model '" + lm.model->name + "' in process '" + p.spec->name +
                          "' (NeuronCore group " + std::to_string(g.index) + ")";
  if (lm.ncores > static_cast<int>(g.cores.size())) {
    throw SimError(who + " is compiled for " + std::to_string(lm.ncores) +
                   " NeuronCores but its group has " + std::to_string(g.cores.size()) +
                   ": models must be compiled to fit their NeuronCore group");
  }
  const std::size_t n = static_cast<std::size_t>(lm.ncores);
  lm.region_bytes.assign(n, 0);
  lm.weight_bytes.assign(n, 0);
  lm.traffic.assign(n, CoreTraffic{});
  lm.macs.assign(n, 0);
  lm.samples.assign(n, {});
  lm.work_samples.assign(n, {});
  lm.tail_samples.assign(n, {});
  for (const isa::TensorDecl& t : prog.tensors) {
    const std::size_t c = std::min<std::size_t>(t.core, n - 1);
    lm.region_bytes[c] = std::max(lm.region_bytes[c], t.dram_offset + t.bytes);
    if (t.kind == isa::TensorKind::kWeight) lm.weight_bytes[c] += t.bytes;
  }
  for (std::size_t c = 0; c < n && c < prog.memory.size(); ++c) {
    lm.region_bytes[c] = std::max(lm.region_bytes[c], prog.memory[c].dram_bytes);
  }
  for (const isa::LayerInfo& l : prog.layers) {
    lm.macs[std::min<std::size_t>(l.core, n - 1)] += static_cast<double>(l.macs);
  }
  for (std::size_t c = 0; c < n; ++c) {
    for (const isa::Queue& q : prog.cores[c].queues) {
      if (q.engine != isa::EngineKind::kDma) continue;
      for (const isa::Instruction& inst : q.instructions) {
        if (inst.opcode != isa::Opcode::kDmaCopy) continue;
        // What the DRAM channels see of it (the hardware model counts the bytes touched).
        if (inst.src0.space == isa::MemSpace::kDram) {
          lm.traffic[c].read += static_cast<double>(inst.src0.bytes());
        }
        if (inst.dst.space == isa::MemSpace::kDram) {
          lm.traffic[c].write += static_cast<double>(inst.dst.bytes());
        }
      }
    }
  }
  // The encoded program (instructions, metadata) lives in DRAM beside program core 0's region.
  const std::size_t model_index = static_cast<std::size_t>(lm.model - spec_.models.data());
  lm.region_bytes[0] += program_bytes_[model_index];
  lm.weight_bytes[0] += program_bytes_[model_index];
  for (std::size_t c = 0; c < n; ++c) {
    const int core = g.cores[c];
    const int chip = inst_.chip_of(core);
    lm.binding.cores.push_back(core);
    std::uint64_t& used = dram_used[static_cast<std::size_t>(chip)];
    const std::uint64_t size = cfg_.chip.dram.size;
    if (lm.region_bytes[c] > size - used) {
      throw SimError(who + " does not fit in device DRAM: it needs " + mib(lm.region_bytes[c]) +
                         " on chip " + std::to_string(chip) + ", where " + mib(size - used) +
                         " of " + mib(size) + " are free",
                     ErrorKind::kDoesNotFit);
    }
    lm.binding.dram_base.push_back(used);
    lm.chip_of_core.push_back(chip);
    // Keep regions page aligned so that DRAM channel interleaving starts afresh per model.
    used += (lm.region_bytes[c] + 4095) / 4096 * 4096;
    used = std::min(used, size);
  }
  for (const isa::TensorDecl& t : prog.tensors) {
    if (t.kind != isa::TensorKind::kInput && t.kind != isa::TensorKind::kOutput) continue;
    const std::size_t c = std::min<std::size_t>(t.core, n - 1);
    IoTensor io{lm.chip_of_core[c], lm.binding.dram_base[c] + t.dram_offset, t.bytes};
    (t.kind == isa::TensorKind::kInput ? lm.inputs : lm.outputs).push_back(io);
  }
  lm.inflight = std::make_unique<HostSemaphore>(rt_.queue_depth);
}

void Runtime::submit(Process& p, std::function<void(int thread)> job) {
  p.jobs.push_back(std::move(job));
  if (!p.idle_workers.empty()) {
    sc_core::sc_event* e = p.idle_workers.front();
    p.idle_workers.pop_front();
    e->notify();
  }
}

void Runtime::worker(Process& p, int thread) {
  for (;;) {
    if (p.jobs.empty()) {
      sc_core::sc_event wake;
      p.idle_workers.push_back(&wake);
      sc_core::wait(wake);
      continue;
    }
    std::function<void(int)> job = std::move(p.jobs.front());
    p.jobs.pop_front();
    job(thread);
    if (inst_.failed()) return;
  }
}

void Runtime::process_main(Process& p) {
  for (std::size_t k = 0; k < p.loaded.size(); ++k) {
    const double t0 = now_s();
    load(p, *p.loaded[k], k == 0);
    p.loaded[k]->load_seconds = now_s() - t0;
    if (inst_.failed()) return;
  }
  p.load_end = now_s();
  run_requests(p, p.spec->workload.warmup, false);
  if (inst_.failed()) return;
  p.measure_start = now_s();
  if (!traffic_started_) {
    traffic_started_ = true;
    traffic(stats_, traffic_start_);
  }
  run_requests(p, p.spec->workload.requests, true);
  p.measure_end = now_s();
}

int Runtime::images_per_request(const Process& p) const {
  const WorkloadSpec& w = p.spec->workload;
  if (w.user_batch > 0) return w.user_batch;
  const int batch = static_cast<int>(p.loaded[0]->model->program->options.batch);
  return w.call == CallKind::kDataParallel ? batch * static_cast<int>(p.loaded.size()) : batch;
}

void Runtime::run_requests(Process& p, int count, bool measured) {
  const WorkloadSpec& w = p.spec->workload;
  if (count <= 0) return;
  const int images = images_per_request(p);
  const double t0 = now_s();
  int remaining = count;
  sc_core::sc_event all_done;
  double arrival = t0;
  for (int r = 0; r < count; ++r) {
    if (measured && w.arrivals == ArrivalKind::kOpenLoop) {
      arrival += exponential(rng_, w.rate);
    } else if (measured && w.arrivals == ArrivalKind::kList) {
      arrival = t0 + w.times[static_cast<std::size_t>(r)];
    }
    if (arrival > now_s()) wait_s(arrival - now_s());
    const bool closed = !measured || w.arrivals == ArrivalKind::kClosedLoop;
    const double issued = now_s();
    auto finish = [this, &p, &remaining, &all_done, measured, images, closed,
                   issued](double started) {
      if (measured) {
        p.latencies.push_back(now_s() - (closed ? started : issued));
        p.measured_images += images;
      }
      if (--remaining == 0) all_done.notify();
    };
    if (w.call == CallKind::kDataParallel) {
      // The script's main thread makes the call itself and blocks until it returns.
      const double started = now_s();
      data_parallel(p, images);
      finish(started);
      if (inst_.failed()) return;
      continue;
    }
    Loaded* lm = p.loaded[p.next_request++ % p.loaded.size()].get();
    submit(p, [this, &p, lm, images, finish](int thread) {
      const double started = now_s();
      predict(p, *lm, images);
      trace_request(p, thread, lm->model->name, started);
      finish(started);
    });
  }
  while (remaining > 0 && !inst_.failed()) sc_core::wait(all_done);
}

void Runtime::load(Process& p, Loaded& lm, bool first) {
  host_work(first ? rt_.load_overhead : rt_.load_overhead_per_core);
  for (int c = 0; c < lm.ncores; ++c) {
    const auto cu = static_cast<std::size_t>(c);
    inst_.host_to_device(lm.chip_of_core[cu], lm.weight_bytes[cu], lm.binding.dram_base[cu]);
  }
  Group& g = *lm.group;
  std::vector<std::uint64_t> tickets;
  for (int core : g.cores) tickets.push_back(core_locks_[static_cast<std::size_t>(core)].take());
  for (std::size_t i = 0; i < g.cores.size(); ++i) {
    core_locks_[static_cast<std::size_t>(g.cores[i])].wait_turn(tickets[i]);
  }
  run_program(inst_, *lm.model->program, lm.binding, Phase::kSetup);
  g.active = &lm;
  for (int core : g.cores) core_locks_[static_cast<std::size_t>(core)].release();
  (void)p;
}

void Runtime::predict(Process& p, Loaded& lm, int images) {
  const isa::Program& prog = *lm.model->program;
  const int batch = std::max<int>(1, static_cast<int>(prog.options.batch));
  const int chunks = (images + batch - 1) / batch;
  framework_work(p, rt_.framework_overhead);
  double before_flops = 0, before_bytes = 0, after_flops = 0, after_bytes = 0;
  for (const isa::HostOp& op : prog.host_ops) {
    (op.before_device ? before_flops : after_flops) += static_cast<double>(op.flops);
    (op.before_device ? before_bytes : after_bytes) += static_cast<double>(op.bytes);
  }
  // Runtime 1.x converts the user's fp32 tensors in neuron-rtd (its CPU nodes, ref §4.3), and the
  // daemon's request handling replaces the in-process submit of runtime 2.x.
  const bool daemon = rt_.generation == 1;
  const double cast_in = static_cast<double>(lm.model->user_input_bytes) / rt_.host_cast_bandwidth;
  const double cast_out =
      static_cast<double>(lm.model->user_output_bytes) / rt_.host_cast_bandwidth;
  for (int chunk = 0; chunk < chunks; ++chunk) {
    host_work((daemon ? 0 : cast_in) + before_flops / rt_.host_flops +
              before_bytes / rt_.host_copy_bandwidth + rt_.cpu_node_time);
    lm.inflight->acquire();
    if (daemon) {
      // The daemon owns the device: it stages the IFMAPs over PCIe before the next request.
      HostHold handler(daemon_);
      host_work(rt_.daemon_request_overhead + cast_in +
                static_cast<double>(lm.model->user_input_bytes) / rt_.daemon_copy_bandwidth);
      for (const IoTensor& t : lm.inputs) inst_.host_to_device(t.chip, t.bytes, t.address);
    } else {
      host_work(rt_.submit_overhead);
      for (const IoTensor& t : lm.inputs) inst_.host_to_device(t.chip, t.bytes, t.address);
    }
    device(lm);
    for (const IoTensor& t : lm.outputs) inst_.device_to_host(t.chip, t.bytes, t.address);
    lm.inflight->release();
    if (daemon) daemon_work(cast_out, static_cast<double>(lm.model->user_output_bytes));
    host_work((daemon ? 0 : cast_out) + after_flops / rt_.host_flops +
              after_bytes / rt_.host_copy_bandwidth);
    if (inst_.failed()) return;
  }
}

void Runtime::data_parallel(Process& p, int images) {
  const int n = static_cast<int>(p.loaded.size());
  const int per_copy = images / n;
  framework_work(p, rt_.task_overhead * n);
  int remaining = n;
  sc_core::sc_event done;
  for (int i = 0; i < n; ++i) {
    Loaded* lm = p.loaded[static_cast<std::size_t>(i)].get();
    submit(p, [this, &p, lm, per_copy, &remaining, &done](int thread) {
      const double started = now_s();
      predict(p, *lm, per_copy);
      trace_request(p, thread, lm->model->name, started);
      if (--remaining == 0) done.notify();
    });
  }
  while (remaining > 0 && !inst_.failed()) sc_core::wait(done);
  // as_completed + result() per future, then output = torch.cat([output, r]) one slice at a
  // time: the k-th cat copies k + 1 slices.
  const RuntimeModel& m = *p.loaded[0]->model;
  const double batch = std::max<double>(1, m.program->options.batch);
  const double slice_out = static_cast<double>(m.user_output_bytes) / batch * per_copy;
  double copied = 0;
  for (int k = 1; k < n; ++k) copied += (k + 1) * slice_out;
  framework_work(p, rt_.task_overhead * n + copied / rt_.host_copy_bandwidth);
}

void Runtime::record_sample(Loaded& lm, const std::vector<double>& stage_seconds,
                            const std::vector<double>& work, const std::vector<double>& tail) {
  const DetailOptions& d = spec_.detail;
  for (std::size_t c = 0; c < stage_seconds.size(); ++c) {
    lm.samples[c].push_back(stage_seconds[c]);
    lm.work_samples[c].push_back(c == 0 ? stage_seconds[c] : work[c]);
    lm.tail_samples[c].push_back(tail[c]);
  }
  if (d.full) return;
  const std::size_t count = lm.samples[0].size();
  const std::size_t window = static_cast<std::size_t>(std::max(1, d.window));
  if (count < static_cast<std::size_t>(std::max(d.min_samples, 1)) || count < window) return;
  bool stable = true;
  std::vector<double> mean(stage_seconds.size(), 0);
  for (std::size_t c = 0; c < stage_seconds.size(); ++c) {
    const std::vector<double>& s = lm.samples[c];
    for (std::size_t i = count - window; i < count; ++i)
      mean[c] += s[i] / static_cast<double>(window);
    for (std::size_t i = count - window; i < count; ++i) {
      if (std::abs(s[i] - mean[c]) > d.tolerance * mean[c]) stable = false;
    }
  }
  if (stable || count >= static_cast<std::size_t>(d.max_samples)) {
    lm.converged = true;
    lm.ff_time.assign(stage_seconds.size(), 0);
    lm.ff_tail.assign(stage_seconds.size(), 0);
    for (std::size_t c = 0; c < stage_seconds.size(); ++c) {
      for (std::size_t i = count - window; i < count; ++i) {
        lm.ff_time[c] += lm.work_samples[c][i] / static_cast<double>(window);
        lm.ff_tail[c] += lm.tail_samples[c][i] / static_cast<double>(window);
      }
    }
  }
}

void Runtime::device(Loaded& lm) {
  Group& g = *lm.group;
  const isa::Program& prog = *lm.model->program;
  const int n = lm.ncores;
  std::vector<std::uint64_t> tickets;
  for (int core : g.cores) tickets.push_back(core_locks_[static_cast<std::size_t>(core)].take());
  auto lock = [&](std::size_t i) -> TicketLock& {
    return core_locks_[static_cast<std::size_t>(g.cores[i])];
  };
  lock(0).wait_turn(tickets[0]);
  if (g.active != &lm) {
    // Only one model of a group runs at a time: drain the group, then bring this model's
    // on-chip state back (its setup queues through the DMA model) and restart it.
    for (std::size_t i = 1; i < g.cores.size(); ++i) lock(i).wait_turn(tickets[i]);
    run_program(inst_, prog, lm.binding, Phase::kSetup);
    wait_s(rt_.context_switch_overhead);
    g.active = &lm;
    ++lm.switches;
  }
  for (std::size_t i = static_cast<std::size_t>(n); i < g.cores.size(); ++i) {
    lock(i).wait_turn(tickets[i]);
    lock(i).release();
  }
  ++lm.inferences;
  const bool detailed = !lm.converged;
  if (detailed)
    ++lm.detailed;
  else
    ++lm.fast_forwarded;
  const ExecutionId id = detailed ? inst_.new_execution_id() : 0;
  std::vector<double> stage(static_cast<std::size_t>(n), 0);
  std::vector<double> start(static_cast<std::size_t>(n), -1);
  std::vector<double> end(static_cast<std::size_t>(n), 0);
  std::vector<double> work(static_cast<std::size_t>(n), 0);
  std::vector<bool> finished(static_cast<std::size_t>(n), false);
  sc_core::sc_event progress;
  int remaining = n;
  auto run_stage = [&, detailed, id](int c) {
    const auto cu = static_cast<std::size_t>(c);
    lock(cu).wait_turn(tickets[cu]);
    const int core = g.cores[cu];
    const double t0 = now_s();
    if (detailed) {
      CoreRecord& rec = cores_[static_cast<std::size_t>(core)];
      double before[3];
      for (int e = 0; e < 3; ++e) before[e] = stats_.value(rec.engine_stat[e]);
      start[cu] = t0;
      progress.notify();
      run_program_core(inst_, prog, c, lm.binding, Phase::kInference, id);
      const double clock = cfg_.chip.core.clock;
      for (int e = 0; e < 3; ++e) {
        const double busy = (stats_.value(rec.engine_stat[e]) - before[e]) / clock;
        rec.engine_seconds[e] += busy;
        work[cu] = std::max(work[cu], busy);
      }
      rec.detailed_seconds += now_s() - t0;
    } else {
      // A stage cannot start before the one feeding it; it does its own work, and it cannot
      // finish before the measured tail after the stage feeding it has finished.
      while (c > 0 && start[cu - 1] < 0) sc_core::wait(progress);
      start[cu] = now_s();
      progress.notify();
      const int slices = std::max(1, spec_.detail.ff_slices);
      const double step = lm.ff_time[cu] / slices;
      Dram& dram = inst_.dram(lm.chip_of_core[cu]);
      const std::uint64_t base = lm.binding.dram_base[cu];
      const std::uint64_t span = std::max<std::uint64_t>(lm.region_bytes[cu], 1);
      for (int s = 0; s < slices; ++s) {
        book_fast_forward(dram, base, span, lm.traffic[cu].read / slices, false, step);
        book_fast_forward(dram, base, span, lm.traffic[cu].write / slices, true, step);
        wait_s(step);
      }
      while (c > 0 && !finished[cu - 1]) sc_core::wait(progress);
      if (c > 0) wait_s(end[cu - 1] + lm.ff_tail[cu] - now_s());
    }
    stage[cu] = now_s() - t0;
    end[cu] = now_s();
    stage_busy(core, t0, now_s(), lm, detailed);
    finished[cu] = true;
    progress.notify();
    lock(cu).release();
    if (--remaining == 0) progress.notify();
  };
  for (int c = 1; c < n; ++c) {
    sc_core::sc_spawn([&, c] { guarded([&] { run_stage(c); }); },
                      sc_core::sc_gen_unique_name("stage"));
  }
  run_stage(0);
  while (remaining > 0 && !inst_.failed()) sc_core::wait(progress);
  if (inst_.failed()) return;
  lm.device_total +=
      *std::max_element(end.begin(), end.end()) - *std::min_element(start.begin(), start.end());
  if (detailed) {
    std::vector<double> tail(static_cast<std::size_t>(n), 0);
    for (std::size_t c = 1; c < tail.size(); ++c) tail[c] = std::max(0.0, end[c] - end[c - 1]);
    record_sample(lm, stage, work, tail);
  }
}

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    const auto n = static_cast<double>(v.size());
    const auto i = static_cast<std::size_t>(std::max(1.0, std::ceil(q * n))) - 1;
    return v[std::min(i, v.size() - 1)];
  };
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

ScenarioResult Runtime::result() {
  ScenarioResult r;
  r.name = spec_.name;
  double start = -1, end = 0;
  std::vector<double> lat;
  for (const auto& p : processes_) {
    if (p->measure_start >= 0 && (start < 0 || p->measure_start < start)) start = p->measure_start;
    end = std::max(end, p->measure_end);
    lat.insert(lat.end(), p->latencies.begin(), p->latencies.end());
    r.images += p->measured_images;
    r.requests += static_cast<int>(p->latencies.size());
    r.load_seconds = std::max(r.load_seconds, p->load_end);
  }
  if (start < 0) start = end;
  r.window_seconds = end - start;
  r.throughput = r.window_seconds > 0 ? r.images / r.window_seconds : 0;
  r.latency = percentiles(lat);
  r.simulated_seconds = now_s();
  for (const auto& p : processes_) {
    for (const auto& g : p->groups) {
      for (int core : g->cores) {
        const CoreRecord& c = cores_[static_cast<std::size_t>(core)];
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
      LoadedModelResult m;
      m.model = lm->model->name;
      m.process = p->spec->name;
      m.group = lm->group->index;
      m.cores = lm->binding.cores;
      m.load_seconds = lm->load_seconds;
      m.inferences = lm->inferences;
      m.detailed = lm->detailed;
      m.fast_forwarded = lm->fast_forwarded;
      m.context_switches = lm->switches;
      m.device_seconds = lm->inferences > 0 ? lm->device_total / lm->inferences : 0;
      const isa::TensorEngineConfig& te = cfg_.chip.core.tensor;
      const double peak = static_cast<double>(te.rows) * te.cols * cfg_.chip.core.clock;
      double util = 0;
      for (std::size_t c = 0; c < lm->samples.size(); ++c) {
        double mean = 0;
        for (double s : lm->samples[c]) mean += s;
        if (!lm->samples[c].empty()) mean /= static_cast<double>(lm->samples[c].size());
        if (mean > 0) util += lm->macs[c] / (peak * mean);
      }
      m.matrix_utilization =
          lm->samples.empty() ? 0 : util / static_cast<double>(lm->samples.size());
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
  double t_end[3];
  traffic(stats_, t_end);
  r.dram_bytes = t_end[0] - traffic_start_[0];
  r.pcie_bytes = t_end[1] - traffic_start_[1];
  r.neuronlink_bytes = t_end[2] - traffic_start_[2];
  return r;
}

}  // namespace

ScenarioResult run_scenario(const isa::InstanceConfig& config, const ScenarioSpec& spec) {
  for (const ProcessSpec& p : spec.processes) {
    const WorkloadSpec& w = p.workload;
    if (w.arrivals == ArrivalKind::kOpenLoop && !(w.rate > 0)) {
      throw SimError("process '" + p.name + "': an open-loop workload needs a positive rate");
    }
    if (w.arrivals == ArrivalKind::kList &&
        w.times.size() != static_cast<std::size_t>(w.requests)) {
      throw SimError("process '" + p.name + "': a request list needs one time per request");
    }
  }
  Stats stats;
  std::unique_ptr<TraceWriter> trace;
  if (!spec.trace_path.empty()) trace = std::make_unique<TraceWriter>(spec.trace_path);
  Instance inst("inf1", config, stats, trace.get());
  Runtime runtime(config, spec, inst, stats, trace.get());
  runtime.start();
  simulate(inst);
  ScenarioResult r = runtime.result();
  std::ostringstream os;
  stats.dump_json(os, r.window_seconds);
  r.stats_json = os.str();
  if (trace) trace->close();
  return r;
}

}  // namespace infsim::sim
