#pragma once
// Operator support of a model, as torch.neuron.analyze_model reports it: which operators the
// device takes, how many of each, and the share of (arithmetic) operators supported.

#include <cstdint>
#include <string>
#include <vector>

#include "isa/program.h"
#include "models/graph.h"

namespace infsim::compiler {

struct OperatorSupport {
  std::string op;
  std::uint32_t count = 0;
  bool supported = true;
  bool arithmetic = true;  // computes values (not a shape/no-op operator)
};

struct AnalyzeReport {
  std::string model;
  std::vector<OperatorSupport> operators;  // sorted by name
  std::uint32_t total_count = 0, supported_count = 0;
  std::uint32_t arithmetic_count = 0, supported_arithmetic_count = 0;
  double percent_supported() const;
  double percent_supported_arithmetic() const;
};

// Canonicalizes `graph` (batch of its first input, no --cpu-fallback) to find the operator, if
// any, that is supported in general but not in the form this model uses it.
AnalyzeReport analyze(const models::Graph& graph);
// The same when the caller knows that operator already ("" when canonicalization succeeded).
AnalyzeReport analyze(const models::Graph& graph, const std::string& rejected_op);
std::string format_analyze(const AnalyzeReport& report);
std::string analyze_json(const AnalyzeReport& report);  // pretty-printed JSON object
isa::SupportReport support_report(const AnalyzeReport& report);

}  // namespace infsim::compiler
