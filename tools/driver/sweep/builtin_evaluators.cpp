// The evaluator modes the driver itself provides, registered explicitly: the registry starts
// with them, so any program linking the driver can sweep with "compile" and "run".

#include "tools/driver/experiment/run_evaluator.h"
#include "tools/driver/sweep/compile_evaluator.h"
#include "tools/driver/sweep/point_evaluator.h"

namespace infsim::driver {

std::map<std::string, PointEvaluatorInfo> builtin_point_evaluators() {
  return {
      {"compile", {compile_metric_names(), evaluate_compile_point}},
      {"run", {run_metric_names(), evaluate_run_point}},
  };
}

}  // namespace infsim::driver
