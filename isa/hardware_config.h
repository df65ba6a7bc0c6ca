#pragma once
// The hardware description shared by the compiler (what to target) and the simulator (what to
// model): one plain struct per hardware module, with defaults. The defaults are the values of
// configs/hardware/*.yaml, which say where each number comes from; the YAML files are what runs,
// the defaults are for programmatic use (tests, tools).
//
// Each struct has a describe() that lists its fields with name, unit, allowed range and a one-line
// description (what `infsim config keys` and `config show --comments` print). The
// config loader, `--set`, `config show` and the sweep tool all work through it, so adding a field
// here is all it takes to make it configurable.

#include <cstdint>
#include <string>

namespace infsim::isa {

enum class Unit {
  kCount,      // plain integer
  kBytes,      // "10MiB", "4KiB", "8GiB", "512B"
  kBandwidth,  // bytes per second: "50GiB/s", "7.88GB/s"
  kFrequency,  // Hz: "0.95GHz", "950MHz"
  kTime,       // seconds: "30us", "1.5ms", "100ns"
  kRatio,      // plain real number
  kDollars,    // "$0.228" or 0.228, per hour
  kText,       // free string
  kFlag,       // true / false
};

struct Range {
  double min;
  double max;
};

struct TensorEngineConfig {
  int rows = 128;  // contraction dimension (= SBUF partitions feeding the array)
  int cols = 64;   // output columns (= PSUM partitions)
  // Moving-tile columns consumed per cycle, relative to bf16.
  double bf16_rate = 1.0;
  double fp16_rate = 1.0;
  double fp32_rate = 0.25;
  double int8_rate = 2.0;
  // Cycles to shift one row of weights into the array (weight-stationary load).
  double weight_load_cycles_per_row = 1.0;
  // true: a LoadWeights may start while the previous MatMul's partial sums still drain (double
  // buffered weights). false: it waits until they are out of the array (SCALE-Sim's
  // weight-stationary dataflow without preload overlap).
  bool weight_load_overlap = true;
  // false: loading K weight rows takes K shifts. true: weights shift in from one edge through
  // all `rows` of the array whatever K is (as SCALE-Sim counts a fold's load).
  bool weight_load_full_array = false;

  template <class V>
  void describe(V& v) {
    v("rows", rows, Unit::kCount, Range{1, 1024},
      "systolic array rows: contraction (K) elements of a weight tile, one SBUF partition each");
    v("cols", cols, Unit::kCount, Range{1, 1024},
      "systolic array columns: output channels (N) of one weight tile, one PSUM partition each");
    v("bf16_rate", bf16_rate, Unit::kRatio, Range{0.01, 16},
      "moving-tile columns per cycle with bf16 operands (1 = one column a cycle)");
    v("fp16_rate", fp16_rate, Unit::kRatio, Range{0.01, 16},
      "moving-tile columns per cycle with fp16 operands");
    v("fp32_rate", fp32_rate, Unit::kRatio, Range{0.01, 16},
      "moving-tile columns per cycle with fp32 operands");
    v("int8_rate", int8_rate, Unit::kRatio, Range{0.01, 16},
      "moving-tile columns per cycle with int8 operands");
    v("weight_load_cycles_per_row", weight_load_cycles_per_row, Unit::kRatio, Range{0, 64},
      "cycles to shift one row of a weight tile into the array (weight-stationary load)");
    v("weight_load_overlap", weight_load_overlap, Unit::kFlag, Range{0, 1},
      "true: the next weights load while the previous matmul drains; false: after it (SCALE-Sim)");
    v("weight_load_full_array", weight_load_full_array, Unit::kFlag, Range{0, 1},
      "true: every weight load shifts through all rows of the array, whatever K is (SCALE-Sim)");
  }
};

// The Vector and Scalar engines share a shape: FLOP per cycle spread over the SBUF partitions.
// One declaration for both; the parameter is only the default throughput (the YAML in
// configs/hardware/ sets the shipped values).
template <int kDefaultFlopsPerCycle>
struct SimdEngineConfig {
  int flops_per_cycle = kDefaultFlopsPerCycle;

  template <class V>
  void describe(V& v) {
    v("flops_per_cycle", flops_per_cycle, Unit::kCount, Range{1, 1 << 20},
      "floating-point operations per cycle, spread over the SBUF partitions");
  }
};
using VectorEngineConfig = SimdEngineConfig<256>;
using ScalarEngineConfig = SimdEngineConfig<512>;

struct SbufConfig {
  int partitions = 128;
  std::uint64_t size = 10ull << 20;  // bytes, all partitions together
  // Bytes per cycle one partition can read or write (SRAM port width).
  int bytes_per_cycle_per_partition = 4;

