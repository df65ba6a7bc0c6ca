#include "tools/driver/sweep/point_evaluator.h"

#include <exception>
#include <stdexcept>

namespace infsim::driver {

namespace {

std::map<std::string, PointEvaluatorInfo>& registry() {
  static std::map<std::string, PointEvaluatorInfo> evaluators = builtin_point_evaluators();
  return evaluators;
}

}  // namespace

std::string PointSpec::field(const std::string& name, const std::string& fallback) const {
  auto it = fields.find(name);
  return it == fields.end() ? fallback : it->second;
}

long PointSpec::field_int(const std::string& name, long fallback) const {
  auto it = fields.find(name);
  return it == fields.end() ? fallback : std::stol(it->second);
}

void register_point_evaluator(const std::string& mode, std::vector<std::string> metrics,
                              PointEvaluator evaluate) {
  registry()[mode] = PointEvaluatorInfo{std::move(metrics), std::move(evaluate)};
}

void unregister_point_evaluator(const std::string& mode) {
  registry().erase(mode);
}

const PointEvaluatorInfo* find_point_evaluator(const std::string& mode) {
  auto it = registry().find(mode);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<std::string> registered_point_evaluator_modes() {
  std::vector<std::string> modes;
  for (const auto& [mode, info] : registry()) modes.push_back(mode);
  return modes;
}

PointResult evaluate_point(const std::vector<std::string>& modes, const StudyBase& base,
                           const PointSpec& spec) {
  PointResult merged;
  bool evaluated = false;
  for (const auto& mode : modes) {
    const PointEvaluatorInfo* info = find_point_evaluator(mode);
    if (info == nullptr) continue;
    evaluated = true;
    PointResult result;
    try {
      result = info->evaluate(base, spec);
    } catch (const std::exception& e) {
      // A UserError of any kind other than "does not fit" (which an evaluator returns as a
      // status), or a bug: one bad point must not end a study of thousands.
      result.status = kStatusError;
      result.message = mode + ": " + e.what();
    }
    for (const auto& [name, value] : result.metrics) merged.metrics[name] = value;
    if (merged.config_hash.empty()) merged.config_hash = result.config_hash;
    if (merged.framework.empty()) merged.framework = result.framework;
    if (result.status != kStatusOk) {
      merged.status = result.status;
      merged.message = result.message;
      break;
    }
  }
  if (!evaluated) {
    std::string list;
    for (const auto& mode : modes) list += (list.empty() ? "" : ", ") + mode;
    merged.status = kStatusError;
    merged.message = "no evaluator for mode " + list + " in this program";
  }
  return merged;
}

}  // namespace infsim::driver
