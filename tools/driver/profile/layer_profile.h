#pragma once
// The per-layer profile of the timed simulation, as neuron-profile / TensorBoard-Neuron show a
// model's operators and ONNXim its tiles. The LayerProfiler watches every instruction the
// NeuronCores run (a sim::InstructionObserver on the trace) and sums them per layer of each
// loaded program, over the inferences that were simulated in detail.
//
// Per layer, per inference (the mean over those inferences):
//   device_seconds   the layer's share of the inference's wall time: every instant of the
//                    inference is split evenly among the layers with an instruction in flight
//                    then, so the shares add up to the device time (instants with nothing in
//                    flight are `idle_seconds` of the model);
//   busy_cycles      per engine (tensor, vector, scalar, dma): the sum of its instructions'
//                    engine time; DMA sums over its queues, which overlap. `cycles` is their sum,
//                    the notion of the published per-operator cycles (reference §3.3 note (a):
//                    counted per engine and queue, they overlap and add up to more than the
//                    device time);
//   matrix_utilization  MACs / (array rows x cols x tensor busy cycles);
//   dma_in / dma_out bytes from / to device DRAM; weights "resident" (moved into SBUF by the
//                    setup queues at load), "streamed" (read from DRAM during the inference),
//                    "both", or "-" (no weights);
//   stalls, in seconds summed over the layer's instructions (ONNXim's per-tile attribution):
//     semaphore   blocked on a semaphore that another compute engine signals;
//     dma         blocked on a semaphore that DMA queues signal, or a DMA queued behind DRAM
//                 and the fabric (start after issue);
//     dependency  blocked on a semaphore its own engine signals, or an engine instruction
//                 queued behind the engine's other work;
//   estimated_cycles  the compiler's schedule estimate of the same per-engine sum.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/compiler.h"
#include "sim/core/trace_event.h"

namespace infsim::driver {

inline constexpr std::array<const char*, 4> kProfileEngines = {"tensor", "vector", "scalar", "dma"};

struct LayerProfileRow {
  std::string name;
  std::string op;
  int core = 0;  // program-relative
  double device_seconds = 0;
  double share = 0;  // of the model's device time
  std::array<double, 4> busy_cycles{};
  double cycles = 0;
  std::uint64_t macs = 0;
  double matrix_utilization = 0;
  double dma_in_bytes = 0;
  double dma_out_bytes = 0;
  std::string weights = "-";
  double stall_semaphore_seconds = 0;
  double stall_dma_seconds = 0;
  double stall_dependency_seconds = 0;
  std::uint64_t estimated_cycles = 0;
};

struct ModelProfile {
  std::string model;  // the id in the experiment
  std::string scenario;
  int inferences = 0;  // detailed inferences averaged
  double clock_hz = 0;
  double device_seconds = 0;  // mean inference span, first instruction to last result
  double idle_seconds = 0;    // of it, with no instruction in flight
  std::uint64_t macs = 0;
  double matrix_utilization = 0;  // MACs / (rows x cols x device cycles)
  std::uint64_t estimated_cycles = 0;
  std::vector<LayerProfileRow> layers;  // by device time, longest first
};

nlohmann::json profile_to_json(const ModelProfile& p);
ModelProfile profile_from_json(const nlohmann::json& j);

class LayerProfiler : public sim::InstructionObserver {
 public:
  // A program to profile, under `model`; `estimates` may be empty (an .ifx has none).
  void add_model(const isa::Program* program, const std::string& model,
                 std::vector<compiler::LayerEstimate> estimates, double clock_hz, int rows,
                 int cols);
  void on_instruction(const sim::InstructionEvent& e) override;
  // Profiles of the programs that ran at least one inference in detail.
  std::vector<ModelProfile> finish(const std::string& scenario) const;

 private:
  struct Interval {
    double start, end;
    std::uint32_t layer;
  };
  struct Execution {
    std::vector<Interval> intervals;
    double first = 0, last = 0;
  };
  struct LayerSums {
    std::array<double, 4> busy_seconds{};
    double dma_in = 0, dma_out = 0;
    double stall[3] = {0, 0, 0};  // semaphore, dma, dependency
    bool resident = false, streamed = false;
  };
  struct Model {
    std::string name;
    std::vector<compiler::LayerEstimate> estimates;
    double clock_hz = 0;
    int rows = 0, cols = 0;
    std::map<std::pair<int, int>, unsigned> signallers;  // (core, semaphore) -> engine bits
    std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>> weights;  // per core
    std::vector<LayerSums> layers;
    std::map<std::uint64_t, Execution> executions;
  };

  static int stall_kind(const Model& m, const sim::InstructionEvent& e, int semaphore);
  bool reads_weights(const Model& m, const isa::AccessPattern& ap) const;
  ModelProfile summarize(const isa::Program& p, const Model& m) const;
  // Adds to `attributed` (per layer) each stretch of one inference split evenly among the layers
  // with an instruction in flight; returns the seconds with any in flight.
  static double attribute(const Execution& x, std::vector<double>& attributed);
  // Layer i's row, per inference; `device_seconds` its attributed share of `inference_seconds`.
  static LayerProfileRow layer_row(const isa::Program& p, const Model& m, std::size_t i,
                                   double device_seconds, double inference_seconds);

  std::map<const isa::Program*, Model> models_;
};

}  // namespace infsim::driver
