#pragma once
// Plots of a study: each metric against each varied parameter, one line per combination of the
// other parameters, drawn by gnuplot from tools/scripts/plot_study.gp into DIR/plots/ as PNG and
// SVG.

#include <string>
#include <vector>

#include "tools/driver/sweep/results.h"

namespace infsim::driver {

// tools/scripts/plot_study.gp of the source tree infsim was built from.
std::string plot_script_path();

// Writes the data files and runs gnuplot. Returns warnings (gnuplot missing, a plot failed);
// plots never fail a sweep, the CSV is the result.
std::vector<std::string> plot_results(const ResultTable& table, const std::string& dir,
                                      const std::string& script);

}  // namespace infsim::driver
