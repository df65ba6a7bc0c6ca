// The runtime on hand-built programs: load, NeuronCore groups and processes, the host model
// (GIL, data parallel), context switches, sampled simulation and its errors. One scenario per
// test (SystemC allows one elaboration per process).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "isa/access_pattern_builders.h"
#include "sim/core/sim_error.h"
#include "sim/runtime/results.h"
#include "sim/runtime/runtime.h"

namespace infsim::sim {
namespace {

using isa::DType;
using isa::EngineKind;
using isa::Instruction;
using isa::Opcode;

isa::Queue queue(EngineKind engine, std::vector<Instruction> instructions) {
  isa::Queue q;
  q.engine = engine;
  q.instructions = std::move(instructions);
  return q;
}

// One core: read `weight_bytes` of weights from DRAM into SBUF (in 64 KiB DMAs), then `matmuls`
// matmuls of 512 columns. Setup loads nothing; inputs and outputs are small.
isa::Program toy_program(std::uint64_t weight_bytes, int matmuls, std::uint32_t batch = 1) {
  isa::Program p;
  p.options.batch = batch;
  p.cores.resize(1);
  std::vector<Instruction> dma;
  const std::uint64_t chunk = 64 * 1024;
  for (std::uint64_t off = 0; off < weight_bytes; off += chunk) {
    Instruction d;
    d.opcode = Opcode::kDmaCopy;
    d.dst = isa::sbuf(0, 128, 0, {256}, DType::kBf16);
    d.src0 = isa::dram(4096 + off, 128, {256}, DType::kBf16);
    dma.push_back(d);
  }
  std::vector<Instruction> mm;
  for (int i = 0; i < matmuls; ++i) {
    Instruction m;
    m.opcode = Opcode::kMatMul;
    m.dst = isa::psum(0, 64, 0, {512}, DType::kFp32);
    m.src0 = isa::sbuf(0, 128, 0, {512}, DType::kBf16);
    mm.push_back(m);
  }
  p.cores[0].queues.push_back(queue(EngineKind::kDma, dma));
  p.cores[0].queues.push_back(queue(EngineKind::kTensor, mm));
  isa::TensorDecl in;
  in.name = "input";
  in.kind = isa::TensorKind::kInput;
  in.shape = {batch, 3, 32, 32};
  in.bytes = 2ull * batch * 3 * 32 * 32;
  in.dram_offset = 0;
  isa::TensorDecl w;
  w.name = "weights";
  w.kind = isa::TensorKind::kWeight;
  w.shape = {static_cast<std::int64_t>(weight_bytes / 2)};
  w.bytes = weight_bytes;
  w.dram_offset = 4096;
  isa::TensorDecl out;
  out.name = "output";
  out.kind = isa::TensorKind::kOutput;
  out.shape = {batch, 10};
  out.bytes = 2ull * batch * 10;
  out.dram_offset = 4096 + weight_bytes;
  p.tensors = {in, w, out};
  isa::LayerInfo layer;
  layer.name = "mm";
  layer.op = "MatMul";
  layer.macs = static_cast<std::uint64_t>(matmuls) * 512 * 128 * 64;
  p.layers.push_back(layer);
  return p;
}

RuntimeModel model(const std::string& name, const isa::Program& p) {
  RuntimeModel m;
  m.name = name;
  m.program = &p;
  m.user_input_elements = 3 * 32 * 32 * p.options.batch;
  m.user_output_elements = 10 * p.options.batch;
  m.program_bytes = 1024;
  return m;
}

SystemConfig inf1_6xlarge() {
  SystemConfig c;
  c.name = "inf1.6xlarge";
  c.chips = 4;
  c.host.vcpus = 24;
  return c;
}

ProcessSpec process(const std::string& name, std::vector<int> groups, std::vector<int> models,
                    WorkloadSpec w) {
  ProcessSpec p;
  p.name = name;
  p.group_sizes = std::move(groups);
  p.models = std::move(models);
  p.workload = w;
  return p;
}

// NeuronPerf's throughput_peak (results.h): the best of windows of consecutive completions.
TEST(RuntimeTest, PeakThroughputIsTheBestWindowNeverBelowTheMean) {
  // A steady stream, one request per 2 ms of 4 images: every window runs at the mean, 2000/s.
  std::vector<double> steady;
  for (int i = 1; i <= 100; ++i) steady.push_back(0.002 * i);
  EXPECT_NEAR(peak_throughput(steady, 0, 4), 2000, 1e-6);
  // The same requests with the first half twice as fast: 10 windows of 10; the fast ones run at
  // 2 x 1/(1 ms), whatever the slow half does, and the mean lies between.
  std::vector<double> burst;
  for (int i = 1; i <= 50; ++i) burst.push_back(0.001 * i);
  for (int i = 1; i <= 50; ++i) burst.push_back(0.05 + 0.003 * i);
  const double mean = 100 * 4 / burst.back();
  EXPECT_NEAR(peak_throughput(burst, 0, 4), 4000, 1e-6);
  EXPECT_LT(mean, 4000);
  // Fewer than 20 requests make one window: the peak is the mean. None: no rate.
  EXPECT_NEAR(peak_throughput({0.001, 0.005, 0.006}, 0, 1), 3 / 0.006, 1e-9);
  EXPECT_EQ(peak_throughput({}, 0, 1), 0);
  // Never below the mean over [start, last], whatever the spacing (the windows tile it).
  std::vector<double> uneven;
  double t = 0.5;
  for (int i = 0; i < 57; ++i) uneven.push_back(t += 0.001 * (1 + (i * 7919) % 13));
  EXPECT_GE(peak_throughput(uneven, 0.5, 1), 57 / (uneven.back() - 0.5));
}

TEST(RuntimeTest, SingleCoreLoopRunsEveryRequestAndReportsLoad) {
  const isa::Program prog = toy_program(1 << 20, 200);
  ScenarioSpec s;
  s.models = {model("toy", prog)};
  WorkloadSpec w;
  w.requests = 50;
  w.warmup = 1;
  s.processes = {process("python", {1}, {0}, w)};
  const ScenarioResult r = run_scenario(SystemConfig{}, s);
  EXPECT_EQ(r.requests, 50);
  EXPECT_EQ(r.images, 50);
  EXPECT_EQ(r.inferences, 51);
  EXPECT_EQ(r.detailed + r.fast_forwarded, 51);
  EXPECT_GT(r.fast_forwarded, 0);
  // A synchronous loop: each call is at least the framework overhead plus the device time.
  const RuntimeConfig rt =
      inf1_6xlarge().runtime;  // the unpack and locked times the scenario ran with
  EXPECT_GT(r.latency.p50, FrameworkConfig{}.call_overhead + r.models[0].device_seconds);
  EXPECT_NEAR(r.throughput, 1.0 / r.latency.mean, 0.02 / r.latency.mean);
  // Load: the NEFF unpack, the driver's allocation (no other load waits for it) and 1 MiB of
  // weights over PCIe.
  EXPECT_GT(r.load_seconds, rt.load_unpack_time + rt.load_locked_time);
  EXPECT_LT(r.load_seconds, rt.load_unpack_time + rt.load_locked_time + 1e-3);
}

// One process, four one-core groups each holding a copy of `prog`, 30 data-parallel calls from a
// 4-thread pool (plus the warm-up).
ScenarioSpec four_core_data_parallel(const isa::Program& prog) {
  WorkloadSpec w;
  w.call = CallKind::kDataParallel;
  w.threads = 4;
  w.requests = 30;
  ScenarioSpec s;
  s.models = {model("toy", prog)};
  s.processes = {process("python", {1, 1, 1, 1}, {0, 0, 0, 0}, w)};
  return s;
}

TEST(RuntimeTest, DataParallelUsesEveryCoreAndFastForwards) {
  const isa::Program prog = toy_program(4 << 20, 400);
  const ScenarioSpec s = four_core_data_parallel(prog);
  const ScenarioResult sampled = run_scenario(SystemConfig{}, s);
  EXPECT_GT(sampled.fast_forwarded, 0);
  EXPECT_EQ(sampled.images, 120);
  // Every one of the four cores served every call.
  ASSERT_EQ(sampled.cores.size(), 4u);
  for (const CoreUse& c : sampled.cores) EXPECT_GT(c.utilization, 0.05);
}

TEST(RuntimeTest, FullDetailSimulatesEveryInference) {
  const isa::Program prog = toy_program(4 << 20, 400);
  ScenarioSpec s = four_core_data_parallel(prog);
  s.detail.full = true;
  const ScenarioResult full = run_scenario(SystemConfig{}, s);
  EXPECT_EQ(full.fast_forwarded, 0);
  EXPECT_EQ(full.detailed, 124);
}

TEST(RuntimeTest, GilSerializesTheFrameworkPartOfParallelCalls) {
  // A device time far below the framework overhead: four data-parallel copies cannot overlap
  // their framework work, so a 4-image call costs at least 4 framework overheads.
  const isa::Program prog = toy_program(64 * 1024, 4);
  SystemConfig cfg;
  cfg.framework.call_overhead = 5e-3;
  WorkloadSpec w;
  w.call = CallKind::kDataParallel;
  w.threads = 4;
  w.requests = 10;
  ScenarioSpec s;
  s.models = {model("toy", prog)};
  s.processes = {process("python", {1, 1, 1, 1}, {0, 0, 0, 0}, w)};
  const ScenarioResult r = run_scenario(cfg, s);
  EXPECT_GT(r.latency.p50, 4 * 5e-3);
  EXPECT_LT(r.latency.p50, 4 * 5e-3 + 2e-3);
}

TEST(RuntimeTest, SeparateProcessesDoNotShareAGil) {
  const isa::Program prog = toy_program(64 * 1024, 4);
  SystemConfig cfg;
  cfg.framework.call_overhead = 5e-3;
  // Eight vCPUs: each process's thread gets a physical core of its own, so only a shared GIL
  // could slow the four of them down.
  cfg.host.vcpus = 8;
  WorkloadSpec w;
  w.requests = 10;
  w.warmup = 0;
  ScenarioSpec s;
  s.models = {model("toy", prog)};
  for (int i = 0; i < 4; ++i) s.processes.push_back(process("p" + std::to_string(i), {1}, {0}, w));
  const ScenarioResult r = run_scenario(cfg, s);
  EXPECT_LT(r.latency.p50, 5e-3 + 2e-3);
  EXPECT_GT(r.throughput, 3.5 / (5e-3 + 2e-3));
}

TEST(RuntimeTest, ModelsBeyondTheGroupsContextSwitch) {
  const isa::Program a = toy_program(1 << 20, 100);
  const isa::Program b = toy_program(1 << 20, 100);
  WorkloadSpec w;
  w.threads = 2;
  w.requests = 20;
  w.warmup = 0;
  ScenarioSpec s;
  s.models = {model("a", a), model("b", b)};
  s.processes = {process("tf", {1}, {0, 1}, w)};
  const ScenarioResult r = run_scenario(SystemConfig{}, s);
  ASSERT_EQ(r.models.size(), 2u);
  EXPECT_EQ(r.models[0].cores, r.models[1].cores);
  // Round-robin over the two predictors in one group: every request after the first switches
  // (b was loaded last, so it starts active and a's first request already switches).
  EXPECT_EQ(r.context_switches, 20);
  EXPECT_EQ(r.models[0].inferences + r.models[1].inferences, 20);
}

TEST(RuntimeTest, ModelsLoadedAfterTheGroupsAreFullShareThemRoundRobin) {
  const isa::Program p = toy_program(1 << 20, 10);
  WorkloadSpec w;
  w.requests = 4;
  w.warmup = 0;
  ScenarioSpec s;
  s.models = {model("m", p)};
  s.processes = {process("tf", {1, 1}, {0, 0, 0, 0}, w)};
  const ScenarioResult r = run_scenario(SystemConfig{}, s);
  ASSERT_EQ(r.models.size(), 4u);
  EXPECT_EQ(r.models[0].group, 0);
  EXPECT_EQ(r.models[1].group, 1);
  EXPECT_EQ(r.models[2].group, 0);
  EXPECT_EQ(r.models[3].group, 1);
  EXPECT_EQ(r.models[2].cores, r.models[0].cores);
}

TEST(RuntimeTest, TooManyNeuronCoresIsTheRuntimesResourceExhaustedError) {
  const isa::Program p = toy_program(1 << 20, 10);
  WorkloadSpec w;
  ScenarioSpec s;
  s.models = {model("m", p)};
  for (int i = 0; i < 17; ++i) s.processes.push_back(process("p" + std::to_string(i), {1}, {0}, w));
  try {
    run_scenario(inf1_6xlarge(), s);
    FAIL() << "expected a SimError";
  } catch (const SimError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("All machine learning accelerators are currently being consumed"),
              std::string::npos);
    EXPECT_NE(m.find("'p16'"), std::string::npos) << m;
    EXPECT_NE(m.find("asks for 1 NeuronCore"), std::string::npos) << m;
    EXPECT_NE(m.find("16 NeuronCores of inf1.6xlarge"), std::string::npos) << m;
  }
}

TEST(RuntimeTest, DeviceDramCapacityIsEnforcedPerChip) {
  const isa::Program big = toy_program(3ull << 30, 1);
  WorkloadSpec w;
  ScenarioSpec s;
  s.models = {model("big", big)};
  s.processes = {process("p", {1, 1, 1}, {0, 0, 0}, w)};
  try {
    run_scenario(SystemConfig{}, s);
    FAIL() << "expected a SimError";
  } catch (const SimError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("model 'big'"), std::string::npos) << m;
    EXPECT_NE(m.find("does not fit in device DRAM"), std::string::npos) << m;
    EXPECT_NE(m.find("group 2"), std::string::npos) << m;
  }
}

