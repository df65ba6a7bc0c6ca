#include "sim/runtime/runtime.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "isa/ifx_format.h"
#include "sim/core/sim_error.h"
#include "sim/core/stats.h"
#include "sim/core/trace_writer.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "sim/runtime/device_path.h"
#include "sim/runtime/host_cpus.h"
#include "sim/runtime/placement.h"
#include "sim/runtime/results.h"

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

double now_s() {
  return sc_core::sc_time_stamp().to_seconds();
}
void wait_s(double s) {
  if (s > 0) sc_core::wait(sc_core::sc_time(s, sc_core::SC_SEC));
}

// A portable exponential draw: the same seed gives the same arrivals on every platform.
double exponential(std::mt19937_64& rng, double rate) {
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return -std::log1p(-u) / rate;
}

std::vector<std::uint64_t> program_sizes(const ScenarioSpec& spec) {
  std::vector<std::uint64_t> out;
  for (const RuntimeModel& m : spec.models) {
    out.push_back(m.program_bytes != 0 || m.program == nullptr
                      ? m.program_bytes
                      : isa::encode_program(*m.program).size());
  }
  return out;
}

// What one compiled-batch inference of a model costs the host besides the device.
struct HostPath {
  double in_bytes = 0, out_bytes = 0;  // the user's tensors
  double in_cast_bandwidth = 0, out_cast_bandwidth = 0;
  double before_flops = 0, before_bytes = 0, after_flops = 0, after_bytes = 0;
  bool host_before = false, host_after = false;  // the graph has CPU-fallback ops there
};

class Runtime {
 public:
  Runtime(const SystemConfig& cfg, const ScenarioSpec& spec, Instance& inst, Stats& stats,
          TraceWriter* trace)
      : cfg_(cfg),
        fw_(cfg.framework),
        rt_(cfg.runtime),
        spec_(spec),
        inst_(inst),
        stats_(stats),
        trace_(trace),
        host_(cfg.host, spec.seed ^ 0x9e3779b97f4a7c15ull),
        daemon_(cfg.runtime.daemon_workers),
        load_lock_(cfg.runtime.load_concurrency),
        device_(cfg, spec.detail, inst, trace),
        placement_(place(cfg, spec, program_sizes(spec))),
        rng_(spec.seed) {
    build();
  }

  void start() {
    for (auto& p : processes_) {
      ProcessState* pp = p.get();
      for (int t = 0; t < std::max(1, pp->spec->workload.threads); ++t) {
        if (trace_ != nullptr) {
          const int pid = inst_.num_chips() + pp->index;
          trace_->process(pid, "host process " + pp->spec->name);
          pp->worker_tracks.push_back(trace_->track(pid, "thread " + std::to_string(t)));
          if (t == 0) pp->load_track = trace_->track(pid, "model load");
        }
        sc_core::sc_spawn([this, pp, t] { guarded([&] { worker(*pp, t); }); },
                          sc_core::sc_gen_unique_name("host_thread"));
      }
      sc_core::sc_spawn([this, pp] { guarded([&] { process_main(*pp); }); },
                        sc_core::sc_gen_unique_name("host_process"));
    }
  }

  ScenarioResult result() const {
    return collect_result(cfg_, spec_, processes_, device_, traffic_start_, traffic(stats_));
  }

