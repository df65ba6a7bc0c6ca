#pragma once
// Numbers with units as study files write them ("4MiB", "50GiB/s", "0.95GHz", "30us", "128").
// The sweep needs their numeric value for ranges, sensitivities and plot axes, and writes range
// points back in the unit the study used, so a generated "8MiB" reads like a hand-written one.

#include <optional>
#include <string>

namespace infsim::driver {

struct WrittenQuantity {
  double value = 0;       // in the written unit: 4 for "4MiB"
  std::string unit;       // as written: "MiB", "GiB/s", "" for a plain number
  double scale = 1;       // SI multiplier of the unit: 2^20 for "MiB"
  std::string dimension;  // what the unit measures: "bytes", "bytes/s", "Hz", "s", "" (plain)

  double si() const { return value * scale; }
};

// Parses "<number><unit>" (optional spaces between). Returns nullopt when the text is not a
// number or the unit is not one of B/KiB/MiB/GiB/TiB/KB/MB/GB/TB (optionally "/s"),
// Hz/kHz/MHz/GHz, s/ms/us/ns.
std::optional<WrittenQuantity> parse_written_quantity(const std::string& text);

// value in the given unit, shortest text that reads back exactly: format_written_quantity(8, "MiB")
// == "8MiB", format_written_quantity(0.5, "") == "0.5".
std::string format_written_quantity(double value, const std::string& unit);

}  // namespace infsim::driver
