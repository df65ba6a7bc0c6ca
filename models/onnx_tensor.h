#pragma once
// ONNX TensorProto -> graph Tensor, for the importer (models/onnx_import.cpp): element types,
// raw and typed value fields, sizes checked and claimed from the model's size budget.

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

#include "models/graph.h"
#include "models/size_budget.h"

namespace infsim::models::onnx_tensor {

bool is_int_dtype(DType d);
// The IR's dtype of an ONNX element type; ModelError naming `what` for one it does not know.
DType dtype_from_onnx(int t, const std::string& what);
// Bytes a constant of `shape` occupies here: fp32 for floating types, int64 for integers.
std::uint64_t held_bytes(const Shape& shape, DType dtype);
// num_elements() of a shape read from the file, with a message naming the tensor.
std::int64_t checked_elements(const Shape& shape, const std::string& what);
// An initializer or Constant value as a graph tensor: floats in data, integers in int_data. Its
// size is claimed from `budget` before anything is allocated.
Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& name,
                         const std::string& where, SizeBudget& budget);

}  // namespace infsim::models::onnx_tensor
