#pragma once
// One entry point for "a model": a zoo name or an ONNX file.

#include <string>

#include "models/graph.h"
#include "models/zoo.h"

namespace infsim::models {

// A name ending in .onnx, or naming an existing file, is imported (with options.batch when it is
// set, options.with_weights and options.seed); anything else is built from the zoo. An unknown
// name is a ModelError listing the zoo.
// keep_unknown_ops: see ImportOptions (for `infsim analyze`).
Graph load_model(const std::string& zoo_name_or_onnx_path, const ZooOptions& options,
                 bool keep_unknown_ops = false);

}  // namespace infsim::models
