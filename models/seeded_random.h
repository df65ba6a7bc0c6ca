#pragma once
// Seeded synthetic weights for the zoo and for ONNX files exported without parameters.

#include <cmath>
#include <cstdint>
#include <vector>

namespace infsim::models {

// SplitMix64: a UniformRandomBitGenerator an order of magnitude faster than mt19937_64, which
// matters when VGG-16's 138 M weights are drawn.
class SplitMix64 {
 public:
  using result_type = std::uint64_t;
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// He-scaled weights (variance 2 / fan_in) keep activations O(1) through conv/linear stacks.
// Uniform, as PyTorch's kaiming_uniform_, because it is cheaper to draw than normal.
inline void fill_he_uniform(std::vector<float>& values, double fan_in, SplitMix64& rng) {
  const auto bound = static_cast<float>(std::sqrt(3.0 * 2.0 / fan_in));
  const float step = 2.0f * bound / 16777216.0f;  // 24 random bits per value
  for (float& v : values)
    v = static_cast<float>(static_cast<std::int32_t>(rng() >> 40)) * step - bound;
}

}  // namespace infsim::models