TEST(RuntimeTest, AModelLargerThanItsGroupIsRejected) {
  isa::Program two = toy_program(1 << 20, 10);
  two.cores.resize(2);
  WorkloadSpec w;
  ScenarioSpec s;
  s.models = {model("two", two)};
  s.processes = {process("p", {1}, {0}, w)};
  EXPECT_THROW(run_scenario(SystemConfig{}, s), SimError);
}

TEST(RuntimeTest, OpenLoopArrivalsAreSeeded) {
  const isa::Program p = toy_program(1 << 20, 50);
  WorkloadSpec w;
  w.arrivals = ArrivalKind::kOpenLoop;
  w.rate = 100;
  w.threads = 4;
  w.requests = 40;
  ScenarioSpec s;
  s.models = {model("m", p)};
  s.processes = {process("p", {1}, {0}, w)};
  s.seed = 7;
  const ScenarioResult r = run_scenario(SystemConfig{}, s);
  // 40 arrivals at 100/s take about 0.4 s; a throughput near the offered rate.
  EXPECT_GT(r.window_seconds, 0.2);
  EXPECT_LT(r.window_seconds, 0.8);
  EXPECT_NEAR(r.throughput, 100, 50);
}

TEST(RuntimeTest, DynamicBatchingSendsCompiledBatchChunks) {
  const isa::Program p = toy_program(1 << 20, 50, 2);
  WorkloadSpec w;
  w.user_batch = 7;  // 4 chunks of the compiled batch 2, the last one padded
  w.requests = 5;
  w.warmup = 0;
  ScenarioSpec s;
  s.models = {model("m", p)};
  s.processes = {process("p", {1}, {0}, w)};
  const ScenarioResult r = run_scenario(SystemConfig{}, s);
  EXPECT_EQ(r.inferences, 20);
  EXPECT_EQ(r.images, 35);
}

