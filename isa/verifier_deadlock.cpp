// The verifier's deadlock search (isa/verifier.h): an abstract in-order execution of one phase.
// A queue's head instruction runs once the semaphores it waits on have been signalled enough;
// queues whose head can never run are reported.

#include <algorithm>
#include <deque>

#include "isa/instruction_text.h"
#include "isa/verifier_internal.h"

namespace infsim::isa {
namespace {

class DeadlockSearch {
 public:
  DeadlockSearch(const Program& p, const NeuronCoreConfig& c, bool setup)
      : setup_(setup),
        sems_(static_cast<std::size_t>(std::max(c.semaphores, 0))),
        cores_(p.cores.size()),
        count_(cores_ * sems_, 0),
        total_(cores_ * sems_, 0),
        waiters_(cores_ * sems_) {
    for (std::size_t core = 0; core < p.cores.size(); ++core) {
      const auto& list = setup ? p.cores[core].setup : p.cores[core].queues;
      for (std::size_t qi = 0; qi < list.size(); ++qi) queues_.push_back({core, qi, &list[qi]});
    }
    // All signals each semaphore receives in this phase: the most it can ever reach.
    for (const QueueRef& q : queues_) {
      for (const Instruction& ins : q.queue->instructions) {
        long t = signal_target(q, ins.signal);
        if (t >= 0) total_[static_cast<std::size_t>(t)] += ins.signal.increment;
      }
    }
  }

  std::vector<Diagnostic> run() {
    std::deque<std::size_t> ready;
    for (std::size_t i = 0; i < queues_.size(); ++i) ready.push_back(i);
    while (!ready.empty()) {
      std::size_t id = ready.front();
      ready.pop_front();
      advance(id, ready);
    }
    std::vector<Diagnostic> out;
    for (const QueueRef& q : queues_) report_stuck(q, out);
    return out;
  }

 private:
  struct QueueRef {
    std::size_t core;
    std::size_t qi;
    const Queue* queue;
    std::size_t head = 0;
  };

  bool valid_wait(const SemaphoreWait& w) const { return w.semaphore < sems_; }

  long signal_target(const QueueRef& q, const SemaphoreSignal& sig) const {
    if (sig.semaphore >= sems_) return -1;
    std::size_t core = sig.core == kThisCore ? q.core : sig.core;
    if (core >= cores_) return -1;
    return static_cast<long>(core * sems_ + sig.semaphore);
  }

  // Runs queue `id` until its head waits on a semaphore not yet high enough; the queues its
  // signals wake go to `ready`.
  void advance(std::size_t id, std::deque<std::size_t>& ready) {
    QueueRef& q = queues_[id];
    const auto& instructions = q.queue->instructions;
    while (q.head < instructions.size()) {
      const Instruction& ins = instructions[q.head];
      const SemaphoreWait* blocked = nullptr;
      for (const SemaphoreWait& w : ins.waits) {
        if (valid_wait(w) && count_[q.core * sems_ + w.semaphore] < w.value) blocked = &w;
      }
      if (blocked != nullptr) {
        waiters_[q.core * sems_ + blocked->semaphore].push_back(id);
        return;
      }
      long t = signal_target(q, ins.signal);
      if (t >= 0) {
        count_[static_cast<std::size_t>(t)] += ins.signal.increment;
        auto& woken = waiters_[static_cast<std::size_t>(t)];
        for (std::size_t w : woken) ready.push_back(w);
        woken.clear();
      }
      ++q.head;
    }
  }

  void report_stuck(const QueueRef& q, std::vector<Diagnostic>& out) const {
    const auto& instructions = q.queue->instructions;
    if (q.head >= instructions.size()) return;
    const Instruction& ins = instructions[q.head];
    for (const SemaphoreWait& w : ins.waits) {
      if (!valid_wait(w)) continue;
      std::size_t key = q.core * sems_ + w.semaphore;
      if (count_[key] >= w.value) continue;
      std::string message = "deadlock: the " + engine_label(*q.queue) +
                            " queue waits forever for semaphore " + std::to_string(w.semaphore) +
                            " of core " + std::to_string(q.core) +
                            " >= " + std::to_string(w.value) + "; it reaches " +
                            std::to_string(count_[key]) + " before every queue is stuck";
      message += total_[key] < w.value
                     ? ", and all signals to it in this phase add up to only " +
                           std::to_string(total_[key])
                     : " (signals to it in this phase add up to " + std::to_string(total_[key]) +
                           ", but they come after waits that never end)";
      std::size_t left = instructions.size() - q.head;
      if (left > 1) message += "; " + std::to_string(left - 1) + " more instructions never run";
      out.push_back({instruction_location(q.core, setup_, q.qi, *q.queue, q.head, ins), message});
      return;
    }
  }

  bool setup_;
  std::size_t sems_;
  std::size_t cores_;
  std::vector<QueueRef> queues_;
  std::vector<std::uint64_t> count_;
  std::vector<std::uint64_t> total_;
  std::vector<std::vector<std::size_t>> waiters_;
};

}  // namespace

std::vector<Diagnostic> find_deadlocks(const Program& program, const NeuronCoreConfig& config,
                                       bool setup) {
  return DeadlockSearch(program, config, setup).run();
}

}  // namespace infsim::isa
