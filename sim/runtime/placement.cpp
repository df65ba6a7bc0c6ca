#include "sim/runtime/placement.h"

#include <algorithm>
#include <cstdio>

#include "isa/panic.h"
#include "sim/core/sim_error.h"

namespace infsim::sim {
namespace {

std::string mib(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return buf;
}

std::string exhausted(const isa::InstanceConfig& machine, const ScenarioSpec& spec, std::size_t pi,
                      int asked, int taken) {
  const ProcessSpec& ps = spec.processes[pi];
  std::string sizes;
  for (int s : ps.group_sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(s);
  const int total = machine.total_cores();
  return "ResourceExhaustedError: " + std::string(kAcceleratorsExhausted) + "\n  process '" +
         ps.name + "' (process " + std::to_string(pi + 1) + " of " +
         std::to_string(spec.processes.size()) + ") asks for " + std::to_string(asked) +
         " NeuronCore" + (asked == 1 ? "" : "s") + " (NEURONCORE_GROUP_SIZES=" + sizes + "), but " +
         std::to_string(taken) + " of the " + std::to_string(total) + " NeuronCores of " +
         machine.name + " are already taken by the processes before it (" +
         std::to_string(total - taken) + " free)";
}

// The model's DRAM footprint, weights, traffic and work per program core, from its program.
void measure(const isa::Program& prog, std::uint64_t program_bytes, PlacedModel& lm) {
  const std::size_t n = prog.num_cores();
  lm.region_bytes.assign(n, 0);
  lm.weight_bytes.assign(n, 0);
  lm.traffic.assign(n, CoreTraffic{});
  lm.macs.assign(n, 0);
  for (const isa::TensorDecl& t : prog.tensors) {
    const std::size_t c = std::min<std::size_t>(t.core, n - 1);
    lm.region_bytes[c] = std::max(lm.region_bytes[c], t.dram_offset + t.bytes);
    if (t.kind == isa::TensorKind::kWeight) lm.weight_bytes[c] += t.bytes;
  }
  for (std::size_t c = 0; c < n && c < prog.memory.size(); ++c) {
    lm.region_bytes[c] = std::max(lm.region_bytes[c], prog.memory[c].dram_bytes);
  }
  for (const isa::LayerInfo& l : prog.layers) {
    lm.macs[std::min<std::size_t>(l.core, n - 1)] += static_cast<double>(l.macs);
  }
  for (std::size_t c = 0; c < n; ++c) {
    for (const isa::Queue& q : prog.cores[c].queues) {
      if (q.engine != isa::EngineKind::kDma) continue;
      for (const isa::Instruction& inst : q.instructions) {
        if (inst.opcode != isa::Opcode::kDmaCopy) continue;
        CoreTraffic& t = lm.traffic[c];
        if (inst.src0.space == isa::MemSpace::kDram) {
          t.read += static_cast<double>(inst.src0.bytes());
          t.largest_dma = std::max(t.largest_dma, static_cast<double>(inst.src0.bytes()));
        }
        if (inst.dst.space == isa::MemSpace::kDram) {
          t.write += static_cast<double>(inst.dst.bytes());
          t.largest_dma = std::max(t.largest_dma, static_cast<double>(inst.dst.bytes()));
        }
      }
    }
  }
  // The encoded program (instructions, metadata) lives in DRAM beside program core 0's region.
  lm.region_bytes[0] += program_bytes;
  lm.weight_bytes[0] += program_bytes;
}

}  // namespace

Placement place(const isa::InstanceConfig& machine, const ScenarioSpec& spec,
                const std::vector<std::uint64_t>& program_bytes) {
  const int total = machine.total_cores();
  const int per_chip = machine.chip.cores;
  const std::uint64_t dram_size = machine.chip.dram.size;
  std::vector<std::uint64_t> dram_used(static_cast<std::size_t>(machine.chips), 0);
  Placement out;
  int next_core = 0;
  for (std::size_t pi = 0; pi < spec.processes.size(); ++pi) {
    const ProcessSpec& ps = spec.processes[pi];
    if (ps.group_sizes.empty()) {
      throw SimError("process '" + ps.name + "' has no NeuronCore groups");
    }
    int asked = 0;
    for (int s : ps.group_sizes) asked += s;
    if (next_core + asked > total) {
      throw SimError(exhausted(machine, spec, pi, asked, next_core), ErrorKind::kDoesNotFit);
    }
    PlacedProcess p;
    for (int size : ps.group_sizes) {
      std::vector<int> cores;
      for (int c = 0; c < size; ++c) cores.push_back(next_core++);
      p.groups.push_back(cores);
    }
    if (ps.models.empty()) throw SimError("process '" + ps.name + "' loads no model");
    for (std::size_t k = 0; k < ps.models.size(); ++k) {
      const int m = ps.models[k];
      INFSIM_PANIC_IF(m < 0 || m >= static_cast<int>(spec.models.size()), "bad model index");
      const RuntimeModel& model = spec.models[static_cast<std::size_t>(m)];
      INFSIM_PANIC_IF(model.program == nullptr, "runtime model without a program");
      PlacedModel lm;
      lm.model = m;
      lm.group = static_cast<int>(k % p.groups.size());
      const std::vector<int>& group = p.groups[static_cast<std::size_t>(lm.group)];
      const isa::Program& prog = *model.program;
      const std::string who = "model '" + model.name + "' in process '" + ps.name +
                              "' (NeuronCore group " + std::to_string(lm.group) + ")";
      if (prog.num_cores() > group.size()) {
        throw SimError(who + " is compiled for " + std::to_string(prog.num_cores()) +
                       " NeuronCores but its group has " + std::to_string(group.size()) +
                       ": models must be compiled to fit their NeuronCore group");
      }
      measure(prog, program_bytes[static_cast<std::size_t>(m)], lm);
      for (std::size_t c = 0; c < prog.num_cores(); ++c) {
        const int core = group[c];
        const int chip = core / per_chip;
        std::uint64_t& used = dram_used[static_cast<std::size_t>(chip)];
        if (lm.region_bytes[c] > dram_size - used) {
          throw SimError(who + " does not fit in device DRAM: it needs " +
                             mib(static_cast<double>(lm.region_bytes[c])) + " on chip " +
                             std::to_string(chip) + ", where " +
                             mib(static_cast<double>(dram_size - used)) + " of " +
                             mib(static_cast<double>(dram_size)) + " are free",
                         ErrorKind::kDoesNotFit);
        }
        lm.cores.push_back(core);
        lm.dram_base.push_back(used);
        lm.chip_of_core.push_back(chip);
        // Page-aligned regions, so that DRAM channel interleaving starts afresh per model.
        used = std::min(used + (lm.region_bytes[c] + 4095) / 4096 * 4096, dram_size);
      }
      for (const isa::TensorDecl& t : prog.tensors) {
        if (t.kind != isa::TensorKind::kInput && t.kind != isa::TensorKind::kOutput) continue;
        const std::size_t c = std::min<std::size_t>(t.core, prog.num_cores() - 1);
        const IoTensor io{lm.chip_of_core[c], lm.dram_base[c] + t.dram_offset, t.bytes};
        (t.kind == isa::TensorKind::kInput ? lm.inputs : lm.outputs).push_back(io);
      }
      p.models.push_back(std::move(lm));
    }
    out.processes.push_back(std::move(p));
  }
  return out;
}

}  // namespace infsim::sim
