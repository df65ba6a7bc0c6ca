#include "compiler/schedule.h"

#include <algorithm>

#include "compiler/compile_error.h"
#include "isa/cost_model.h"
#include "isa/panic.h"

namespace infsim::compiler {

int Scheduler::add_core() {
  cores_.emplace_back();
  return static_cast<int>(cores_.size()) - 1;
}

int Scheduler::add_queue(int core, isa::EngineKind engine, int dma_engine, int dma_queue) {
  Core& c = cores_[core];
  isa::Queue q;
  q.engine = engine;
  q.dma_engine = static_cast<std::uint8_t>(dma_engine);
  q.dma_queue = static_cast<std::uint8_t>(dma_queue);
  c.program.queues.push_back(q);
  int queue = static_cast<int>(c.program.queues.size()) - 1;
  int channel = add_channel(core);
  c.channels[channel].queue = queue;
  c.queue_channel.push_back(channel);
  c.queue_free.push_back(0);
  c.waited.emplace_back();
  return queue;
}

int Scheduler::add_setup_queue(int core, int dma_engine, int dma_queue) {
  isa::Queue q;
  q.engine = isa::EngineKind::kDma;
  q.dma_engine = static_cast<std::uint8_t>(dma_engine);
  q.dma_queue = static_cast<std::uint8_t>(dma_queue);
  cores_[core].program.setup.push_back(q);
  return static_cast<int>(cores_[core].program.setup.size()) - 1;
}

int Scheduler::add_channel(int core) {
  Core& c = cores_[core];
  int id = static_cast<int>(c.channels.size());
  // Each queue (and each pipeline hand-off) signals on a semaphore of its own.
  if (id >= config_.semaphores) {
    throw CompileError("the schedule needs more semaphores per NeuronCore than the " +
                           std::to_string(config_.semaphores) +
                           " of chip.core.semaphores (one per queue and pipeline hand-off)",
                       ErrorKind::kDoesNotFit);
  }
  Channel ch;
  ch.semaphore = static_cast<std::uint8_t>(id);
  c.channels.push_back(ch);
  return id;
}

std::uint32_t Scheduler::channel_count(int core, int channel) const {
  return static_cast<std::uint32_t>(cores_[core].channels[channel].finish.size());
}

Scheduler::Footprint Scheduler::footprint(const isa::AccessPattern& ap, int core) {
  Footprint f;
  if (!ap.valid()) return f;
  std::uint64_t span = 1;
  for (const isa::Axis& a : ap.dims)
    if (a.count > 1)
      span += std::uint64_t{a.count - 1} * static_cast<std::uint64_t>(std::abs(a.stride));
  f.space = ap.space;
  if (ap.space == isa::MemSpace::kDram) {
    if (ap.partitions > 1)
      span += std::uint64_t{ap.partitions - 1u} * static_cast<std::uint64_t>(ap.partition_stride);
    f.p0 = 0;
    f.p1 = 1;
  } else {
    f.p0 = ap.partition;
    f.p1 = ap.partition + ap.partitions;
  }
  f.b0 = ap.offset;
  f.b1 = ap.offset + span * static_cast<std::uint64_t>(isa::dtype_bytes(ap.dtype));
  // Another core's on-chip memory is tracked by that core (see emit).
  f.tracked = ap.space == isa::MemSpace::kDram || ap.core == core;
  return f;
}

bool Scheduler::overlaps(const Record& r, const Footprint& f) {
  return r.space == f.space && r.p0 < f.p1 && f.p0 < r.p1 && r.b0 < f.b1 && f.b0 < r.b1;
}

void Scheduler::read_deps(Core& c, const Footprint& f, DepSet& deps) const {
  if (!f.tracked) return;
  for (const Record& r : c.records)
    if (overlaps(r, f)) deps.merge(r.writer);
}

void Scheduler::write_deps(Core& c, const Footprint& f, DepSet& deps) const {
  if (!f.tracked) return;
  for (const Record& r : c.records)
    if (overlaps(r, f)) {
      deps.merge(r.writer);
      deps.merge(r.readers);
    }
}

void Scheduler::record_read(Core& c, const Footprint& f, int channel, std::uint32_t value) {
  if (!f.tracked) return;
  for (Record& r : c.records)
    if (overlaps(r, f)) r.readers.raise(channel, value);
}

// A write replaces the records it covers. Records it only partly covers are merged into it
// (bounding box, union of writers and readers): conservative, and it keeps the list short.
void Scheduler::record_write(Core& c, const Footprint& f, int channel, std::uint32_t value) {
  if (!f.tracked) return;
  Record nr{f.space, f.p0, f.p1, f.b0, f.b1, DepSet{}, DepSet{}};
  nr.writer.raise(channel, value);
  bool changed = true;
  while (changed) {
    changed = false;
    Footprint box{true, nr.space, nr.p0, nr.p1, nr.b0, nr.b1};
    for (std::size_t i = 0; i < c.records.size();) {
      Record& r = c.records[i];
      if (!overlaps(r, box)) {
        ++i;
        continue;
      }
      bool covered = r.p0 >= f.p0 && r.p1 <= f.p1 && r.b0 >= f.b0 && r.b1 <= f.b1;
      if (!covered) {
        nr.writer.merge(r.writer);
        nr.readers.merge(r.readers);
        if (r.p0 < nr.p0 || r.p1 > nr.p1 || r.b0 < nr.b0 || r.b1 > nr.b1) changed = true;
        nr.p0 = std::min(nr.p0, r.p0);
        nr.p1 = std::max(nr.p1, r.p1);
        nr.b0 = std::min(nr.b0, r.b0);
        nr.b1 = std::max(nr.b1, r.b1);
      }
      r = c.records.back();
      c.records.pop_back();
    }
  }
  c.records.push_back(nr);
}

std::uint64_t Scheduler::append(int core, int queue, isa::Instruction ins, DepSet deps,
                                std::uint32_t layer) {
  Core& c = cores_[core];
  int own = c.queue_channel[queue];
  if (own < static_cast<int>(deps.need.size())) deps.need[own] = 0;
  std::vector<std::pair<int, std::uint32_t>> waits;
  DepSet& waited = c.waited[queue];
  for (int ch = 0; ch < static_cast<int>(c.channels.size()); ++ch)
    if (deps.at(ch) > waited.at(ch)) {
      waits.emplace_back(ch, deps.at(ch));
      waited.raise(ch, deps.at(ch));
    }
  auto ready = [&](const std::pair<int, std::uint32_t>& w) {
    const Channel& ch = c.channels[w.first];
    INFSIM_PANIC_IF(w.second > ch.finish.size(), "wait on an instruction not yet emitted", w.second,
                    ch.finish.size());
    return ch.finish[w.second - 1];
  };
  if (layer_busy_.size() <= layer) layer_busy_.resize(layer + 1, {0, 0, 0, 0});
  auto push = [&](isa::Instruction in, std::size_t first, std::size_t count) {
    std::uint64_t start = c.queue_free[queue];
    for (std::size_t i = 0; i < count; ++i) {
      in.waits[i] =
          isa::SemaphoreWait{c.channels[waits[first + i].first].semaphore, waits[first + i].second};
      start = std::max(start, ready(waits[first + i]));
    }
    std::uint64_t cycles =
        in.opcode == isa::Opcode::kNop ? 0 : isa::instruction_cycles(in, config_);
    std::uint64_t finish = start + cycles;
    c.queue_free[queue] = finish;
    in.layer = layer;
    layer_busy_[layer][static_cast<int>(isa::opcode_info(in.opcode).engine)] += cycles;
    c.program.queues[queue].instructions.push_back(in);
    return finish;
  };
  std::size_t next = 0;
  while (waits.size() - next > 2) {
    isa::Instruction nop;
    nop.signal = isa::SemaphoreSignal{c.channels[own].semaphore, isa::kThisCore, 1};
    c.channels[own].finish.push_back(push(nop, next, 2));
    next += 2;
  }
  return push(ins, next, waits.size() - next);
}

void Scheduler::emit(int core, int queue, isa::Instruction ins, std::uint32_t layer,
                     std::optional<Remote> remote, std::vector<After> after) {
  Core& c = cores_[core];
  const isa::OpcodeInfo& info = isa::opcode_info(ins.opcode);
  Footprint dst = (info.operands & isa::kDst) ? footprint(ins.dst, core) : Footprint{};
  Footprint src0 = (info.operands & isa::kSrc0) ? footprint(ins.src0, core) : Footprint{};
  Footprint src1 = (info.operands & isa::kSrc1) ? footprint(ins.src1, core) : Footprint{};
  DepSet deps;
  read_deps(c, src0, deps);
  read_deps(c, src1, deps);
  write_deps(c, dst, deps);
  for (const After& a : after) deps.raise(a.channel, a.count);
  int own = c.queue_channel[queue];
  std::uint32_t value;
  if (remote) {
    Channel& rch = cores_[remote->core].channels[remote->channel];
    ins.signal = isa::SemaphoreSignal{rch.semaphore, static_cast<std::uint16_t>(remote->core), 1};
    std::uint64_t finish = append(core, queue, ins, deps, layer);
    rch.finish.push_back(finish);
    if (ins.dst.valid() && ins.dst.space != isa::MemSpace::kDram && ins.dst.core == remote->core) {
      Footprint rf = footprint(ins.dst, remote->core);
      record_write(cores_[remote->core], rf, remote->channel,
                   static_cast<std::uint32_t>(rch.finish.size()));
      dst.tracked = false;
    }
    // The queue's own count continues with a Nop that completes after the remote instruction.
    isa::Instruction nop;
    nop.signal = isa::SemaphoreSignal{c.channels[own].semaphore, isa::kThisCore, 1};
    c.channels[own].finish.push_back(append(core, queue, nop, DepSet{}, layer));
  } else {
    ins.signal = isa::SemaphoreSignal{c.channels[own].semaphore, isa::kThisCore, 1};
    c.channels[own].finish.push_back(append(core, queue, ins, deps, layer));
  }
  value = static_cast<std::uint32_t>(c.channels[own].finish.size());
  record_read(c, src0, own, value);
  record_read(c, src1, own, value);
  record_write(c, dst, own, value);
}

void Scheduler::emit_release(int core, int queue, const isa::AccessPattern& region,
                             std::uint32_t layer, Remote remote) {
  Core& c = cores_[core];
  DepSet deps;
  write_deps(c, footprint(region, core), deps);
  Channel& rch = cores_[remote.core].channels[remote.channel];
  isa::Instruction nop;
  nop.signal = isa::SemaphoreSignal{rch.semaphore, static_cast<std::uint16_t>(remote.core), 1};
  rch.finish.push_back(append(core, queue, nop, deps, layer));
  int own = c.queue_channel[queue];
  isa::Instruction tail;
  tail.signal = isa::SemaphoreSignal{c.channels[own].semaphore, isa::kThisCore, 1};
  c.channels[own].finish.push_back(append(core, queue, tail, DepSet{}, layer));
}

void Scheduler::emit_setup(int core, int setup_queue, isa::Instruction ins, std::uint32_t layer) {
  ins.layer = layer;
  cores_[core].program.setup[setup_queue].instructions.push_back(ins);
}

std::vector<isa::CoreProgram> Scheduler::take_programs() {
  std::vector<isa::CoreProgram> out;
  for (Core& c : cores_) out.push_back(std::move(c.program));
  return out;
}

std::uint64_t Scheduler::core_cycles(int core) const {
  const Core& c = cores_[core];
  std::uint64_t t = 0;
  for (std::uint64_t f : c.queue_free) t = std::max(t, f);
  return t;
}

std::uint64_t Scheduler::instructions(int core, isa::EngineKind engine) const {
  std::uint64_t n = 0;
  for (const isa::Queue& q : cores_[core].program.queues)
    if (q.engine == engine) n += q.instructions.size();
  return n;
}

}  // namespace infsim::compiler
