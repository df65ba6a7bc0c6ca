#include "sim/neuroncore/functional_unit.h"

#include "sim/neuroncore/memory_system.h"
#include "sim/neuroncore/neuron_core.h"

namespace infsim::sim {

FunctionalUnit::~FunctionalUnit() = default;

Sbuf& ExecContext::sbuf() const {
  return core_.sbuf();
}
Psum& ExecContext::psum() const {
  return core_.psum();
}
NeuronCore& ExecContext::core_of(int program_core) const {
  return memory_.core(execution_.binding().cores[static_cast<std::size_t>(program_core)]);
}
Sbuf& ExecContext::sbuf_of(int program_core) const {
  return core_of(program_core).sbuf();
}
Psum& ExecContext::psum_of(int program_core) const {
  return core_of(program_core).psum();
}
Dram& ExecContext::dram_of(int program_core) const {
  return memory_.dram(
      memory_.chip_of(execution_.binding().cores[static_cast<std::size_t>(program_core)]));
}
Dram& ExecContext::dram(int chip) const {
  return memory_.dram(chip);
}

}  // namespace infsim::sim
