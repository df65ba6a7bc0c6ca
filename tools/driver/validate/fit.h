#pragma once
// Leave-one-out calibration (`infsim validate FILE --fit KNOBS.yaml`). A knobs file declares the
// fitted config keys, each with its plausible range and physical meaning:
//
//   knobs:
//     - key: runtime.daemon_request_overhead   # any settable config key (infsim config keys),
//                                              # or a list of keys that take the same value
//       min: 20us                              # the plausible range, in the key's unit
//       max: 500us
//       meaning: one gRPC request through neuron-rtd   # why the range is plausible
//
// The fit minimizes the sum over measured values of ln(simulated / measured)^2 (a relative error,
// symmetric in over- and under-estimates) by coordinate descent on a grid of `steps` values per
// knob (geometric when the range spans more than 4x, else linear; whole numbers for counts),
// starting from the grid point nearest the configured value. Every grid point is simulated once
// for all rows and cached, so the fit on all rows and the N fits with one row left out share
// their simulations. A row that does not run at the start is left out of every fit.
// Knob values are set before a framework profile's and a row's own values, so a knob that a
// profile fixes (NeuronPerf's zero framework overhead) does not move that profile's rows.

#include <optional>
#include <string>
#include <vector>

#include "tools/driver/validate/validate.h"

namespace infsim::driver {

struct Knob {
  std::vector<std::string> keys;  // all set to the knob's value; the first names it
  isa::Unit unit = isa::Unit::kRatio;
  double min = 0, max = 0;  // base units
  std::string meaning;
};

// Throws ConfigError FILE:LINE for a malformed file, an unknown or non-numeric key, or a range
// outside the key's valid range.
std::vector<Knob> read_knobs_file(const std::string& path);

// The grid of one knob's values (base units), min and max included; values that are not counts
// have three significant digits.
std::vector<double> knob_grid(const Knob& knob, int steps);

// `value` rounded to `digits` significant digits: the double nearest that decimal, so that it
// prints as the short decimal (2e-05 s as "20us", not "19.999999999999998us").
double round_significant(double value, int digits);

struct FitResult {
  std::vector<double> values;  // per knob, base units
  double objective = 0;        // over the rows fitted
};

struct LeaveOneOut {
  std::size_t row = 0;                                // index into the report's rows
  FitResult fit;                                      // fitted on every other row
  std::vector<std::optional<double>> held_out_error;  // per metric, on the left-out row
};

struct FitReport {
  std::vector<Knob> knobs;
  std::vector<double> start;     // the configured values
  FitResult all;                 // fitted on every row that runs
  ValidationReport fitted;       // the rows simulated with `all`
  std::vector<LeaveOneOut> loo;  // one per row that runs
  int simulations = 0;           // grid points simulated (each: every row)
};

FitReport fit_knobs(const ValidationFile& file, const ValidateOptions& options,
                    const std::vector<Knob>& knobs, int steps);

std::string format_fit_markdown(const FitReport& report);

}  // namespace infsim::driver