  std::uint64_t partition_bytes() const { return size / static_cast<std::uint64_t>(partitions); }

  template <class V>
  void describe(V& v) {
    v("partitions", partitions, Unit::kCount, Range{1, 1024},
      "SBUF partitions (rows of the state buffer); each feeds one array row and one vector lane");
    v("size", size, Unit::kBytes, Range{1024, 1e12},
      "SBUF bytes of one core, all partitions together (a multiple of the partitions)");
    v("bytes_per_cycle_per_partition", bytes_per_cycle_per_partition, Unit::kCount, Range{1, 1024},
      "bytes one SBUF partition reads or writes per cycle (SRAM port width)");
  }
};

struct PsumConfig {
  int partitions = 64;
  std::uint64_t size = 1ull << 20;  // bytes, all partitions and banks together
  int banks = 8;

  std::uint64_t partition_bytes() const { return size / static_cast<std::uint64_t>(partitions); }
  std::uint64_t bank_bytes() const { return partition_bytes() / static_cast<std::uint64_t>(banks); }

  template <class V>
  void describe(V& v) {
    v("partitions", partitions, Unit::kCount, Range{1, 1024},
      "PSUM partitions; each array column accumulates into one, so at least chip.core.tensor.cols");
    v("size", size, Unit::kBytes, Range{1024, 1e12},
      "PSUM bytes of one core, all partitions and banks together");
    v("banks", banks, Unit::kCount, Range{1, 1024},
      "PSUM banks per partition: matmul output tiles that can accumulate at the same time");
  }
};

struct DmaConfig {
  int engines = 3;
  int queues_per_engine = 16;
  double engine_bandwidth = 32e9;     // bytes/s one DMA engine can move
  double descriptor_latency = 1e-6;   // seconds from issue to first byte (descriptor fetch, setup)
  std::uint64_t element_chunk = 512;  // bytes: contiguous runs shorter than this cost a full chunk

  template <class V>
  void describe(V& v) {
    v("engines", engines, Unit::kCount, Range{1, 64}, "DMA engines of one core");
    v("queues_per_engine", queues_per_engine, Unit::kCount, Range{1, 256},
      "descriptor queues (rings) per DMA engine");
    v("engine_bandwidth", engine_bandwidth, Unit::kBandwidth, Range{1e6, 1e15},
      "bytes per second one DMA engine moves");
    v("descriptor_latency", descriptor_latency, Unit::kTime, Range{0, 1},
      "time from issuing a DMA descriptor to its first byte (fetch, setup)");
    v("element_chunk", element_chunk, Unit::kBytes, Range{1, 1 << 20},
      "DMA burst: a contiguous run shorter than this costs a full chunk");
  }
};

struct NeuronCoreConfig {
  double clock = 0.95e9;  // Hz
  int semaphores = 32;
  int events = 256;
  // Cycles every engine instruction costs on top of its work: the issue cost of an engine's
  // in-order queue (decode, access-pattern setup, semaphore handshake). One value for the
  // Tensor, Vector and Scalar Engines; Nop and DMA descriptors do not pay it.
  int instruction_overhead_cycles = 78;
  TensorEngineConfig tensor;
  VectorEngineConfig vector;
  ScalarEngineConfig scalar;
  SbufConfig sbuf;
  PsumConfig psum;
  DmaConfig dma;

  template <class V>
  void describe(V& v) {
    v("clock", clock, Unit::kFrequency, Range{1e6, 1e11}, "NeuronCore clock (all engines)");
    v("semaphores", semaphores, Unit::kCount, Range{1, 255},
      "semaphores per NeuronCore (an instruction names one in a byte; 0xff means none)");
    v("events", events, Unit::kCount, Range{0, 65536},
      "hardware events per NeuronCore (recorded for completeness; programs use semaphores)");
    v("instruction_overhead_cycles", instruction_overhead_cycles, Unit::kCount, Range{0, 100000},
      "cycles every Tensor, Vector and Scalar Engine instruction pays to issue from its in-order "
      "queue (decode, access-pattern setup, semaphore handshake)");
    v.section("tensor", tensor);
    v.section("vector", vector);
    v.section("scalar", scalar);
    v.section("sbuf", sbuf);
    v.section("psum", psum);
    v.section("dma", dma);
  }
};

struct DramConfig {
  int channels = 2;
  std::uint64_t size = 8ull << 30;         // bytes per chip
  double bandwidth = 50.0 * (1ull << 30);  // bytes/s per chip, all channels together
  double latency = 100e-9;                 // seconds, first byte
  std::uint64_t interleave = 4096;         // bytes: address stripe per channel
  // Sustained bandwidth over the peak: refresh, row-buffer misses and read/write turnarounds
  // leave a loaded DRAM moving less than its pin rate.
  double efficiency = 0.83;

