#pragma once
// NumPy .npy files (format versions 1-3): read float32, float16 and float64 little-endian C-order
// arrays as fp32; write float32. Anything else is a ModelError naming the file.

#include <string>

#include "models/host_tensor.h"

namespace infsim::models {

HostTensor read_npy(const std::string& path);

// The .npy bytes of `tensor` (float32); commands write them through driver/atomic_file.h.
// ModelError if the data does not fill the shape.
std::string encode_npy(const HostTensor& tensor);

}  // namespace infsim::models
