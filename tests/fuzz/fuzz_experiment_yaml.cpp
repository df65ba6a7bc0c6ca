// The experiment loader (configs/experiments/*.yaml).
#include <yaml-cpp/exceptions.h>
#include "fuzz_input.h"
#include "isa/user_error.h"
#include "tools/driver/experiment/experiment.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = infsim::fuzz::write_input(data, size, "experiment.yaml");
  infsim::fuzz::expect_errors<infsim::UserError, YAML::Exception>(
      [&] { infsim::driver::load_experiment(path); });
  return 0;
}
