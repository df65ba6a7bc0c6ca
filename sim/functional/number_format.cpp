#include "sim/functional/number_format.h"

namespace infsim::sim {
namespace {

template <isa::DType T>
void encode(const float* in, std::uint8_t* out, std::size_t count) {
  constexpr int kBytes = isa::dtype_bytes(T);
  for (std::size_t i = 0; i < count; ++i) store_element<T>(out + i * kBytes, in[i]);
}

template <isa::DType T>
void decode(const std::uint8_t* in, float* out, std::size_t count) {
  constexpr int kBytes = isa::dtype_bytes(T);
  for (std::size_t i = 0; i < count; ++i) out[i] = load_element<T>(in + i * kBytes);
}

}  // namespace

void encode_elements(isa::DType dtype, const float* in, std::uint8_t* out, std::size_t count) {
  switch (dtype) {
    case isa::DType::kFp32:
      return encode<isa::DType::kFp32>(in, out, count);
    case isa::DType::kBf16:
      return encode<isa::DType::kBf16>(in, out, count);
    case isa::DType::kFp16:
      return encode<isa::DType::kFp16>(in, out, count);
    case isa::DType::kInt8:
      return encode<isa::DType::kInt8>(in, out, count);
  }
}

void decode_elements(isa::DType dtype, const std::uint8_t* in, float* out, std::size_t count) {
  switch (dtype) {
    case isa::DType::kFp32:
      return decode<isa::DType::kFp32>(in, out, count);
    case isa::DType::kBf16:
      return decode<isa::DType::kBf16>(in, out, count);
    case isa::DType::kFp16:
      return decode<isa::DType::kFp16>(in, out, count);
    case isa::DType::kInt8:
      return decode<isa::DType::kInt8>(in, out, count);
  }
}

}  // namespace infsim::sim
