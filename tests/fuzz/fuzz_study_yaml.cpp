// The study loader (configs/studies/*.yaml), its points, and the JSON a sweep directory keeps.
#include <yaml-cpp/exceptions.h>
#include "fuzz_input.h"
#include "isa/user_error.h"
#include "tools/driver/sweep/study.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = infsim::fuzz::write_input(data, size, "study.yaml");
  infsim::fuzz::expect_errors<infsim::UserError, YAML::Exception>([&] {
    const infsim::driver::Study study = infsim::driver::read_study(path);
    if (study.point_count() <= 10000) (void)study.points();
    (void)infsim::driver::study_to_json(study).dump();
  });
  return 0;
}
