#pragma once
// Functional runs: compile a model with its weight values, run one inference through the
// simulator in functional mode, and read the outputs back — the numbers the compiled program
// computes, to check against the graph's reference executor or PyTorch.
//
//   FunctionalRequest req;
//   req.model = "tests/data/onnx/resnet18_w8.onnx";   // or a zoo name
//   req.input_path = "x.npy";                           // or empty: seeded random input
//   req.dtype = isa::DType::kFp32;
//   FunctionalResult r = run_functional(req);           // once per process (SystemC)
//   write_file_atomically("y.npy", models::encode_npy(r.outputs[0]));  // atomic_file.h
//   Comparison c = compare(r.outputs[0], r.reference[0]);   // with req.check_reference
//
// Each run builds an Instance (one SystemC elaboration), so a process can make one call.

#include <cstdint>
#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "isa/instruction.h"
#include "isa/program.h"
#include "models/graph.h"
#include "models/host_tensor.h"

namespace infsim::driver {

struct FunctionalRequest {
  std::string model;  // zoo name or .onnx file
  // 0: the input file's batch (1 without one). The model is built (zoo) or imported (ONNX) at
  // this batch.
  int batch = 0;
  // Zoo models: 0 = the input file's height for NCHW inputs with H == W, else the model's
  // default. ONNX files keep their own sizes.
  int image_size = 0;
  int seq_len = 128;  // zoo BERT-style models
  isa::DType dtype = isa::DType::kBf16;
  std::uint32_t pipeline_cores = 1;
  // Seeds the synthesized weights (zoo models, ONNX files without initializers) and the
  // random input when there is no input file.
  std::uint64_t seed = 1;
  std::string input_path;        // .npy, float32 or float16, in the model input's logical shape
  isa::InstanceConfig instance;  // defaults: inf1.xlarge
  bool check_reference = false;  // also run the reference executor and compare
  // Also time the same inference in timing mode (functional unit detached), for the cost of
  // functional mode.
  bool measure_timing_mode = false;
};

// How far `actual` is from `expected` (same shape).
struct Comparison {
  double max_abs_error = 0;    // max |a - b|
  double max_norm_error = 0;   // ||a - b||_inf / ||b||_inf
  double max_elementwise = 0;  // max |a - b| / (|b| + 1e-3 ||b||_inf): relative per element,
                               // with a floor so that values near zero do not dominate
  double cosine = 0;           // cosine similarity of the flattened tensors
  // Classifier outputs ([N, classes]): per image, whether the arg-max agrees, and how many of
  // the top-5 classes agree (as a set), averaged over the batch. -1 for other shapes.
  double top1_agreement = -1;
  double top5_agreement = -1;
};

struct FunctionalResult {
  std::string model;
  isa::DType dtype = isa::DType::kBf16;
  int batch = 1;
  std::uint32_t cores = 1;
  std::vector<std::string> output_names;
  std::vector<models::HostTensor> inputs;     // what the program was fed, fp32 before rounding
  std::vector<models::HostTensor> outputs;    // the program's outputs, fp32, logical order
  std::vector<models::HostTensor> reference;  // with check_reference
  std::vector<Comparison> comparisons;        // with check_reference, per output
  double device_seconds = 0;         // simulated time of the inference (setup phase excluded)
  double wall_seconds = 0;           // host time to simulate that inference functionally
  double compile_wall_seconds = 0;   // host time to compile
  double timing_device_seconds = 0;  // with measure_timing_mode: the same inference, timing mode
  double timing_wall_seconds = 0;
  std::uint64_t instructions = 0;  // per inference, all cores
  isa::Program program;            // what ran (tensors, layers, memory plan)
};

// Loads, compiles and runs the request's model. User mistakes (unknown model, bad input file,
// a shape that does not match the model) throw UsageError/ModelError/CompileError; program
// errors found while simulating throw sim::SimError.
FunctionalResult run_functional(const FunctionalRequest& request);

// The same for a graph in hand (built with weights; its inputs' shapes fix the batch), with
// inputs in the order of graph.inputs. `request.model`, `batch`, `image_size`, `seq_len`,
// `seed` and `input_path` are not used.
FunctionalResult run_functional_graph(const models::Graph& graph,
                                      const std::vector<models::HostTensor>& inputs,
                                      const FunctionalRequest& request);

// Seeded standard-normal values for every graph input (the same for the same seed everywhere).
std::vector<models::HostTensor> random_inputs(const models::Graph& graph, std::uint64_t seed);

// Host <-> device layout: `logical` (C order over `shape`) to the memory order `dim_order`
// (outermost first) in `dtype` bytes, and back.
std::vector<std::uint8_t> to_device_layout(const models::HostTensor& logical,
                                           const std::vector<int>& dim_order, isa::DType dtype);
models::HostTensor from_device_layout(const std::uint8_t* bytes, const models::Shape& shape,
                                      const std::vector<int>& dim_order, isa::DType dtype);

// Throws UsageError when the shapes differ.
Comparison compare(const models::HostTensor& actual, const models::HostTensor& expected);

// The top-k classes per image of a [N, classes] output, best first.
std::vector<std::vector<int>> top_k(const models::HostTensor& logits, int k);

// A human summary: model, dtype, device and wall time, per output its shape (and the top-5
// classes per image for classifiers), and the comparisons when present.
std::string format_functional_result(const FunctionalResult& result);

}  // namespace infsim::driver
