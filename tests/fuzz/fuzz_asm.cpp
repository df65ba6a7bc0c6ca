// The text assembler, then the verifier, the .ifx writer and reader, and the text round trip.
#include "fuzz_input.h"
#include "isa/hardware_config.h"
#include "isa/ifx_format.h"
#include "isa/text_format.h"
#include "isa/user_error.h"
#include "isa/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace isa = infsim::isa;
  const std::string text(reinterpret_cast<const char*>(data), size);
  infsim::fuzz::expect_errors<infsim::UserError>([&] {
    const isa::Program p = isa::assemble(text, "<fuzz>");
    isa::verify_program(p, isa::NeuronCoreConfig{});
    const std::vector<std::uint8_t> bytes = isa::encode_program(p);
    const isa::Program back = isa::decode_program(bytes.data(), bytes.size(), "<encoded>");
    if (isa::encode_program(isa::assemble(isa::disassemble(back), "<disasm>")) != bytes) {
      infsim::fuzz::finding("asm -> ifx -> disasm -> asm does not give back the program");
    }
  });
  return 0;
}
