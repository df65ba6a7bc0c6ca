#pragma once
// The GEMMs issue 12 lists for the SCALE-Sim cross-check (M x N x K), each also as a 1x1
// convolution over a feature map of M pixels; shared by the cross-check and the SBUF-size tests.

#include <cstdint>
#include <vector>

#include "compiler_test_graphs.h"
#include "models/graph.h"

namespace infsim::testing {

struct Gemm {
  std::int64_t m, n, k;
  std::int64_t h, w;  // the 1x1 convolution's output map, h * w = m
};

inline const std::vector<Gemm> kIssueGemms = {{128, 128, 128, 8, 16},     {256, 256, 256, 16, 16},
                                              {1024, 1024, 1024, 32, 32}, {512, 2048, 512, 16, 32},
                                              {512, 512, 2048, 16, 32},   {2048, 512, 512, 32, 64},
                                              {3136, 64, 64, 56, 56},     {784, 512, 128, 28, 28},
                                              {49, 2048, 512, 7, 7},      {1, 1000, 2048, 1, 1}};

inline models::Graph conv_1x1(const Gemm& g) {
  compiler::testing::GraphBuilder b("conv1x1");
  const int x = b.input("x", {1, g.k, g.h, g.w});
  return b.finish(b.conv("conv", x, g.n, 1, 1, 0));
}

// [M, K] x [K, N]: M tokens streamed through the array at batch 1.
inline models::Graph matmul(const Gemm& g) {
  compiler::testing::GraphBuilder b("gemm");
  const int x = b.input("x", {g.m, g.k});
  return b.finish(b.node("mm", "MatMul", {x, b.constant("w", {g.k, g.n}, 0.01f)}));
}

}  // namespace infsim::testing
