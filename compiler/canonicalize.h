#pragma once
// Graph IR -> LayerGraph: drops no-op nodes (Identity, Dropout, Flatten/Reshape that keep the
// channel-major layout), folds BatchNormalization into the preceding Conv/Gemm/MatMul (a
// standalone one becomes a per-channel scale/bias), fuses bias, activation and residual Add(+Relu)
// into the producing layer's epilogue, and turns Gemm/MatMul with constant weights into
// convolutions. Unsupported operators at the start or end of the graph go to the host when
// cpu_fallback is set; anywhere else they are a CompileError naming the node.

#include <cstdint>
#include <vector>

#include "compiler/layer_graph.h"
#include "isa/program.h"
#include "models/graph.h"

namespace infsim::compiler {

struct CanonicalGraph {
  LayerGraph graph;
  std::vector<isa::HostOp> host_ops;
  std::uint32_t source_nodes = 0;  // nodes of the graph it came from (host_ops of them on the host)
};

CanonicalGraph canonicalize(const models::Graph& graph, std::uint32_t batch, bool cpu_fallback);

// Every node canonicalize() rejects on its own account (an operator or form the device does not
// take), not only the first; nodes that merely read a rejected node's output are not listed.
// Node indices, ascending. For `analyze`.
std::vector<int> unsupported_nodes(const models::Graph& graph, std::uint32_t batch);

// Operators canonicalize() knows how to place on the device (some only in certain forms, e.g.
// MatMul against a constant, Reshape that keeps the layout).
bool is_device_op(const std::string& op);

}  // namespace infsim::compiler
