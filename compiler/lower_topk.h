#pragma once
// TopK on the engines (lower_topk.cpp): the scratch a kTopK layer needs.

#include <cstdint>

namespace infsim::compiler {

// Elements per image of a kTopK layer's scratch value, for `features` inputs and `k` results.
std::uint64_t topk_scratch_elements(int features, int k);

}  // namespace infsim::compiler
