#include "compiler/analyze.h"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/canonicalize.h"

namespace infsim::compiler {
namespace {

bool is_arithmetic(const std::string& op) {
  static const std::set<std::string> shape_ops = {
      "Identity",  "Dropout", "Flatten", "Reshape", "Squeeze", "Unsqueeze",
      "Transpose", "Concat",  "Split",   "Slice",   "Gather",  "Shape",
      "Constant",  "Cast",    "Expand",  "Pad",     "Tile"};
  return shape_ops.count(op) == 0;
}

std::string percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", p);
  return buf;
}

// Some operators are lowerable only in certain forms (Transpose and Softmax inside multi-head
// attention, a Reshape that keeps the layout): an operator is unsupported in this model when
// canonicalization rejects any of its nodes.
std::set<std::string> rejected_ops(const models::Graph& graph) {
  std::set<std::string> ops;
  if (graph.inputs.empty()) return ops;
  const auto& shape = graph.tensors[graph.inputs[0]].shape;
  if (shape.empty() || shape[0] <= 0) return ops;
  for (int i : unsupported_nodes(graph, static_cast<std::uint32_t>(shape[0])))
    ops.insert(graph.nodes[i].op);
  return ops;
}

AnalyzeReport report_of(const models::Graph& graph, const std::set<std::string>& rejected) {
  AnalyzeReport r;
  r.model = graph.name;
  std::map<std::string, std::uint32_t> counts;
  for (const models::Node& n : graph.nodes) ++counts[n.op];
  for (const auto& [op, count] : counts) {
    OperatorSupport s{op, count, is_device_op(op) && rejected.count(op) == 0, is_arithmetic(op)};
    r.operators.push_back(s);
    r.total_count += count;
    if (s.supported) r.supported_count += count;
    if (s.arithmetic) {
      r.arithmetic_count += count;
      if (s.supported) r.supported_arithmetic_count += count;
    }
  }
  return r;
}

}  // namespace

double AnalyzeReport::percent_supported() const {
  return total_count ? 100.0 * supported_count / total_count : 100.0;
}

double AnalyzeReport::percent_supported_arithmetic() const {
  return arithmetic_count ? 100.0 * supported_arithmetic_count / arithmetic_count : 100.0;
}

AnalyzeReport analyze(const models::Graph& graph) {
  return report_of(graph, rejected_ops(graph));
}

AnalyzeReport analyze(const models::Graph& graph, const std::string& rejected) {
  std::set<std::string> ops;
  if (!rejected.empty()) ops.insert(rejected);
  return report_of(graph, ops);
}

std::string format_analyze(const AnalyzeReport& r) {
  std::ostringstream os;
  os << "Model: " << r.model << "\n";
  os << "The following operations are currently supported for this model:\n";
  for (const auto& o : r.operators)
    if (o.supported) os << "  " << o.op << "\n";
  bool any_unsupported = false;
  for (const auto& o : r.operators) any_unsupported |= !o.supported;
  if (any_unsupported) {
    os << "The following operations are not supported (they need --cpu-fallback at the start or "
          "end "
          "of the graph):\n";
    for (const auto& o : r.operators)
      if (!o.supported) os << "  " << o.op << "\n";
  }
  os << percent(r.percent_supported()) << " of all operations (" << r.supported_count << " of "
     << r.total_count << ") are supported\n";
  os << percent(r.percent_supported_arithmetic()) << " of arithmetic operations ("
     << r.supported_arithmetic_count << " of " << r.arithmetic_count << ") are supported\n";
  os << "\nOperator counts:\n";
  std::size_t width = 8;
  for (const auto& o : r.operators) width = std::max(width, o.op.size());
  os << "  " << std::string("operator") << std::string(width - 8 + 2, ' ')
     << "count  supported  arithmetic\n";
  for (const auto& o : r.operators) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%5u  %-9s  %s", o.count, o.supported ? "yes" : "no",
                  o.arithmetic ? "yes" : "no");
    os << "  " << o.op << std::string(width - o.op.size() + 2, ' ') << buf << "\n";
  }
  return os.str();
}

std::string analyze_json(const AnalyzeReport& r) {
  nlohmann::ordered_json j;
  j["model"] = r.model;
  j["percent_supported"] = r.percent_supported();
  j["percent_supported_arithmetic"] = r.percent_supported_arithmetic();
  j["supported_count"] = r.supported_count;
  j["total_count"] = r.total_count;
  j["supported_count_arithmetic"] = r.supported_arithmetic_count;
  j["total_count_arithmetic"] = r.arithmetic_count;
  auto supported = nlohmann::json::array(), unsupported = nlohmann::json::array();
  nlohmann::ordered_json counts = nlohmann::ordered_json::object();
  for (const auto& o : r.operators) {
    (o.supported ? supported : unsupported).push_back(o.op);
    counts[o.op] = o.count;
  }
  j["supported_operators"] = supported;
  j["unsupported_operators"] = unsupported;
  j["operator_count"] = counts;
  return j.dump(2) + "\n";
}

isa::SupportReport support_report(const AnalyzeReport& r) {
  isa::SupportReport s;
  for (const auto& o : r.operators)
    s.operators.push_back({o.op, o.count, o.supported, o.arithmetic});
  return s;
}

}  // namespace infsim::compiler
