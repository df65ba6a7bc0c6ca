#include "tools/cli/cli_common.h"

#include <iostream>

#include "sim/core/log.h"

#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"

namespace infsim::driver {

namespace po = boost::program_options;

void apply_verbosity(Verbosity v) {
  set_verbosity(v);
  sim::set_log_level_all(v == Verbosity::kQuiet     ? sim::LogLevel::kError
                         : v == Verbosity::kVerbose ? sim::LogLevel::kInfo
                                                    : sim::LogLevel::kWarn);
}

void add_instance_options(po::options_description& options) {
  options.add_options()(
      "instance", po::value<std::string>()->default_value(kDefaultInstance)->value_name("NAME"),
      "instance to simulate: a name from configs/instances/ or a .yaml file")(
      "framework", po::value<std::string>()->default_value(kDefaultFramework)->value_name("NAME"),
      "framework profile: torch-neuron-2020, tensorflow-neuron-1.15, neuronperf (configs/"
      "frameworks/) or a .yaml file")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
      "override one config value, e.g. chip.dram.bandwidth=100GiB/s (repeatable; "
      "`infsim config keys` lists the keys)");
}

sim::SystemConfig instance_from_options(const po::variables_map& vm, ConfigUse use) {
  std::vector<std::string> overrides;
  if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
  sim::SystemConfig config =
      load_instance(vm["instance"].as<std::string>(), overrides, vm["framework"].as<std::string>());
  warn_ignored_overrides(config, overrides, use);
  return config;
}

std::optional<po::variables_map> parse_command_args(
    const std::vector<std::string>& args, const std::string& usage,
    const po::options_description& options, const po::positional_options_description& positional) {
  po::options_description help("general");
  help.add_options()("help,h", "print this help and exit")(
      "quiet,q",
      "no progress, timing or warning lines on stderr (errors still; compile: the "
      "report's summary lines only)")("verbose,v",
                                      "also the simulator's info-level logs on stderr");
  po::options_description all;
  if (!options.options().empty()) all.add(options);
  all.add(help);
  std::string command = usage.substr(0, usage.find_first_of("[\n<"));
  while (!command.empty() && command.back() == ' ') command.pop_back();
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n\n" << all;
      return std::nullopt;
    }
    po::notify(vm);
    if (vm.count("quiet") && vm.count("verbose")) {
      throw UsageError(command + ": -q and -v contradict each other");
    }
    if (vm.count("quiet")) apply_verbosity(Verbosity::kQuiet);
    if (vm.count("verbose")) apply_verbosity(Verbosity::kVerbose);
  } catch (const po::error& e) {
    throw UsageError(command + ": " + e.what() + " (see `" + command + " --help`)");
  }
  return vm;
}

OutputList given_outputs(const po::variables_map& vm, const std::vector<std::string>& flags) {
  OutputList out;
  for (const std::string& flag : flags) {
    if (vm.count(flag)) out.emplace_back(flag, vm[flag].as<std::string>());
  }
  OutputList named;
  for (const auto& [flag, path] : out) named.emplace_back("--" + flag, path);
  check_output_paths(named);
  return out;
}

void check_directory_options(const po::variables_map& vm, const std::vector<std::string>& flags) {
  for (const std::string& flag : flags) {
    if (vm.count(flag) && is_stdout_path(vm[flag].as<std::string>())) {
      throw UsageError("--" + flag +
                       " names files on disk (a directory or a prefix), not - (standard "
                       "output is for one-file outputs such as --json -)");
    }
  }
}

bool outputs_take_stdout(const OutputList& outputs) {
  for (const auto& output : outputs) {
    if (is_stdout_path(output.second)) return true;
  }
  return false;
}

std::ostream& write_outputs(const OutputList& outputs,
                            const std::function<std::string(const std::string& flag)>& content) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& [flag, path] : outputs) files.emplace_back(path, content(flag));
  write_files_atomically(files);
  return outputs_take_stdout(outputs) ? std::cerr : std::cout;
}

}  // namespace infsim::driver
