#pragma once
// A sweep directory, written so that an interruption at any instant (Ctrl-C, kill -9, power
// loss) loses no finished point and leaves nothing half-written:
//
//   DIR/study.json      the expanded study and its hash (written once, then only compared)
//   DIR/points/K.json   point K, finished: written to a temp file, fsynced, renamed, dir fsynced
//   DIR/logs/K.log      what the worker of point K printed
//   DIR/results.csv, results.json, sensitivity.csv, sensitivity.txt, plots/   (see results.h)
//
// Workers on other machines write into the same DIR (shared file system), so nothing here
// assumes a single writer except clean_stale_temp_files().

#include <optional>
#include <set>
#include <string>

#include "tools/driver/sweep/study.h"

namespace infsim::driver {

// Creates DIR, DIR/points and DIR/logs and records the study in DIR/study.json; if DIR already
// holds a different study, throws UsageError saying so (resuming it would mix two studies).
void prepare_sweep_dir(const std::string& dir, const Study& study);

// The study recorded in DIR/study.json (for --merge); UsageError if there is none.
Study read_sweep_dir_study(const std::string& dir);

std::string point_file(const std::string& dir, int index);
std::string log_file(const std::string& dir, int index);

void write_point(const std::string& dir, const Study& study, const PointSpec& spec,
                 const PointResult& result);

// The finished result of point `index`, or nullopt if it has not finished. A point file that
// does not belong to this study throws UsageError naming the file.
std::optional<PointResult> read_point(const std::string& dir, const Study& study, int index);

std::set<int> finished_points(const std::string& dir, const Study& study);

// Temp files left by workers that were killed mid-write. Only call when no worker runs.
void clean_stale_temp_files(const std::string& dir);

}  // namespace infsim::driver
