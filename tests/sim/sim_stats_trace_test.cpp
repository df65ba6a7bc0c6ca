// Stats and trace output: well-formed JSON/YAML with the expected entries, utilization in
// range, no trace file left behind on error, log levels parsed.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "isa/access_pattern_builders.h"
#include "sim/core/log.h"
#include "sim/core/sim_error.h"
#include "sim/core/stats.h"
#include "sim/core/trace_writer.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "tests/common/trace_check.h"
#include "tests/sim/sim_test_config.h"

namespace infsim::sim {
namespace {

using isa::DType;
using isa::EngineKind;
using isa::Instruction;
using isa::Opcode;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "infsim_" + name + "_" + std::to_string(::getpid());
}

bool exists(const std::string& path) {
  return std::ifstream(path).good();
}

// DMA in, matmul, activation out of PSUM, DMA out; each step waits on the previous one.
isa::Program pipeline_program() {
  Instruction load;
  load.opcode = Opcode::kDmaCopy;
  load.src0 = isa::dram(0, 128, {512}, DType::kBf16);
  load.dst = isa::sbuf(0, 128, 0, {512}, DType::kBf16);
  load.signal = isa::signal_to(0);
  Instruction mm;
  mm.opcode = Opcode::kMatMul;
  mm.src0 = isa::sbuf(0, 128, 0, {512}, DType::kBf16);
  mm.dst = isa::psum(0, 64, 0, {512}, DType::kFp32);
  mm.waits[0] = isa::wait_for(0, 1);
  mm.signal = isa::signal_to(1);
  Instruction act;
  act.opcode = Opcode::kActivate;
  act.func = static_cast<std::uint8_t>(isa::ActivationFunc::kRelu);
  act.src0 = isa::psum(0, 64, 0, {512}, DType::kFp32);
  act.dst = isa::sbuf(0, 64, 4096, {512}, DType::kBf16);
  act.waits[0] = isa::wait_for(1, 1);
  act.signal = isa::signal_to(2);
  Instruction store;
  store.opcode = Opcode::kDmaCopy;
  store.src0 = isa::sbuf(0, 64, 4096, {512}, DType::kBf16);
  store.dst = isa::dram(1 << 20, 64, {512}, DType::kBf16);
  store.waits[0] = isa::wait_for(2, 1);

  isa::Program p;
  p.cores.resize(1);
  isa::Queue dma_in{EngineKind::kDma, 0, 0, {load}};
  isa::Queue dma_out{EngineKind::kDma, 1, 3, {store}};
  isa::Queue tensor{EngineKind::kTensor, 0, 0, {mm}};
  isa::Queue scalar{EngineKind::kScalar, 0, 0, {act}};
  p.cores[0].queues = {dma_in, tensor, scalar, dma_out};
  return p;
}

TEST(StatsTrace, TraceIsPerfettoJsonWithOneTrackPerEngineAndQueue) {
  const std::string path = temp_path("trace.json");
  {
    Stats stats;
    TraceOptions options;
    options.level = TraceLevel::kInstruction;
    TraceWriter trace(path, options);
    Instance inst("inst", testing::test_instance_config(), stats, &trace);
    const isa::Program p = pipeline_program();
    sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p), Phase::kInference); });
    simulate(inst);
    EXPECT_FALSE(exists(path));  // only the temporary file until close()
    trace.close();
  }
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in);
  std::remove(path.c_str());
  std::map<std::string, int> tracks;
  std::map<std::string, int> slices;
  std::string process;
  for (const auto& e : j.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name") {
      tracks[e.at("args").at("name")] = e.at("tid");
    } else if (e.at("ph") == "M" && e.at("name") == "process_name") {
      process = e.at("args").at("name");
    } else if (e.at("ph") == "B") {
      slices[e.at("name")] += 1;
      EXPECT_EQ(e.at("pid"), 0);
      EXPECT_TRUE(e.at("args").contains("index"));
      EXPECT_EQ(e.at("args").at("opcode"), e.at("name"));
    }
  }
  EXPECT_TRUE(infsim::testing::check_trace(j).problems.empty());
  EXPECT_EQ(process, "chip0");
  EXPECT_EQ(tracks.count("core0.dma0.q0"), 1u);
  EXPECT_EQ(tracks.count("core0.dma1.q3"), 1u);
  EXPECT_EQ(tracks.count("core0.tensor"), 1u);
  EXPECT_EQ(tracks.count("core0.scalar"), 1u);
  EXPECT_EQ(tracks.size(), 4u);
  EXPECT_EQ(slices["dma_copy"], 2);
  EXPECT_EQ(slices["matmul"], 1);
  EXPECT_EQ(slices["activate"], 1);
}

