// ONNX initializers and Constant values as graph tensors (models/onnx_tensor.h).

#include "models/onnx_tensor.h"

#include <cmath>
#include <cstring>

#include "models/host_tensor.h"
#include "models/model_error.h"

namespace infsim::models::onnx_tensor {

using TensorProto = onnx::TensorProto;

bool is_int_dtype(DType d) {
  return d == DType::kInt64 || d == DType::kInt32 || d == DType::kInt8 || d == DType::kBool;
}

DType dtype_from_onnx(int t, const std::string& what) {
  switch (t) {
    case TensorProto::FLOAT:
      return DType::kFp32;
    case TensorProto::DOUBLE:
      return DType::kFp32;  // values are converted to fp32
    case TensorProto::FLOAT16:
      return DType::kFp16;
    case TensorProto::BFLOAT16:
      return DType::kBf16;
    case TensorProto::INT64:
      return DType::kInt64;
    case TensorProto::INT32:
      return DType::kInt32;
    case TensorProto::INT8:
    case TensorProto::UINT8:
      return DType::kInt8;
    case TensorProto::BOOL:
      return DType::kBool;
    default:
      throw ModelError(what + ": unsupported element type " + std::to_string(t));
  }
}

template <typename T>
std::vector<T> raw_values(const std::string& raw, std::size_t count, const std::string& what) {
  if (raw.size() != count * sizeof(T)) {
    throw ModelError(what + ": raw data holds " + std::to_string(raw.size()) + " bytes, expected " +
                     std::to_string(count * sizeof(T)));
  }
  std::vector<T> v(count);
  if (count) std::memcpy(v.data(), raw.data(), raw.size());
  return v;
}

// Bytes a constant of `shape` occupies here: fp32 for floating types, int64 for integers.
std::uint64_t held_bytes(const Shape& shape, DType dtype) {
  return static_cast<std::uint64_t>(num_elements(shape)) * (is_int_dtype(dtype) ? 8 : 4);
}

// num_elements() of a shape read from the file, with a message naming the tensor.
std::int64_t checked_elements(const Shape& shape, const std::string& what) {
  try {
    return num_elements(shape);
  } catch (const ModelError& e) {
    throw ModelError(what + ": " + e.what());
  }
}

// An initializer or Constant value as a graph tensor: floats in data, integers in int_data. Its
// size is claimed from `budget` before anything is allocated.
Tensor tensor_from_proto(const TensorProto& p, const std::string& name, const std::string& where,
                         SizeBudget& budget) {
  std::string what = where + ": tensor '" + name + "'";
  if (p.data_location() == TensorProto::EXTERNAL) {
    throw ModelError(what + " uses external data, which is not supported");
  }
  Tensor t;
  t.name = name;
  t.is_constant = true;
  for (auto d : p.dims()) t.shape.push_back(d);
  t.dtype = dtype_from_onnx(p.data_type(), what);
  auto count = static_cast<std::size_t>(checked_elements(t.shape, what));
  budget.claim(held_bytes(t.shape, t.dtype), where, name, t.shape);
  const bool raw = p.has_raw_data();
  auto check = [&](std::size_t n) {
    if (n != count) {
      throw ModelError(what + ": holds " + std::to_string(n) + " values, shape " +
                       shape_string(t.shape) + " needs " + std::to_string(count));
    }
  };
  switch (p.data_type()) {
    case TensorProto::FLOAT:
      if (raw) {
        t.data = raw_values<float>(p.raw_data(), count, what);
      } else {
        t.data.assign(p.float_data().begin(), p.float_data().end());
        check(t.data.size());
      }
      break;
    case TensorProto::DOUBLE: {
      std::vector<double> d =
          raw ? raw_values<double>(p.raw_data(), count, what)
              : std::vector<double>(p.double_data().begin(), p.double_data().end());
      check(d.size());
      t.data.assign(d.begin(), d.end());
      break;
    }
    case TensorProto::FLOAT16: {
      std::vector<std::uint16_t> h;
      if (raw) {
        h = raw_values<std::uint16_t>(p.raw_data(), count, what);
      } else {
        for (auto v : p.int32_data()) h.push_back(static_cast<std::uint16_t>(v));
      }
      check(h.size());
      for (auto v : h) t.data.push_back(fp16_to_float(v));
      break;
    }
    case TensorProto::INT64:
      if (raw) {
        t.int_data = raw_values<std::int64_t>(p.raw_data(), count, what);
      } else {
        t.int_data.assign(p.int64_data().begin(), p.int64_data().end());
        check(t.int_data.size());
      }
      break;
    case TensorProto::INT32: {
      std::vector<std::int32_t> v =
          raw ? raw_values<std::int32_t>(p.raw_data(), count, what)
              : std::vector<std::int32_t>(p.int32_data().begin(), p.int32_data().end());
      check(v.size());
      t.int_data.assign(v.begin(), v.end());
      break;
    }
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL: {
      if (raw) {
        const std::string& r = p.raw_data();
        if (r.size() != count) throw ModelError(what + ": raw data size mismatch");
        for (char c : r) {
          t.int_data.push_back(p.data_type() == TensorProto::INT8
                                   ? static_cast<std::int64_t>(static_cast<std::int8_t>(c))
                                   : static_cast<std::int64_t>(static_cast<unsigned char>(c)));
        }
      } else {
        t.int_data.assign(p.int32_data().begin(), p.int32_data().end());
        check(t.int_data.size());
      }
      break;
    }
    default:
      throw ModelError(what + ": values of element type " + std::to_string(p.data_type()) +
                       " are not supported");
  }
  if (t.dtype == DType::kBf16) throw ModelError(what + ": bfloat16 initializers are not supported");
  return t;
}

}  // namespace infsim::models::onnx_tensor
