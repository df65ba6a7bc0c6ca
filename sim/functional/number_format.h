#pragma once
// Element formats of functional mode: fp32, bf16, fp16 and int8 bits <-> fp32 values. Narrowing
// rounds to nearest, ties to even, as the engines' output converters do; fp16 overflows to
// infinity and keeps subnormals; int8 saturates. Arithmetic itself runs in fp32 (the engines'
// internal precision), so these conversions are the only place precision is lost.

#include <cmath>
#include <cstdint>
#include <cstring>

#include "isa/float_bits.h"
#include "isa/instruction.h"

namespace infsim::sim {

using isa::bits_float;
using isa::float_bits;

inline std::uint16_t float_to_bf16(float f) {
  const std::uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40);
  // Adding 0x7fff plus the lowest kept bit rounds half-way cases to the even neighbour; a carry
  // out of the mantissa correctly bumps the exponent (up to infinity).
  return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

inline float bf16_to_float(std::uint16_t h) {
  return bits_float(static_cast<std::uint32_t>(h) << 16);
}

inline std::uint16_t float_to_fp16(float f) {
  std::uint32_t x = float_bits(f);
  const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u)
    return static_cast<std::uint16_t>(sign | (x > 0x7f800000u ? 0x7e00 : 0x7c00));
  // 65520 is half-way between fp16's largest finite value (65504) and 65536; ties go to the
  // even neighbour, which is infinity.
  if (x >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00);
  if (x < 0x38800000u) {
    // Below fp16's smallest normal (2^-14) the result is a multiple of 2^-24: scale (exactly, by a
    // power of two) and round the integer to nearest even; 1024 lands on the smallest normal.
    const float scaled = bits_float(x) * 16777216.0f;
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::nearbyint(scaled)));
  }
  x += 0xfffu + ((x >> 13) & 1u);
  x -= (127u - 15u) << 23;
  return static_cast<std::uint16_t>(sign | (x >> 13));
}

inline float fp16_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    const float v = static_cast<float>(mantissa) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  if (exponent == 31) return bits_float(sign | 0x7f800000u | (mantissa << 13));
  return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

inline std::int8_t float_to_int8(float f) {
  if (std::isnan(f)) return 0;
  const float r = std::nearbyint(f);
  if (r >= 127.0f) return 127;
  if (r <= -128.0f) return -128;
  return static_cast<std::int8_t>(r);
}

// The value `f` becomes when stored in `dtype`.
inline float round_to(isa::DType dtype, float f) {
  switch (dtype) {
    case isa::DType::kFp32:
      return f;
    case isa::DType::kBf16:
      return bf16_to_float(float_to_bf16(f));
    case isa::DType::kFp16:
      return fp16_to_float(float_to_fp16(f));
    case isa::DType::kInt8:
      return float_to_int8(f);
  }
  return f;
}

template <isa::DType T>
inline float load_element(const std::uint8_t* p) {
  if constexpr (T == isa::DType::kFp32) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
  } else if constexpr (T == isa::DType::kInt8) {
    return static_cast<float>(static_cast<std::int8_t>(*p));
  } else {
    std::uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return T == isa::DType::kBf16 ? bf16_to_float(h) : fp16_to_float(h);
  }
}

template <isa::DType T>
inline void store_element(std::uint8_t* p, float f) {
  if constexpr (T == isa::DType::kFp32) {
    std::memcpy(p, &f, sizeof f);
  } else if constexpr (T == isa::DType::kInt8) {
    *p = static_cast<std::uint8_t>(float_to_int8(f));
  } else {
    const std::uint16_t h = T == isa::DType::kBf16 ? float_to_bf16(f) : float_to_fp16(f);
    std::memcpy(p, &h, sizeof h);
  }
}

// Converts `count` fp32 values to `dtype` bytes (dtype_bytes(dtype) each) and back.
void encode_elements(isa::DType dtype, const float* in, std::uint8_t* out, std::size_t count);
void decode_elements(isa::DType dtype, const std::uint8_t* in, float* out, std::size_t count);

}  // namespace infsim::sim
