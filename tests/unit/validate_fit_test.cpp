// The leave-one-out fit's grid and tables (tools/driver/validate/fit.h): knob values print as the
// short decimals they stand for, in a sensible unit, never as binary floating-point noise.
#include "tools/driver/validate/fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <string>

#include "tools/config/units.h"

namespace infsim::driver {
namespace {

Knob knob(const std::string& key, isa::Unit unit, double min, double max) {
  Knob k;
  k.keys = {key};
  k.unit = unit;
  k.min = min;
  k.max = max;
  k.meaning = "test";
  return k;
}

// The shipped knobs' ranges (configs/validation/knobs.yaml), the grid steps calibrate.sh uses and
// a few more.
std::vector<Knob> shipped_knobs() {
  return {knob("chip.core.instruction_overhead_cycles", isa::Unit::kCount, 16, 128),
          knob("runtime.daemon_workers", isa::Unit::kCount, 1, 8),
          knob("runtime.daemon_request_overhead", isa::Unit::kTime, 20e-6, 500e-6),
          knob("runtime.daemon_copy_bandwidth", isa::Unit::kBandwidth, 0.3e9, 4e9),
          knob("chip.dram.efficiency", isa::Unit::kRatio, 0.6, 0.95)};
}

// At most `digits` significant digits in the number at the front of `text`.
bool short_number(const std::string& text, int digits) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("^\\$?(-?[0-9.]+)"))) return false;
  std::string d;
  for (char c : m[1].str()) {
    if (c >= '0' && c <= '9' && !(d.empty() && c == '0')) d += c;
  }
  while (!d.empty() && d.back() == '0') d.pop_back();  // 100000 has one significant digit
  return static_cast<int>(d.size()) <= digits;
}

TEST(ValidateFit, RoundSignificantGivesTheNearestDoubleOfTheDecimal) {
  EXPECT_EQ(round_significant(1.9999999999999998e-5, 3), 2e-5);
  EXPECT_EQ(round_significant(0.9500000000000001, 3), 0.95);
  EXPECT_EQ(round_significant(4.4699999999999996e-5, 3), 44.7e-6);
  EXPECT_EQ(round_significant(573123456.0, 3), 573e6);
  EXPECT_EQ(round_significant(-0.0123456, 2), -0.012);
  EXPECT_EQ(round_significant(0.0, 3), 0.0);
}

// Every grid value of every shipped knob, at several step counts, formats as a short decimal that
// parses back to the same value, and the grid keeps its ends.
TEST(ValidateFit, GridValuesAreShortDecimals) {
  for (const Knob& k : shipped_knobs()) {
    for (int steps : {2, 3, 5, 7, 9, 12, 17}) {
      const std::vector<double> grid = knob_grid(k, steps);
      ASSERT_FALSE(grid.empty());
      EXPECT_EQ(grid.front(), k.min) << k.keys[0];
      EXPECT_EQ(grid.back(), k.max) << k.keys[0];
      for (double v : grid) {
        const std::string text = format_quantity(v, k.unit);
        EXPECT_TRUE(short_number(text, 3)) << k.keys[0] << " at " << steps << " steps: " << text;
        EXPECT_EQ(parse_quantity(text, k.unit), v) << text;
      }
    }
  }
}

// The table of a fit: knob values from the grid (and the configured ones) print short, in the
// unit that suits them. The values below are what a power-of-ten rounding left in the table of
// docs/calibration.md (0.019999999999999997ms, 99999.99999999999ns, 0.9500000000000001).
TEST(ValidateFit, TablesPrintKnobValuesShort) {
  FitReport report;
  report.knobs = {knob("runtime.daemon_request_overhead", isa::Unit::kTime, 20e-6, 500e-6),
                  knob("chip.dram.efficiency", isa::Unit::kRatio, 0.6, 0.95),
                  knob("chip.core.instruction_overhead_cycles", isa::Unit::kCount, 16, 128),
                  knob("runtime.daemon_copy_bandwidth", isa::Unit::kBandwidth, 0.3e9, 4e9)};
  report.start = {110e-6, 0.86, 78, 0.63e9};
  report.all.values = {99999.99999999999e-9, 0.9500000000000001, 76, 573e6};
  RowOutcome row;
  row.row.name = "r";
  row.row.measured.assign(validation_metrics().size(), std::nullopt);
  row.simulated.assign(validation_metrics().size(), std::nullopt);
  row.row.measured[0] = 100;
  row.simulated[0] = 110;
  report.fitted.rows = {row};
  LeaveOneOut l;
  l.row = 0;
  l.fit.values = {0.019999999999999997e-3, 0.9500000000000001, 128, 572.9999999999999e6};
  l.held_out_error.assign(validation_metrics().size(), std::nullopt);
  l.held_out_error[0] = 0.2;
  report.loo = {l};
  const std::string md = format_fit_markdown(report);
  EXPECT_NE(md.find("| 20us – 500us | 110us | 100us |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.6 – 0.95 | 0.86 | 0.95 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 16 – 128 | 78 | 76 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 300MB/s – 4GB/s | 630MB/s | 573MB/s |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 20us, 0.95, 128, 573MB/s |"), std::string::npos) << md;
  EXPECT_EQ(md.find("9999"), std::string::npos) << md;
  EXPECT_EQ(md.find("0000"), std::string::npos) << md;
}

}  // namespace
}  // namespace infsim::driver
