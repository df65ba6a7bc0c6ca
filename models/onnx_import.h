#pragma once
// ONNX -> Graph, through Debian's libonnx protobuf classes. Handles what torchvision and
// PyTorch's TorchScript exporter write at opsets 13-17: BN folded into Conv or left as
// BatchNormalization, initializers behind Identity nodes, Constant nodes, Clip with constant
// bounds, Pad + AveragePool, Resize, and Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains,
// which are constant-folded because every shape is static after import. Models exported with
// export_params=False (weights as graph inputs) are recognised: inputs used as Conv/Gemm/BN/
// MatMul/LayerNorm parameters, or named like parameters, become constants with their declared
// shapes and seeded synthetic values.

#include <cstdint>
#include <string>

#include "models/graph.h"

namespace infsim::models {

struct ImportOptions {
  int batch = 0;             // 0 = keep the file's batch (a symbolic batch becomes 1)
  std::uint64_t seed = 1;    // for weights the file does not carry
  bool with_weights = true;  // false: drop weight values (timing needs none)
  // Keep operators the IR does not know (and everything after them) as nodes without shapes, so
  // that `infsim analyze` lists every operator; such a graph is not validated and only analyzed.
  bool keep_unknown_ops = false;
  std::uint64_t budget = 0;  // bytes of tensor data the import may hold; 0 = model_budget()
};

// Throws ModelError naming the file (and the node and op) for a missing, truncated or non-ONNX
// file, external data, a node without its required inputs or outputs, a tensor past the size
// budget (models/size_budget.h), or anything unsupported.
Graph import_onnx(const std::string& path, const ImportOptions& options = {});

}  // namespace infsim::models
