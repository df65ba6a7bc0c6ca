#include "tools/config/config_validation.h"

#include <cstdio>
#include <string>
#include <vector>

#include "tools/config/errors.h"
#include "tools/config/units.h"

namespace infsim::driver {
namespace {

std::string num(long long v) {
  return std::to_string(v);
}

// Throws for the value at `path`, which conflicts with the values at `others`; each is named
// with where it was set, when that is known.
class Checker {
 public:
  explicit Checker(const OriginOf& origin) : origin_(origin) {}

  [[noreturn]] void fail(const std::string& path, const std::vector<std::string>& others,
                         const std::string& message) const {
    const ValueOrigin at = origin_of(path);
    std::string sources;
    for (const auto& other : others) {
      const std::string text = origin_of(other).text;
      if (!text.empty()) sources += (sources.empty() ? "" : ", ") + other + " at " + text;
    }
    ErrorLocation where = at.where;
    where.yaml_path = path;
    throw ConfigError((at.text.empty() ? "" : at.text + ": ") + path + ": " + message +
                          (sources.empty() ? "" : " (" + sources + ")"),
                      ErrorKind::kInvalidConfig, std::move(where));
  }

 private:
  ValueOrigin origin_of(const std::string& path) const {
    return origin_ ? origin_(path) : ValueOrigin{};
  }

