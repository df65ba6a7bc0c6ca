// The .ifx reader, then the verifier and the text round trip the documentation promises:
// assemble(disassemble(p)) encodes to the same bytes as p.
#include "fuzz_input.h"
#include "isa/hardware_config.h"
#include "isa/ifx_format.h"
#include "isa/text_format.h"
#include "isa/user_error.h"
#include "isa/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace isa = infsim::isa;
  infsim::fuzz::expect_errors<infsim::UserError>([&] {
    const isa::Program p = isa::decode_program(data, size, "<fuzz>");
    isa::verify_program(p, isa::NeuronCoreConfig{});
    const std::vector<std::uint8_t> bytes = isa::encode_program(p);
    if (isa::encode_program(isa::assemble(isa::disassemble(p), "<disasm>")) != bytes) {
      infsim::fuzz::finding("disasm -> asm does not give back the program");
    }
  });
  return 0;
}
