// Quantities with units: parsing every kind, canonical formatting, exact round trips, errors.
#include "tools/config/units.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

using isa::Unit;

// The error text, or "" if parsing succeeded.
std::string parse_error(const std::string& text, Unit unit) {
  try {
    parse_quantity(text, unit);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Units, Bytes) {
  EXPECT_EQ(parse_bytes("512B"), 512u);
  EXPECT_EQ(parse_bytes("4KiB"), 4096u);
  EXPECT_EQ(parse_bytes("10MiB"), 10u << 20);
  EXPECT_EQ(parse_bytes("8GiB"), 8ull << 30);
  EXPECT_EQ(parse_bytes("1.5GB"), 1500000000u);
  EXPECT_EQ(parse_bytes("2kB"), 2000u);
  EXPECT_EQ(parse_bytes("2KB"), 2000u);
  EXPECT_EQ(parse_bytes("1.5GiB"), 3ull << 29);
  EXPECT_EQ(parse_bytes("0"), 0u);
  EXPECT_EQ(parse_bytes(" 16 KiB "), 16384u);
}

TEST(Units, BandwidthFrequencyTime) {
  EXPECT_EQ(parse_quantity("50GiB/s", Unit::kBandwidth), 50.0 * (1ull << 30));
  EXPECT_EQ(parse_quantity("7.88GB/s", Unit::kBandwidth), 7.88e9);
  EXPECT_EQ(parse_quantity("100MB/s", Unit::kBandwidth), 100e6);
  EXPECT_EQ(parse_quantity("0.95GHz", Unit::kFrequency), 0.95e9);
  EXPECT_EQ(parse_quantity("950MHz", Unit::kFrequency), 0.95e9);
  // Decimal scales shift the exponent of the text, so the result equals the C++ literal (a
  // multiply by 1e-6 would be one ulp off for some values).
  EXPECT_EQ(parse_quantity("30us", Unit::kTime), 30e-6);
  EXPECT_EQ(parse_quantity("1.5ms", Unit::kTime), 1.5e-3);
  EXPECT_EQ(parse_quantity("100ns", Unit::kTime), 100e-9);
  EXPECT_EQ(parse_quantity("2s", Unit::kTime), 2.0);
  EXPECT_EQ(parse_quantity("0.3ms", Unit::kTime), 0.3e-3);
  EXPECT_EQ(parse_quantity("30\xC2\xB5s", Unit::kTime), 30e-6);
}

TEST(Units, DollarsCountsRatiosFlags) {
  EXPECT_EQ(parse_quantity("$0.228", Unit::kDollars), 0.228);
  EXPECT_EQ(parse_quantity("0.228", Unit::kDollars), 0.228);
  EXPECT_EQ(parse_count("128"), 128);
  EXPECT_EQ(parse_count("-3"), -3);
  EXPECT_EQ(parse_quantity("0.25", Unit::kRatio), 0.25);
  EXPECT_EQ(parse_quantity("1e-3", Unit::kRatio), 1e-3);
  EXPECT_TRUE(parse_flag("true"));
  EXPECT_FALSE(parse_flag("false"));
}

TEST(Units, CanonicalFormat) {
  EXPECT_EQ(format_bytes(512), "512B");
  EXPECT_EQ(format_bytes(4096), "4KiB");
  EXPECT_EQ(format_bytes(10u << 20), "10MiB");
  EXPECT_EQ(format_bytes(8ull << 30), "8GiB");
  EXPECT_EQ(format_bytes(3ull << 29), "1.5GiB");
  EXPECT_EQ(format_bytes(1500000000), "1.5GB");
  EXPECT_EQ(format_bytes(0), "0B");
  EXPECT_EQ(format_quantity(50.0 * (1ull << 30), Unit::kBandwidth), "50GiB/s");
  EXPECT_EQ(format_quantity(7.88e9, Unit::kBandwidth), "7.88GB/s");
  EXPECT_EQ(format_quantity(0.985e9, Unit::kBandwidth), "985MB/s");
  EXPECT_EQ(format_quantity(0.95e9, Unit::kFrequency), "950MHz");
  EXPECT_EQ(format_quantity(30e-6, Unit::kTime), "30us");
  EXPECT_EQ(format_quantity(1.5e-3, Unit::kTime), "1.5ms");
  EXPECT_EQ(format_quantity(100e-9, Unit::kTime), "100ns");
  EXPECT_EQ(format_quantity(2, Unit::kTime), "2s");
  EXPECT_EQ(format_quantity(0, Unit::kTime), "0s");
  EXPECT_EQ(format_quantity(0.228, Unit::kDollars), "$0.228");
  EXPECT_EQ(format_quantity(64, Unit::kCount), "64");
  EXPECT_EQ(format_quantity(0.25, Unit::kRatio), "0.25");
  EXPECT_EQ(format_quantity(1, Unit::kFlag), "true");
}

// dump -> load must reproduce every value bit for bit, including ones that have no short form.
TEST(Units, RoundTripIsExact) {
  const double awkward[] = {1.0 / 3, 0.1 + 0.2, 123456789.123, 1e-13, 7.123456789e11, 42, 1e300};
  const Unit kinds[] = {Unit::kBandwidth, Unit::kFrequency, Unit::kTime, Unit::kRatio,
                        Unit::kDollars};
  for (Unit unit : kinds) {
    for (double value : awkward) {
      std::string text = format_quantity(value, unit);
      EXPECT_EQ(parse_quantity(text, unit), value) << text;
    }
  }
  const std::uint64_t sizes[] = {1,       1000,      1023,       1025,
                                 3 << 20, 123456789, 1ull << 40, (1ull << 53) + 2};
  for (std::uint64_t bytes : sizes) {
    EXPECT_EQ(parse_bytes(format_bytes(bytes)), bytes) << format_bytes(bytes);
  }
  EXPECT_EQ(parse_count(format_quantity(-17, Unit::kCount)), -17);
}

TEST(Units, RejectsBadUnitsWithTheExpectedForm) {
  EXPECT_NE(parse_error("10MiB/x", Unit::kBytes).find("unknown unit 'MiB/x'"), std::string::npos);
  EXPECT_NE(parse_error("10MiB/x", Unit::kBytes).find("a size such as 10MiB"), std::string::npos);
  EXPECT_NE(parse_error("50", Unit::kBandwidth).find("missing unit"), std::string::npos);
  EXPECT_NE(parse_error("50Gb/s", Unit::kBandwidth).find("a bandwidth such as 50GiB/s"),
            std::string::npos);
  EXPECT_NE(parse_error("fast", Unit::kFrequency).find("not a number"), std::string::npos);
  EXPECT_NE(parse_error("1.5GHz", Unit::kTime).find("a time such as 30us"), std::string::npos);
  EXPECT_NE(parse_error("3", Unit::kTime).find("missing unit"), std::string::npos);
  EXPECT_NE(parse_error("0.2x", Unit::kRatio).find("a number such as"), std::string::npos);
  EXPECT_NE(parse_error("E0.2", Unit::kDollars).find("a price in dollars"), std::string::npos);
  EXPECT_NE(parse_error("4.5", Unit::kCount).find("a whole number"), std::string::npos);
  EXPECT_NE(parse_error("yes", Unit::kFlag).find("true or false"), std::string::npos);
  EXPECT_NE(parse_error("", Unit::kBytes).find("not a number"), std::string::npos);
  EXPECT_NE(parse_error("1e999GB/s", Unit::kBandwidth).find("too large"), std::string::npos);
  EXPECT_THROW(parse_bytes("1.5B"), ConfigError);
  EXPECT_THROW(parse_bytes("-4KiB"), ConfigError);
  EXPECT_THROW(parse_count("99999999999999999999"), ConfigError);
}

}  // namespace
}  // namespace infsim::driver
