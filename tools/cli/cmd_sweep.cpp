// infsim sweep: what-if studies over config keys and experiment fields (configs/studies/).
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"
#include "tools/driver/sweep/point_store.h"
#include "tools/driver/sweep/runner.h"
#include "tools/driver/sweep/study.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "infsim sweep STUDY.yaml [--out DIR] [--jobs N] [--no-plot]\n"
    "infsim sweep STUDY.yaml --point K --out DIR      (one point: what each worker runs)\n"
    "infsim sweep STUDY.yaml --emit-jobs DIR          (job files for GNU parallel / Slurm)\n"
    "infsim sweep --merge DIR [--no-plot]             (gather the points of DIR)\n\n"
    "Runs a what-if study: every combination (grid) or tuple (zip) of the study's parameter\n"
    "values, each point in its own worker process. Finished points are kept in DIR/points/, so\n"
    "running the same command again after an interruption resumes. Writes DIR/results.csv,\n"
    "results.json, sensitivity.csv and plots/ (PNG + SVG, needs gnuplot). DIR defaults to\n"
    "out/sweeps/<study name>. Study format: docs/studies.md; examples: configs/studies/.";

// A study past this many points is refused unless --max-points raises it: at a second or more
// per point, 10,000 points are already hours of CPU.
constexpr long kDefaultMaxPoints = 10000;
constexpr int kMaxJobs = 1024;  // worker processes at a time

int run_sweep_command(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("study", po::value<std::string>()->value_name("STUDY.yaml"),
                        "the study file")("out,o", po::value<std::string>()->value_name("DIR"),
                                          "results directory (default out/sweeps/<study name>)")(
      "jobs,j", po::value<int>()->default_value(0)->value_name("N"),
      "worker processes at a time (0 = one per CPU)")(
      "max-points", po::value<long>()->default_value(kDefaultMaxPoints)->value_name("N"),
      "refuse a study with more points (a grid multiplies quickly)")("no-plot", "skip the plots")(
      "point", po::value<int>()->value_name("K"), "evaluate point K only, into --out DIR")(
      "emit-jobs", po::value<std::string>()->value_name("DIR"),
      "write DIR/jobs.txt and DIR/slurm.sh (one job per point) instead of running")(
      "merge", po::value<std::string>()->value_name("DIR"),
      "gather DIR/points into the results (after running the jobs)");
  po::positional_options_description positional;
  positional.add("study", 1);
  auto vm = driver::parse_command_args(args, kUsage, options, positional);
  if (!vm) return 0;
  driver::check_directory_options(*vm, {"out", "emit-jobs", "merge"});
  const bool plot = vm->count("no-plot") == 0;
  const int modes =
      static_cast<int>(vm->count("point") + vm->count("emit-jobs") + vm->count("merge"));
  if (modes > 1)
    throw driver::UsageError("sweep: --point, --emit-jobs and --merge exclude each other");

  if (vm->count("merge")) {
    if (vm->count("study") || vm->count("out")) {
      throw driver::UsageError("sweep --merge DIR takes no study file or --out: DIR has both");
    }
    const std::string dir = (*vm)["merge"].as<std::string>();
    driver::finish_sweep(driver::read_sweep_dir_study(dir), dir, plot, std::cout,
                         driver::progress_stream());
    return 0;
  }
  if (!vm->count("study")) throw driver::UsageError("sweep: name a study file (see --help)");
  const std::string study_file = (*vm)["study"].as<std::string>();
  driver::Study study = driver::read_study(study_file);
  const long max_points = (*vm)["max-points"].as<long>();
  if (static_cast<double>(study.point_count()) > static_cast<double>(max_points)) {
    throw driver::UsageError("sweep: " + study_file + " has " +
                             std::to_string(study.point_count()) +
                             " points, more than --max-points " + std::to_string(max_points));
  }
  const int jobs = (*vm)["jobs"].as<int>();
  if (jobs < 0 || jobs > kMaxJobs) {
    throw driver::UsageError("sweep: --jobs " + std::to_string(jobs) + " out of range [0, " +
                             std::to_string(kMaxJobs) + "]");
  }

  if (vm->count("emit-jobs")) {
    for (const auto& w : study.warnings)
      driver::progress_stream() << "infsim: warning: " << w << "\n";
    driver::emit_jobs(study, study_file, (*vm)["emit-jobs"].as<std::string>(),
                      driver::self_executable(), std::cout);
    return 0;
  }
  const std::string out_dir =
      vm->count("out") ? (*vm)["out"].as<std::string>() : "out/sweeps/" + study.name;
  if (vm->count("point")) {
    if (!vm->count("out")) throw driver::UsageError("sweep --point K needs --out DIR");
    driver::run_point(study, (*vm)["point"].as<int>(), out_dir, std::cout);
    return 0;
  }
  driver::SweepOptions sweep;
  sweep.out_dir = out_dir;
  sweep.jobs = jobs;
  sweep.plot = plot;
  return driver::run_sweep(study, sweep, std::cout, driver::progress_stream());
}

CommandRegistration reg{"sweep", "what-if studies over config values (parallel, resumable)",
                        run_sweep_command};

}  // namespace
}  // namespace infsim::tools
