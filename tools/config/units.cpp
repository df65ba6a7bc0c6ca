#include "tools/config/units.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "isa/panic.h"
#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

// A unit suffix: the value is mantissa * 10^decimal_exponent * 2^binary_shift. Decimal scales
// are applied by shifting the exponent of the decimal text before strtod, so "30us" parses to
// exactly the double the literal 30e-6 gives (a multiply by 1e-6 could be off by one ulp).
struct Scale {
  const char* suffix;
  int decimal_exponent;
  int binary_shift;
  bool canonical;  // used when formatting (e.g. "KB" is read but "kB" is written)
};

const std::vector<Scale>& scales(isa::Unit unit) {
  static const std::vector<Scale> bytes = {
      {"B", 0, 0, true},    {"KiB", 0, 10, true}, {"MiB", 0, 20, true}, {"GiB", 0, 30, true},
      {"TiB", 0, 40, true}, {"kB", 3, 0, true},   {"KB", 3, 0, false},  {"MB", 6, 0, true},
      {"GB", 9, 0, true},   {"TB", 12, 0, true},  {"PB", 15, 0, true}};
  static const std::vector<Scale> bandwidth = {
      {"B/s", 0, 0, true},    {"KiB/s", 0, 10, true}, {"MiB/s", 0, 20, true},
      {"GiB/s", 0, 30, true}, {"TiB/s", 0, 40, true}, {"kB/s", 3, 0, true},
      {"KB/s", 3, 0, false},  {"MB/s", 6, 0, true},   {"GB/s", 9, 0, true},
      {"TB/s", 12, 0, true},  {"PB/s", 15, 0, true}};
  static const std::vector<Scale> frequency = {
      {"Hz", 0, 0, true}, {"kHz", 3, 0, true}, {"MHz", 6, 0, true}, {"GHz", 9, 0, true}};
  static const std::vector<Scale> time = {{"s", 0, 0, true},   {"ms", -3, 0, true},
                                          {"us", -6, 0, true}, {"\xC2\xB5s", -6, 0, false},  // µs
                                          {"ns", -9, 0, true}, {"ps", -12, 0, true}};
  static const std::vector<Scale> none = {{"", 0, 0, true}};
  switch (unit) {
    case isa::Unit::kBytes:
      return bytes;
    case isa::Unit::kBandwidth:
      return bandwidth;
    case isa::Unit::kFrequency:
      return frequency;
    case isa::Unit::kTime:
      return time;
    default:
      return none;
  }
}

// A decimal number split so that its exponent can be shifted: "1.5e3" -> {"1.5", 3}.
struct Number {
  std::string mantissa;
  int exponent = 0;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads a decimal number at the front of `text`; returns the number of characters used (0 if
// there is none).
std::size_t read_number(std::string_view text, Number& out) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < text.size() && is_digit(text[i])) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i, ++digits;
  }
  if (digits == 0) return 0;
  out.mantissa = std::string(text.substr(0, i));
  out.exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    std::size_t exp_digits = 0;
    while (j < text.size() && is_digit(text[j])) ++j, ++exp_digits;
    // "2E" or "1e+" is not an exponent; leave it to the unit check to reject.
    if (exp_digits > 0 && exp_digits < 6) {
      out.exponent = std::atoi(std::string(text.substr(i + 1, j - i - 1)).c_str());
      i = j;
    }
  }
  return i;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad(std::string_view text, isa::Unit unit, const std::string& reason) {
  throw ConfigError("bad " + unit_kind_name(unit) + " '" + std::string(text) + "': " + reason +
                    "; expected " + expected_form(unit));
}

double scaled(const Number& n, const Scale& s, std::string_view text, isa::Unit unit) {
  std::string decimal = n.mantissa + "e" + std::to_string(n.exponent + s.decimal_exponent);
  errno = 0;
  double value = std::strtod(decimal.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(value)) bad(text, unit, "too large");
  value = std::ldexp(value, s.binary_shift);
  if (std::isinf(value)) bad(text, unit, "too large");
  return value;
}

double parse_scaled(std::string_view text, isa::Unit unit) {
  std::string_view body = trim(text);
  if (unit == isa::Unit::kDollars && !body.empty() && body.front() == '$') body.remove_prefix(1);
  Number number;
  std::size_t used = read_number(body, number);
  if (used == 0) bad(text, unit, "not a number");
  std::string_view suffix = trim(body.substr(used));
  for (const auto& s : scales(unit)) {
    if (suffix == s.suffix) return scaled(number, s, text, unit);
  }
  double plain = scaled(number, Scale{"", 0, 0, true}, text, unit);
  if (suffix.empty()) {
    // A bare zero needs no unit; any other bare number is ambiguous.
    if (plain == 0) return 0;
    bad(text, unit, "missing unit");
  }
  bad(text, unit, "unknown unit '" + std::string(suffix) + "'");
}

bool in_window(double mantissa, const Scale& s) {
  double m = std::fabs(mantissa);
  return m >= 1 && m < (s.binary_shift > 0 ? 1024 : 1000);
}

// The shortest decimal text that strtod() reads back as exactly `value`; plain digits
// ("1000000") rather than an exponent when they are not much longer.
std::string shortest_round_trip(double value) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  std::string shortest = buf;
  if (shortest.find('e') == std::string::npos || !(std::fabs(value) < 1e15)) return shortest;
  for (int decimals = 0; decimals <= 10; ++decimals) {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    if (std::strtod(buf, nullptr) == value) {
      return std::string(buf).size() <= shortest.size() + 4 ? std::string(buf) : shortest;
    }
  }
  return shortest;
}

}  // namespace

