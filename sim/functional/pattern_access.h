#pragma once
// The elements an access pattern names, resolved to host bytes for one instruction: read into
// (or written from) a dense fp32 array of P x N values, partition-major, free dims outermost
// first — the [p, n] of the opcode semantics in isa/instruction.h. Strides may be negative or
// zero (a zero stride reads the same element again; written, the last write wins).
//
// DRAM patterns are staged: the span they touch is copied out of the sparse pages once, and a
// write copies it back (read first unless the pattern covers the span densely, so that the
// bytes between strided elements keep their values).

#include <cstdint>
#include <vector>

#include "isa/instruction.h"

namespace infsim::sim {

class Dram;
class OnChipMemory;

class PatternAccess {
 public:
  // SBUF or PSUM. Throws SimError when the pattern does not fit the memory.
  PatternAccess(OnChipMemory& memory, const isa::AccessPattern& ap);
  // The program region of `dram` that starts at byte `base`. Throws SimError when the pattern
  // falls outside the DRAM.
  PatternAccess(Dram& dram, std::uint64_t base, const isa::AccessPattern& ap);

  const isa::AccessPattern& pattern() const { return ap_; }
  int partitions() const { return ap_.partitions; }
  std::uint64_t free_elements() const { return ap_.free_elements(); }
  std::uint64_t elements() const { return ap_.elements(); }

  // `out` / `in` hold elements() values.
  void read(float* out);
  void write(const float* in);

 private:
  void stage(bool need_contents);

  isa::AccessPattern ap_;
  std::vector<std::uint8_t*> rows_;  // per partition: the byte of free offset 0
  Dram* dram_ = nullptr;
  std::uint64_t span_begin_ = 0;  // DRAM: absolute address of the staged span
  std::vector<std::uint8_t> staging_;
  bool staged_ = false;
  bool staged_contents_ = false;
};

// Whether the pattern's elements are exactly the bytes of its span, in order (a dense block):
// then a write needs no read-back of the bytes around them.
bool is_dense(const isa::AccessPattern& ap);

}  // namespace infsim::sim
