#pragma once
// Where a scenario's processes and models go, before anything is simulated: NeuronCores handed
// to the processes in order (NEURONCORE_GROUP_SIZES per process), models loaded in order into the
// groups (the first ones fill them, later ones share them round-robin), device DRAM allocated per
// chip (weights, activations, spills, the encoded program). Pure: no SystemC, no time; every
// capacity error of a scenario (the runtime's ResourceExhaustedError, a model larger than its
// group, device DRAM full) is a SimError thrown here.

#include <cstdint>
#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "sim/runtime/runtime.h"

namespace infsim::sim {

// DRAM bytes one inference of a program core reads and writes (what the channels see).
struct CoreTraffic {
  double read = 0;
  double write = 0;
  double largest_dma = 0;  // bytes of the core's largest DRAM transfer
};

// An input or output tensor at its place in device DRAM.
struct IoTensor {
  int chip = 0;
  std::uint64_t address = 0;
  std::uint64_t bytes = 0;
};

// One loaded model copy. Per-program-core vectors are indexed by program core.
struct PlacedModel {
  int model = 0;           // index into ScenarioSpec::models
  int group = 0;           // index into the process's groups
  std::vector<int> cores;  // global core of each program core
  std::vector<int> chip_of_core;
  std::vector<std::uint64_t> dram_base;     // where each program core's DRAM region starts
  std::vector<std::uint64_t> region_bytes;  // its DRAM footprint
  std::vector<std::uint64_t> weight_bytes;  // bytes loaded over PCIe (program 0 adds the code)
  std::vector<CoreTraffic> traffic;         // per inference
  std::vector<double> macs;                 // per inference
  std::vector<IoTensor> inputs, outputs;
};

struct PlacedProcess {
  std::vector<std::vector<int>> groups;  // global cores of each NeuronCore group
  std::vector<PlacedModel> models;       // in load order
};

struct Placement {
  std::vector<PlacedProcess> processes;  // as ScenarioSpec::processes
};

// `program_bytes[m]` is the encoded size of spec.models[m]'s program.
Placement place(const isa::InstanceConfig& machine, const ScenarioSpec& spec,
                const std::vector<std::uint64_t>& program_bytes);

}  // namespace infsim::sim
