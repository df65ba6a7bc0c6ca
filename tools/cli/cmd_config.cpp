// infsim config: show the resolved configuration of an instance, list the settable keys and the
// known instances.
#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/config/units.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "infsim config <action> [options]\n\n"
    "Shows and checks the hardware configuration (configs/).\n\n"
    "actions:\n"
    "  show [INSTANCE]    the fully resolved config (YAML with units, or --json; --comments)\n"
    "  get KEY            one value of the resolved config\n"
    "  keys               every key --set accepts, with its unit, range and meaning\n"
    "  list               the known instances\n\n"
    "infsim config <action> --help shows the action's options.";

int run_show(const std::vector<std::string>& args) {
  po::options_description options("options");
  driver::add_instance_options(options);
  options.add_options()("json", "print JSON (numbers in bytes, bytes/s, Hz, s, $/h)")(
      "comments", "describe each key in a comment beside its value");
  po::positional_options_description positional;
  positional.add("instance", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim config show [INSTANCE] [--set KEY=VALUE]... [--json] [--comments]\n\n"
      "Prints the configuration of INSTANCE (default inf1.xlarge) after includes and --set, in\n"
      "a form `--instance FILE.yaml` loads again, headed by the values that follow from it.",
      options, positional);
  if (!vm) return 0;
  sim::SystemConfig config = driver::instance_from_options(*vm);
  if (vm->count("json")) {
    std::cout << driver::dump_config_json(config);
    return 0;
  }
  std::cout << "# " << config.name << "\n# derived (not settable):\n";
  for (const std::string& line : driver::derived_values(config))
    std::cout << "#   " << line << "\n";
  std::cout << driver::dump_config_yaml(config, vm->count("comments") > 0);
  return 0;
}

int run_get(const std::vector<std::string>& args) {
  po::options_description options("options");
  driver::add_instance_options(options);
  options.add_options()("key", po::value<std::string>()->required()->value_name("KEY"),
                        "the key to print (also the first argument)");
  po::positional_options_description positional;
  positional.add("key", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim config get KEY [--instance NAME] [--set KEY=VALUE]...\n\n"
      "Prints one value of the resolved configuration, e.g. chip.dram.bandwidth.",
      options, positional);
  if (!vm) return 0;
  sim::SystemConfig config = driver::instance_from_options(*vm);
  std::cout << driver::get_config_value(config, (*vm)["key"].as<std::string>()) << "\n";
  return 0;
}

int run_keys(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto vm = driver::parse_command_args(
      args,
      "infsim config keys\n\n"
      "Lists every configuration key (what --set KEY=VALUE accepts) with its unit, range and\n"
      "description.",
      options);
  if (!vm) return 0;
  // One line per key: path, unit kind, range, description, in aligned columns.
  std::vector<std::array<std::string, 4>> rows;
  std::array<std::size_t, 3> width{};
  for (const auto& k : driver::describe_config_keys()) {
    const bool ranged = k.unit != isa::Unit::kText && k.unit != isa::Unit::kFlag;
    rows.push_back({k.path, driver::unit_kind_name(k.unit),
                    ranged ? "[" + driver::format_quantity(k.range.min, k.unit) + ", " +
                                 driver::format_quantity(k.range.max, k.unit) + "]"
                           : "",
                    k.description});
    for (std::size_t i = 0; i < width.size(); ++i)
      width[i] = std::max(width[i], rows.back()[i].size());
  }
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < width.size(); ++i)
      std::cout << row[i] << std::string(width[i] + 2 - row[i].size(), ' ');
    std::cout << row[3] << "\n";
  }
  return 0;
}

int run_list(const std::vector<std::string>& args) {
  po::options_description options("options");
  auto vm = driver::parse_command_args(
      args, "infsim config list\n\nLists the instances in configs/instances/.", options);
  if (!vm) return 0;
  std::vector<sim::SystemConfig> instances;
  for (const auto& name : driver::list_instances())
    instances.push_back(driver::load_instance(name));
  std::stable_sort(instances.begin(), instances.end(), [](const auto& a, const auto& b) {
    return a.total_cores() != b.total_cores() ? a.total_cores() < b.total_cores()
                                              : a.host.vcpus < b.host.vcpus;
  });
  std::printf("%-16s %6s %12s %6s %12s %10s\n", "instance", "chips", "NeuronCores", "vCPUs",
              "host memory", "$/hour");
  for (const auto& c : instances) {
    std::printf("%-16s %6d %12d %6d %12s %10s\n", c.name.c_str(), c.chips, c.total_cores(),
                c.host.vcpus, driver::format_bytes(c.host.memory).c_str(),
                driver::format_quantity(c.price_per_hour, isa::Unit::kDollars).c_str());
  }
  return 0;
}

int run_config(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << "usage: " << kUsage << "\n";
    if (args.empty()) throw driver::UsageError("config: missing action (show, get, keys or list)");
    return 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "show") return run_show(rest);
  if (args[0] == "get") return run_get(rest);
  if (args[0] == "keys") return run_keys(rest);
  if (args[0] == "list") return run_list(rest);
  throw driver::UsageError("config: unknown action '" + args[0] +
                           "' (expected show, get, keys or list)");
}

CommandRegistration reg{"config", "show the resolved configuration, its keys, the instances",
                        run_config};

}  // namespace
}  // namespace infsim::tools
