// infsim compare A B: two results (run, table, validate, or sweep folders) side by side.
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/compare/compare.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

int run_compare(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("a", po::value<std::string>()->value_name("A"), "the baseline")(
      "b", po::value<std::string>()->value_name("B"), "the result compared with it")(
      "csv", po::value<std::string>()->value_name("FILE"),
      "every metric as CSV: row,metric,a,b,delta,delta_pct")(
      "json", po::value<std::string>()->value_name("FILE"),
      "the differing config keys and every metric as JSON")(
      "fail-above", po::value<double>()->value_name("PCT"),
      "exit 1 when any metric moved by more than PCT percent (for CI)");
  po::positional_options_description positional;
  positional.add("a", 1).add("b", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim compare A B [--csv FILE] [--json FILE] [--fail-above PCT]\n\n"
      "Compares two results of the same kind: results.json files of run, table --preset or\n"
      "validate, or folders holding one (run --out DIR, a sweep folder). Prints the config keys\n"
      "that differ (from the resolved configs beside the results) and, per scenario or row and\n"
      "metric, A, B, delta and delta %. Exit 0, or 1 with --fail-above when a metric moved more.",
      options, positional);
  if (!vm) return 0;
  if (!vm->count("a") || !vm->count("b")) throw driver::UsageError("compare: give two results A B");
  const driver::OutputList outputs = driver::given_outputs(*vm, {"csv", "json"});
  std::optional<double> fail_above;
  if (vm->count("fail-above")) {
    fail_above = (*vm)["fail-above"].as<double>();
    if (!(*fail_above >= 0)) throw driver::UsageError("compare: --fail-above must be >= 0");
  }
  const driver::Comparison c =
      driver::compare_results(driver::read_compare_input((*vm)["a"].as<std::string>()),
                              driver::read_compare_input((*vm)["b"].as<std::string>()));
  driver::write_outputs(outputs, [&](const std::string& flag) {
    return flag == "csv" ? driver::format_comparison_csv(c)
                         : driver::comparison_json(c).dump(2) + "\n";
  }) << driver::format_comparison_markdown(c);
  if (fail_above && c.max_abs_change_pct() > *fail_above) {
    std::cerr << "infsim: compare: a metric moved by " << c.max_abs_change_pct()
              << " %, more than --fail-above " << *fail_above << " %\n";
    return 1;
  }
  return 0;
}

CommandRegistration reg{"compare", "two results (runs, tables, validates, sweeps) side by side",
                        run_compare};

}  // namespace
}  // namespace infsim::tools
