#pragma once
// Running a study: locally in worker processes, one point per process, or on a cluster through
// job files. Both paths run run_point() once per point, which evaluates point K and writes
// DIR/points/K.json atomically: on a cluster as the command
//
//   infsim sweep STUDY.yaml --point K --out DIR
//
// and locally in an isolated child (tools/driver/isolation.h) with its output in DIR/logs/. The
// local runner keeps up to `jobs` of them at a time, skips points already finished (so an
// interrupted sweep resumes), shows progress on stderr, and at the end gathers the point files
// into the results, exactly as `infsim sweep --merge DIR` does after a cluster run. A worker's
// user error ends the sweep with that error (kind and location kept); a crash is that point's
// result.

#include <ostream>
#include <string>

#include "tools/driver/sweep/study.h"

namespace infsim::driver {

struct SweepOptions {
  std::string out_dir;
  int jobs = 0;  // <= 0: one per CPU
  bool plot = true;
};

// Returns the process exit code: 0 when every point finished and the results are written, 130
// when interrupted (SIGINT/SIGTERM; the workers are stopped, finished points are kept).
int run_sweep(const Study& study, const SweepOptions& options, std::ostream& out,
              std::ostream& err);

// The worker: evaluates one point and writes its file (nothing if it already exists).
void run_point(const Study& study, int index, const std::string& out_dir, std::ostream& out);

// Gathers DIR/points into results.csv, results.json, sensitivity.{csv,txt} and plots. Points
// that never finished appear with status "missing" and a warning.
void finish_sweep(const Study& study, const std::string& out_dir, bool plot, std::ostream& out,
                  std::ostream& err);

// Writes DIR/jobs.txt (one shell command per point, for GNU parallel), DIR/slurm.sh (a Slurm
// job array over the points) and DIR/README.txt, and records the study in DIR.
void emit_jobs(const Study& study, const std::string& study_file, const std::string& dir,
               const std::string& executable, std::ostream& out);

// Absolute path of the running executable (/proc/self/exe).
std::string self_executable();

}  // namespace infsim::driver
