#pragma once
// Loads configs/instances/*.yaml (and what they include) into an sim::SystemConfig.
//
// The YAML tree mirrors isa::describe_root(); everything here walks the structs through their
// describe() visitors, so a field added there is loadable, settable, shown and dumped without
// touching this file. A config file may start with `include: other.yaml` (or a list); included
// files are merged first, in order, and the including file's values win. Every key the structs
// describe must be set by some file: a missing key is an error, not a silent default.
//
// Errors are driver::ConfigError with the file, line and YAML path (or "--set ..."). After the
// files and --set, load_instance() runs the one cross-field check, validate_config().

#include <string>
#include <vector>

#include "sim/runtime/runtime_config.h"
#include "tools/config/config_validation.h"
#include "tools/config/install_paths.h"  // find_config_dir()

namespace infsim::driver {

// The instance and the profile commands use unless told otherwise.
inline constexpr const char* kDefaultInstance = "inf1.xlarge";
// The profile `table`, `config` and the flags form of `run` use unless told otherwise.
inline constexpr const char* kDefaultFramework = "neuronperf";

// `name_or_path` is an instance name ("inf1.xlarge", looked up in <config dir>/instances/) or a
// path to a .yaml file; `framework` a profile name (<config dir>/frameworks/NAME.yaml) or a path,
// read before the instance file. `overrides` are "a.b.c=value" strings (from --set), applied last.
sim::SystemConfig load_instance(const std::string& name_or_path,
                                const std::vector<std::string>& overrides = {},
                                const std::string& framework = kDefaultFramework);

// Sets one value, e.g. "chip.dram.bandwidth=100GiB/s", with the unit and range checks of the
// loader. Cross-field checks are left to validate_config() (config_validation.h), so that several
// related values can be set one after the other; run it after the last one.
void apply_override(sim::SystemConfig& config, const std::string& assignment);

// What a command reads of the configuration: the machine alone (compile, verify: the instance and
// chip sections, isa::InstanceConfig), or everything (a simulated run: also host, runtime and
// framework).
enum class ConfigUse { kMachine, kRun };

// The `overrides` ("key=value") that have no effect for `use` under `config`, each with why: for
// kMachine every key outside instance.* and chip.*; for kRun the knobs sim::describe_ignored
// names (a runtime-1.x knob under runtime 2.x, ...).
struct IgnoredOverride {
  std::string assignment;  // as given
  std::string why;
};
std::vector<IgnoredOverride> ignored_overrides(const sim::SystemConfig& config,
                                               const std::vector<std::string>& overrides,
                                               ConfigUse use = ConfigUse::kRun);

// Every command that takes --set (or a file's `set`) calls this where it resolves a configuration:
// prints "infsim: warning: --set K=V has no effect: why" on the progress stream, once per text
// per process, and returns the texts (run records them in its JSON).
std::vector<std::string> warn_ignored_overrides(const sim::SystemConfig& config,
                                                const std::vector<std::string>& overrides,
                                                ConfigUse use = ConfigUse::kRun);

// A short stable hash of the fully resolved configuration (16 hex digits, FNV-1a 64 of
// dump_config_yaml): outputs record it beside infsim_version as config_hash.
std::string config_hash(const sim::SystemConfig& config);
std::string config_hash_of_yaml(const std::string& resolved_yaml);

// The value at `path` in canonical text ("50GiB/s").
std::string get_config_value(const sim::SystemConfig& config, const std::string& path);

// Every settable path, in the order of the YAML tree.
std::vector<std::string> list_config_keys();

// A settable path with its unit kind, allowed range and description (from describe()), for
// `config keys`, `config show --comments` and sweeps.
struct ConfigKey {
  std::string path;
  isa::Unit unit;
  isa::Range range;
  std::string description;
};
std::vector<ConfigKey> describe_config_keys();

// The fully resolved tree as YAML with units; load_instance() of it gives back the same config.
// With `comments`, each value has its description beside it (`config show --comments`).
std::string dump_config_yaml(const sim::SystemConfig& config, bool comments = false);

// The same tree as JSON, numbers in base units (bytes, bytes/s, Hz, s, $/h).
std::string dump_config_json(const sim::SystemConfig& config);

// Names of <config dir>/instances/*.yaml and <config dir>/frameworks/*.yaml, sorted.
std::vector<std::string> list_instances();
std::vector<std::string> list_frameworks();

}  // namespace infsim::driver
