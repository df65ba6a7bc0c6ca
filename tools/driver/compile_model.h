#pragma once
// `infsim compile` and the Python module's infsim.compile(): a model (zoo name or .onnx) compiled
// for the NeuronCore of an instance and checked with the verifier; user mistakes are UsageErrors
// worded with the command's flags.
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/compiler.h"
#include "isa/hardware_config.h"

namespace infsim::driver {

struct CompileRequest {
  std::string model;
  int batch = 1;
  std::string dtype = "bf16";
  int pipeline_cores = 1;
  int image_size = 0;  // 0: the model's default
  int seq_len = 128;
  bool cpu_fallback = false;
  bool weights = false;  // embed weight values (functional simulation)
};

compiler::CompileResult compile_model(const CompileRequest& request,
                                      const isa::InstanceConfig& instance);

// The report's numbers as JSON: model, batch, dtype, macs, weight_bytes, instructions,
// estimated_cycles, clock_hz, graph_nodes, host_ops, and per core its instructions per engine,
// SBUF peak and capacity, weights resident and streamed, estimated cycles.
nlohmann::json compile_report_json(const compiler::CompileReport& report);

}  // namespace infsim::driver
