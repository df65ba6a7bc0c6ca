#pragma once
#include <stdexcept>
#include <string>

namespace infsim::driver {

// A bad configuration file, key, unit or value; the message names the file, the YAML path and
// the line.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bad command line, experiment or request (e.g. more NeuronCores than the instance has).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace infsim::driver
