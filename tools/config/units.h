#pragma once
// Quantities with units, as configs and `--set` write them: "10MiB", "50GiB/s", "0.95GHz",
// "30us", "$0.228". Values are held in base units (bytes, bytes/s, Hz, seconds, dollars).
//
// format_*() gives the canonical text, chosen so that parsing it gives back exactly the same
// value (bit for bit): a dumped configuration reproduces the run that dumped it.

#include <cstdint>
#include <string>
#include <string_view>

#include "isa/hardware_config.h"

namespace infsim::driver {

// Parses a quantity of any numeric kind (not kText/kFlag) into base units. kBytes accepts binary
// (KiB, MiB, GiB, TiB) and SI (kB/KB, MB, GB, TB) multiples; kBandwidth the same with "/s";
// kFrequency Hz/kHz/MHz/GHz; kTime s/ms/us/ns; kDollars an optional "$"; kCount an integer.
// A bare 0 is accepted for every kind. Throws ConfigError naming the expected form.
double parse_quantity(std::string_view text, isa::Unit unit);

// A whole, non-negative number of bytes ("1.5GB" is fine, "1.5B" is not).
std::uint64_t parse_bytes(std::string_view text);
std::int64_t parse_count(std::string_view text);
bool parse_flag(std::string_view text);  // true/false

// Canonical text: the unit that gives a mantissa in [1, 1000) (or [1, 1024) for binary units)
// with the shortest exact digits, e.g. 50GiB/s, 7.88GB/s, 950MHz, 30us, $0.228.
std::string format_quantity(double value, isa::Unit unit);
std::string format_bytes(std::uint64_t bytes);

// "a size such as 10MiB, 4KiB, 512B or 1.5GB": for error messages and `config keys`.
std::string expected_form(isa::Unit unit);
// "bytes", "bandwidth", "frequency", ...
std::string unit_kind_name(isa::Unit unit);

}  // namespace infsim::driver
