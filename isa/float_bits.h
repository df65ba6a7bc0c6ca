#pragma once
// A float's IEEE-754 bit pattern and back: how .ifx stores floats, how the text form keeps NaN
// payloads, and how the functional simulator rounds to bf16/fp16.

#include <cstdint>
#include <cstring>

namespace infsim::isa {

inline std::uint32_t float_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bits_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace infsim::isa
