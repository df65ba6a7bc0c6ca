#pragma once
// The "compile" point evaluator: compiles the point's model for the point's NeuronCore config
// and reports what the compiler knows without simulating — whether it fits, how SBUF is used,
// which weights stay on chip, and the schedule's cycle estimate. A model that does not fit is
// status does_not_fit (fits = 0), not an error.

#include <string>
#include <vector>

#include "tools/driver/sweep/point_evaluator.h"

namespace infsim::driver {

// fits, weights_on_chip, sbuf_peak_bytes, sbuf_utilization, sbuf_static_weight_bytes,
// weights_streamed_bytes, weight_bytes, estimated_cycles, estimated_latency_ms, instructions,
// instructions_{tensor,vector,scalar,dma}, sub_batch, passes, macs.
std::vector<std::string> compile_metric_names();

PointResult evaluate_compile_point(const StudyBase& base, const PointSpec& spec);

}  // namespace infsim::driver
