#include <gtest/gtest.h>

#include "compiler/schedule.h"
#include "isa/access_pattern_builders.h"
#include "isa/user_error.h"

namespace infsim::compiler {
namespace {

isa::Instruction copy(const isa::AccessPattern& dst, const isa::AccessPattern& src) {
  isa::Instruction i;
  i.opcode = isa::Opcode::kTensorTensor;
  i.dst = dst;
  i.src0 = src;
  i.src1 = src;
  return i;
}

TEST(CompilerSchedule, ReadAfterWriteAndWriteAfterReadWaitOnTheOtherQueue) {
  Scheduler s(isa::NeuronCoreConfig{});
  s.add_core();
  int a = s.add_queue(0, isa::EngineKind::kVector);
  int b = s.add_queue(0, isa::EngineKind::kScalar);
  auto x = isa::sbuf(0, 8, 0, {64}, isa::DType::kBf16);
  auto y = isa::sbuf(0, 8, 1024, {64}, isa::DType::kBf16);
  s.emit(0, a, copy(x, y), 0);  // writes x
  s.emit(0, a, copy(y, y), 0);
  s.emit(0, b, copy(y, x), 0);  // reads x (RAW on a's first), writes y (WAW on a's second)
  s.emit(0, a, copy(x, y), 0);  // writes x: WAR on b
  auto progs = s.take_programs();
  const auto& qa = progs[0].queues[a].instructions;
  const auto& qb = progs[0].queues[b].instructions;
  EXPECT_EQ(qb[0].waits[0].semaphore, a);
  EXPECT_EQ(qb[0].waits[0].value, 2u);  // the later of the two writers on queue a
  EXPECT_EQ(qa[2].waits[0].semaphore, b);
  EXPECT_EQ(qa[2].waits[0].value, 1u);
  EXPECT_EQ(qa[0].signal.semaphore, a);
}

TEST(CompilerSchedule, MoreThanTwoWaitsGoOnANop) {
  Scheduler s(isa::NeuronCoreConfig{});
  s.add_core();
  std::vector<int> q;
  for (int i = 0; i < 4; ++i) q.push_back(s.add_queue(0, isa::EngineKind::kVector));
  for (int i = 0; i < 3; ++i) {
    auto r = isa::sbuf(0, 1, 64u * i, {8}, isa::DType::kBf16);
    s.emit(0, q[i], copy(r, r), 0);
  }
  isa::Instruction all = copy(isa::sbuf(0, 1, 1024, {8}, isa::DType::kBf16),
                              isa::sbuf(0, 1, 0, {96}, isa::DType::kBf16));
  s.emit(0, q[3], all, 0);
  auto progs = s.take_programs();
  const auto& last = progs[0].queues[q[3]].instructions;
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].opcode, isa::Opcode::kNop);
  EXPECT_NE(last[0].waits[1].semaphore, isa::kNoSemaphore);
  EXPECT_NE(last[1].waits[0].semaphore, isa::kNoSemaphore);
  EXPECT_EQ(last[1].waits[1].semaphore, isa::kNoSemaphore);
}

TEST(CompilerSchedule, RemoteSignalIsFollowedByALocalNop) {
  Scheduler s(isa::NeuronCoreConfig{});
  s.add_core();
  s.add_core();
  int send = s.add_queue(0, isa::EngineKind::kDma);
  s.add_queue(1, isa::EngineKind::kTensor);
  int in = s.add_channel(1);
  isa::Instruction d;
  d.opcode = isa::Opcode::kDmaCopy;
  d.dst = isa::sbuf(0, 4, 0, {16}, isa::DType::kBf16, 1);
  d.src0 = isa::sbuf(0, 4, 0, {16}, isa::DType::kBf16, 0);
  s.emit(0, send, d, 0, Scheduler::Remote{1, in});
  EXPECT_EQ(s.channel_count(1, in), 1u);
  auto progs = s.take_programs();
  const auto& q = progs[0].queues[send].instructions;
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].signal.core, 1);
  EXPECT_EQ(q[1].opcode, isa::Opcode::kNop);
  EXPECT_EQ(q[1].signal.core, isa::kThisCore);
}

// Every channel is a semaphore of chip.core.semaphores, and that key is the only limit: with 40
// semaphores a schedule may use all 40 (a fixed table of 24 used to stop it with an internal
// panic), and the 41st is a typed "does not fit" error naming the key.
TEST(CompilerSchedule, ChannelsAreLimitedByTheConfiguredSemaphoresOnly) {
  isa::NeuronCoreConfig config;
  config.semaphores = 40;
  Scheduler s(config);
  s.add_core();
  std::vector<int> queues;
  for (int i = 0; i < 40; ++i) queues.push_back(s.add_queue(0, isa::EngineKind::kVector));
  // A chain through all 40 queues: each waits on the previous one's write.
  auto region = [](int i) { return isa::sbuf(0, 8, 256 * i, {64}, isa::DType::kBf16); };
  for (int i = 1; i < 40; ++i) s.emit(0, queues[i], copy(region(i), region(i - 1)), 0);
  try {
    s.add_channel(0);
    ADD_FAILURE() << "a 41st semaphore was handed out";
  } catch (const infsim::UserError& e) {
    EXPECT_EQ(e.kind(), infsim::ErrorKind::kDoesNotFit);
  }
  auto progs = s.take_programs();
  EXPECT_EQ(progs[0].queues[39].instructions[0].waits[0].semaphore, queues[38]);
}

}  // namespace
}  // namespace infsim::compiler