  const OriginOf& origin_;
};

// The memories are addressed per partition and per bank: the sizes must divide evenly.
void check_memories(const isa::NeuronCoreConfig& core, const Checker& check) {
  if (core.sbuf.size % static_cast<std::uint64_t>(core.sbuf.partitions) != 0) {
    check.fail("chip.core.sbuf.size", {"chip.core.sbuf.partitions"},
               format_bytes(core.sbuf.size) + " is not divisible by chip.core.sbuf.partitions (" +
                   num(core.sbuf.partitions) + ")");
  }
  if (core.psum.size % static_cast<std::uint64_t>(core.psum.partitions) != 0) {
    check.fail("chip.core.psum.size", {"chip.core.psum.partitions"},
               format_bytes(core.psum.size) + " is not divisible by chip.core.psum.partitions (" +
                   num(core.psum.partitions) + ")");
  }
  if (core.psum.partition_bytes() % static_cast<std::uint64_t>(core.psum.banks) != 0) {
    check.fail("chip.core.psum.banks", {"chip.core.psum.size", "chip.core.psum.partitions"},
               num(core.psum.banks) + " banks do not divide the PSUM partition size (" +
                   format_bytes(core.psum.partition_bytes()) + " = " +
                   format_bytes(core.psum.size) + " / " + num(core.psum.partitions) +
                   " partitions)");
  }
  // A matmul accumulates fp32 partial sums into one bank.
  if (core.psum.bank_bytes() < 4) {
    check.fail("chip.core.psum.banks", {"chip.core.psum.size", "chip.core.psum.partitions"},
               "a bank of " + format_bytes(core.psum.bank_bytes()) +
                   " cannot hold one fp32 partial sum (4B)");
  }
}

// The array's shape implies the partition counts around it: each row is fed by one SBUF
// partition, each column accumulates into one PSUM partition. The message gives the --set that
// makes the two agree, keeping the bytes per partition.
void check_array(const isa::NeuronCoreConfig& core, const Checker& check) {
  const auto& t = core.tensor;
  if (t.rows > core.sbuf.partitions) {
    const std::uint64_t size = core.sbuf.partition_bytes() * static_cast<std::uint64_t>(t.rows);
    check.fail(
        "chip.core.tensor.rows", {"chip.core.sbuf.partitions"},
        num(t.rows) + " rows exceed chip.core.sbuf.partitions (" + num(core.sbuf.partitions) +
            "): each array row is fed by one SBUF partition, so an array of " + num(t.rows) +
            " rows needs " + num(t.rows) + "; add --set chip.core.sbuf.partitions=" + num(t.rows) +
            " --set chip.core.sbuf.size=" + format_bytes(size) + " (the same " +
            format_bytes(core.sbuf.partition_bytes()) + " per partition)");
  }
  if (t.cols > core.psum.partitions) {
    const std::uint64_t size = core.psum.partition_bytes() * static_cast<std::uint64_t>(t.cols);
    check.fail("chip.core.tensor.cols", {"chip.core.psum.partitions"},
               num(t.cols) + " columns exceed chip.core.psum.partitions (" +
                   num(core.psum.partitions) +
                   "): each array column accumulates into one PSUM partition, so an array of " +
                   num(t.cols) + " columns needs " + num(t.cols) +
                   "; add --set chip.core.psum.partitions=" + num(t.cols) +
                   " --set chip.core.psum.size=" + format_bytes(size) + " (the same " +
                   format_bytes(core.psum.partition_bytes()) + " per partition)");
  }
}

void check_chip(const sim::SystemConfig& c, const Checker& check) {
  const auto& dram = c.chip.dram;
  const std::uint64_t stripe = dram.interleave * static_cast<std::uint64_t>(dram.channels);
  if (dram.size % stripe != 0) {
    check.fail("chip.dram.size", {"chip.dram.channels", "chip.dram.interleave"},
               format_bytes(dram.size) +
                   " is not a multiple of chip.dram.channels x chip.dram.interleave (" +
                   num(dram.channels) + " x " + format_bytes(dram.interleave) + ")");
  }
  // The chips form a chain: the inner ones need a link on each side.
  const int ports_needed = c.chips == 1 ? 0 : c.chips == 2 ? 1 : 2;
  if (c.chip.neuronlink.ports < ports_needed) {
    check.fail("chip.neuronlink.ports", {"instance.chips"},
               num(c.chip.neuronlink.ports) + " ports cannot chain " + num(c.chips) +
                   " chips (needs " + num(ports_needed) + ")");
  }
}

}  // namespace

void validate_config(const sim::SystemConfig& config, const OriginOf& origin) {
  const Checker check(origin);
  if (config.name.empty()) check.fail("instance.name", {}, "must not be empty");
  check_memories(config.chip.core, check);
  check_array(config.chip.core, check);
  check_chip(config, check);
}

std::vector<std::string> derived_values(const sim::SystemConfig& config) {
  const auto& core = config.chip.core;
  const auto& t = core.tensor;
  const double macs = static_cast<double>(t.rows) * t.cols;
  char tflops[32];
  std::snprintf(tflops, sizeof tflops, "%.3g", 2 * macs * t.bf16_rate * core.clock / 1e12);
  return {
      "instance: " + num(config.chips) + (config.chips > 1 ? " chips" : " chip") + " x " +
          num(config.chip.cores) + " NeuronCores = " + num(config.total_cores()) + " NeuronCores",
      "chip.core.tensor: " + num(static_cast<long long>(macs)) + " MACs per cycle (" + num(t.rows) +
          " x " + num(t.cols) + "), " + tflops + " bf16 TFLOPS at " +
          format_quantity(core.clock, isa::Unit::kFrequency),
      "chip.core.sbuf: " + format_bytes(core.sbuf.partition_bytes()) + " per partition (" +
          format_bytes(core.sbuf.size) + " / " + num(core.sbuf.partitions) + ")",
      "chip.core.psum: " + format_bytes(core.psum.partition_bytes()) + " per partition, " +
          format_bytes(core.psum.bank_bytes()) + " per bank (" + format_bytes(core.psum.size) +
          " / " + num(core.psum.partitions) + " / " + num(core.psum.banks) + ")",
      "chip.pcie: " + format_quantity(config.chip.pcie.bandwidth(), isa::Unit::kBandwidth) +
          " per direction (" + num(config.chip.pcie.lanes) + " x " +
          format_quantity(config.chip.pcie.lane_bandwidth, isa::Unit::kBandwidth) + ")",
  };
}

}  // namespace infsim::driver
