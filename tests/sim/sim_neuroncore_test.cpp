// One NeuronCore running programs: engines overlap when independent, serialize through
// semaphores, a MatMul frees its engine before its result is visible, deadlocks and program
// errors are reported by name. Each test builds its own SystemC world (one test per process).
#include <gtest/gtest.h>

#include <string>

#include "isa/access_pattern_builders.h"
#include "isa/cost_model.h"
#include "sim/core/clock.h"
#include "sim/core/sim_error.h"
#include "sim/core/stats.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "tests/sim/sim_test_config.h"

namespace infsim::sim {
namespace {

using isa::DType;
using isa::EngineKind;
using isa::Instruction;
using isa::Opcode;

Instruction matmul(std::uint32_t n) {
  Instruction i;
  i.opcode = Opcode::kMatMul;
  i.dst = isa::psum(0, 64, 0, {n}, DType::kFp32);
  i.src0 = isa::sbuf(0, 128, 0, {n}, DType::kBf16);
  return i;
}

Instruction add(std::uint32_t n) {
  Instruction i;
  i.opcode = Opcode::kTensorTensor;
  i.func = static_cast<std::uint8_t>(isa::AluOp::kAdd);
  i.dst = isa::sbuf(0, 128, 0, {n}, DType::kBf16);
  i.src0 = isa::sbuf(0, 128, 4096, {n}, DType::kBf16);
  i.src1 = isa::sbuf(0, 128, 8192, {n}, DType::kBf16);
  return i;
}

isa::Queue queue(EngineKind engine, std::vector<Instruction> instructions) {
  isa::Queue q;
  q.engine = engine;
  q.instructions = std::move(instructions);
  return q;
}

isa::Program one_core(std::vector<isa::Queue> queues) {
  isa::Program p;
  p.cores.resize(1);
  p.cores[0].queues = std::move(queues);
  return p;
}

// Runs `program` on core 0 from an SC_THREAD; returns the simulated time when run_program
// returned, in cycles of the core clock.
Cycles run_cycles(const isa::Program& program, Instance& inst) {
  sc_core::sc_time finished;
  sc_core::sc_spawn([&] {
    run_program(inst, program, default_binding(program), Phase::kInference);
    finished = sc_core::sc_time_stamp();
  });
  simulate(inst);
  return inst.core(0).clock().to_cycles(finished);
}

TEST(NeuronCore, IndependentEnginesOverlap) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  const isa::Program p =
      one_core({queue(EngineKind::kTensor, {matmul(512)}), queue(EngineKind::kVector, {add(512)})});
  // matmul visible at 16 + 512 + 190 (128 + 64 - 2) = 718; the add (16 + 512 / 2 = 272) runs
  // alongside.
  EXPECT_EQ(run_cycles(p, inst), 718u);
  EXPECT_EQ(stats.value("chip0.core0.tensor.busy_cycles"), 528);
  EXPECT_EQ(stats.value("chip0.core0.vector.busy_cycles"), 272);
}

TEST(NeuronCore, SemaphoreSerializesAtMatMulLatency) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  Instruction mm = matmul(512);
  mm.signal = isa::signal_to(0);
  Instruction a = add(512);
  a.waits[0] = isa::wait_for(0, 1);
  const isa::Program p =
      one_core({queue(EngineKind::kTensor, {mm}), queue(EngineKind::kVector, {a})});
  // the add waits for the matmul's result (718 cycles), then takes 272: 990
  EXPECT_EQ(run_cycles(p, inst), 990u);
}

TEST(NeuronCore, MatMulFreesEngineBeforeResultIsVisible) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  Instruction first = matmul(512);
  first.signal = isa::signal_to(1);
  Instruction second = matmul(512);
  second.signal = isa::signal_to(1);
  Instruction a = add(512);
  a.waits[0] = isa::wait_for(1, 2);
  const isa::Program p =
      one_core({queue(EngineKind::kTensor, {first, second}), queue(EngineKind::kVector, {a})});
  // second matmul starts at 528 (occupancy of the first), visible at 528 + 718 = 1246; the add
  // then runs 272 cycles: 1518. Serializing on latency would give 718 + 718 + 272 = 1708.
  EXPECT_EQ(run_cycles(p, inst), 1518u);
}

