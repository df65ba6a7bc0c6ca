#include "tools/driver/sweep/quantity.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace infsim::driver {

namespace {

struct UnitInfo {
  const char* name;
  double scale;
  const char* dimension;
};

constexpr double kKi = 1024.0;
constexpr UnitInfo kUnits[] = {
    {"B", 1, "bytes"},
    {"KiB", kKi, "bytes"},
    {"MiB", kKi* kKi, "bytes"},
    {"GiB", kKi* kKi* kKi, "bytes"},
    {"TiB", kKi* kKi* kKi* kKi, "bytes"},
    {"KB", 1e3, "bytes"},
    {"kB", 1e3, "bytes"},
    {"MB", 1e6, "bytes"},
    {"GB", 1e9, "bytes"},
    {"TB", 1e12, "bytes"},
    {"Hz", 1, "Hz"},
    {"kHz", 1e3, "Hz"},
    {"MHz", 1e6, "Hz"},
    {"GHz", 1e9, "Hz"},
    {"s", 1, "s"},
    {"ms", 1e-3, "s"},
    {"us", 1e-6, "s"},
    {"ns", 1e-9, "s"},
};

}  // namespace

std::optional<WrittenQuantity> parse_written_quantity(const std::string& text) {
  const char* begin = text.c_str();
  while (std::isspace(static_cast<unsigned char>(*begin))) ++begin;
  if (*begin == '\0') return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value)) return std::nullopt;
  // strtod accepts "inf", "nan" and hex; a study value is a decimal number.
  for (const char* p = begin; p < end; ++p) {
    if (std::isalpha(static_cast<unsigned char>(*p)) && *p != 'e' && *p != 'E') return std::nullopt;
  }
  std::string unit(end);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  WrittenQuantity q;
  q.value = value;
  q.unit = unit;
  if (unit.empty()) return q;
  std::string base = unit;
  bool per_second = false;
  if (base.size() > 2 && base.compare(base.size() - 2, 2, "/s") == 0) {
    base.resize(base.size() - 2);
    per_second = true;
  }
  for (const auto& u : kUnits) {
    if (base != u.name) continue;
    std::string dimension = u.dimension;
    if (per_second && dimension != "bytes") return std::nullopt;
    q.scale = u.scale;
    q.dimension = per_second ? "bytes/s" : dimension;
    return q;
  }
  return std::nullopt;
}

std::string format_written_quantity(double value, const std::string& unit) {
  // Ranges accumulate rounding ("0.30000000000000004"); 12 significant digits is far more than
  // any hardware parameter needs and keeps generated values readable.
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.12g", value);
  return std::string(buffer) + unit;
}

}  // namespace infsim::driver
