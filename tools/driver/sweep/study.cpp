#include "tools/driver/sweep/study.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "isa/hardware_config.h"
#include "models/zoo.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/config/utf8.h"

namespace infsim::driver {

namespace fs = std::filesystem;

namespace {

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::vector<WrittenQuantity> Parameter::quantities() const {
  std::vector<WrittenQuantity> out;
  for (const auto& v : values) {
    auto q = parse_written_quantity(v);
    if (!q || (!out.empty() && q->dimension != out.front().dimension)) return {};
    out.push_back(*q);
  }
  return out;
}

std::size_t Study::point_count() const {
  if (combine == Combine::kZip) return parameters.front().values.size();
  std::size_t n = 1;
  for (const auto& p : parameters) n *= p.values.size();
  return n;
}

PointSpec Study::point(std::size_t index) const {
  PointSpec spec;
  spec.index = static_cast<int>(index);
  spec.fields = base.fields;
  spec.overrides = base.overrides;
  // Grid order: the first parameter varies slowest, like nested loops written top to bottom.
  std::size_t rest = index;
  std::vector<std::size_t> choice(parameters.size(), index);
  if (combine == Combine::kGrid) {
    for (std::size_t i = parameters.size(); i-- > 0;) {
      choice[i] = rest % parameters[i].values.size();
      rest /= parameters[i].values.size();
    }
  }
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Parameter& p = parameters[i];
    const std::string& value = p.values.at(choice[i]);
    spec.parameters[p.name] = value;
    if (p.is_config_key) {
      spec.overrides.push_back(p.name + "=" + value);
    } else {
      spec.fields[p.name] = value;
    }
  }
  return spec;
}

std::vector<PointSpec> Study::points() const {
  std::vector<PointSpec> out;
  for (std::size_t i = 0; i < point_count(); ++i) out.push_back(point(i));
  return out;
}

std::string Study::hash() const {
  nlohmann::json j = study_to_json(*this);
  j["base"].erase("study_file");
  j.erase("description");
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fnv1a(j.dump())));
  return text;
}

nlohmann::json study_to_json(const Study& study) {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& p : study.parameters) {
    params.push_back({{"name", p.name},
                      {"config_key", p.is_config_key},
                      {"values", p.values},
                      {"geometric", p.geometric}});
  }
  return {{"study", study.name},
          {"description", study.description},
          {"base",
           {{"study_file", study.base.study_file},
            {"experiment", study.base.experiment},
            {"fields", study.base.fields},
            {"set", study.base.overrides}}},
          {"evaluate", study.modes},
          {"parameters", params},
          {"combine", study.combine == Combine::kZip ? "zip" : "grid"},
          {"labels", study.labels},
          {"metrics", study.metrics},
          {"sensitivity", study.sensitivity}};
}

Study study_from_json(const nlohmann::json& j) {
  Study s;
  s.name = j.at("study").get<std::string>();
  s.description = j.at("description").get<std::string>();
  const auto& b = j.at("base");
  s.base.study_file = b.at("study_file").get<std::string>();
  s.base.experiment = b.at("experiment").get<std::string>();
  s.base.fields = b.at("fields").get<std::map<std::string, std::string>>();
  s.base.overrides = b.at("set").get<std::vector<std::string>>();
  s.modes = j.at("evaluate").get<std::vector<std::string>>();
  for (const auto& p : j.at("parameters")) {
    Parameter param;
    param.name = p.at("name").get<std::string>();
    param.is_config_key = p.at("config_key").get<bool>();
    param.values = p.at("values").get<std::vector<std::string>>();
    param.geometric = p.at("geometric").get<bool>();
    s.parameters.push_back(param);
  }
  s.combine = j.at("combine").get<std::string>() == "zip" ? Combine::kZip : Combine::kGrid;
  s.labels = j.at("labels").get<std::vector<std::string>>();
  s.metrics = j.at("metrics").get<std::vector<std::string>>();
  s.sensitivity = j.at("sensitivity").get<std::vector<std::string>>();
  return s;
}

}  // namespace infsim::driver
