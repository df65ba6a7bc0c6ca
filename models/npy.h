#pragma once
// NumPy .npy files (format versions 1-3): read float32, float16 and float64 little-endian C-order
// arrays as fp32; write float32. Anything else is a ModelError naming the file.

#include <string>

#include "models/host_tensor.h"

namespace infsim::models {

HostTensor read_npy(const std::string& path);

// Writes to a temporary name and renames, so a failed write leaves no partial file.
void write_npy(const std::string& path, const HostTensor& tensor);

}  // namespace infsim::models
