#pragma once
// The program verifier: everything that can be checked about a Program without running it.
// It runs before every simulation, so it is linear in the number of instructions.
//
// Checks: queues (engine kind, DMA engine/queue ids, one queue per engine); every instruction's
// engine, operands (presence per kOpcodeTable, memory spaces, dtypes, element counts as the
// semantics in isa/instruction.h require, Tensor Engine and PSUM-bank limits), access patterns
// inside SBUF/PSUM (partitions and per-partition byte extent, negative strides included) or
// inside a TensorDecl of that core's DRAM, semaphore ids and signal targets; tensors; and that
// no queue waits forever. The last is an abstract in-order execution of all queues of all cores
// (separately for the setup queues and the inference queues, semaphores starting at zero): a
// queue's head instruction runs once the semaphores it waits on have been signalled enough;
// queues left unfinished are deadlocked.

#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "isa/program.h"

namespace infsim::isa {

struct Diagnostic {
  // e.g. "core 0 queue 2 (dma e1 q3) instruction 17 (matmul)", "core 1 setup queue 0 (tensor)",
  // "tensor 4 (conv1.weight)", "program"
  std::string location;
  std::string message;
};

// Every problem found, in program order (deadlocks last); empty if the program is fine.
std::vector<Diagnostic> verify_program(const Program& program, const NeuronCoreConfig& core_config);

// Throws IsaError listing all diagnostics, one per line, if there are any.
void verify_or_throw(const Program& program, const NeuronCoreConfig& core_config);

// "location: message" lines, as verify_or_throw and `infsim verify` print them.
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace infsim::isa