// The tensors' path per call: 20 measured requests of the toy program, whose device-side input
// is 6,144 B (bf16 1x3x32x32) and output 20 B. Runtime 2.x, one worker, inf1.xlarge.
ScenarioResult twenty_calls(bool io_on_device, const isa::Program& prog) {
  SystemConfig cfg;
  cfg.framework.io_on_device = io_on_device;
  WorkloadSpec w;
  w.requests = 20;
  w.warmup = 1;
  ScenarioSpec s;
  s.models = {model("toy", prog)};
  s.processes = {process("p", {1}, {0}, w)};
  return run_scenario(cfg, s);
}
ScenarioResult twenty_calls(bool io_on_device) {
  static const isa::Program prog = toy_program(64 * 1024, 4);
  return twenty_calls(io_on_device, prog);
}

TEST(RuntimeTest, TensorsCrossPcieOnEveryCall) {
  const ScenarioResult r = twenty_calls(false);
  ASSERT_EQ(r.requests, 20);
  // The measured window's PCIe traffic is the tensors: 20 x (6,144 + 20) B (weights moved at
  // load, before the window).
  EXPECT_NEAR(r.pcie_bytes, 20 * (6144 + 20), 1);
}

TEST(RuntimeTest, IoOnDeviceKeepsTheTensorsOffPcie) {
  const ScenarioResult r = twenty_calls(true);
  ASSERT_EQ(r.requests, 20);
  // framework.io_on_device: the tensors stay in device memory between calls, nothing crosses.
  EXPECT_LT(r.pcie_bytes, 1);
}