 private:
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const SimError&) {
      inst_.report_error(std::current_exception());
    }
  }

  void build();
  void process_main(ProcessState& p);
  void worker(ProcessState& p, int thread);
  void submit(ProcessState& p, std::function<void(int thread)> job);
  void run_requests(ProcessState& p, int count, bool measured);
  void load(LoadedModel& lm);
  // Returns when each of its inferences started on the device.
  std::vector<double> predict(ProcessState& p, LoadedModel& lm, int images);
  void data_parallel(ProcessState& p, int images);
  double inference(LoadedModel& lm, const HostPath& h);
  HostPath host_path(const LoadedModel& lm) const;
  int images_per_request(const ProcessState& p) const;

  // Python-side work of a process: under its GIL, on a vCPU.
  void python(ProcessState& p, double seconds) {
    if (seconds <= 0) return;
    HostHold gil(*p.gil);
    host_.compute(seconds);
  }
  // The user's tensor into (or out of) the runtime's buffer: a cast when the dtypes differ, a
  // copy when they match.
  void convert(double bytes, double bandwidth) {
    if (bytes > 0) host_.copy(bytes, bandwidth);
  }
  // A host thread's call, on its track of the process's trace row: a flow to each device
  // inference it caused, and the model's in-flight count.
  void trace_request(const ProcessState& p, int thread, const LoadedModel& lm, double started,
                     const std::vector<double>& device_starts) {
    if (trace_ == nullptr) return;
    const int track = p.worker_tracks[static_cast<std::size_t>(thread)];
    const std::string& model = lm.model->name;
    trace_->slice(track, "predict " + model, started, now_s());
    for (double d : device_starts)
      trace_->flow(track, started, device_.trace_track(lm.group->cores[0]), d);
    const int pid = inst_.num_chips() + p.index;
    trace_->level(pid, "in-flight " + model, started, 1);
    trace_->level(pid, "in-flight " + model, now_s(), -1);
  }

  const SystemConfig& cfg_;
  const FrameworkConfig& fw_;
  const RuntimeConfig& rt_;
  const ScenarioSpec& spec_;
  Instance& inst_;
  Stats& stats_;
  TraceWriter* trace_;
  HostCpus host_;
  HostSemaphore daemon_;     // runtime 1.x: neuron-rtd's worker threads, one pool per instance
  HostSemaphore load_lock_;  // model loads' driver allocation, load_concurrency at a time
  DevicePath device_;
  Placement placement_;
  std::vector<std::unique_ptr<ProcessState>> processes_;
  std::mt19937_64 rng_;
  Traffic traffic_start_;
  bool traffic_started_ = false;
  int loaded_ = 0;  // processes whose models are loaded
  int ready_ = 0;   // processes loaded and warmed up
  sc_core::sc_event all_loaded_;
  sc_core::sc_event all_ready_;
};

void Runtime::build() {
  for (std::size_t pi = 0; pi < spec_.processes.size(); ++pi) {
    const PlacedProcess& pp = placement_.processes[pi];
    auto p = std::make_unique<ProcessState>();
    p->spec = &spec_.processes[pi];
    p->index = static_cast<int>(pi);
    p->gil = std::make_unique<HostSemaphore>(1);
    for (std::size_t g = 0; g < pp.groups.size(); ++g) {
      auto group = std::make_unique<GroupState>();
      group->index = static_cast<int>(g);
      group->cores = pp.groups[g];
      p->groups.push_back(std::move(group));
    }
    for (const PlacedModel& placed : pp.models) {
      auto lm = std::make_unique<LoadedModel>();
      lm->model = &spec_.models[static_cast<std::size_t>(placed.model)];
      lm->placed = &placed;
      lm->process = p.get();
      lm->group = p->groups[static_cast<std::size_t>(placed.group)].get();
      lm->ncores = static_cast<int>(placed.cores.size());
      lm->binding.cores = placed.cores;
      lm->binding.dram_base = placed.dram_base;
      // NEURON_MAX_NUM_INFERS: 0 is the framework default, the model's NeuronCores plus three
      // (ref §4.3).
      const int ninfer = fw_.ninfer > 0 ? fw_.ninfer : lm->ncores + 3;
      lm->inflight = std::make_unique<HostSemaphore>(ninfer);
      p->loaded.push_back(std::move(lm));
    }
    processes_.push_back(std::move(p));
  }
}

void Runtime::submit(ProcessState& p, std::function<void(int thread)> job) {
  p.jobs.push_back(std::move(job));
  if (!p.idle_workers.empty()) {
    sc_core::sc_event* e = p.idle_workers.front();
    p.idle_workers.pop_front();
    e->notify();
  }
}

