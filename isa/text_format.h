#pragma once
// The text form of a Program (.s files, `infsim disasm` / `infsim asm`). It round-trips:
// assemble(disassemble(p)) encodes to the same .ifx bytes as p.
//
//   .options model="resnet50" batch=1 dtype=bf16 pipeline_cores=1 cpu_fallback=false
//   .tensor "conv1.weight" kind=weight dtype=bf16 shape=[64,3,7,7] dim_order=[0,1,2,3] core=0
//           offset=0x0 bytes=18816          (one line)
//   .data 3f80c000...                        (initial contents, hex, following their .tensor)
//   .layer "conv1" op="Conv" macs=118013952 flops=0 core=0 sbuf_bytes=... psum_bytes=...
//   .host_op "embed" op="Gather" flops=0 bytes=4096 before_device=true
//   .memory sbuf_peak=... sbuf_static_weights=... weights_streamed=... psum_peak=... dram_bytes=...
//   .operator "Conv" count=53 supported=true arithmetic=true
//   .core 0
//   .setup | .inference                      (which queue list the following .queue lines fill)
//   .queue engine=tensor  |  .queue engine=dma dma_engine=1 dma_queue=3
//   matmul dst=fp32:psum[0:64]+0x0{512:1} src0=bf16:sbuf[0:128]+0x1000{512:1} accumulate
//          wait=s3>=5 signal=s4+1 layer=12
//
// An operand is DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}: partitions
// FIRST..END-1 (DRAM: rows), the row stride in elements (DRAM), the byte offset, and the free
// dims outermost first, leading {1:0} dims left out. Instruction fields equal to their defaults
// are left out; flags are bare words (accumulate, relu, per_partition, count_include_pad).
// Signals to another core are written signal=c2.s4+1. ';' starts a comment.

#include <optional>
#include <string>
#include <string_view>

#include "isa/program.h"

namespace infsim::isa {

std::string disassemble(const Program& program);
// Throws IsaError "source_name:line: message" naming the offending token.
Program assemble(const std::string& text, const std::string& source_name);

std::string_view tensor_kind_text(TensorKind k);  // "input", "output", "weight", ...
std::optional<TensorKind> tensor_kind_from_text(std::string_view text);

}  // namespace infsim::isa
