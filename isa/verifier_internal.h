#pragma once
// Shared by the verifier's parts (isa/verifier.cpp, isa/verifier_deadlock.cpp): how a queue and
// an instruction are named in a Diagnostic, and the deadlock search.

#include <string>
#include <vector>

#include "isa/hardware_config.h"
#include "isa/program.h"
#include "isa/verifier.h"

namespace infsim::isa {

inline std::string engine_label(const Queue& q) {
  if (q.engine == EngineKind::kDma) {
    return "dma e" + std::to_string(q.dma_engine) + " q" + std::to_string(q.dma_queue);
  }
  return std::string(engine_text(q.engine));
}

inline std::string queue_location(std::size_t core, bool setup, std::size_t qi, const Queue& q) {
  return "core " + std::to_string(core) + (setup ? " setup" : "") + " queue " + std::to_string(qi) +
         " (" + engine_label(q) + ")";
}

inline std::string instruction_location(std::size_t core, bool setup, std::size_t qi,
                                        const Queue& q, std::size_t index, const Instruction& ins) {
  std::string op = static_cast<int>(ins.opcode) < kNumOpcodes
                       ? std::string(opcode_info(ins.opcode).text)
                       : "opcode " + std::to_string(static_cast<int>(ins.opcode));
  return queue_location(core, setup, qi, q) + " instruction " + std::to_string(index) + " (" + op +
         ")";
}

// The queues of one phase (setup or inference) that wait forever: an abstract in-order execution
// of all queues of all cores, semaphores starting at zero (see isa/verifier.h).
std::vector<Diagnostic> find_deadlocks(const Program& program, const NeuronCoreConfig& config,
                                       bool setup);

}  // namespace infsim::isa