// framework.io_on_device with a CPU-fallback op before the device part: the host computes the
// device's input, so that tensor must cross PCIe on every call (6,144 B); the output stays on
// the device (no host op after it). Dropping the copy would make host ops free of transfers.
TEST(RuntimeTest, IoOnDeviceStillMovesAHostOpsOutputOverPcie) {
  static const isa::Program prog = [] {
    isa::Program p = toy_program(64 * 1024, 4);
    isa::HostOp op;
    op.name = "pre";
    op.op = "Relu";
    op.flops = 1000;
    op.bytes = 2 * 6144;
    op.before_device = true;
    p.host_ops.push_back(op);
    return p;
  }();
  const ScenarioResult r = twenty_calls(true, prog);
  ASSERT_EQ(r.requests, 20);
  EXPECT_NEAR(r.pcie_bytes, 20 * 6144, 1);
}

// NeuronPerf's trivial-model floor, mechanism: with the tensors on the device (no copy, no cast,
// no PCIe) and no Python cost, one worker's call is the runtime's submit and completion
// (runtime.submit_overhead, on a vCPU of its own), the device time, and the exponential wake-up
// jitter of the thread that waited for the device (mean host.jitter, median ln 2 x host.jitter).
// Over 400 calls the mean jitter is within 4 standard errors (4 x 2 us / sqrt(400) = 0.4 us) of
// host.jitter, so the mean latency is submit + device + jitter within 0.5 us, and the median
// submit + device + 0.69 x jitter within 0.5 us (the median of 400 draws of an exponential of
// mean 2 us has a standard error of about 0.1 us).
TEST(RuntimeTest, FloorLatencyIsSubmitPlusDevicePlusJitter) {
  static const isa::Program prog = toy_program(64 * 1024, 4);
  SystemConfig cfg = inf1_6xlarge();
  cfg.framework.io_on_device = true;
  cfg.framework.call_overhead = 0;
  cfg.framework.runtime = 2;
  cfg.host.jitter = 2e-6;
  WorkloadSpec w;
  w.requests = 400;
  w.warmup = 1;
  ScenarioSpec s;
  s.models = {model("toy", prog)};
  s.processes = {process("p", {1}, {0}, w)};
  const ScenarioResult r = run_scenario(cfg, s);
  ASSERT_EQ(r.requests, 400);
  const double device = r.models[0].device_seconds;
  ASSERT_GT(device, 0);
  const double floor = cfg.runtime.submit_overhead + device;
  EXPECT_NEAR(r.latency.mean, floor + cfg.host.jitter, 0.5e-6);
  EXPECT_NEAR(r.latency.p50, floor + std::log(2.0) * cfg.host.jitter, 0.5e-6);
  // A closed loop of one thread: one call after the other.
  EXPECT_NEAR(r.throughput, 1 / r.latency.mean, 0.01 / r.latency.mean);
}

