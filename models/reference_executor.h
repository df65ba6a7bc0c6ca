#pragma once
// The reference executor: runs a graph on the host in fp32, operator by operator, with Eigen for
// the matrix products (convolution through im2col). It is the ground truth that the simulator's
// functional mode and the ONNX importer are checked against, not a model of the hardware.

#include <vector>

#include "models/graph.h"
#include "models/host_tensor.h"

namespace infsim::models {

// `inputs` are in the order of graph.inputs and must match their shapes; returns the values of
// graph.outputs. Constants must carry values (build zoo models with_weights). Throws ModelError
// naming the node for anything it cannot run.
std::vector<HostTensor> run_reference(const Graph& graph, const std::vector<HostTensor>& inputs);

}  // namespace infsim::models
