#pragma once
// Running programs on an Instance (the API sim/runtime builds on).
//
// Errors: a user error found while running (bad binding, operand out of range, semaphore out of
// range, impossible route) is reported to Instance::report_error, which keeps the first one and
// stops the simulation; the blocking calls below then return early. After sc_start returns, call
// throw_if_deadlocked() (or use simulate()): it rethrows that SimError, or, when SystemC ran out
// of events with queues still waiting on semaphores, throws a SimError naming each such queue
// (core, engine/queue, instruction index and opcode, semaphore, value waited for, current value).

#include "isa/program.h"
#include "sim/instance/instance.h"
#include "sim/neuroncore/execution.h"

namespace infsim::sim {

// Blocking, from an SC_THREAD: runs program core `program_core`'s queues of `phase` on its bound
// core and returns when they are all done and their results visible. The semaphores of an
// execution start at zero; cross-core signals go to the same execution's other cores. For a
// multi-core program, call it for every program core concurrently (one SC_THREAD each) with the
// same ExecutionId (Instance::new_execution_id()).
void run_program_core(Instance& instance, const isa::Program& program, int program_core,
                      const CoreBinding& binding, Phase phase, ExecutionId id);

// Blocking, from an SC_THREAD: runs all cores of `program` as one new execution and returns when
// every core is done.
void run_program(Instance& instance, const isa::Program& program, const CoreBinding& binding,
                 Phase phase);

// Program core i on global core first_core + i, every program's DRAM region at `dram_base`.
CoreBinding default_binding(const isa::Program& program, int first_core = 0,
                            std::uint64_t dram_base = 0);

// After sc_start returned: rethrows a reported error, else throws SimError if any queue is still
// waiting on a semaphore (SystemC ran out of events: nothing can ever wake it).
void throw_if_deadlocked(Instance& instance);

// sc_start() until no events are left, then throw_if_deadlocked().
void simulate(Instance& instance);

}  // namespace infsim::sim
