#include "tools/driver/sweep/compile_evaluator.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "compiler/compiler.h"
#include "isa/instruction_text.h"
#include "isa/user_error.h"
#include "models/model_loader.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"

namespace infsim::driver {

namespace fs = std::filesystem;

namespace {

isa::DType parse_dtype(const std::string& text) {
  for (int i = 0; i < isa::kNumDTypes; ++i) {
    auto t = static_cast<isa::DType>(i);
    if (isa::dtype_text(t) == text) return t;
  }
  throw UsageError("unknown dtype '" + text + "'");
}

// A relative ONNX path in a study is relative to the study file, like every path in it.
std::string resolve_model(const std::string& model, const StudyBase& base) {
  fs::path p(model);
  if (p.is_relative() && p.extension() == ".onnx") {
    fs::path beside = fs::path(base.study_file).parent_path() / p;
    if (fs::exists(beside)) return beside.string();
  }
  return model;
}

}  // namespace

std::vector<std::string> compile_metric_names() {
  return {"fits",
          "weights_on_chip",
          "sbuf_peak_bytes",
          "sbuf_utilization",
          "sbuf_static_weight_bytes",
          "weights_streamed_bytes",
          "weight_bytes",
          "estimated_cycles",
          "estimated_latency_ms",
          "tensor_busy_cycles",
          "instructions",
          "instructions_tensor",
          "instructions_vector",
          "instructions_scalar",
          "instructions_dma",
          "sub_batch",
          "passes",
          "macs"};
}

namespace {

// The metrics of a compiled program, from its report (compile_metric_names() but "fits").
Metrics report_metrics(const compiler::CompileReport& report, double partitions) {
  double sbuf_peak = 0, utilization = 0, resident = 0, streamed = 0;
  double engine_instructions[4] = {0, 0, 0, 0};
  for (const compiler::CoreReport& core : report.cores) {
    // The report counts SBUF per partition; a core's SBUF is all of its partitions.
    sbuf_peak = std::max(sbuf_peak, static_cast<double>(core.sbuf_peak) * partitions);
    if (core.sbuf_capacity > 0) {
      utilization = std::max(utilization, static_cast<double>(core.sbuf_peak) /
                                              static_cast<double>(core.sbuf_capacity));
    }
    resident += static_cast<double>(core.weights_resident);
    streamed += static_cast<double>(core.weights_streamed);
    for (int e = 0; e < 4; ++e) engine_instructions[e] += static_cast<double>(core.instructions[e]);
  }
  const double cycles = static_cast<double>(report.estimated_cycles());
  Metrics m;
  m["weights_on_chip"] = streamed == 0 ? 1 : 0;
  m["sbuf_peak_bytes"] = sbuf_peak;
  m["sbuf_utilization"] = utilization;
  m["sbuf_static_weight_bytes"] = resident;
  m["weights_streamed_bytes"] = streamed;
  m["weight_bytes"] = static_cast<double>(report.weight_bytes);
  m["estimated_cycles"] = cycles;
  m["estimated_latency_ms"] = report.clock_hz > 0 ? cycles / report.clock_hz * 1e3 : NAN;
  // Estimated Tensor Engine busy cycles of one inference, all layers and cores.
  double tensor_busy = 0;
  for (const compiler::LayerEstimate& l : report.layers)
    tensor_busy += static_cast<double>(l.busy[0]);
  m["tensor_busy_cycles"] = tensor_busy;
  m["instructions"] = static_cast<double>(report.instructions);
  m["instructions_tensor"] = engine_instructions[0];
  m["instructions_vector"] = engine_instructions[1];
  m["instructions_scalar"] = engine_instructions[2];
  m["instructions_dma"] = engine_instructions[3];
  m["sub_batch"] = report.sub_batch;
  m["passes"] = report.passes;
  m["macs"] = static_cast<double>(report.macs);
  return m;
}

}  // namespace

PointResult evaluate_compile_point(const StudyBase& base, const PointSpec& spec) {
  const std::string instance = spec.field("instance", "");
  const std::string model = spec.field("model", "");
  if (instance.empty() || model.empty()) {
    throw UsageError(
        "the compile evaluator needs an instance and a model in the study's base "
        "or parameters");
  }
  // The point's framework profile, as the run evaluator loads it: one config (and config_hash)
  // for both modes of a single-model point.
  const sim::SystemConfig system =
      load_instance(instance, spec.overrides, spec.field("framework", kDefaultFramework));
  const isa::InstanceConfig& config = system;
  const long pipeline_cores = spec.field_int("pipeline_cores", 1);
  if (pipeline_cores > config.total_cores()) {
    throw UsageError("pipeline_cores " + std::to_string(pipeline_cores) + " is more than the " +
                     std::to_string(config.total_cores()) + " NeuronCores of " + config.name);
  }
  models::ZooOptions zoo;
  zoo.batch = static_cast<int>(spec.field_int("batch", 1));
  zoo.image_size = static_cast<int>(spec.field_int("image_size", zoo.image_size));
  zoo.seq_len = static_cast<int>(spec.field_int("seq_len", zoo.seq_len));
  models::Graph graph = models::load_model(resolve_model(model, base), zoo);

  compiler::CompilerOptions options;
  options.batch = static_cast<std::uint32_t>(zoo.batch);
  options.dtype = parse_dtype(spec.field("dtype", "bf16"));
  options.pipeline_cores = static_cast<std::uint32_t>(pipeline_cores);
  options.model = model;

  PointResult result;
  result.config_hash = config_hash(system);
  compiler::CompileResult compiled;
  try {
    compiled = compiler::compile(graph, config.chip.core, options);
  } catch (const UserError& e) {
    // A model that needs more SBUF than a core has, or a pipeline deeper than the model has cut
    // points, answers "does it fit?" with no. Other errors (an unsupported operator, bad
    // options) are real errors.
    if (e.kind() != ErrorKind::kDoesNotFit) throw;
    result.status = kStatusDoesNotFit;
    result.message = e.what();
    result.metrics["fits"] = 0;
    result.metrics["weights_on_chip"] = 0;
    return result;
  }
  result.metrics = report_metrics(compiled.report, config.chip.core.sbuf.partitions);
  result.metrics["fits"] = 1;
  return result;
}

}  // namespace infsim::driver
