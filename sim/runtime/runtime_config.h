#pragma once
// What runs around the chips: the host (vCPUs, memory, copy rates), the Neuron runtime (1.x, the
// neuron-rtd daemon; 2.x, libnrt in the process) and the framework profile above it
// (configs/frameworks/*.yaml). isa::InstanceConfig is the machine; SystemConfig is the machine
// with this software around it, and is what the config loader fills and the runtime runs.
//
// Plain structs with describe() visitors (name, unit, range, description), like
// isa/hardware_config.h: no SystemC here, so the config loader (tools/) can include this file.
// The YAML comments in configs/ say where each default comes from (documented, derived, assumed
// or calibrated).

#include <cstdint>
#include <string>

#include "isa/hardware_config.h"

namespace infsim::sim {

using isa::Range;
using isa::Unit;

struct HostConfig {
  int vcpus = 4;
  std::uint64_t memory = 8ull << 30;
  // Two vCPUs are the two hyperthreads of one physical core: when both are busy, each runs at this
  // fraction of a lone thread's speed (SMT shares the core's execution units).
  double smt_speed = 0.6;
  double copy_bandwidth = 8e9;     // bytes/s one thread copies (memcpy of framework tensors)
  double cast_bandwidth = 9.2e9;   // bytes/s of the fp32 -> bf16/fp16 cast with relayout
  double flops = 20e9;             // FLOP/s of one vCPU for CPU-fallback operators
  double memory_bandwidth = 40e9;  // bytes/s all host threads' copies share
  double jitter = 2e-6;            // mean of the OS-scheduling delay per host hand-off (seeded)

  template <class V>
  void describe(V& v) {
    v("vcpus", vcpus, Unit::kCount, Range{1, 1024},
      "vCPUs of the host (two hyperthreads per physical core)");
    v("memory", memory, Unit::kBytes, Range{1 << 20, 1e15}, "host memory");
    v("smt_speed", smt_speed, Unit::kRatio, Range{0.3, 1},
      "speed of a thread whose hyperthread sibling is busy, relative to alone");
    v("copy_bandwidth", copy_bandwidth, Unit::kBandwidth, Range{1e6, 1e13},
      "bytes per second one host thread copies (framework tensors)");
    v("cast_bandwidth", cast_bandwidth, Unit::kBandwidth, Range{1e6, 1e13},
      "bytes per second of the fp32 to bf16/fp16 cast with relayout, one thread");
    v("flops", flops, Unit::kRatio, Range{1e6, 1e15},
      "FLOP per second of one vCPU for operators that fall back to the CPU");
    v("memory_bandwidth", memory_bandwidth, Unit::kBandwidth, Range{1e6, 1e14},
      "host memory bandwidth all host threads' copies share");
    v("jitter", jitter, Unit::kTime, Range{0, 1e-2},
      "mean OS-scheduling delay per host hand-off (seeded random)");
  }
};

// The Neuron runtime, both generations; the framework profile says which one runs.
struct RuntimeConfig {
  // Runtime 1.x: neuron-rtd, a daemon reached over gRPC. Its worker threads take requests from one
  // queue: parse the request, move the tensors, run the CPU nodes, trigger the NeuronCores.
  int daemon_workers = 1;
  double daemon_request_overhead = 110e-6;  // per request: gRPC round trip + handling
  double daemon_copy_bandwidth = 0.63e9;    // IFMAP/OFMAP protobuf path (no shared memory)
  // Runtime 2.x: libnrt in the process; the calling thread submits and waits.
  double submit_overhead = 30e-6;           // per inference: nrt_execute submit + completion
  double context_switch_overhead = 100e-6;  // stop one model, start another in a group
  // Model load (ref §4.2): the loading process unpacks the NEFF to a temporary directory, parses
  // and validates it on its own vCPU (once per model file and process: later copies reuse the
  // unpacked NEFF), then allocates NeuronCores, device DRAM and host resources through the Neuron
  // driver one load at a time across the instance, then DMAs the weights.
  double load_unpack_time = 31.3e-3;  // per process and model: NEFF unpack, parse, validate
  double load_locked_time = 30.9e-3;  // per loaded copy, in the driver's allocation
  int load_concurrency = 1;           // loads the driver's allocation serves at once

