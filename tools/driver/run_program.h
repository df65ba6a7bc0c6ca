#pragma once
// Running a helper program (gnuplot) from the driver, without a shell.

#include <string>
#include <vector>

namespace infsim::driver {

// Runs argv[0] (looked up on PATH) with its stdout and stderr appended to `log`; returns its
// exit status, 128 + the signal if it was killed, -1 if it could not start.
int run_program(const std::vector<std::string>& argv, const std::string& log);

// Whether `program` is an executable on PATH.
bool on_path(const std::string& program);

// A gnuplot string literal in single quotes (a quote is written twice).
std::string gnuplot_string(const std::string& text);

}  // namespace infsim::driver
