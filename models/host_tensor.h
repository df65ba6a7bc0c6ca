#pragma once
// A dense fp32 tensor in host memory (C order): the reference executor's values and .npy data.

#include <cmath>
#include <cstdint>
#include <vector>

#include "models/graph.h"

namespace infsim::models {

struct HostTensor {
  Shape shape;
  std::vector<float> data;
};

// IEEE 754 binary16 bits to fp32 (.npy float16 arrays, ONNX FLOAT16 initializers).
inline float fp16_to_float(std::uint16_t h) {
  int exponent = (h >> 10) & 0x1f;
  int mantissa = h & 0x3ff;
  float value;
  if (exponent == 0) {
    value = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    value = mantissa ? NAN : INFINITY;
  } else {
    value = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return (h & 0x8000) ? -value : value;
}

}  // namespace infsim::models