void Runtime::worker(ProcessState& p, int thread) {
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

void Runtime::process_main(ProcessState& p) {
  for (std::size_t k = 0; k < p.loaded.size(); ++k) {
    const double t0 = now_s();
    load(*p.loaded[k]);
    p.loaded[k]->load_seconds = now_s() - t0;
    if (inst_.failed()) return;
  }
  p.load_end = now_s();
  // The warm-ups start together, once every process has loaded: the driver takes one load at a
  // time, so the loads end staggered, and a process warming up alone would meet less contention
  // than its neighbours give it in the measured window.
  const bool others_loading = ++loaded_ < static_cast<int>(processes_.size());
  if (others_loading) {
    sc_core::wait(all_loaded_);
  } else {
    all_loaded_.notify();
  }
  if (inst_.failed()) return;
  run_requests(p, p.spec->workload.warmup, false);
  if (inst_.failed()) return;
  // The measured requests start together, once every process has loaded and warmed up, as a
  // benchmark's workers do (NeuronPerf starts its timer when all workers are ready): otherwise
  // a process whose loads finished first would run part of its window without its neighbours'
  // DRAM and host contention, and the sum of the processes' rates would overstate the
  // instance's.
  if (++ready_ < static_cast<int>(processes_.size())) {
    sc_core::wait(all_ready_);
  } else {
    all_ready_.notify();
  }
  if (inst_.failed()) return;
  // A process that waited for its neighbours' loads warmed up in a burst with all of them, unlike
  // the measured steady state: its device-time samples that have not converged yet are dropped,
  // so that the fast-forward replays the measured window's device time. (A process that loaded
  // last, or alone, keeps them.)
  for (auto& lm : p.loaded) {
    Sampling& s = lm->sampling;
    if (!others_loading || s.converged) continue;
    s.samples.clear();
    s.work_samples.clear();
    s.tail_samples.clear();
  }
  p.measure_start = now_s();
  if (!traffic_started_) {
    traffic_started_ = true;
    traffic_start_ = traffic(stats_);
  }
  run_requests(p, p.spec->workload.requests, true);
  p.measure_end = now_s();
}

int Runtime::images_per_request(const ProcessState& p) const {
  const WorkloadSpec& w = p.spec->workload;
  if (w.user_batch > 0) return w.user_batch;
  const int batch = static_cast<int>(p.loaded[0]->model->program->options.batch);
  return w.call == CallKind::kDataParallel ? batch * static_cast<int>(p.loaded.size()) : batch;
}

void Runtime::run_requests(ProcessState& p, int count, bool measured) {
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
    auto finish = [&p, &remaining, &all_done, measured, images, closed, issued](double started) {
      if (measured) {
        p.latencies.push_back(now_s() - (closed ? started : issued));
        p.completions.push_back(now_s());
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
    LoadedModel* lm = p.loaded[p.next_request++ % p.loaded.size()].get();
    submit(p, [this, &p, lm, images, finish](int thread) {
      const double started = now_s();
      trace_request(p, thread, *lm, started, predict(p, *lm, images));
      finish(started);
    });
  }
  while (remaining > 0 && !inst_.failed()) sc_core::wait(all_done);
}

// The documented load flow (ref §4.2): the process unpacks, parses and validates the NEFF on its
// vCPU, in parallel with other processes (a later copy of the same model in the process reuses
// the unpacked NEFF, as the runtime's model cache does); the allocation of NeuronCores, device
// DRAM and host resources goes through the driver runtime.load_concurrency loads at a time
// across the instance (one fits NeuronPerf's 1 vs 16-copy load rows); then
// the weights cross PCIe and the cores run the program's setup.
void Runtime::load(LoadedModel& lm) {
  const double started = now_s();
  ProcessState& p = *lm.process;
  if (std::find(p.unpacked.begin(), p.unpacked.end(), lm.model) == p.unpacked.end()) {
    host_.compute(rt_.load_unpack_time);
    p.unpacked.push_back(lm.model);
  }
  {
    HostHold driver(load_lock_);
    wait_s(rt_.load_locked_time);
  }
  const PlacedModel& placed = *lm.placed;
  for (std::size_t c = 0; c < placed.cores.size(); ++c) {
    inst_.host_to_device(placed.chip_of_core[c], placed.weight_bytes[c], placed.dram_base[c]);
  }
  device_.load(lm);
  if (trace_ != nullptr)
    trace_->slice(lm.process->load_track, "load " + lm.model->name, started, now_s());
}

HostPath Runtime::host_path(const LoadedModel& lm) const {
  HostPath h;
  const isa::Program& prog = *lm.model->program;
  // framework.io_on_device: the caller's tensors never leave the device, so the host neither
  // copies nor casts them (the graph's CPU nodes below still run).
  if (!fw_.io_on_device) {
    h.in_bytes = static_cast<double>(lm.model->user_input_elements) * fw_.user_element_bytes;
    h.out_bytes = static_cast<double>(lm.model->user_output_elements) * fw_.user_element_bytes;
  }
  // A cast when the user's element size differs from the program's tensors', else a copy.
  auto rate = [&](isa::TensorKind kind, double user_bytes) {
    double device_bytes = 0;
    for (const isa::TensorDecl& t : prog.tensors) {
      if (t.kind == kind) device_bytes += static_cast<double>(t.bytes);
    }
    return device_bytes == user_bytes ? cfg_.host.copy_bandwidth : cfg_.host.cast_bandwidth;
  };
  h.in_cast_bandwidth = rate(isa::TensorKind::kInput, h.in_bytes);
  h.out_cast_bandwidth = rate(isa::TensorKind::kOutput, h.out_bytes);
  for (const isa::HostOp& op : prog.host_ops) {
    (op.before_device ? h.host_before : h.host_after) = true;
    (op.before_device ? h.before_flops : h.after_flops) += static_cast<double>(op.flops);
    (op.before_device ? h.before_bytes : h.after_bytes) += static_cast<double>(op.bytes);
  }
  return h;
}

// One compiled-batch inference once it holds an in-flight slot, from the runtime's side: runtime
// 1.x hands it to a neuron-rtd worker (request handling, the tensors' gRPC copies unless they are
// in shared memory, the IFMAP conversion and the CPU nodes, ref §4.3) and the worker is free
// again while the NeuronCores run; the IFMAPs cross PCIe (unless framework.io_on_device), the
// group's queue runs it, the OFMAPs come back and (runtime 1.x) a worker copies them out.
double Runtime::inference(LoadedModel& lm, const HostPath& h) {
  const bool daemon = fw_.runtime == 1;
  if (daemon) {
    HostHold worker(daemon_);
    host_.compute(rt_.daemon_request_overhead + fw_.cpu_node_time);
    if (!fw_.shared_memory) host_.copy(h.in_bytes, rt_.daemon_copy_bandwidth);
    convert(h.in_bytes, h.in_cast_bandwidth);
  }
  const PlacedModel& placed = *lm.placed;
  // framework.io_on_device keeps the caller's tensors on the device, but a CPU-fallback op
  // computes the device's input on the host (or reads its output there): that tensor crosses PCIe.
  if (!fw_.io_on_device || h.host_before) {
    for (const IoTensor& t : placed.inputs) inst_.host_to_device(t.chip, t.bytes, t.address);
  }
  const double device_start = device_.execute(lm);
  if (!fw_.io_on_device || h.host_after) {
    for (const IoTensor& t : placed.outputs) inst_.device_to_host(t.chip, t.bytes, t.address);
  }
  if (daemon) {
    HostHold worker(daemon_);
    if (!fw_.shared_memory) host_.copy(h.out_bytes, rt_.daemon_copy_bandwidth);
    convert(h.out_bytes, h.out_cast_bandwidth);
  }
  return device_start;
}

// One framework call of `images` images on one loaded model. The Python side holds the GIL; the
// framework releases it for the runtime call (or not: fw.releases_gil). A batch larger than the
// compiled one goes in compiled-batch chunks (dynamic batching), up to ninfer of them in flight:
// the next chunk is staged while the previous ones run.
std::vector<double> Runtime::predict(ProcessState& p, LoadedModel& lm, int images) {
  const isa::Program& prog = *lm.model->program;
  const int batch = std::max<int>(1, static_cast<int>(prog.options.batch));
  const int chunks = (images + batch - 1) / batch;
  const HostPath h = host_path(lm);
  const bool daemon = fw_.runtime == 1;
  std::unique_ptr<HostHold> whole_call;
  if (fw_.releases_gil) {
    python(p, fw_.call_overhead);
  } else {
    whole_call = std::make_unique<HostHold>(*p.gil);
    host_.compute(fw_.call_overhead);
  }
  int pending = 0;
  sc_core::sc_event chunk_done;
  std::vector<double> device_starts;
  for (int chunk = 0; chunk < chunks && !inst_.failed(); ++chunk) {
    for (int k = 0; k < fw_.input_copies; ++k) host_.copy(h.in_bytes, cfg_.host.copy_bandwidth);
    host_.compute(h.before_flops / cfg_.host.flops);
    if (h.before_bytes > 0) host_.copy(h.before_bytes, cfg_.host.copy_bandwidth);
    lm.inflight->acquire();
    if (!daemon) {
      // libnrt in the process: this thread converts the tensor into the IFMAP buffer, runs the
      // CPU nodes and submits.
      convert(h.in_bytes, h.in_cast_bandwidth);
      host_.compute(fw_.cpu_node_time + rt_.submit_overhead);
    }
    ++pending;
    sc_core::sc_spawn(
        [this, &lm, h, &pending, &chunk_done, &device_starts] {
          guarded([&] { device_starts.push_back(inference(lm, h)); });
          lm.inflight->release();
          --pending;
          chunk_done.notify();
        },
        sc_core::sc_gen_unique_name("inference"));
  }
  while (pending > 0 && !inst_.failed()) sc_core::wait(chunk_done);
  if (inst_.failed()) return device_starts;
  host_.wake();
  for (int chunk = 0; chunk < chunks; ++chunk) {
    if (!daemon) convert(h.out_bytes, h.out_cast_bandwidth);
    host_.compute(h.after_flops / cfg_.host.flops);
    if (h.after_bytes > 0) host_.copy(h.after_bytes, cfg_.host.copy_bandwidth);
  }
  return device_starts;
}

void Runtime::data_parallel(ProcessState& p, int images) {
  const int n = static_cast<int>(p.loaded.size());
  const int per_copy = images / n;
  python(p, fw_.task_overhead * n);
  int remaining = n;
  sc_core::sc_event done;
  for (int i = 0; i < n; ++i) {
    LoadedModel* lm = p.loaded[static_cast<std::size_t>(i)].get();
    submit(p, [this, &p, lm, per_copy, &remaining, &done](int thread) {
      const double started = now_s();
      trace_request(p, thread, *lm, started, predict(p, *lm, per_copy));
      if (--remaining == 0) done.notify();
    });
  }
  while (remaining > 0 && !inst_.failed()) sc_core::wait(done);
  // as_completed + result() per future, then output = torch.cat([output, r]) one slice at a
  // time: the k-th cat copies k + 1 slices.
  const RuntimeModel& m = *p.loaded[0]->model;
  const double batch = std::max<double>(1, m.program->options.batch);
  const double slice_out = fw_.io_on_device ? 0
                                            : static_cast<double>(m.user_output_elements) *
                                                  fw_.user_element_bytes / batch * per_copy;
  double copied = 0;
  for (int k = 1; k < n; ++k) copied += (k + 1) * slice_out;
  HostHold gil(*p.gil);
  host_.compute(fw_.task_overhead * n);
  if (copied > 0) host_.copy(copied, cfg_.host.copy_bandwidth);
}

// What stats.json covers. The counters run from time 0 (loads and warm-up included), so its rates
// are over the whole simulation; the engines only count what ran instruction by instruction.
Stats::Coverage stats_coverage(const ScenarioResult& r) {
  auto seconds = [](double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g s", s);
    return std::string(buf);
  };
  return {{"window", "the whole simulation, 0 to " + seconds(r.simulated_seconds) +
                         " (model loads, warm-up and the measured requests); utilization and "
                         "bandwidth here are over it, while results.json's are over the measured "
                         "window of " +
                         seconds(r.window_seconds)},
          {"engines", "the tensor, vector, scalar and DMA engine counters cover only the " +
                          std::to_string(r.detailed) + " of " + std::to_string(r.inferences) +
                          " device inferences simulated instruction by instruction, and the setup "
                          "queues; the " +
                          std::to_string(r.fast_forwarded) +
                          " fast-forwarded inferences are not in them (results.json's engine "
                          "utilization scales the detailed samples to every inference)"},
          {"memory",
           "DRAM, PCIe and NeuronLink counters cover every transfer, the DRAM traffic "
           "of fast-forwarded inferences included"}};
}

}  // namespace

ScenarioResult run_scenario(const SystemConfig& config, const ScenarioSpec& spec) {
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
  if (!spec.trace_path.empty() || spec.observer != nullptr) {
    trace = std::make_unique<TraceWriter>(spec.trace_path, spec.trace_options);
    if (spec.observer != nullptr) trace->add_observer(spec.observer);
  }
  Instance inst("inf1", config, stats, trace.get());
  Runtime runtime(config, spec, inst, stats, trace.get());
  runtime.start();
  simulate(inst);
  ScenarioResult r = runtime.result();
  std::ostringstream os;
  stats.dump_json(os, r.simulated_seconds, stats_coverage(r));
  r.stats_json = os.str();
  if (trace) trace->close();
  return r;
}

}  // namespace infsim::sim
