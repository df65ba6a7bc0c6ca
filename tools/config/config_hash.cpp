// config_hash: which resolved configuration produced a number (declared in config_loader.h).
#include <cstdint>
#include <cstdio>
#include <string>

#include "tools/config/config_loader.h"

namespace infsim::driver {

std::string config_hash_of_yaml(const std::string& resolved_yaml) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : resolved_yaml) {
    h ^= c;
    h *= 1099511628211ull;  // FNV-1a 64 prime
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string config_hash(const sim::SystemConfig& config) {
  return config_hash_of_yaml(dump_config_yaml(config));
}

}  // namespace infsim::driver
