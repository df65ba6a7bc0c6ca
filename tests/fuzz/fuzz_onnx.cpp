// The ONNX importer, with shape inference and constant folding (the reference executor), at a
// model size budget of 256 MiB so that the budget, not the 2 GiB RSS limit, must stop big inputs.
#include "fuzz_input.h"
#include "isa/user_error.h"
#include "models/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = infsim::fuzz::write_input(data, size, "model.onnx");
  infsim::fuzz::expect_errors<infsim::UserError>([&] {
    infsim::models::ImportOptions options;
    options.budget = std::uint64_t{256} << 20;
    infsim::models::Graph g = infsim::models::import_onnx(path, options);
    infsim::models::validate(g);
  });
  return 0;
}
