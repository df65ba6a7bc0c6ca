// The .npy reader (functional mode's --input): header parsing, shape, dtype, data size.
#include "fuzz_input.h"
#include "isa/user_error.h"
#include "models/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = infsim::fuzz::write_input(data, size, "input.npy");
  infsim::fuzz::expect_errors<infsim::UserError>([&] {
    const infsim::models::HostTensor t = infsim::models::read_npy(path);
    if (static_cast<std::int64_t>(t.data.size()) != infsim::models::num_elements(t.shape)) {
      infsim::fuzz::finding("read_npy: values do not match the shape");
    }
  });
  return 0;
}
