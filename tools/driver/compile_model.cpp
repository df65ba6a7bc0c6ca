#include "tools/driver/compile_model.h"

#include "compiler/compile_error.h"
#include "isa/instruction_text.h"
#include "isa/verifier.h"
#include "models/model_loader.h"
#include "tools/config/errors.h"

namespace infsim::driver {

compiler::CompileResult compile_model(const CompileRequest& r, const isa::InstanceConfig& config) {
  if (r.batch < 1) throw UsageError("--batch must be at least 1");
  if (r.pipeline_cores < 1) throw UsageError("--pipeline-cores must be at least 1");
  auto dtype = isa::dtype_from_text(r.dtype);
  if (!dtype || *dtype == isa::DType::kInt8)
    throw UsageError("--dtype must be bf16, fp16 or fp32, not '" + r.dtype + "'");
  const int available = config.total_cores();
  if (r.pipeline_cores > available)
    throw UsageError("--pipeline-cores " + std::to_string(r.pipeline_cores) + " but " +
                     config.name + " has " + std::to_string(available) + " NeuronCores");
  models::ZooOptions zoo;
  zoo.batch = r.batch;
  zoo.image_size = r.image_size;
  zoo.seq_len = r.seq_len;
  zoo.with_weights = r.weights;
  models::Graph graph = models::load_model(r.model, zoo);

  compiler::CompilerOptions copts;
  copts.batch = static_cast<std::uint32_t>(r.batch);
  copts.dtype = *dtype;
  copts.pipeline_cores = static_cast<std::uint32_t>(r.pipeline_cores);
  copts.cpu_fallback = r.cpu_fallback;
  copts.weight_data = r.weights;
  copts.model = r.model;
  compiler::CompileResult result = compiler::compile(graph, config.chip.core, copts);
  std::vector<isa::Diagnostic> diagnostics = isa::verify_program(result.program, config.chip.core);
  if (!diagnostics.empty())
    throw compiler::CompileError("internal: the compiled program fails verification:\n" +
                                 isa::format_diagnostics(diagnostics));
  return result;
}

nlohmann::json compile_report_json(const compiler::CompileReport& report) {
  nlohmann::json cores = nlohmann::json::array();
  for (const compiler::CoreReport& c : report.cores) {
    nlohmann::json per_engine = nlohmann::json::object();
    for (std::size_t e = 0; e < c.instructions.size(); ++e) {
      per_engine[std::string(isa::engine_text(static_cast<isa::EngineKind>(e)))] =
          c.instructions[e];
    }
    cores.push_back({{"instructions", per_engine},
                     {"setup_instructions", c.setup_instructions},
                     {"sbuf_peak_bytes", c.sbuf_peak},
                     {"sbuf_capacity_bytes", c.sbuf_capacity},
                     {"weights_resident_bytes", c.weights_resident},
                     {"weights_streamed_bytes", c.weights_streamed},
                     {"estimated_cycles", c.estimated_cycles},
                     {"first_layer", c.first_layer},
                     {"last_layer", c.last_layer}});
  }
  return {{"model", report.model},
          {"batch", report.batch},
          {"dtype", std::string(isa::dtype_text(report.dtype))},
          {"sub_batch", report.sub_batch},
          {"passes", report.passes},
          {"macs", report.macs},
          {"weight_bytes", report.weight_bytes},
          {"instructions", report.instructions},
          {"estimated_cycles", report.estimated_cycles()},
          {"clock_hz", report.clock_hz},
          {"graph_nodes", report.graph_nodes},
          {"host_ops", report.host_ops.size()},
          {"cores", cores}};
}

}  // namespace infsim::driver
