#pragma once
#include "isa/user_error.h"

namespace infsim::driver {

// A bad configuration file, key, unit or value; the message names the file, the YAML path and
// the line, and where() holds them. A UserError whose kind defaults to kInvalidConfig.
class ConfigError : public UserError {
 public:
  explicit ConfigError(const std::string& message, ErrorKind kind = ErrorKind::kInvalidConfig,
                       ErrorLocation where = {})
      : UserError(kind, message, std::move(where)) {}
};

// A bad command line, experiment or request (e.g. more NeuronCores than the instance has). A
// UserError whose kind defaults to kImpossibleRequest.
class UsageError : public UserError {
 public:
  explicit UsageError(const std::string& message, ErrorKind kind = ErrorKind::kImpossibleRequest,
                      ErrorLocation where = {})
      : UserError(kind, message, std::move(where)) {}
};

}  // namespace infsim::driver
