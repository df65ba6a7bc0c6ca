// Runtime 1.x (neuron-rtd): one daemon per instance serves the requests of every process with its
// pool of runtime.daemon_workers threads (request overhead + tensor bytes at the copy bandwidth +
// the IFMAP conversion each); runtime 2.x has no daemon. One scenario per test (SystemC allows one
// elaboration per process).
#include <gtest/gtest.h>

#include <string>

#include "isa/access_pattern_builders.h"
#include "sim/runtime/runtime.h"

namespace infsim::sim {
namespace {

using isa::DType;
using isa::EngineKind;
using isa::Instruction;
using isa::Opcode;

// One core, four small matmuls: a device time of a few microseconds, far below the daemon's.
isa::Program tiny_program() {
  isa::Program p;
  p.options.batch = 1;
  p.cores.resize(1);
  isa::Queue q;
  q.engine = EngineKind::kTensor;
  for (int i = 0; i < 4; ++i) {
    Instruction m;
    m.opcode = Opcode::kMatMul;
    m.dst = isa::psum(0, 64, 0, {512}, DType::kFp32);
    m.src0 = isa::sbuf(0, 128, 0, {512}, DType::kBf16);
    q.instructions.push_back(m);
  }
  p.cores[0].queues.push_back(q);
  isa::TensorDecl in;
  in.name = "input";
  in.kind = isa::TensorKind::kInput;
  in.shape = {1, 3, 32, 32};
  in.bytes = 2 * 3 * 32 * 32;
  in.dram_offset = 0;
  isa::TensorDecl out;
  out.name = "output";
  out.kind = isa::TensorKind::kOutput;
  out.shape = {1, 10};
  out.bytes = 2 * 10;
  out.dram_offset = 8192;
  p.tensors = {in, out};
  return p;
}

// Four one-core processes of 10 requests each on inf1.6xlarge (plenty of vCPUs), no framework
// cost, a 4 ms daemon request overhead and 1 MB/s copies: each request holds the daemon for
// 4 ms + 12,288 B / 1 MB/s (12.288 ms) + the cast of 12,288 B at 1 MB/s (12.288 ms) + the
// 40-byte output (0.04 ms + 0.04 ms cast) = 28.656 ms.
ScenarioResult run_four_processes(int generation, int daemon_workers = 1) {
  static const isa::Program prog = tiny_program();
  SystemConfig cfg;
  cfg.chips = 4;
  cfg.host.vcpus = 24;
  cfg.host.jitter = 0;
  cfg.framework.runtime = generation;
  cfg.framework.call_overhead = 0;
  cfg.framework.shared_memory = false;
  cfg.runtime.daemon_workers = daemon_workers;
  cfg.runtime.daemon_request_overhead = 4e-3;
  cfg.runtime.daemon_copy_bandwidth = 1e6;
  cfg.host.cast_bandwidth = 1e6;
  ScenarioSpec s;
  RuntimeModel m;
  m.name = "tiny";
  m.program = &prog;
  m.user_input_elements = 3 * 32 * 32;  // fp32 user tensors (framework.user_element_bytes 4)
  m.user_output_elements = 10;
  m.program_bytes = 1024;
  s.models = {m};
  for (int i = 0; i < 4; ++i) {
    ProcessSpec p;
    p.name = "p" + std::to_string(i);
    p.group_sizes = {1};
    p.models = {0};
    p.workload.requests = 10;
    p.workload.warmup = 0;
    s.processes.push_back(p);
  }
  return run_scenario(cfg, s);
}

TEST(RuntimeDaemonTest, OneDaemonWorkerSerializesEveryProcess) {
  const ScenarioResult r = run_four_processes(1);
  ASSERT_EQ(r.requests, 40);
  // 40 requests one after another in the daemon's one worker: 40 x 28.656 ms; the worker is free
  // while the device runs, so the device's microseconds overlap the next request's handling.
  EXPECT_GE(r.window_seconds, 40 * 28.656e-3 * (1 - 1e-9));
  EXPECT_LT(r.window_seconds, 40 * 28.656e-3 + 10e-3);
}

TEST(RuntimeDaemonTest, FourDaemonWorkersServeFourProcessesAtOnce) {
  const ScenarioResult r = run_four_processes(1, 4);
  ASSERT_EQ(r.requests, 40);
  // Each process has its own worker: 10 requests of 28.656 ms one after another per process,
  // the four processes side by side on 24 vCPUs (four busy threads, no hyperthread shared).
  EXPECT_GT(r.window_seconds, 10 * 28.656e-3);
  EXPECT_LT(r.window_seconds, 10 * 28.656e-3 + 10e-3);
}

TEST(RuntimeDaemonTest, RuntimeTwoHasNoDaemon) {
  const ScenarioResult r = run_four_processes(2);
  ASSERT_EQ(r.requests, 40);
  // Each process converts its own 12,288 B input (12.288 ms) and output (0.04 ms) and submits
  // (30 us) in parallel with the others: 10 requests take about 10 x 12.358 ms.
  EXPECT_LT(r.window_seconds, 10 * 12.358e-3 + 10e-3);
  EXPECT_GT(r.window_seconds, 10 * 12.358e-3);
}

}  // namespace
}  // namespace infsim::sim
