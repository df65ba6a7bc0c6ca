#pragma once
// The model zoo: graphs built in code, written the way torchvision's (and Hugging Face's) ONNX
// export writes them before any folding — Conv without bias -> BatchNormalization -> Relu, Add
// for residuals, Gemm classifiers — so the compiler sees what an importer would give it.

#include <cstdint>
#include <string>
#include <vector>

#include "models/graph.h"

namespace infsim::models {

struct ZooOptions {
  int batch = 1;
  int image_size = 0;         // 0 = the model's default (224; 299 for inception_v3)
  int seq_len = 128;          // BERT-style models
  bool with_weights = false;  // timing needs no values; the reference executor does
  std::uint64_t seed = 1;     // for the synthesized weights
};

struct ZooEntry {
  std::string name;
  std::string description;
};

std::vector<ZooEntry> zoo_list();

// Throws ModelError (listing the zoo) for an unknown name or options the model cannot take.
Graph build_zoo_model(const std::string& name, const ZooOptions& options);

}  // namespace infsim::models
