// The instance config loader (configs/instances/*.yaml and what they include), then the promise
// of `config show`: its YAML loads back to the same configuration; and the JSON dump.
#include <filesystem>

#include <yaml-cpp/exceptions.h>
#include "fuzz_input.h"
#include "isa/user_error.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  namespace driver = infsim::driver;
  // Inputs live in <scratch>/instances/, beside a link to configs/hardware, so that the seeds'
  // `include: ../hardware/inferentia.yaml` resolves.
  static const fs::path dir = [] {
    const fs::path d = infsim::fuzz::scratch_dir() / "instances";
    fs::create_directories(d);
    std::error_code ec;
    fs::create_directory_symlink(fs::path(driver::find_config_dir()) / "hardware",
                                 infsim::fuzz::scratch_dir() / "hardware", ec);
    return d;
  }();
  const std::string path = infsim::fuzz::write_input(data, size, "instances/fuzz.yaml");
  infsim::fuzz::expect_errors<infsim::UserError, YAML::Exception>([&] {
    const infsim::sim::SystemConfig config = driver::load_instance(path);
    const std::string yaml = driver::dump_config_yaml(config);
    (void)driver::dump_config_json(config);
    const std::string again = (dir / "dumped.yaml").string();
    std::ofstream(again, std::ios::trunc) << yaml;
    try {
      if (driver::dump_config_yaml(driver::load_instance(again)) != yaml) {
        infsim::fuzz::finding("config show does not load back to the same configuration");
      }
    } catch (const infsim::UserError&) {
      infsim::fuzz::finding("config show prints YAML that does not load back");
    } catch (const YAML::Exception&) {
      infsim::fuzz::finding("config show prints YAML that does not parse");
    }
  });
  return 0;
}
