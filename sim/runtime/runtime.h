#pragma once
// The Neuron runtime and the framework above it, on a simulated Inf1 instance.
//
// A scenario is a set of host processes. Each process asks for NeuronCore groups
// (NEURONCORE_GROUP_SIZES), loads its models in order (the first ones fill the groups, later ones
// share them round-robin and are context-switched in), then drives a workload through a pool of
// host threads, as the tutorials' Python scripts do. Everything below is simulated time:
// processes, threads and requests are SC_THREADs on the instance's SystemC kernel.
//
// The knobs are in SystemConfig (sim/runtime/runtime_config.h: host, runtime, framework),
// documented in configs/hardware/*.yaml and configs/frameworks/*.yaml. The mechanisms:
//   - placement.h: cores, groups and device DRAM, before anything runs;
//   - host_cpus.h: vCPUs as hyperthread pairs, copies costing CPU time and host memory
//     bandwidth, a seeded wake-up jitter;
//   - runtime.cpp: each framework call's Python side holds the process's GIL (the framework
//     releases it for the runtime call unless framework.releases_gil is false); the user's tensor
//     is copied framework.input_copies times, cast into the program's dtype and crosses PCIe
//     (none of it when framework.io_on_device: the tensors stay in device memory); runtime 1.x
//     (neuron-rtd) hands each inference to one of runtime.daemon_workers daemon threads shared by
//     every process (request handling, the tensors' gRPC copies unless framework.shared_memory,
//     the cast, the CPU nodes), runtime 2.x has the calling thread cast and submit; at most
//     ninfer inferences of a loaded model are in flight, and a user batch larger than the
//     compiled one goes in chunks that keep up to ninfer in flight (dynamic batching); data
//     parallel is a thread-pool task per copy and a torch.cat;
//   - device_path.h: each NeuronCore group's execution queue, context switches, pipelines whose
//     stages stream successive inferences, and the sampled simulation.

#include <cstdint>
#include <string>
#include <vector>

#include "isa/program.h"
#include "sim/core/trace_writer.h"
#include "sim/runtime/runtime_config.h"

namespace infsim::sim {

// A compiled model as the framework holds it.
struct RuntimeModel {
  std::string name;
  const isa::Program* program = nullptr;
  // Per compiled batch, the elements of the user's framework tensors (at the framework profile's
  // element size): the host casts/relays these into the program's input tensors and back.
  std::uint64_t user_input_elements = 0;
  std::uint64_t user_output_elements = 0;
  // Bytes loaded into device DRAM besides the weights: the encoded program (instructions and
  // metadata). 0 = encode the program to find out.
  std::uint64_t program_bytes = 0;
};

enum class CallKind {
  kPredict,       // each request goes to one loaded model, round-robin over the process's models
  kDataParallel,  // each request is split over all of the process's loaded models and gathered
};

enum class ArrivalKind {
  kClosedLoop,  // all requests are queued at once; the thread pool drains them
  kOpenLoop,    // Poisson arrivals at `rate`
  kList,        // arrivals at the given times
};

struct WorkloadSpec {
  CallKind call = CallKind::kPredict;
  ArrivalKind arrivals = ArrivalKind::kClosedLoop;
  int threads = 1;            // host thread pool (ThreadPoolExecutor max_workers)
  int requests = 100;         // measured requests (kList: times.size())
  int warmup = 1;             // requests before measuring, run to completion first
  int user_batch = 0;         // images per request; 0 = compiled batch (x copies for data parallel)
  double rate = 0;            // kOpenLoop: requests per second
  std::vector<double> times;  // kList: arrival offsets in seconds from the measured start
};

struct ProcessSpec {
  std::string name;
  std::vector<int> group_sizes;  // NEURONCORE_GROUP_SIZES
  std::vector<int> models;       // indices into ScenarioSpec::models, loaded in this order
  WorkloadSpec workload;
};

struct DetailOptions {
  bool full = false;
  int min_samples = 3;
  int max_samples = 8;
  int window = 3;
  double tolerance = 0.02;
  int ff_slices = 8;
};

struct ScenarioSpec {
  std::string name;
  std::vector<RuntimeModel> models;
  std::vector<ProcessSpec> processes;
  std::uint64_t seed = 1;
  DetailOptions detail;
  std::string trace_path;  // Chrome trace of the whole scenario; empty = none
  TraceOptions trace_options;
  InstructionObserver* observer = nullptr;  // sees every instruction run (the profiler); optional
};

struct Percentiles {
  double min = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;
};

struct CoreUse {
  int core = 0;  // global index
  std::string process;
  int group = 0;
  double utilization = 0;         // device busy / measured window
  double tensor_utilization = 0;  // engine busy / window, from the detailed samples
  double vector_utilization = 0;
  double scalar_utilization = 0;
};

struct LoadedModelResult {
  std::string model;
  std::string process;
  int group = 0;
  std::vector<int> cores;
  double load_seconds = 0;
  double device_seconds = 0;      // mean device time per inference (all inferences)
  double matrix_utilization = 0;  // MACs / (array peak x device time), per core averaged
  int inferences = 0;
  int detailed = 0;
  int fast_forwarded = 0;
  int context_switches = 0;  // times this model was switched in
};

struct ScenarioResult {
  std::string name;
  int requests = 0;  // measured
  int images = 0;    // measured
  double window_seconds = 0;
  double throughput = 0;       // images per second: the sum of the processes' rates
  double throughput_peak = 0;  // the same over each process's best window (peak_throughput)
  Percentiles latency;         // seconds, per measured request
  double load_seconds = 0;     // the slowest process's model loads
  std::vector<CoreUse> cores;
  std::vector<LoadedModelResult> models;
  int inferences = 0;  // device inferences, warm-up included
  int detailed = 0;
  int fast_forwarded = 0;
  int context_switches = 0;
  double dram_bytes = 0;  // over the measured window, all chips
  double pcie_bytes = 0;
  double neuronlink_bytes = 0;
  double sbuf_peak_bytes = 0;  // the largest per-core SBUF plan of the loaded programs
  double simulated_seconds = 0;
  std::string stats_json;  // every counter of the run over the whole simulation, with its coverage
};

// Builds the instance, runs the scenario to completion and returns its measurements. Throws
// SimError for a scenario the instance cannot host (too many NeuronCores: the Neuron runtime's
// ResourceExhaustedError; a model that does not fit its group or the device DRAM; a program
// error or deadlock). SystemC allows one elaboration per OS process: call this once per process.
ScenarioResult run_scenario(const SystemConfig& config, const ScenarioSpec& spec);

// The error text the Neuron runtime gives when the NeuronCores are all taken (NCG tutorial,
// troubleshooting section).
extern const char* const kAcceleratorsExhausted;

}  // namespace infsim::sim