  template <class V>
  void describe(V& v) {
    v("daemon_workers", daemon_workers, Unit::kCount, Range{1, 1024},
      "runtime 1.x: neuron-rtd worker threads serving the request queue");
    v("daemon_request_overhead", daemon_request_overhead, Unit::kTime, Range{0, 10},
      "runtime 1.x: fixed cost per request in a daemon worker (gRPC, parse, queueing)");
    v("daemon_copy_bandwidth", daemon_copy_bandwidth, Unit::kBandwidth, Range{1e6, 1e13},
      "runtime 1.x: bytes per second of tensors through gRPC (no shared memory)");
    v("submit_overhead", submit_overhead, Unit::kTime, Range{0, 10},
      "runtime 2.x: per inference, nrt_execute submit and completion in the caller");
    v("context_switch_overhead", context_switch_overhead, Unit::kTime, Range{0, 10},
      "fixed cost to stop one model and start another in a NeuronCore group");
    v("load_unpack_time", load_unpack_time, Unit::kTime, Range{0, 100},
      "model load, per process and model file: NEFF unpack to a temporary directory, parse and "
      "validate, on one vCPU of the loading process (processes load in parallel)");
    v("load_locked_time", load_locked_time, Unit::kTime, Range{0, 100},
      "model load, per loaded copy: NeuronCore, device DRAM and host resource allocation "
      "through the Neuron driver, load_concurrency loads at a time across the instance");
    v("load_concurrency", load_concurrency, Unit::kCount, Range{1, 64},
      "model loads the Neuron driver's allocation serves at once, across the instance");
  }
};

// What differs between torch-neuron (2020), TensorFlow-Neuron 1.15 and NeuronPerf on libnrt.
struct FrameworkConfig {
  std::string name = "neuronperf";
  int runtime = 2;           // Neuron runtime generation: 1 = neuron-rtd, 2 = libnrt
  double call_overhead = 0;  // per framework call, Python side, under the process's GIL
  // true: the framework drops the GIL for the runtime call (cast, copies, submit, device wait), so
  // threads of one process overlap there; false: the whole call holds it.
  bool releases_gil = true;
  double task_overhead = 20e-6;  // per thread-pool task: submit + future result, under the GIL
  double cpu_node_time = 0;      // per inference: CPU nodes of the compiled graph (I/O conversion)
  int user_element_bytes = 4;    // element size of the user's input/output tensors (4 = fp32)
  int input_copies = 0;          // host copies of the input before the runtime gets it
  bool shared_memory = false;    // runtime 1.x: IFMAPs/OFMAPs in shared memory, not in gRPC
  // true: the caller's input and output tensors stay in device memory between calls (a benchmark
  // that reuses device-resident tensors), so no call copies, casts or moves them over PCIe.
  bool io_on_device = false;
  // In-flight inferences per loaded model (NEURON_MAX_NUM_INFERS); 0 = the frameworks' default,
  // the model's NeuronCores plus three (ref §4.3).
  int ninfer = 0;

  template <class V>
  void describe(V& v) {
    v("name", name, Unit::kText, Range{0, 0}, "framework profile name, as reports name it");
    v("runtime", runtime, Unit::kCount, Range{1, 2},
      "Neuron runtime generation: 1 = neuron-rtd daemon, 2 = libnrt in the process");
    v("call_overhead", call_overhead, Unit::kTime, Range{0, 10},
      "per framework call, Python side, under the process's GIL");
    v("releases_gil", releases_gil, Unit::kFlag, Range{0, 1},
      "whether the framework drops the GIL for the runtime call");
    v("task_overhead", task_overhead, Unit::kTime, Range{0, 10},
      "per thread-pool task (submit and future result), under the GIL");
    v("cpu_node_time", cpu_node_time, Unit::kTime, Range{0, 10},
      "per inference: CPU nodes of the compiled graph (I/O conversion)");
    v("user_element_bytes", user_element_bytes, Unit::kCount, Range{1, 8},
      "element size of the user's input and output tensors (4 = fp32)");
    v("input_copies", input_copies, Unit::kCount, Range{0, 16},
      "host copies of the input before the runtime gets it");
    v("shared_memory", shared_memory, Unit::kFlag, Range{0, 1},
      "runtime 1.x: inputs and outputs in shared memory instead of gRPC");
    v("io_on_device", io_on_device, Unit::kFlag, Range{0, 1},
      "the caller's inputs and outputs stay in device memory between calls: no per-call host "
      "copy, cast or PCIe transfer of them");
    v("ninfer", ninfer, Unit::kCount, Range{0, 1024},
      "in-flight inferences per loaded model; 0 = its NeuronCores plus three");
  }
};

struct SystemConfig : isa::InstanceConfig {
  HostConfig host;
  RuntimeConfig runtime;
  FrameworkConfig framework;
};

// The whole configuration tree, as the YAML files lay it out:
//   instance: {name, chips, price_per_hour}   host: {...}   runtime: {...}   framework: {...}
//   chip: {cores, core: {clock, tensor, vector, scalar, sbuf, psum, dma}, dram, pcie, ...}
template <class V>
void describe_root(V& v, SystemConfig& c) {
  v.section("instance", static_cast<isa::InstanceConfig&>(c));
  v.section("host", c.host);
  v.section("runtime", c.runtime);
  v.section("framework", c.framework);
  v.section("chip", c.chip);
}

// The knobs a configuration ignores, declared beside the fields: `ignored(field, why)` is called
// for each field that has no effect under `c` (a runtime-1.x knob while the framework runs
// runtime 2.x, ...). The config loader matches the fields by address, so that a `--set` of one of
// them warns instead of silently changing nothing (driver::ignored_overrides).
template <class F>
void describe_ignored(const SystemConfig& c, F&& ignored) {
  const std::string fw = "framework '" + c.framework.name + "'";
  if (c.framework.runtime != 1) {
    const std::string why =
        "only Neuron runtime 1.x (neuron-rtd) reads it; " + fw + " runs runtime 2.x (libnrt)";
    ignored(c.runtime.daemon_workers, why);
    ignored(c.runtime.daemon_request_overhead, why);
    ignored(c.runtime.daemon_copy_bandwidth, why);
    ignored(c.framework.shared_memory, why);
  } else if (c.framework.shared_memory) {
    ignored(c.runtime.daemon_copy_bandwidth,
            "framework.shared_memory is true: the tensors do not go through gRPC");
  }
  if (c.framework.io_on_device) {
    const std::string why = "framework.io_on_device is true: the user's tensors stay on the device";
    ignored(c.framework.input_copies, why);
    ignored(c.runtime.daemon_copy_bandwidth, why);
  }
  if (c.framework.runtime != 2) {
    ignored(c.runtime.submit_overhead,
            "only Neuron runtime 2.x (libnrt) reads it; " + fw + " runs runtime 1.x (neuron-rtd)");
  }
}

}  // namespace infsim::sim
