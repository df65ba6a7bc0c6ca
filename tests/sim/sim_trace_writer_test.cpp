// The trace writer's format rules (sim/core/trace_writer.h), on hand-made records: the
// integer-nanosecond grid, strict nesting per track, lazily named tracks, layer coalescing,
// the core and window filters, counters and flows.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "isa/access_pattern_builders.h"
#include "sim/core/trace_writer.h"
#include "tests/common/trace_check.h"

namespace infsim::sim {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "infsim_tw_" + name + "_" + std::to_string(::getpid());
}

nlohmann::json read_and_remove(const std::string& path) {
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  std::remove(path.c_str());
  return j;
}

struct Fixture {
  isa::Program program;
  isa::Queue queue{isa::EngineKind::kTensor, 0, 0, {}};
  isa::Instruction inst;
  Fixture() {
    program.layers = {{"conv1", "Conv", 0, 0, 0}, {"layer1.0.conv1", "Conv", 0, 0, 0}};
    inst.opcode = isa::Opcode::kMatMul;
    inst.src0 = isa::sbuf(0, 128, 0, {512}, isa::DType::kBf16);
  }
  InstructionEvent event(double start, double end, std::uint32_t layer, int core = 0) {
    inst.layer = layer;
    InstructionEvent e;
    e.program = &program;
    e.execution = 1;
    e.global_core = core;
    e.local_core = core;
    e.queue = &queue;
    e.instruction = &inst;
    e.clock_hz = 1e9;
    e.ready = e.issued = e.start = start;
    e.end = e.visible = end;
    return e;
  }
};

// Three abutting instructions whose boundaries are not whole nanoseconds: 0.4 ns and 1000.6 ns
// round to 0 and 1001; the second starts where the first ends, and both write that instant as
// the same string "1.001", so no viewer sees them overlap.
TEST(TraceWriter, AbuttingSlicesShareOneNanosecondTimestamp) {
  const std::string path = temp_path("abut");
  Fixture f;
  TraceOptions o;
  o.level = TraceLevel::kInstruction;
  {
    TraceWriter t(path, o);
    t.instruction(f.event(0.4e-9, 1000.6e-9, 0));
    t.instruction(f.event(1000.6e-9, 2333.3e-9, 0));
    t.instruction(f.event(2333.3e-9, 2333.4e-9, 0));  // rounds to zero length: dropped
    t.close();
  }
  std::ifstream raw(path);
  const std::string text((std::istreambuf_iterator<char>(raw)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"ph\":\"E\",\"name\":\"matmul\",\"pid\":0,\"tid\":1,\"ts\":1.001}"),
            std::string::npos);
  EXPECT_NE(text.find("\"tid\":1,\"ts\":1.001,\"args\""), std::string::npos);
  const nlohmann::json j = read_and_remove(path);
  const infsim::testing::TraceSummary s = infsim::testing::check_trace(j);
  EXPECT_TRUE(s.problems.empty()) << s.problems.front();
  EXPECT_EQ(s.slices, 2);
  EXPECT_EQ(s.track_names.size(), 1u);
}

// An instruction overlapping the previous one on the same track without nesting in it (two
// executions sharing an engine's track) goes on a sibling track, so each track nests strictly.
TEST(TraceWriter, OverlapGoesToASiblingTrack) {
  const std::string path = temp_path("overlap");
  Fixture f;
  TraceOptions o;
  o.level = TraceLevel::kInstruction;
  {
    TraceWriter t(path, o);
    t.instruction(f.event(0, 10e-9, 0));
    t.instruction(f.event(5e-9, 15e-9, 1));
    t.instruction(f.event(20e-9, 30e-9, 1));  // fits on the first track again
    t.close();
  }
  const infsim::testing::TraceSummary s = infsim::testing::check_trace(read_and_remove(path));
  EXPECT_TRUE(s.problems.empty());
  EXPECT_EQ(s.track_names.count("core0.tensor"), 1u);
  EXPECT_EQ(s.track_names.count("core0.tensor #2"), 1u);
  EXPECT_EQ(s.slices, 3);
}

// kLayer: consecutive instructions of one layer on a track become one slice named by the layer;
// the core filter drops core 1 entirely (no track), a registered but unused track leaves no
// metadata.
TEST(TraceWriter, LayerLevelCoalescesAndFiltersCores) {
  const std::string path = temp_path("layer");
  Fixture f;
  TraceOptions o;
  o.level = TraceLevel::kLayer;
  o.cores = {0};
  {
    TraceWriter t(path, o);
    t.process(5, "host");
    t.track(5, "idle thread");
    for (int i = 0; i < 4; ++i) t.instruction(f.event(i * 10e-9, (i + 1) * 10e-9, 0));
    for (int i = 4; i < 6; ++i) t.instruction(f.event(i * 10e-9, (i + 1) * 10e-9, 1));
    t.instruction(f.event(0, 10e-9, 0, /*core=*/1));
    t.close();
  }
  const nlohmann::json j = read_and_remove(path);
  const infsim::testing::TraceSummary s = infsim::testing::check_trace(j);
  EXPECT_TRUE(s.problems.empty());
  EXPECT_EQ(s.slices, 2);
  EXPECT_EQ(s.slice_names.at("conv1"), 1);
  EXPECT_EQ(s.slice_names.at("layer1.0.conv1"), 1);
  EXPECT_EQ(s.track_names.size(), 1u);
  for (const auto& e : j.at("traceEvents")) {
    if (e.at("ph") == "B" && e.at("name") == "conv1") {
      EXPECT_EQ(e.at("args").at("instructions"), 4);
      EXPECT_EQ(e.at("args").at("op"), "Conv");
      EXPECT_EQ(e.at("args").at("opcode"), "matmul");
    }
  }
}

// 1 MB moved in 100 us on one counter: 1e6 B / 100e-6 s = 10 GB/s over the bins it covers, then
// back to 0. Window [50us, 1s) drops a slice starting at 0 and keeps one at 60 us.
TEST(TraceWriter, BandwidthCounterAndWindow) {
  const std::string path = temp_path("counter");
  Fixture f;
  TraceOptions o;
  o.level = TraceLevel::kInstruction;
  o.window_begin = 50e-6;
  o.window_end = 1;
  {
    TraceWriter t(path, o);
    t.transfer(0, "dram GB/s", 0, 100e-6, 1e6);
    t.instruction(f.event(0, 10e-9, 0));
    t.instruction(f.event(60e-6, 61e-6, 0));
    t.close();
  }
  const nlohmann::json j = read_and_remove(path);
  const infsim::testing::TraceSummary s = infsim::testing::check_trace(j);
  EXPECT_TRUE(s.problems.empty());
  EXPECT_EQ(s.slices, 1);
  double peak = 0;
  for (const auto& e : j.at("traceEvents")) {
    if (e.at("ph") == "C") peak = std::max(peak, e.at("args").at("value").get<double>());
  }
  EXPECT_NEAR(peak, 10.0, 1e-6);
}

}  // namespace
}  // namespace infsim::sim
