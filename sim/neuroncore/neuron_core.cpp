#include "sim/neuroncore/neuron_core.h"

#include <cstdio>
#include <functional>

#include "isa/cost_model.h"
#include "isa/instruction_text.h"
#include "sim/core/log.h"
#include "sim/core/sim_error.h"
#include "sim/core/stat_names.h"
#include "sim/core/stats.h"
#include "sim/core/trace_event.h"
#include "sim/core/trace_writer.h"
#include "sim/memory/dram.h"

namespace infsim::sim {
namespace {

std::string queue_text(const isa::Queue& q) {
  std::string s(isa::engine_text(q.engine));
  if (q.engine == isa::EngineKind::kDma) {
    s += std::to_string(q.dma_engine) + ".q" + std::to_string(q.dma_queue);
  }
  return s;
}

const char* operand_name(int i) {
  static const char* const kNames[] = {"dst", "src0", "src1"};
  return kNames[i];
}

}  // namespace

std::string BlockedQueue::describe() const {
  std::string s = core + " (program core " + std::to_string(program_core) + ", execution " +
                  std::to_string(execution) + ") queue " + std::to_string(queue) + " (" +
                  std::string(isa::engine_text(engine));
  if (engine == isa::EngineKind::kDma) {
    s += " engine " + std::to_string(dma_engine) + " queue " + std::to_string(dma_queue);
  }
  s += ") instruction " + std::to_string(instruction) + " (" +
       std::string(isa::opcode_info(opcode).text) + ") waits for semaphore " +
       std::to_string(semaphore) + " >= " + std::to_string(wanted) + ", current value " +
       std::to_string(current);
  return s;
}

NeuronCore::NeuronCore(sc_core::sc_module_name name, const isa::NeuronCoreConfig& cfg,
                       int global_index, int chip, int local_index, Stats& stats,
                       TraceWriter* trace)
    : sc_core::sc_module(name),
      config_(cfg),
      clock_(cfg.clock),
      global_index_(global_index),
      chip_(chip),
      local_index_(local_index),
      label_(stat_names::core(chip, local_index)),
      trace_(trace),
      sbuf_("sbuf", cfg.sbuf),
      psum_("psum", cfg.psum),
      tensor_("tensor", cfg.tensor, isa::engine_context(cfg), clock_, stats,
              stat_names::child(label_, "tensor")),
      vector_("vector", cfg.vector, isa::engine_context(cfg), clock_, stats,
              stat_names::child(label_, "vector")),
      scalar_("scalar", cfg.scalar, isa::engine_context(cfg), clock_, stats,
              stat_names::child(label_, "scalar")) {
  for (int e = 0; e < cfg.dma.engines; ++e) {
    dma_.push_back(std::make_unique<DmaEngine>(("dma" + std::to_string(e)).c_str(), cfg.dma, stats,
                                               stat_names::child(label_, "dma", e)));
  }
}

NeuronCore::~NeuronCore() = default;

void NeuronCore::run(Execution& execution, int program_core) {
  const std::vector<isa::Queue>& queues = execution.queues(program_core);
  INFSIM_LOG(LogModule::kNeuronCore, LogLevel::kDebug,
             label_ << ": execution " << execution.id() << " program core " << program_core
                    << " starts " << queues.size() << " queues");
  int remaining = static_cast<int>(queues.size());
  sc_core::sc_event done;
  for (int i = 0; i < static_cast<int>(queues.size()); ++i) {
    const Job job{&execution, program_core, i, &remaining, &done};
    if (!idle_.empty()) {
      Worker* w = idle_.back();
      idle_.pop_back();
      w->job = job;
      w->has_job = true;
      w->wake.notify();
      continue;
    }
    workers_.push_back(std::make_unique<Worker>());
    Worker* w = workers_.back().get();
    w->job = job;
    w->has_job = true;
    sc_core::sc_spawn_options opts;
    sc_core::sc_spawn(std::bind(&NeuronCore::worker_main, this, w),
                      sc_core::sc_gen_unique_name("queue"), &opts);
  }
  while (remaining > 0) sc_core::wait(done);
  INFSIM_LOG(
      LogModule::kNeuronCore, LogLevel::kDebug,
      label_ << ": execution " << execution.id() << " program core " << program_core << " done");
}

void NeuronCore::worker_main(Worker* w) {
  for (;;) {
    while (!w->has_job) sc_core::wait(w->wake);
    try {
      run_queue(*w);
    } catch (const SimError&) {
      memory_->report_error(std::current_exception());
      return;
    }
    const Job job = w->job;
    w->has_job = false;
    idle_.push_back(w);
    if (--*job.remaining == 0) job.done->notify();
  }
}

void NeuronCore::check_local(const isa::AccessPattern& ap) const {
  switch (ap.space) {
    case isa::MemSpace::kSbuf:
      if (!sbuf_.fits(ap)) throw SimError(sbuf_.overflow_text(ap));
      return;
    case isa::MemSpace::kPsum:
      if (!psum_.fits(ap)) throw SimError(psum_.overflow_text(ap));
      return;
    default:
      throw SimError("compute engines reach only SBUF and PSUM, not " +
                     std::string(isa::mem_space_text(ap.space)));
  }
}

DmaEndpoint NeuronCore::endpoint(Execution& ex, const isa::AccessPattern& ap) const {
  if (ap.core >= ex.num_program_cores()) {
    throw SimError("operand names program core " + std::to_string(ap.core) + " of a " +
                   std::to_string(ex.num_program_cores()) + "-core program");
  }
  DmaEndpoint e;
  e.space = ap.space;
  e.core = ex.binding().cores[ap.core];
  e.bytes = ap.bytes();
  switch (ap.space) {
    case isa::MemSpace::kDram: {
      const PatternExtent x = pattern_extent(ap);
      const std::uint64_t base = ex.binding().dram_base[ap.core];
      Dram& dram = memory_->dram(memory_->chip_of(e.core));
      if (x.begin < 0 || !dram.fits(base + static_cast<std::uint64_t>(x.begin),
                                    static_cast<std::uint64_t>(x.end - x.begin))) {
        throw SimError("DRAM bytes " + std::to_string(x.begin) + ".." + std::to_string(x.end - 1) +
                       " of the program region at " + std::to_string(base) + " exceed the chip's " +
                       std::to_string(dram.config().size) + "-byte DRAM");
      }
      e.address = base + static_cast<std::uint64_t>(x.begin);
      e.span = static_cast<std::uint64_t>(x.end - x.begin);
      return e;
    }
    case isa::MemSpace::kSbuf: {
      Sbuf& s = memory_->core(e.core).sbuf();
      if (!s.fits(ap)) throw SimError(s.overflow_text(ap));
      return e;
    }
    case isa::MemSpace::kPsum: {
      Psum& p = memory_->core(e.core).psum();
      if (!p.fits(ap)) throw SimError(p.overflow_text(ap));
      return e;
    }
    default:
      throw SimError("DMA operand without a memory space");
  }
}

EngineTiming NeuronCore::issue_dma(Execution& ex, const isa::Queue& q, const isa::Instruction& inst,
                                   const sc_core::sc_time& now, Completion& completion) {
  if (!inst.dst.valid() || !inst.src0.valid()) throw SimError("dma_copy needs dst and src0");
  if (inst.dst.elements() != inst.src0.elements()) {
    throw SimError("dma_copy moves " + std::to_string(inst.src0.elements()) +
                   " source elements into " + std::to_string(inst.dst.elements()) +
                   " destination elements");
  }
  const DmaEndpoint src = endpoint(ex, inst.src0);
  const DmaEndpoint dst = endpoint(ex, inst.dst);
  const auto effective = static_cast<double>(isa::dma_effective_bytes(inst, config_.dma));
  const DmaTiming t =
      memory_->dma(global_index_, q.dma_engine, src, dst, effective, now, completion);
  dma(q.dma_engine).count(q.dma_queue, static_cast<double>(std::max(src.bytes, dst.bytes)));
  return EngineTiming{t.start, t.data_end, t.done};
}

std::string NeuronCore::where(const Worker& w, const isa::Queue& q, std::size_t i) const {
  std::string s = label_ + " (program core " + std::to_string(w.job.program_core) + ") queue " +
                  std::to_string(w.job.queue_index) + " (" + queue_text(q) + ")";
  if (i < q.instructions.size()) {
    s += " instruction " + std::to_string(i) + " (" +
         std::string(isa::opcode_info(q.instructions[i].opcode).text) + ")";
  }
  return s;
}

void NeuronCore::run_queue(Worker& w) {
  Execution& ex = *w.job.execution;
  const int pc = w.job.program_core;
  const isa::Queue& q = ex.queues(pc)[static_cast<std::size_t>(w.job.queue_index)];
  if (q.engine == isa::EngineKind::kDma &&
      (q.dma_engine >= config_.dma.engines || q.dma_queue >= config_.dma.queues_per_engine)) {
    throw SimError(where(w, q, q.instructions.size()) + ": the core has " +
                   std::to_string(config_.dma.engines) + " DMA engines of " +
                   std::to_string(config_.dma.queues_per_engine) + " queues");
  }
  FunctionalUnit* functional = functional_[static_cast<int>(q.engine)];
  sc_core::sc_time last_visible = sc_core::SC_ZERO_TIME;

  for (std::size_t i = 0; i < q.instructions.size(); ++i) {
    const isa::Instruction& inst = q.instructions[i];
    EngineTiming t;
    const sc_core::sc_time ready = sc_core::sc_time_stamp();
    InstructionEvent::Wait blocked[2];
    try {
      wait_semaphores(w, q, i, blocked);
      t = issue(ex, pc, q, inst, w.dma);
    } catch (const SimError& e) {
      throw SimError(where(w, q, i) + ": " + e.what(), e.kind(), e.where());
    }

    const sc_core::sc_time issued = sc_core::sc_time_stamp();
    if (q.engine == isa::EngineKind::kDma && inst.opcode != isa::Opcode::kNop) {
      // Its DRAM legs share the channels with whatever arrives meanwhile: wait for the real end;
      // the result is visible the same fixed latencies after it.
      const sc_core::sc_time latency = t.visible - t.end;
      t.end = w.dma.wait();
      t.visible = t.end + latency;
    } else if (t.end > issued) {
      sc_core::wait(t.end - issued);
    }
    if (functional != nullptr) {
      ExecContext ctx(*memory_, *this, ex, pc, w.job.queue_index, i);
      functional->execute(inst, ctx);
    }
    if (inst.signal.semaphore != isa::kNoSemaphore) {
      const int target = inst.signal.core == isa::kThisCore ? pc : inst.signal.core;
      ex.semaphore(target, inst.signal.semaphore).signal(inst.signal.increment, t.visible);
    }
    if (t.visible > last_visible) last_visible = t.visible;
    if (trace_ != nullptr) {
      InstructionEvent e;
      e.program = &ex.program();
      e.setup = ex.phase() == Phase::kSetup;
      e.execution = ex.id();
      e.program_core = pc;
      e.global_core = global_index_;
      e.chip = chip_;
      e.local_core = local_index_;
      e.queue = &q;
      e.queue_index = w.job.queue_index;
      e.index = i;
      e.instruction = &inst;
      e.clock_hz = clock_.hz();
      e.ready = ready.to_seconds();
      e.issued = issued.to_seconds();
      e.start = t.start.to_seconds();
      e.end = t.end.to_seconds();
      e.visible = t.visible.to_seconds();
      e.waits[0] = blocked[0];
      e.waits[1] = blocked[1];
      trace_->instruction(e);
    }
  }
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (last_visible > now) sc_core::wait(last_visible - now);
}

void NeuronCore::wait_semaphores(Worker& w, const isa::Queue& q, std::size_t i,
                                 InstructionEvent::Wait blocked[2]) {
  Execution& ex = *w.job.execution;
  const isa::Instruction& inst = q.instructions[i];
  const int semaphores = ex.semaphores_per_core();
  for (std::size_t k = 0; k < inst.waits.size(); ++k) {
    const isa::SemaphoreWait& wait = inst.waits[k];
    if (wait.semaphore == isa::kNoSemaphore) continue;
    if (wait.semaphore >= semaphores) {
      throw SimError("waits on semaphore " + std::to_string(wait.semaphore) + " of " +
                     std::to_string(semaphores));
    }
    Semaphore& s = ex.semaphore(w.job.program_core, wait.semaphore);
    if (s.ready(wait.value)) continue;
    INFSIM_LOG(LogModule::kNeuronCore, LogLevel::kDebug,
               where(w, q, i) << " waits for semaphore " << int{wait.semaphore}
                              << " >= " << wait.value << " (now " << s.value() << ")");
    w.blocked = true;
    w.instruction = i;
    w.semaphore = wait.semaphore;
    w.wanted = wait.value;
    const sc_core::sc_time before = sc_core::sc_time_stamp();
    s.wait_until(wait.value);
    w.blocked = false;
    blocked[k] = {wait.semaphore, (sc_core::sc_time_stamp() - before).to_seconds()};
  }
}

EngineTiming NeuronCore::issue(Execution& ex, int pc, const isa::Queue& q,
                               const isa::Instruction& inst, Completion& dma) {
  if (inst.opcode != isa::Opcode::kNop && isa::opcode_info(inst.opcode).engine != q.engine) {
    throw SimError("a " + std::string(isa::engine_text(isa::opcode_info(inst.opcode).engine)) +
                   " instruction on a " + std::string(isa::engine_text(q.engine)) + " queue");
  }
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  EngineTiming t;
  if (q.engine == isa::EngineKind::kDma) {
    t = inst.opcode == isa::Opcode::kNop ? EngineTiming{now, now, now}
                                         : issue_dma(ex, q, inst, now, dma);
  } else {
    const std::uint8_t used = isa::opcode_info(inst.opcode).operands;
    const isa::AccessPattern* ops[3] = {&inst.dst, &inst.src0, &inst.src1};
    for (int k = 0; k < 3; ++k) {
      if (!ops[k]->valid()) {
        if (k < 2 && (used & (1 << k))) throw SimError(std::string("missing ") + operand_name(k));
        continue;
      }
      try {
        check_local(*ops[k]);
      } catch (const SimError& e) {
        throw SimError(std::string(operand_name(k)) + ": " + e.what(), e.kind(), e.where());
      }
    }
    switch (q.engine) {
      case isa::EngineKind::kTensor:
        t = tensor_.issue(inst, now);
        break;
      case isa::EngineKind::kVector:
        t = vector_.issue(inst, now);
        break;
      default:
        t = scalar_.issue(inst, now);
        break;
    }
  }
  if (inst.signal.semaphore != isa::kNoSemaphore) {
    const int semaphores = ex.semaphores_per_core();
    const int target = inst.signal.core == isa::kThisCore ? pc : inst.signal.core;
    if (target >= ex.num_program_cores() || inst.signal.semaphore >= semaphores) {
      throw SimError("signals semaphore " + std::to_string(inst.signal.semaphore) +
                     " of program core " + std::to_string(target) + " (the program has " +
                     std::to_string(ex.num_program_cores()) + " cores of " +
                     std::to_string(semaphores) + " semaphores)");
    }
  }
  return t;
}

std::vector<BlockedQueue> NeuronCore::blocked_queues() {
  std::vector<BlockedQueue> out;
  for (const auto& w : workers_) {
    if (!w->has_job || !w->blocked) continue;
    Execution& ex = *w->job.execution;
    const isa::Queue& q =
        ex.queues(w->job.program_core)[static_cast<std::size_t>(w->job.queue_index)];
    BlockedQueue b;
    b.core = label_;
    b.global_core = global_index_;
    b.program_core = w->job.program_core;
    b.execution = ex.id();
    b.queue = w->job.queue_index;
    b.engine = q.engine;
    b.dma_engine = q.dma_engine;
    b.dma_queue = q.dma_queue;
    b.instruction = w->instruction;
    b.opcode = q.instructions[w->instruction].opcode;
    b.semaphore = w->semaphore;
    b.wanted = w->wanted;
    b.current = ex.semaphore(w->job.program_core, w->semaphore).value();
    out.push_back(b);
  }
  return out;
}

}  // namespace infsim::sim
