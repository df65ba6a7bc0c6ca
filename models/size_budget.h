#pragma once
// The model size budget: how many bytes of tensor data one model may claim while it is imported,
// folded, compiled or executed. Sizes are checked against it before anything is allocated, so a
// small file that describes huge tensors fails at once, naming the tensor and the size, instead
// of after gigabytes.
//
// Default 2 GiB: above the largest model of the zoo (BERT-large, 302M parameters, 1.21 GB in
// fp32, which 1 GiB refused); override with the environment variable INFSIM_MODEL_BUDGET (bytes,
// or with a KiB/MiB/GiB/TiB suffix), which also reaches the child processes of sweeps.

#include <cstdint>
#include <string>

#include "models/graph.h"

namespace infsim::models {

inline constexpr std::uint64_t kDefaultModelBudget = std::uint64_t{2} << 30;
inline constexpr const char* kModelBudgetVariable = "INFSIM_MODEL_BUDGET";

// INFSIM_MODEL_BUDGET when set (a ModelError if it does not parse), else kDefaultModelBudget.
std::uint64_t model_budget();

// Bytes of a tensor of `shape` and `dtype`, in checked arithmetic.
std::uint64_t tensor_bytes(const Shape& shape, DType dtype);

// Running total of the bytes one model claims. claim() throws ModelError before the caller
// allocates when `bytes` would take the total past the budget:
//   "<where>: tensor 'w' [1000000, 1000000] needs 3.64 TiB over the model size budget of 2 GiB
//    (INFSIM_MODEL_BUDGET)".
class SizeBudget {
 public:
  explicit SizeBudget(std::uint64_t limit = model_budget()) : limit_(limit) {}
  void claim(std::uint64_t bytes, const std::string& where, const std::string& tensor,
             const Shape& shape);
  // The same test for one tensor alone, without claiming (activations that are not held).
  void check(std::uint64_t bytes, const std::string& where, const std::string& tensor,
             const Shape& shape) const;
  std::uint64_t used() const { return used_; }
  std::uint64_t limit() const { return limit_; }

 private:
  std::uint64_t limit_;
  std::uint64_t used_ = 0;
};

// "2 GiB", "3.6 TiB", "512 B": for the messages above.
std::string bytes_text(std::uint64_t bytes);

}  // namespace infsim::models
