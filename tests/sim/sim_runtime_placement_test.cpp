// Placement of a scenario's processes and models: pure arithmetic on the instance and the
// programs, no SystemC elaboration (these tests share one process).
#include <gtest/gtest.h>

#include <string>

#include "sim/core/sim_error.h"
#include "sim/runtime/placement.h"

namespace infsim::sim {
namespace {

// A program of `cores` program cores, each with `weights` bytes of weights at offset 0 and a
// 4 KiB input (program core 0) / output (the last core) after them.
isa::Program program(int cores, std::uint64_t weights) {
  isa::Program p;
  p.options.batch = 1;
  p.cores.resize(static_cast<std::size_t>(cores));
  for (int c = 0; c < cores; ++c) {
    isa::TensorDecl w;
    w.name = "w" + std::to_string(c);
    w.kind = isa::TensorKind::kWeight;
    w.core = static_cast<std::uint16_t>(c);
    w.bytes = weights;
    p.tensors.push_back(w);
  }
  isa::TensorDecl in;
  in.name = "input";
  in.kind = isa::TensorKind::kInput;
  in.bytes = 4096;
  in.dram_offset = weights;
  isa::TensorDecl out = in;
  out.name = "output";
  out.kind = isa::TensorKind::kOutput;
  out.core = static_cast<std::uint16_t>(cores - 1);
  p.tensors.push_back(in);
  p.tensors.push_back(out);
  return p;
}

isa::InstanceConfig machine(int chips) {
  isa::InstanceConfig m;
  m.chips = chips;
  return m;
}

ProcessSpec process(std::vector<int> groups, std::vector<int> models) {
  ProcessSpec p;
  p.name = "p";
  p.group_sizes = std::move(groups);
  p.models = std::move(models);
  return p;
}

TEST(RuntimePlacementTest, CoresInProcessOrderModelsRoundRobinOverGroups) {
  const isa::Program one = program(1, 10000);
  const isa::Program two = program(2, 10000);
  ScenarioSpec s;
  s.models = {{"one", &one}, {"two", &two}};
  // Process 0: groups {0} and {1, 2}; three models: one -> group 0, two -> group 1, one -> group 0
  // again (shares it). Process 1: cores 3 and 4 (core 4 is chip 1's first).
  s.processes = {process({1, 2}, {0, 1, 0}), process({2}, {1})};
  const Placement p = place(machine(2), s, {100, 200});
  ASSERT_EQ(p.processes.size(), 2u);
  EXPECT_EQ(p.processes[0].groups, (std::vector<std::vector<int>>{{0}, {1, 2}}));
  EXPECT_EQ(p.processes[1].groups, (std::vector<std::vector<int>>{{3, 4}}));
  const PlacedProcess& p0 = p.processes[0];
  ASSERT_EQ(p0.models.size(), 3u);
  EXPECT_EQ(p0.models[0].group, 0);
  EXPECT_EQ(p0.models[1].group, 1);
  EXPECT_EQ(p0.models[2].group, 0);
  EXPECT_EQ(p0.models[1].cores, (std::vector<int>{1, 2}));
  EXPECT_EQ(p.processes[1].models[0].chip_of_core, (std::vector<int>{0, 1}));
  // Region of program core 0: weights 10000 + input 4096 + the encoded program (100 B) =
  // 14196 B, rounded up to 4 pages = 16384 B. The third model (second copy of `one`) starts after
  // the first copy and both cores of `two` (16384 + 16384 (core 0 of two: 10000 + 4096 + 200) +
  // 16384 (core 1 of two: 14096)).
  EXPECT_EQ(p0.models[0].region_bytes[0], 14196u);
  EXPECT_EQ(p0.models[0].weight_bytes[0], 10100u);
  EXPECT_EQ(p0.models[0].dram_base, (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(p0.models[1].dram_base, (std::vector<std::uint64_t>{16384, 32768}));
  EXPECT_EQ(p0.models[2].dram_base, (std::vector<std::uint64_t>{49152}));
  // Chip 1's DRAM starts empty: process 1's second core is its first user.
  EXPECT_EQ(p.processes[1].models[0].dram_base[1], 0u);
  // Inputs at program core 0's region, outputs at the last core's.
  ASSERT_EQ(p0.models[1].inputs.size(), 1u);
  EXPECT_EQ(p0.models[1].inputs[0].address, 16384u + 10000u);
  EXPECT_EQ(p0.models[1].outputs[0].address, 32768u + 10000u);
}

TEST(RuntimePlacementTest, MoreCoresThanTheInstanceHasIsTheRuntimeError) {
  const isa::Program one = program(1, 1000);
  ScenarioSpec s;
  s.models = {{"one", &one}};
  for (int i = 0; i < 5; ++i) s.processes.push_back(process({1}, {0}));
  try {
    place(machine(1), s, {0});
    FAIL() << "five one-core processes placed on four NeuronCores";
  } catch (const SimError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("ResourceExhaustedError"), std::string::npos) << what;
    EXPECT_NE(what.find("process 5 of 5"), std::string::npos) << what;
  }
}

TEST(RuntimePlacementTest, ModelLargerThanItsGroupOrTheDramFails) {
  const isa::Program two = program(2, 1000);
  ScenarioSpec s;
  s.models = {{"two", &two}};
  s.processes = {process({1}, {0})};
  EXPECT_THROW(place(machine(1), s, {0}), SimError);
  const isa::Program big = program(1, 5ull << 30);
  ScenarioSpec d;
  d.models = {{"big", &big}};
  // Two copies of 5 GiB on one chip of 8 GiB.
  d.processes = {process({1, 1}, {0, 0})};
  try {
    place(machine(1), d, {0});
    FAIL() << "10 GiB placed in 8 GiB";
  } catch (const SimError& e) {
    EXPECT_NE(std::string(e.what()).find("does not fit in device DRAM"), std::string::npos);
  }
}

}  // namespace
}  // namespace infsim::sim