// Sixteen processes on inf1.6xlarge, each loading one copy of a toy model at once, with a
// driver that serves `load_concurrency` loads at a time.
ScenarioResult sixteen_parallel_loads(int load_concurrency) {
  static const isa::Program prog = toy_program(4096, 1);
  SystemConfig cfg = inf1_6xlarge();
  cfg.runtime.load_concurrency = load_concurrency;
  WorkloadSpec w;
  w.requests = 2;
  w.warmup = 0;
  ScenarioSpec s;
  s.models = {model("toy", prog)};
  for (int i = 0; i < 16; ++i) s.processes.push_back(process("p" + std::to_string(i), {1}, {0}, w));
  return run_scenario(cfg, s);
}

// Sixteen processes load a copy each at once (NeuronPerf's 16 workers on inf1.6xlarge): each
// unpacks its NEFF on its own vCPU (12 physical cores: 4 of the 16 share one and take
// unpack / smt_speed), then the driver's allocation takes one load at a time across the
// instance. The k-th load through the driver ends at about unpack + k x locked, so the loads
// average unpack + 8.5 x locked, and the spread between the first and the last is 15 x locked.
TEST(RuntimeTest, ConcurrentLoadsQueueOnTheDriver) {
  const ScenarioResult r = sixteen_parallel_loads(1);
  ASSERT_EQ(r.models.size(), 16u);
  const RuntimeConfig rt =
      inf1_6xlarge().runtime;  // the unpack and locked times the scenario ran with
  double sum = 0, first = 1e9, last = 0;
  for (const LoadedModelResult& m : r.models) {
    sum += m.load_seconds;
    first = std::min(first, m.load_seconds);
    last = std::max(last, m.load_seconds);
  }
  EXPECT_NEAR(sum / 16, rt.load_unpack_time + 8.5 * rt.load_locked_time, 1e-3);
  EXPECT_NEAR(first, rt.load_unpack_time + rt.load_locked_time, 1e-3);
  EXPECT_NEAR(last - first, 15 * rt.load_locked_time, 1e-3);
}

