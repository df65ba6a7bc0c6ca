#pragma once
// What the simulated runtime keeps while a scenario runs (internal to sim/runtime): per
// NeuronCore its busy record, per group the active model, per loaded model copy its binding,
// in-flight slots, detail samples and counters, per process its threads and measurements.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "sim/neuroncore/execution.h"
#include "sim/runtime/host_sync.h"
#include "sim/runtime/placement.h"

namespace infsim::sim {

class ComputeEngine;

struct Interval {
  double start, end;
};

struct CoreRecord {
  std::vector<Interval> busy;
  double detailed_seconds = 0;
  double engine_seconds[3] = {0, 0, 0};  // tensor, vector, scalar, over the detailed inferences
  const ComputeEngine* engines[3] = {};  // the core's tensor, vector and scalar engines
  int trace_track = -1;
};

struct LoadedModel;

struct GroupState {
  int index = 0;
  std::vector<int> cores;
  LoadedModel* active = nullptr;  // only one model of a group runs at a time
};

// The detailed device times of a copy until they converge, then what fast-forward replays.
struct Sampling {
  std::vector<std::vector<double>> samples;  // per program core: stage time per inference
  // Pipeline stages c > 0: the stage's own work (its busiest compute engine) and how long it runs
  // on after the stage feeding it has finished.
  std::vector<std::vector<double>> work_samples, tail_samples;
  std::vector<double> ff_time;  // per program core, once converged
  std::vector<double> ff_tail;
  bool converged = false;
};

struct ProcessState;

struct LoadedModel {
  const RuntimeModel* model = nullptr;
  const PlacedModel* placed = nullptr;
  ProcessState* process = nullptr;
  GroupState* group = nullptr;
  CoreBinding binding;
  int ncores = 0;
  std::unique_ptr<HostSemaphore> inflight;  // ninfer
  Sampling sampling;
  double load_seconds = 0;
  double device_total = 0;  // sum over inferences of first stage start to last stage end
  int inferences = 0, detailed = 0, fast_forwarded = 0, switches = 0;
};

struct ProcessState {
  const ProcessSpec* spec = nullptr;
  int index = 0;
  std::vector<std::unique_ptr<GroupState>> groups;
  std::vector<std::unique_ptr<LoadedModel>> loaded;
  std::unique_ptr<HostSemaphore> gil;
  std::deque<std::function<void(int thread)>> jobs;
  std::deque<sc_core::sc_event*> idle_workers;
  std::vector<int> worker_tracks;
  int load_track = -1;
  std::vector<const RuntimeModel*> unpacked;  // model files whose NEFF this process has unpacked
  double load_end = 0;
  double measure_start = -1;
  double measure_end = 0;
  std::vector<double> latencies;
  std::vector<double> completions;  // when each measured request returned (s), for the peak
  int measured_images = 0;
  std::uint64_t next_request = 0;
};

}  // namespace infsim::sim
