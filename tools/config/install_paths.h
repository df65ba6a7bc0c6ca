#pragma once
// Where infsim finds its data files, installed or in the source tree. The installed layout
// (CMake install rules, the .deb) is
//
//   <prefix>/bin/infsim
//   <prefix>/share/infsim/configs/...        instances, frameworks, experiments, studies, tables
//   <prefix>/share/infsim/scripts/*.gp       the plot scripts
//
// and the running executable (/proc/self/exe: infsim, a test, or python3 for the Python module,
// whose Debian interpreter is /usr/bin/python3 beside /usr/share) locates <prefix>.

#include <string>

namespace infsim::driver {

// The configs directory, the first of: $INFSIM_CONFIG_DIR (an explicit choice wins; it must
// hold instances/), <exe dir>/../share/infsim/configs (installed), <exe dir>/../../configs (a
// build folder inside the checkout), INFSIM_SOURCE_DIR/configs (the checkout this was built
// from). Throws ConfigError when none exists.
std::string find_config_dir();

// The path of a data script by file name ("plot_study.gp"): <exe dir>/../share/infsim/scripts/
// when installed, else the checkout's tools/scripts/. The path is returned even when the file is
// missing, so that the caller's message can name it.
std::string find_script(const std::string& name);

}  // namespace infsim::driver
