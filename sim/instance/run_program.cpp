#include "sim/instance/run_program.h"

#include "sim/core/sim_error.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INFSIM_ASAN 1
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif
#endif

namespace infsim::sim {

namespace {

// Under AddressSanitizer only. SystemC 2.3.4 tells ASan about its coroutine switches, but the
// last switch back to sc_start's caller leaves ASan with a coroutine's stack bounds. An exception
// thrown afterwards (throw_if_deadlocked) then cannot unpoison the frames it unwinds ("ASan is
// ignoring requested __asan_handle_no_return"), and their stale redzones are reported as a
// stack-buffer-overflow by whatever later reuses that stack. Announcing a switch to the thread's
// own stack puts the real bounds back.
void restore_stack_bounds_after_systemc() {
#ifdef INFSIM_ASAN
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &bottom, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!ok) return;
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace

void run_program_core(Instance& instance, const isa::Program& program, int program_core,
                      const CoreBinding& binding, Phase phase, ExecutionId id) {
  if (instance.failed()) return;
  Execution* execution = nullptr;
  try {
    if (program_core < 0 || program_core >= static_cast<int>(program.num_cores())) {
      throw SimError("program core " + std::to_string(program_core) + " of a " +
                     std::to_string(program.num_cores()) + "-core program");
    }
    execution = &instance.begin_execution(program, binding, phase, id);
  } catch (const SimError&) {
    instance.report_error(std::current_exception());
    return;
  }
  instance.core(binding.cores[static_cast<std::size_t>(program_core)])
      .run(*execution, program_core);
  instance.end_execution(*execution);
}

void run_program(Instance& instance, const isa::Program& program, const CoreBinding& binding,
                 Phase phase) {
  const ExecutionId id = instance.new_execution_id();
  int remaining = static_cast<int>(program.num_cores());
  sc_core::sc_event done;
  for (int pc = 0; pc < static_cast<int>(program.num_cores()); ++pc) {
    sc_core::sc_spawn(
        [&, pc] {
          run_program_core(instance, program, pc, binding, phase, id);
          if (--remaining == 0) done.notify();
        },
        sc_core::sc_gen_unique_name("program_core"));
  }
  while (remaining > 0 && !instance.failed()) sc_core::wait(done);
}

CoreBinding default_binding(const isa::Program& program, int first_core, std::uint64_t dram_base) {
  CoreBinding b;
  for (int i = 0; i < static_cast<int>(program.num_cores()); ++i) {
    b.cores.push_back(first_core + i);
    b.dram_base.push_back(dram_base);
  }
  return b;
}

void throw_if_deadlocked(Instance& instance) {
  instance.rethrow_error();
  const std::vector<BlockedQueue> blocked = instance.blocked_queues();
  if (blocked.empty()) return;
  std::string msg = "deadlock: " + std::to_string(blocked.size()) +
                    (blocked.size() == 1 ? " queue waits" : " queues wait") + " forever at " +
                    sc_core::sc_time_stamp().to_string() + ":";
  for (const BlockedQueue& b : blocked) msg += "\n  " + b.describe();
  throw SimError(msg);
}

void simulate(Instance& instance) {
  sc_core::sc_start();
  restore_stack_bounds_after_systemc();
  throw_if_deadlocked(instance);
}

}  // namespace infsim::sim
