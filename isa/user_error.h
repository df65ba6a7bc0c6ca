#pragma once
// UserError: the one exception for a user's mistake, from every module (models, compiler, isa,
// sim, tools). It carries a kind and where the mistake is as data; decisions (a sweep point's
// status, analyze's unsupported list, the table's status column, the exit code) read the kind,
// never the message. It crosses process boundaries as data (tools/driver/isolation.h).
//
// Each module has a thin subclass whose only job is a default kind, so that a throw site says
// what is wrong and, where the default does not fit, which kind it is:
//
//   throw compiler::CompileError("model 'x' does not fit: ...", ErrorKind::kDoesNotFit);
//   throw models::ModelError(msg, ErrorKind::kInvalidModel, ErrorLocation::at_node(n.name, n.op));
//
// Catch UserError (not a subclass) wherever an error may have crossed a process boundary: there
// it comes back as a UserError with the same kind, location and message.
//
// This header lives in isa/ because isa/ is the module everything else may include; it has no
// dependency of its own (models/ includes it and nothing else of isa/).

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace infsim {

enum class ErrorKind : int {
  kInvalidConfig,  // a config file, key, unit or value, a --set
  kInvalidModel,   // a malformed model: bad ONNX, shape mismatch, dangling edge, bad attribute
  kUnsupportedOperator,  // an operator, or a form of one, the device cannot run
  kDoesNotFit,           // well-formed, but the hardware cannot hold it (SBUF, DRAM, cores, stages)
  kImpossibleRequest,    // a command line, experiment or request that cannot be met
  kBadFile,              // a file that is missing, unreadable or corrupt (.ifx, .s, .npy, ...)
};
inline constexpr int kNumErrorKinds = 6;

// "invalid config", "invalid model", "unsupported operator", "does not fit",
// "impossible request", "bad file".
inline const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidConfig:
      return "invalid config";
    case ErrorKind::kInvalidModel:
      return "invalid model";
    case ErrorKind::kUnsupportedOperator:
      return "unsupported operator";
    case ErrorKind::kDoesNotFit:
      return "does not fit";
    case ErrorKind::kImpossibleRequest:
      return "impossible request";
    case ErrorKind::kBadFile:
      return "bad file";
  }
  return "?";
}

inline std::optional<ErrorKind> error_kind_from_name(std::string_view name) {
  for (int i = 0; i < kNumErrorKinds; ++i) {
    const auto kind = static_cast<ErrorKind>(i);
    if (name == error_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

// Where the mistake is; every field is optional (empty, or 0 for the line).
struct ErrorLocation {
  std::string file;       // a config, experiment, study, model or program file
  int line = 0;           // 1-based line in `file`
  std::string yaml_path;  // "chip.core.sbuf.size", "scenarios[1].processes[0].count"
  std::string node;       // a graph node's name
  std::string op;         // that node's operator

  static ErrorLocation in_file(std::string file, int line = 0, std::string yaml_path = "") {
    ErrorLocation w;
    w.file = std::move(file);
    w.line = line;
    w.yaml_path = std::move(yaml_path);
    return w;
  }
  static ErrorLocation at_node(std::string node, std::string op) {
    ErrorLocation w;
    w.node = std::move(node);
    w.op = std::move(op);
    return w;
  }
};

class UserError : public std::runtime_error {
 public:
  // `message` is the whole text shown to the user: it already names what and where.
  UserError(ErrorKind kind, const std::string& message, ErrorLocation where = {})
      : std::runtime_error(message), kind_(kind), where_(std::move(where)) {}

  ErrorKind kind() const { return kind_; }
  const ErrorLocation& where() const { return where_; }

 private:
  ErrorKind kind_;
  ErrorLocation where_;
};

}  // namespace infsim
