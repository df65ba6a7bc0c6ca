#pragma once
// The Program's records (isa/program.h) described once: each record's fields in order, with
// the key the text form writes and the label the binary reader names in its errors. The .ifx
// writer and reader (isa/ifx_format.cpp) and the text form (isa/text_format.cpp) walk these
// lists, so a field added to a record is added here, once, and both formats carry it. The
// binary form writes the fields in this order; the text form writes them on the record's
// directive line in this order.
//
// Instructions have their own description in isa/instruction.h (the opcode table and
// kOperandSlots); the text form's per-instruction shorthand (defaults left out, window=3x3,
// bare flag words) is its own.

#include <cstdint>
#include <type_traits>

#include "isa/program.h"

namespace infsim::isa {

// How the text form writes a field.
enum class FieldText : std::uint8_t {
  kKey,   // key=value on the record's line (strings quoted, numbers decimal)
  kHex,   // key=0x... on the record's line
  kName,  // a quoted string right after the directive: .layer "conv1" ...
  kData,  // not on the line: `.data` lines after it (the binary form stores it in place)
};

struct FieldSpec {
  const char* key;    // the text form's key
  const char* label;  // what the binary reader calls the field in its errors
  FieldText text;
};

// X(member, text key, binary label, FieldText)
#define INFSIM_COMPILE_OPTIONS_FIELDS(X)                      \
  X(model, "model", "model name", kKey)                       \
  X(batch, "batch", "batch", kKey)                            \
  X(dtype, "dtype", "dtype", kKey)                            \
  X(pipeline_cores, "pipeline_cores", "pipeline_cores", kKey) \
  X(cpu_fallback, "cpu_fallback", "cpu_fallback", kKey)

#define INFSIM_TENSOR_DECL_FIELDS(X)                 \
  X(name, "name", "name", kName)                     \
  X(kind, "kind", "tensor kind", kKey)               \
  X(dtype, "dtype", "dtype", kKey)                   \
  X(shape, "shape", "shape dim", kKey)               \
  X(dim_order, "dim_order", "dim order entry", kKey) \
  X(core, "core", "core", kKey)                      \
  X(dram_offset, "offset", "offset", kHex)           \
  X(bytes, "bytes", "bytes", kKey)                   \
  X(data, "data", "initial data", kData)

#define INFSIM_LAYER_INFO_FIELDS(X)               \
  X(name, "name", "name", kName)                  \
  X(op, "op", "op", kKey)                         \
  X(macs, "macs", "macs", kKey)                   \
  X(flops, "flops", "flops", kKey)                \
  X(core, "core", "core", kKey)                   \
  X(sbuf_bytes, "sbuf_bytes", "sbuf_bytes", kKey) \
  X(psum_bytes, "psum_bytes", "psum_bytes", kKey)

#define INFSIM_HOST_OP_FIELDS(X)   \
  X(name, "name", "name", kName)   \
  X(op, "op", "op", kKey)          \
  X(flops, "flops", "flops", kKey) \
  X(bytes, "bytes", "bytes", kKey) \
  X(before_device, "before_device", "before_device", kKey)

#define INFSIM_CORE_MEMORY_PLAN_FIELDS(X)                                    \
  X(sbuf_peak, "sbuf_peak", "sbuf_peak", kKey)                               \
  X(sbuf_static_weights, "sbuf_static_weights", "sbuf_static_weights", kKey) \
  X(weights_streamed, "weights_streamed", "weights_streamed", kKey)          \
  X(psum_peak, "psum_peak", "psum_peak", kKey)                               \
  X(dram_bytes, "dram_bytes", "dram_bytes", kKey)

#define INFSIM_OPERATOR_COUNT_FIELDS(X)        \
  X(op, "op", "op", kName)                     \
  X(count, "count", "count", kKey)             \
  X(supported, "supported", "supported", kKey) \
  X(arithmetic, "arithmetic", "arithmetic", kKey)

// Record<R>: R's fields (visit) and how the formats name a list of R:
//   kDirective  the text form's line directive
//   kSection    the .ifx section id that holds the list (0: not a list, the options)
//   kItem       the reader's context word for one element ("tensor 3"), or nullptr
//   kCount      the reader's word for the list's count
template <class R>
struct Record;

#define INFSIM_RECORD_VISIT(member, key, label, text) \
  v(FieldSpec{key, label, FieldText::text}, r.member);
#define INFSIM_RECORD(Type, FIELDS, directive, section, item, count) \
  template <>                                                        \
  struct Record<Type> {                                              \
    static constexpr const char* kDirective = directive;             \
    static constexpr std::uint32_t kSection = section;               \
    static constexpr const char* kItem = item;                       \
    static constexpr const char* kCount = count;                     \
    template <class R, class V>                                      \
    static void visit(R& r, V&& v) {                                 \
      static_assert(std::is_same_v<std::remove_const_t<R>, Type>);   \
      FIELDS(INFSIM_RECORD_VISIT)                                    \
    }                                                                \
  };

INFSIM_RECORD(CompileOptions, INFSIM_COMPILE_OPTIONS_FIELDS, ".options", 1, nullptr, nullptr)
INFSIM_RECORD(TensorDecl, INFSIM_TENSOR_DECL_FIELDS, ".tensor", 3, "tensor", "tensor")
INFSIM_RECORD(LayerInfo, INFSIM_LAYER_INFO_FIELDS, ".layer", 4, "layer", "layer")
INFSIM_RECORD(HostOp, INFSIM_HOST_OP_FIELDS, ".host_op", 5, "host op", "host op")
INFSIM_RECORD(CoreMemoryPlan, INFSIM_CORE_MEMORY_PLAN_FIELDS, ".memory", 6, nullptr, "memory plan")
INFSIM_RECORD(OperatorCount, INFSIM_OPERATOR_COUNT_FIELDS, ".operator", 7, "operator", "operator")
#undef INFSIM_RECORD
#undef INFSIM_RECORD_VISIT

// Calls v(spec, field) for each field of a record, in order (const or not).
template <class R, class V>
void for_each_field(R& record, V&& v) {
  Record<std::remove_const_t<R>>::visit(record, v);
}

// Calls v(Record<R>{}, list) for each list of records of a Program, in the order the text form
// writes them (after .options, before the cores).
template <class P, class V>
void for_each_record_list(P& p, V&& v) {
  static_assert(std::is_same_v<std::remove_const_t<P>, Program>);
  v(Record<TensorDecl>{}, p.tensors);
  v(Record<LayerInfo>{}, p.layers);
  v(Record<HostOp>{}, p.host_ops);
  v(Record<CoreMemoryPlan>{}, p.memory);
  v(Record<OperatorCount>{}, p.support.operators);
}

// Values of the enums that records hold, for range checks when reading them.
template <class E>
inline constexpr int kEnumValues = 0;
template <>
inline constexpr int kEnumValues<DType> = kNumDTypes;
template <>
inline constexpr int kEnumValues<TensorKind> = kNumTensorKinds;
template <>
inline constexpr int kEnumValues<Opcode> = kNumOpcodes;
template <>
inline constexpr int kEnumValues<MemSpace> = kNumMemSpaces;
template <>
inline constexpr int kEnumValues<EngineKind> = kNumEngineKinds;

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

}  // namespace infsim::isa