// A driver that serves two loads at once (runtime.load_concurrency = 2) halves the queue: the
// k-th pair through the driver ends at about unpack + k x locked, so sixteen parallel loads
// average unpack + 4.5 x locked, less than the one-at-a-time driver's unpack + 8.5 x locked
// (ConcurrentLoadsQueueOnTheDriver above; SystemC runs one scenario per test process). More
// concurrency in the shared resource can never make the average load longer.
TEST(RuntimeTest, ADriverServingTwoLoadsAtOnceShortensConcurrentLoads) {
  const ScenarioResult r = sixteen_parallel_loads(2);
  ASSERT_EQ(r.models.size(), 16u);
  double sum = 0;
  for (const LoadedModelResult& m : r.models) sum += m.load_seconds;
  const RuntimeConfig rt =
      inf1_6xlarge().runtime;  // the unpack and locked times the scenario ran with
  const double one_at_a_time = rt.load_unpack_time + 8.5 * rt.load_locked_time;
  EXPECT_LT(sum / 16, one_at_a_time - 3 * rt.load_locked_time);
  EXPECT_NEAR(sum / 16, rt.load_unpack_time + 4.5 * rt.load_locked_time, 1e-3);
}

// One process loading four copies of one model (a DataParallel script): the NEFF is unpacked
// once, the later copies reuse it, and each copy passes the driver in turn.
TEST(RuntimeTest, LaterCopiesInAProcessReuseTheUnpackedNeff) {
  static const isa::Program prog = toy_program(4096, 1);
  SystemConfig cfg;
  WorkloadSpec w;
  w.requests = 2;
  w.warmup = 0;
  ScenarioSpec s;
  s.models = {model("toy", prog)};
  s.processes = {process("p", {1, 1, 1, 1}, {0, 0, 0, 0}, w)};
  const ScenarioResult r = run_scenario(cfg, s);
  ASSERT_EQ(r.models.size(), 4u);
  const RuntimeConfig& rt = cfg.runtime;
  EXPECT_NEAR(r.models[0].load_seconds, rt.load_unpack_time + rt.load_locked_time, 1e-3);
  for (std::size_t k = 1; k < 4; ++k)
    EXPECT_NEAR(r.models[k].load_seconds, rt.load_locked_time, 1e-3);
  EXPECT_NEAR(r.load_seconds, rt.load_unpack_time + 4 * rt.load_locked_time, 1e-3);
}

}  // namespace
}  // namespace infsim::sim
