#pragma once
// What a NeuronCore sees of the rest of the machine: the other cores (their SBUF/PSUM), the
// chips' DRAM, and a router that times a DMA transfer over the shared resources between two
// memories. The Instance implements it; NeuronCore depends only on this interface.

#include <cstdint>
#include <exception>

#include <systemc>

#include "isa/instruction.h"

namespace infsim::sim {

class Completion;
class Dram;
class NeuronCore;

// One side of a DMA transfer, resolved to the instance: which memory, on which global core (for
// DRAM: any core of the chip that holds it), and for DRAM the absolute address range touched.
struct DmaEndpoint {
  isa::MemSpace space = isa::MemSpace::kNone;
  int core = 0;
  std::uint64_t address = 0;  // DRAM: first byte touched
  std::uint64_t span = 0;     // DRAM: bytes from the first to the last byte touched
  std::uint64_t bytes = 0;    // bytes actually read or written
};

struct DmaTiming {
  sc_core::sc_time start;     // when the data starts moving (the first resource starts on it)
  sc_core::sc_time data_end;  // when the last byte has passed the slowest resource (predicted)
  sc_core::sc_time done;      // when the result is visible at the destination (+ latencies)
};

class MemorySystem {
 public:
  virtual ~MemorySystem() = default;
  virtual int num_cores() const = 0;
  virtual int chip_of(int global_core) const = 0;
  virtual NeuronCore& core(int global_core) = 0;
  virtual Dram& dram(int chip) = 0;
  // Books a DMA issued on `dma_engine` of `issuing_core` at time `now`. The DMA engine is charged
  // `effective_bytes` (isa::dma_effective_bytes: its chunking of short runs), the memories and
  // links on the way the bytes actually moved. Throws SimError for an impossible route. The DRAM
  // legs are shared fairly with other requestors (sim/core/fair_share_resource.h), so data_end is
  // a prediction that later arrivals may delay: the issuing queue waits with completion.wait(),
  // which returns the real end (done stays data_end + the fixed latencies).
  virtual DmaTiming dma(int issuing_core, int dma_engine, const DmaEndpoint& src,
                        const DmaEndpoint& dst, double effective_bytes, const sc_core::sc_time& now,
                        Completion& completion) = 0;
  // A queue hit a user error (a SimError) inside its SC_THREAD: keep the first one for the
  // caller of sc_start and stop the simulation (an exception escaping a SystemC process would
  // turn into an sc_report and lose its type).
  virtual void report_error(std::exception_ptr error) = 0;
};

}  // namespace infsim::sim
