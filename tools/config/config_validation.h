#pragma once
// The one check of a configuration's cross-field constraints (issue 12). Each value's own unit and
// range are checked where it is parsed (describe() declares them); what needs two or more values
// together is checked here, once, after the files and every --set are applied. The compiler, the
// verifier and the simulator trust a config that passed: they do not check it again.
//
// What it checks, and why each constraint exists:
//   - instance.name is not empty (reports and dumps are keyed by it);
//   - chip.core.sbuf.size and chip.core.psum.size divide evenly into their partitions, and the
//     PSUM banks into a PSUM partition (the memories are addressed per partition and per bank);
//   - a PSUM bank holds at least one fp32 partial sum;
//   - chip.core.tensor.rows <= chip.core.sbuf.partitions (each array row is fed by one SBUF
//     partition) and chip.core.tensor.cols <= chip.core.psum.partitions (each array column
//     accumulates into one PSUM partition); the message gives the --set that fixes it;
//   - chip.dram.size is a whole number of stripes (channels x interleave);
//   - chip.neuronlink.ports can chain instance.chips chips (inner chips need a link each side).

#include <functional>
#include <string>
#include <vector>

#include "isa/user_error.h"
#include "sim/runtime/runtime_config.h"

namespace infsim::driver {

// Where a value was set, as text for the message ("configs/x.yaml:12", "--set k=v") and as data.
struct ValueOrigin {
  std::string text;
  ErrorLocation where;
};

// `origin(path)` says where the value at a dotted path was set; empty when not known (a config
// built in code). Throws ConfigError (kInvalidConfig) at the first violated constraint, naming
// the path, the values it conflicts with and where each was set.
using OriginOf = std::function<ValueOrigin(const std::string& path)>;
void validate_config(const sim::SystemConfig& config, const OriginOf& origin = {});

// What follows from the settable values and is not settable itself ("chip.core.psum: 16KiB per
// partition, 2KiB per bank (1MiB / 64 partitions / 8 banks)"), one line each, for `config show`.
std::vector<std::string> derived_values(const sim::SystemConfig& config);

}  // namespace infsim::driver
