// infsim validate: measured Inf1 numbers (a validation CSV) against the simulation.
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/validate/fit.h"
#include "tools/driver/validate/validate.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

int run_validate(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("file", po::value<std::string>()->value_name("FILE.csv"),
                        "the validation file (e.g. configs/validation/calibration.csv)")(
      "framework", po::value<std::string>()->value_name("NAME"),
      "framework of rows whose framework cell is empty (neuronperf, torch-neuron, "
      "tensorflow-neuron)")("requests", po::value<int>()->default_value(200)->value_name("N"),
                            "measured requests per loaded copy")(
      "tolerance", po::value<double>()->value_name("PCT"),
      "tolerance of rows without a tolerance_pct cell")(
      "csv", po::value<std::string>()->value_name("FILE"),
      "one CSV line per measured value: row, setup, metric, measured, simulated, error (- for "
      "stdout)")("json", po::value<std::string>()->value_name("FILE"),
                 "rows, MAPE per metric, rows off 2x (- for stdout)")(
      "plot", po::value<std::string>()->value_name("PREFIX"),
      "per metric, simulated vs measured (with y = x) in PREFIX-<metric>.png and .svg; needs "
      "gnuplot")("set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
                 "override one config value in every row (repeatable)")(
      "fit", po::value<std::string>()->value_name("KNOBS.yaml"),
      "also fit the knobs of KNOBS.yaml (e.g. configs/validation/knobs.yaml) and report the "
      "leave-one-out errors")("fit-steps", po::value<int>()->default_value(7)->value_name("N"),
                              "grid values per knob");
  po::positional_options_description positional;
  positional.add("file", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim validate FILE.csv [options]\n\n"
      "Simulates every row of a validation file (instance, model, framework, dtype, batch_size,\n"
      "n_models, workers_per_model, pipeline_size and measured throughput_avg, latency_ms_p50,\n"
      "latency_ms_p99, ...) the way its framework ran it, and prints measured, simulated and\n"
      "error per row, MAPE per metric and the rows off by more than 2x. A row that cannot run\n"
      "gets a status; a malformed file exits 2 naming FILE:LINE.",
      options, positional);
  if (!vm) return 0;
  if (!vm->count("file")) throw driver::UsageError("validate: give a validation FILE.csv");
  driver::ValidateOptions vo;
  vo.requests = (*vm)["requests"].as<int>();
  if (vo.requests < 1) throw driver::UsageError("validate: --requests must be at least 1");
  if (vm->count("framework")) vo.framework = (*vm)["framework"].as<std::string>();
  if (vm->count("tolerance")) {
    vo.tolerance_pct = (*vm)["tolerance"].as<double>();
    if (!(*vo.tolerance_pct > 0)) throw driver::UsageError("validate: --tolerance must be > 0");
  }
  if (vm->count("set")) vo.overrides = (*vm)["set"].as<std::vector<std::string>>();
  vo.progress = driver::verbosity() != driver::Verbosity::kQuiet;
  const driver::ValidationFile file = driver::read_validation_file((*vm)["file"].as<std::string>());
  std::vector<driver::Knob> knobs;
  const int steps = (*vm)["fit-steps"].as<int>();
  if (vm->count("fit")) {
    if (steps < 2) throw driver::UsageError("validate: --fit-steps must be at least 2");
    knobs = driver::read_knobs_file((*vm)["fit"].as<std::string>());
  }
  const driver::OutputList outputs = driver::given_outputs(*vm, {"csv", "json"});
  driver::check_directory_options(*vm, {"plot"});
  const driver::ValidationReport report = driver::run_validation(file, vo);
  // Files first, all or nothing ("-" is stdout); the Markdown then goes to stderr.
  std::ostream& out_stream = driver::write_outputs(outputs, [&](const std::string& flag) {
    return flag == "csv" ? driver::format_validation_csv(report)
                         : driver::validation_json(report).dump(2) + "\n";
  });
  if (vm->count("plot")) {
    for (const std::string& w : driver::plot_validation(report, (*vm)["plot"].as<std::string>()))
      driver::progress_stream() << "infsim: warning: " << w << "\n";
  }
  driver::progress_stream() << "infsim: validated " << report.rows.size() << " rows in "
                            << report.wall_seconds << " s\n";
  std::string out = driver::format_validation_markdown(report);
  if (vm->count("fit")) {
    const driver::FitReport fit = driver::fit_knobs(file, vo, knobs, steps);
    out += "\n## Fit\n\n" + driver::format_fit_markdown(fit);
  }
  out_stream << out;
  return 0;
}

CommandRegistration reg{"validate", "measured numbers (a validation CSV) against the simulation",
                        run_validate};

}  // namespace
}  // namespace infsim::tools