TEST(NeuronCore, DeadlockIsReportedNotHung) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  Instruction a = add(64);
  a.waits[1] = isa::wait_for(7, 3);
  const isa::Program p = one_core(
      {queue(EngineKind::kTensor, {matmul(64)}), queue(EngineKind::kVector, {add(64), a})});
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p), Phase::kInference); });
  try {
    simulate(inst);
    FAIL() << "expected a deadlock";
  } catch (const SimError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("deadlock"), std::string::npos) << msg;
    EXPECT_NE(msg.find("chip0.core0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(vector)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("instruction 1 (tensor_tensor)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("semaphore 7 >= 3, current value 0"), std::string::npos) << msg;
  }
}

TEST(NeuronCore, OperandOutsideSbufIsAnError) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  Instruction a = add(64);
  a.dst.partition = 100;  // 100 + 128 partitions > 128
  const isa::Program p = one_core({queue(EngineKind::kVector, {a})});
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p), Phase::kInference); });
  try {
    simulate(inst);
    FAIL() << "expected an error";
  } catch (const SimError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("instruction 0 (tensor_tensor): dst: partitions 100..227"),
              std::string::npos)
        << msg;
  }
}

TEST(NeuronCore, WrongEngineIsAnError) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  const isa::Program p = one_core({queue(EngineKind::kScalar, {matmul(64)})});
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p), Phase::kInference); });
  EXPECT_THROW(simulate(inst), SimError);
}

TEST(NeuronCore, SetupAndInferencePhasesRunTheirOwnQueues) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  isa::Program p = one_core({queue(EngineKind::kTensor, {matmul(512)})});
  p.cores[0].setup = {queue(EngineKind::kVector, {add(512), add(512)})};
  sc_core::sc_spawn([&] {
    run_program(inst, p, default_binding(p), Phase::kSetup);
    run_program(inst, p, default_binding(p), Phase::kInference);
    run_program(inst, p, default_binding(p), Phase::kInference);
  });
  simulate(inst);
  EXPECT_EQ(stats.value("chip0.core0.vector.instructions"), 2);
  EXPECT_EQ(stats.value("chip0.core0.tensor.instructions"), 2);
  // setup 2 x 272, then two inferences of 718 each
  EXPECT_EQ(inst.core(0).clock().to_cycles(sc_core::sc_time_stamp()), 544u + 718u + 718u);
}

TEST(NeuronCore, ConcurrentExecutionsShareEnginesButNotSemaphores) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  Instruction mm = matmul(512);
  mm.signal = isa::signal_to(0);
  Instruction a = add(512);
  a.waits[0] = isa::wait_for(0, 1);
  const isa::Program p =
      one_core({queue(EngineKind::kTensor, {mm}), queue(EngineKind::kVector, {a})});
  sc_core::sc_time done[2];
  for (int k = 0; k < 2; ++k) {
    sc_core::sc_spawn([&, k] {
      run_program(inst, p, default_binding(p), Phase::kInference);
      done[k] = sc_core::sc_time_stamp();
    });
  }
  simulate(inst);
  const Clock& clk = inst.core(0).clock();
  // first: 718 + 272 = 990. second: matmul starts at 528 (engine busy), visible 1246, add 1518.
  EXPECT_EQ(std::min(clk.to_cycles(done[0]), clk.to_cycles(done[1])), 990u);
  EXPECT_EQ(std::max(clk.to_cycles(done[0]), clk.to_cycles(done[1])), 1518u);
}

// Records what the functional hook sees: the call comes after the instruction's timing, with the
// core's memories and the program's DRAM base reachable through the context.
class RecordingUnit : public FunctionalUnit {
 public:
  void execute(const Instruction& inst, ExecContext& ctx) override {
    calls.push_back({inst.opcode, sc_core::sc_time_stamp(), ctx.program_core(),
                     ctx.dram_base(ctx.program_core()), ctx.sbuf().has_storage(),
                     ctx.core().global_index()});
    if (inst.opcode == Opcode::kMemset) ctx.sbuf().bytes(0, 0, 1)[0] = 42;
  }
  struct Call {
    Opcode opcode;
    sc_core::sc_time when;
    int program_core;
    std::uint64_t dram_base;
    bool storage;
    int core;
  };
  std::vector<Call> calls;
};