TEST(StatsTrace, UnclosedTraceLeavesNoFile) {
  const std::string path = temp_path("unclosed.json");
  {
    TraceWriter trace(path);
    trace.process(0, "chip0");
    trace.slice(trace.track(0, "x"), "a", 0, 1e-6);
  }
  EXPECT_FALSE(exists(path));
  EXPECT_FALSE(exists(path + ".tmp"));
}

TEST(StatsTrace, StatsDumpAsJsonAndYaml) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  const isa::Program p = pipeline_program();
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p), Phase::kInference); });
  simulate(inst);
  const double window = sc_core::sc_time_stamp().to_seconds();

  std::ostringstream json_out;
  stats.dump_json(json_out, window);
  const nlohmann::json j = nlohmann::json::parse(json_out.str());
  EXPECT_DOUBLE_EQ(j.at("window_seconds").get<double>(), window);
  const auto& s = j.at("stats");
  EXPECT_EQ(s.at("chip0.core0.tensor.busy_cycles").at("value"), 528);
  EXPECT_EQ(s.at("chip0.core0.tensor.busy_cycles").at("unit"), "cycles");
  // relu over 512 elements: 16 + 512 / 4 = 144 cycles
  EXPECT_EQ(s.at("chip0.core0.scalar.busy_cycles").at("value"), 144);
  const double util = s.at("chip0.core0.tensor.utilization").at("value");
  EXPECT_GT(util, 0);
  EXPECT_LT(util, 1);
  EXPECT_EQ(s.at("chip0.core0.dma0.q0.bytes").at("value"), 128 * 1024);
  EXPECT_EQ(s.at("chip0.core0.dma1.q3.bytes").at("value"), 64 * 1024);
  EXPECT_EQ(s.at("chip0.dram.bytes_read").at("value"), 128 * 1024);
  EXPECT_EQ(s.at("chip0.dram.bytes_written").at("value"), 64 * 1024);
  EXPECT_NEAR(s.at("chip0.dram.read_bandwidth").at("value").get<double>(), 128 * 1024 / window,
              1e-6 * 128 * 1024 / window);
  for (const auto& [name, entry] : s.items()) {
    EXPECT_TRUE(entry.contains("unit")) << name;
    EXPECT_FALSE(entry.at("description").get<std::string>().empty()) << name;
  }

  std::ostringstream yaml_out;
  stats.dump_yaml(yaml_out, window);
  std::istringstream lines(yaml_out.str());
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("window_seconds: ", 0), 0u);
  std::getline(lines, line);
  EXPECT_EQ(line, "stats:");
  int entries = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.rfind("  chip", 0), 0u) << line;
    EXPECT_NE(line.find(": {value: "), std::string::npos) << line;
    EXPECT_EQ(line.back(), '}') << line;
    ++entries;
  }
  EXPECT_EQ(static_cast<std::size_t>(entries), s.size());
}

TEST(StatsTrace, ResetZeroesCounters) {
  Stats stats;
  double& c = stats.counter("a.b", "count", "a counter");
  c += 5;
  EXPECT_EQ(stats.value("a.b"), 5);
  stats.reset();
  EXPECT_EQ(stats.value("a.b"), 0);
  EXPECT_THROW(stats.value("no.such"), SimError);
}

TEST(StatsTrace, LogLevelsParse) {
  set_log_levels("neuroncore=debug,memory=off");
  EXPECT_TRUE(log_enabled(LogModule::kNeuronCore, LogLevel::kDebug));
  EXPECT_FALSE(log_enabled(LogModule::kMemory, LogLevel::kError));
  EXPECT_TRUE(log_enabled(LogModule::kChip, LogLevel::kWarn));
  EXPECT_FALSE(log_enabled(LogModule::kChip, LogLevel::kInfo));
  set_log_levels("all=info");
  EXPECT_TRUE(log_enabled(LogModule::kMemory, LogLevel::kInfo));
  EXPECT_THROW(set_log_levels("dram=loud"), SimError);
  EXPECT_THROW(set_log_levels("nosuch=debug"), SimError);
  EXPECT_THROW(set_log_levels("debug"), SimError);
}

TEST(StatsTrace, DebugLogNamesTheWaitingQueue) {
  set_log_levels("neuroncore=debug");
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  const isa::Program p = pipeline_program();
  ::testing::internal::CaptureStderr();
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p), Phase::kInference); });
  simulate(inst);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("neuroncore debug: chip0.core0 (program core 0) queue 1 (tensor) "
                     "instruction 0 (matmul) waits for semaphore 0 >= 1 (now 0)"),
            std::string::npos)
      << err;
  set_log_levels("neuroncore=warn");
  ::testing::internal::CaptureStderr();
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p), Phase::kInference); });
  simulate(inst);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace infsim::sim
