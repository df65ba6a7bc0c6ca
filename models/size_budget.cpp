#include "models/size_budget.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "models/model_error.h"

namespace infsim::models {

std::uint64_t model_budget() {
  const char* text = std::getenv(kModelBudgetVariable);
  if (!text || !*text) return kDefaultModelBudget;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  int shift = -1;
  for (auto [suffix, s] :
       {std::pair{"", 0}, {"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}}) {
    if (std::strcmp(end, suffix) == 0) shift = s;
  }
  if (end == text || *text == '-' || errno == ERANGE || shift < 0 || value == 0 ||
      value > (~std::uint64_t{0} >> shift)) {
    throw ModelError(std::string(kModelBudgetVariable) + "='" + text +
                     "': expected a positive number of bytes such as 4GiB or 500MiB");
  }
  return std::uint64_t{value} << shift;
}

std::uint64_t tensor_bytes(const Shape& shape, DType dtype) {
  // num_elements() is at most kMaxElements = 2^48, so the product stays inside 64 bits.
  return static_cast<std::uint64_t>(num_elements(shape)) * dtype_size(dtype);
}

void SizeBudget::claim(std::uint64_t bytes, const std::string& where, const std::string& tensor,
                       const Shape& shape) {
  if (bytes <= limit_ && used_ <= limit_ - bytes) {
    used_ += bytes;
    return;
  }
  std::string what =
      where + ": tensor '" + tensor + "' " + shape_string(shape) + " needs " + bytes_text(bytes);
  if (bytes <= limit_) what += ", which with the " + bytes_text(used_) + " before it is";
  throw ModelError(what + " over the model size budget of " + bytes_text(limit_) + " (" +
                   kModelBudgetVariable + ")");
}

void SizeBudget::check(std::uint64_t bytes, const std::string& where, const std::string& tensor,
                       const Shape& shape) const {
  SizeBudget alone(limit_);
  alone.claim(bytes, where, tensor, shape);
}

std::string bytes_text(std::uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 6) v /= 1024.0, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.3g %s", v, units[u]);
  return buf;
}

}  // namespace infsim::models
