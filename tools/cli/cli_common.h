#pragma once
// Command-line pieces every subcommand shares: the instance options (--instance, --set) and the
// parse step with --help and positional arguments.
//
//   namespace po = boost::program_options;
//   po::options_description options("options");
//   infsim::driver::add_instance_options(options);
//   po::positional_options_description positional;
//   positional.add("instance", 1);
//   auto vm = infsim::driver::parse_command_args(args, "infsim foo [INSTANCE] [options]\n\n"
//                                                "Does foo.", options, positional);
//   if (!vm) return 0;  // --help was printed
//   sim::SystemConfig config = infsim::driver::instance_from_options(*vm);

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "sim/runtime/runtime_config.h"
#include "tools/config/config_loader.h"  // kDefaultInstance, kDefaultFramework
#include "tools/config/verbosity.h"

namespace infsim::driver {

// Adds `--instance NAME` (default inf1.xlarge; a name from configs/instances/ or a .yaml path),
// `--framework NAME` (default neuronperf; configs/frameworks/ or a .yaml path) and the repeatable
// `--set KEY=VALUE`.
void add_instance_options(boost::program_options::options_description& options);

// The configuration those options describe: the framework profile and the instance file with the
// --set values applied. A --set that has no effect for `use` is a warning (warn_ignored_overrides).
sim::SystemConfig instance_from_options(const boost::program_options::variables_map& vm,
                                        ConfigUse use = ConfigUse::kRun);

// -q / -v: the stderr verbosity, and the simulator's log level with it (quiet: errors only,
// normal: warnings, verbose: info).
void apply_verbosity(Verbosity v);

// Parses a subcommand's arguments against `options` plus the general -h/--help, -q/--quiet
// and -v/--verbose (applied here). `usage` is the
// text printed above the options ("infsim config show [INSTANCE] [options]\n\nPrints ...").
// Returns nullopt after printing the help to stdout (the command then exits 0). Unknown options,
// bad values and extra arguments throw UsageError, which mentions --help.
std::optional<boost::program_options::variables_map> parse_command_args(
    const std::vector<std::string>& args, const std::string& usage,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional = {});

// A command's output options (--json FILE, --csv FILE, -o FILE, ...), handled alike by every
// command through the one writer (driver/atomic_file.h): "-" is standard output, a target that is
// not a regular file is written through, a regular one replaced atomically.
//   OutputList out = given_outputs(vm, {"csv", "json"});  // checked before any work
//   ...
//   std::ostream& report = write_outputs(out, [&](const std::string& flag) { return ...; });
//   report << text;  // stderr when an output took standard output, so stdout stays parseable
using OutputList = std::vector<std::pair<std::string, std::string>>;  // (flag, path)

// The given ones among `flags` (without "--"), checked with check_output_paths: at most one "-",
// no path twice, every directory there. UsageError naming the option otherwise.
OutputList given_outputs(const boost::program_options::variables_map& vm,
                         const std::vector<std::string>& flags);

// Writes every output with `content(flag)`, all or none, and returns the stream for the human
// report: std::cerr when one of them is standard output, else std::cout.
std::ostream& write_outputs(const OutputList& outputs,
                            const std::function<std::string(const std::string& flag)>& content);

// Options that name several files (a directory, a file prefix) cannot be "-": UsageError naming
// the option.
void check_directory_options(const boost::program_options::variables_map& vm,
                             const std::vector<std::string>& flags);

// True when one of `outputs` is standard output.
bool outputs_take_stdout(const OutputList& outputs);

}  // namespace infsim::driver