TEST(NeuronCore, FunctionalHookRunsAfterTiming) {
  Stats stats;
  isa::InstanceConfig cfg = testing::test_instance_config();
  Instance inst("inst", cfg, stats, nullptr);
  RecordingUnit unit;
  inst.enable_functional_mode(&unit);
  Instruction ms;
  ms.opcode = Opcode::kMemset;
  ms.dst = isa::sbuf(0, 128, 0, {64}, DType::kBf16);
  const isa::Program p = one_core({queue(EngineKind::kVector, {ms})});
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p, 2, 4096), Phase::kInference); });
  simulate(inst);
  ASSERT_EQ(unit.calls.size(), 1u);
  // memset of 64 elements: 16 + 64 / 2 = 48 cycles, then the hook
  EXPECT_EQ(inst.core(2).clock().to_cycles(unit.calls[0].when), 48u);
  EXPECT_EQ(unit.calls[0].program_core, 0);
  EXPECT_EQ(unit.calls[0].dram_base, 4096u);
  EXPECT_TRUE(unit.calls[0].storage);
  EXPECT_EQ(unit.calls[0].core, 2);
  EXPECT_EQ(inst.core(2).sbuf().bytes(0, 0, 1)[0], 42);
}

TEST(NeuronCore, RuntimeRunsEachProgramCoreWithOneExecutionId) {
  // Program core 1 signals program core 0, which waits; the runtime starts the two cores in
  // separate threads, the second one later, with the same execution id.
  isa::Program p;
  p.cores.resize(2);
  Instruction a = add(512);
  a.waits[0] = isa::wait_for(5, 1);
  p.cores[0].queues = {queue(EngineKind::kVector, {a})};
  Instruction mm = matmul(512);
  mm.signal = isa::signal_to(5, 1, 0);
  p.cores[1].queues = {queue(EngineKind::kTensor, {mm})};
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  CoreBinding b;
  b.cores = {3, 1};
  b.dram_base = {0, 0};
  const ExecutionId id = inst.new_execution_id();
  sc_core::sc_time done0;
  sc_core::sc_spawn([&] {
    run_program_core(inst, p, 0, b, Phase::kInference, id);
    done0 = sc_core::sc_time_stamp();
  });
  sc_core::sc_spawn([&] {
    sc_core::wait(inst.core(1).clock().cycles(100));
    run_program_core(inst, p, 1, b, Phase::kInference, id);
  });
  simulate(inst);
  // core 1 starts at 100, its matmul is visible at 100 + 718 = 818; core 0's add then 272: 1090
  EXPECT_EQ(inst.core(3).clock().to_cycles(done0), 1090u);
  EXPECT_EQ(stats.value("chip0.core3.vector.instructions"), 1);
  EXPECT_EQ(stats.value("chip0.core1.tensor.instructions"), 1);
}

TEST(NeuronCore, BadBindingIsAnError) {
  Stats stats;
  Instance inst("inst", testing::test_instance_config(), stats, nullptr);
  const isa::Program p = one_core({queue(EngineKind::kVector, {add(64)})});
  sc_core::sc_spawn([&] { run_program(inst, p, default_binding(p, 4), Phase::kInference); });
  try {
    simulate(inst);
    FAIL() << "expected an error";
  } catch (const SimError& e) {
    EXPECT_NE(std::string(e.what()).find("to NeuronCore 4, but inf1.xlarge has 4"),
              std::string::npos)
        << e.what();
  }
}

TEST(NeuronCore, ClockConvertsCyclesExactly) {
  const Clock clk(0.95e9);
  // 1 cycle = 1052.63 ps -> 1053 ps; 950 cycles = exactly 1 us
  EXPECT_EQ(clk.cycles(1), sc_core::sc_time(1053, sc_core::SC_PS));
  EXPECT_EQ(clk.cycles(950), sc_core::sc_time(1, sc_core::SC_US));
  for (Cycles c : {0ull, 1ull, 7ull, 720ull, 123456789ull})
    EXPECT_EQ(clk.to_cycles(clk.cycles(c)), c);
}

}  // namespace
}  // namespace infsim::sim