  double sustained_bandwidth() const { return bandwidth * efficiency; }

  template <class V>
  void describe(V& v) {
    v("channels", channels, Unit::kCount, Range{1, 64},
      "DRAM channels of one chip; addresses are striped over them");
    v("size", size, Unit::kBytes, Range{1 << 20, 1e15},
      "device DRAM of one chip (weights, inputs, outputs, spills)");
    v("bandwidth", bandwidth, Unit::kBandwidth, Range{1e6, 1e15},
      "device DRAM bandwidth of one chip, all channels together");
    v("latency", latency, Unit::kTime, Range{0, 1}, "DRAM first-byte latency");
    v("interleave", interleave, Unit::kBytes, Range{64, 1 << 30},
      "bytes of one channel's stripe before the next channel");
    v("efficiency", efficiency, Unit::kRatio, Range{0.05, 1},
      "sustained DRAM bandwidth over the peak (refresh, row misses, read/write turnaround)");
  }
};

struct PcieConfig {
  int lanes = 8;
  double lane_bandwidth = 0.985e9;  // bytes/s per lane per direction (Gen3 after 128b/130b)
  double latency = 1e-6;            // seconds per transfer

  double bandwidth() const { return lanes * lane_bandwidth; }

  template <class V>
  void describe(V& v) {
    v("lanes", lanes, Unit::kCount, Range{1, 32}, "PCIe lanes between the chip and the host");
    v("lane_bandwidth", lane_bandwidth, Unit::kBandwidth, Range{1e6, 1e12},
      "bytes per second of one PCIe lane in one direction, after encoding");
    v("latency", latency, Unit::kTime, Range{0, 1},
      "fixed time of one PCIe transfer (round trip, doorbell)");
  }
};

struct NeuronLinkConfig {
  int ports = 2;                          // East and West: a chain, not a ring
  double bandwidth = 8.0 * (1ull << 30);  // bytes/s per link per direction
  double latency = 1e-6;                  // seconds per hop

  template <class V>
  void describe(V& v) {
    v("ports", ports, Unit::kCount, Range{0, 8},
      "NeuronLink ports per chip; the chips form a chain, inner chips need 2");
    v("bandwidth", bandwidth, Unit::kBandwidth, Range{1e6, 1e13},
      "bytes per second of one NeuronLink in one direction");
    v("latency", latency, Unit::kTime, Range{0, 1}, "fixed time of one NeuronLink hop");
  }
};

// The on-chip fabric that connects the cores' SBUFs, DMA engines and the DRAM controllers.
struct FabricConfig {
  double bandwidth = 64.0 * (1ull << 30);  // bytes/s for core-to-core SBUF traffic
  double latency = 200e-9;

  template <class V>
  void describe(V& v) {
    v("bandwidth", bandwidth, Unit::kBandwidth, Range{1e6, 1e15},
      "bytes per second of the on-chip fabric between cores' SBUFs (pipeline hand-offs)");
    v("latency", latency, Unit::kTime, Range{0, 1}, "fixed time of one core-to-core transfer");
  }
};

struct ChipConfig {
  int cores = 4;
  NeuronCoreConfig core;
  DramConfig dram;
  PcieConfig pcie;
  NeuronLinkConfig neuronlink;
  FabricConfig fabric;

  template <class V>
  void describe(V& v) {
    v("cores", cores, Unit::kCount, Range{1, 64}, "NeuronCores per chip");
    v.section("core", core);
    v.section("dram", dram);
    v.section("pcie", pcie);
    v.section("neuronlink", neuronlink);
    v.section("fabric", fabric);
  }
};

// The machine: chips and what an instance costs. The host, the Neuron runtime and the framework
// around it are sim::SystemConfig (sim/runtime/runtime_config.h), which extends this.
struct InstanceConfig {
  std::string name = "inf1.xlarge";
  int chips = 1;
  double price_per_hour = 0.228;  // USD, on-demand
  ChipConfig chip;

  int total_cores() const { return chips * chip.cores; }

  template <class V>
  void describe(V& v) {
    v("name", name, Unit::kText, Range{0, 0}, "instance type, as reports name it");
    v("chips", chips, Unit::kCount, Range{1, 64}, "Inferentia chips of the instance");
    v("price_per_hour", price_per_hour, Unit::kDollars, Range{0, 1e6},
      "on-demand price in USD per hour (for cost per inference)");
  }
};

}  // namespace infsim::isa