std::string unit_kind_name(isa::Unit unit) {
  switch (unit) {
    case isa::Unit::kCount:
      return "count";
    case isa::Unit::kBytes:
      return "size";
    case isa::Unit::kBandwidth:
      return "bandwidth";
    case isa::Unit::kFrequency:
      return "frequency";
    case isa::Unit::kTime:
      return "time";
    case isa::Unit::kRatio:
      return "ratio";
    case isa::Unit::kDollars:
      return "price";
    case isa::Unit::kText:
      return "text";
    case isa::Unit::kFlag:
      return "flag";
  }
  return "value";
}

std::string expected_form(isa::Unit unit) {
  switch (unit) {
    case isa::Unit::kCount:
      return "a whole number such as 4";
    case isa::Unit::kBytes:
      return "a size such as 10MiB, 4KiB, 512B or 1.5GB";
    case isa::Unit::kBandwidth:
      return "a bandwidth such as 50GiB/s, 7.88GB/s or 100MB/s";
    case isa::Unit::kFrequency:
      return "a frequency such as 0.95GHz or 950MHz";
    case isa::Unit::kTime:
      return "a time such as 30us, 1.5ms, 100ns or 2s";
    case isa::Unit::kRatio:
      return "a number such as 0.25";
    case isa::Unit::kDollars:
      return "a price in dollars such as $0.228 or 0.228";
    case isa::Unit::kText:
      return "text";
    case isa::Unit::kFlag:
      return "true or false";
  }
  return "a value";
}

std::int64_t parse_count(std::string_view text) {
  std::string_view body = trim(text);
  std::size_t i = 0;
  if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
  if (i == body.size()) bad(text, isa::Unit::kCount, "not a number");
  for (std::size_t j = i; j < body.size(); ++j) {
    if (!is_digit(body[j])) bad(text, isa::Unit::kCount, "not a whole number");
  }
  errno = 0;
  long long value = std::strtoll(std::string(body).c_str(), nullptr, 10);
  if (errno == ERANGE) bad(text, isa::Unit::kCount, "too large");
  return value;
}

bool parse_flag(std::string_view text) {
  std::string_view body = trim(text);
  if (body == "true") return true;
  if (body == "false") return false;
  bad(text, isa::Unit::kFlag, "not a flag");
}

double parse_quantity(std::string_view text, isa::Unit unit) {
  INFSIM_PANIC_IF(unit == isa::Unit::kText, "parse_quantity called for a text field");
  if (unit == isa::Unit::kCount) return static_cast<double>(parse_count(text));
  if (unit == isa::Unit::kFlag) return parse_flag(text) ? 1 : 0;
  return parse_scaled(text, unit);
}

std::uint64_t parse_bytes(std::string_view text) {
  double value = parse_quantity(text, isa::Unit::kBytes);
  if (value < 0) bad(text, isa::Unit::kBytes, "negative");
  if (value != std::floor(value)) bad(text, isa::Unit::kBytes, "not a whole number of bytes");
  if (value >= 18446744073709551616.0) bad(text, isa::Unit::kBytes, "too large");
  return static_cast<std::uint64_t>(value);
}

std::string format_quantity(double value, isa::Unit unit) {
  INFSIM_PANIC_IF(unit == isa::Unit::kText, "format_quantity called for a text field");
  switch (unit) {
    case isa::Unit::kCount: {
      if (value == std::floor(value) && std::fabs(value) < 9.2e18) {
        return std::to_string(static_cast<long long>(value));
      }
      return shortest_round_trip(value);
    }
    case isa::Unit::kRatio:
      return shortest_round_trip(value);
    case isa::Unit::kDollars:
      return "$" + shortest_round_trip(value);
    case isa::Unit::kFlag:
      return value != 0 ? "true" : "false";
    default:
      break;
  }
  // Every (unit, digits) pair that parses back to exactly `value` is a candidate; prefer an
  // engineering mantissa, then fewer characters, then the earlier unit in the table.
  std::string best;
  bool best_in_window = false;
  char buf[64];
  for (const auto& s : scales(unit)) {
    if (!s.canonical) continue;
    double mantissa = std::ldexp(value, -s.binary_shift) /
                      std::pow(10.0, static_cast<double>(s.decimal_exponent));
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, mantissa);
      std::string digits = buf;
      if (digits.find_first_of("eEn") != std::string::npos) continue;  // exponent, inf or nan
      Number number;
      if (read_number(digits, number) != digits.size()) continue;
      if (scaled(number, s, digits, unit) != value) continue;
      std::string text = digits + s.suffix;
      bool window = in_window(mantissa, s);
      if (best.empty() || (window && !best_in_window) ||
          (window == best_in_window && text.size() < best.size())) {
        best = text;
        best_in_window = window;
      }
      break;
    }
  }
  if (best.empty()) best = shortest_round_trip(value) + scales(unit).front().suffix;
  return best;
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr std::uint64_t kExactDouble = 1ull << 53;
  if (bytes <= kExactDouble) return format_quantity(static_cast<double>(bytes), isa::Unit::kBytes);
  return std::to_string(bytes) + "B";
}

}  // namespace infsim::driver
