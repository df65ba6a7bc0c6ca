#pragma once
// The .ifx byte codec (used by isa/ifx_format.cpp only): a little-endian Writer and a checking
// Reader, and put_value / get_value, which write and read any field type the Program's records
// hold (isa/program_records.h), so that each record's field list serves both directions.

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "isa/float_bits.h"
#include "isa/isa_error.h"
#include "isa/program_records.h"

namespace infsim::isa::ifx {

using isa::bits_float;
using isa::float_bits;

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f32(float v) { u32(float_bits(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void count(std::size_t n) { u32(static_cast<std::uint32_t>(n)); }
  void str(const std::string& s) {
    count(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  template <class E>
  void enumeration(E e) {
    u8(static_cast<std::uint8_t>(e));
  }
  void integer(std::uint64_t v, std::size_t n) { put(v, static_cast<int>(n)); }
  std::vector<std::uint8_t>& bytes() { return out_; }
  void patch_u64(std::size_t at, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  }

 private:
  void put(std::uint64_t v, int n) {
    std::size_t at = out_.size();
    out_.resize(at + static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) out_[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  std::vector<std::uint8_t> out_;
};

// Where in a section the reader is, kept as numbers and formatted only when an error occurs.
struct Context {
  const char* item = nullptr;  // "tensor", "layer", ...
  long index = -1;
  long core = -1;
  bool setup = false;
  long queue = -1;
  long instruction = -1;

  std::string describe() const {
    std::ostringstream os;
    if (core >= 0) {
      os << "core " << core;
      if (queue >= 0) os << (setup ? " setup" : "") << " queue " << queue;
      if (instruction >= 0) os << " instruction " << instruction;
    } else if (item != nullptr && index >= 0) {
      os << item << " " << index;
    }
    return os.str();
  }
};

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size, const std::string& source, const char* section)
      : data_(data), size_(size), source_(source), section_(section) {}

  Context ctx;

  [[noreturn]] void fail(const std::string& what) const {
    std::string where = ctx.describe();
    throw IsaError(source_ + ": section '" + section_ + "'" +
                   (where.empty() ? "" : " (" + where + ")") + ": " + what);
  }

  std::uint8_t u8() {
    need(1);
    return data_[pos_++];
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
  std::uint64_t u64() { return get(8); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  float f32() { return bits_float(u32()); }
  std::uint64_t integer(std::size_t n) { return get(static_cast<int>(n)); }
  bool boolean(const char* what) {
    std::uint8_t v = u8();
    if (v > 1) fail(std::string(what) + " is " + std::to_string(v) + ", expected 0 or 1");
    return v == 1;
  }
  // A u32 element count, checked against the bytes left.
  std::size_t count(std::size_t min_element_bytes, const char* what) {
    std::uint32_t n = u32();
    if (min_element_bytes > 0 && n > (size_ - pos_) / min_element_bytes) {
      fail(std::string(what) + " count " + std::to_string(n) + " needs at least " +
           std::to_string(static_cast<unsigned long long>(n) * min_element_bytes) +
           " bytes but only " + std::to_string(size_ - pos_) + " remain");
    }
    return n;
  }
  std::string str(const char* what) {
    std::size_t n = count(1, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  std::vector<std::uint8_t> blob(const char* what) {
    std::uint64_t n = u64();
    if (n > size_ - pos_) {
      fail(std::string(what) + " of " + std::to_string(n) + " bytes runs past the section end (" +
           std::to_string(size_ - pos_) + " bytes left)");
    }
    std::vector<std::uint8_t> v(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return v;
  }
  template <class E>
  E enumeration(int num_values, const char* what) {
    std::uint8_t v = u8();
    if (v >= num_values) {
      fail(std::string(what) + " " + std::to_string(v) + " is out of range (0.." +
           std::to_string(num_values - 1) + ")");
    }
    return static_cast<E>(v);
  }
  void finish() {
    ctx = Context{};
    if (pos_ != size_) {
      fail(std::to_string(size_ - pos_) + " unexpected bytes after its last field");
    }
  }

 private:
  void need(std::size_t n) {
    if (size_ - pos_ < n) {
      fail("truncated: needs " + std::to_string(n) + " more bytes at byte " + std::to_string(pos_) +
           " of " + std::to_string(size_));
    }
  }
  std::uint64_t get(int n) {
    need(static_cast<std::size_t>(n));
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t{data_[pos_ + i]} << (8 * i);
    pos_ += static_cast<std::size_t>(n);
    return v;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  const std::string& source_;
  std::string section_;
};

// --- one field, either direction ----------------------------------------------------------------

template <class T>
void put_value(Writer& w, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    w.str(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    w.boolean(v);
  } else if constexpr (std::is_enum_v<T>) {
    w.enumeration(v);
  } else if constexpr (std::is_same_v<T, float>) {
    w.f32(v);
  } else if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>) {  // a blob: u64 size
    w.u64(v.size());
    w.bytes().insert(w.bytes().end(), v.begin(), v.end());
  } else if constexpr (IsVector<T>::value) {
    w.count(v.size());
    for (const auto& e : v) put_value(w, e);
  } else {
    static_assert(std::is_integral_v<T>);
    w.integer(static_cast<std::uint64_t>(v), sizeof(T));
  }
}

template <class T>
void get_value(Reader& r, T& v, const char* label) {
  if constexpr (std::is_same_v<T, std::string>) {
    v = r.str(label);
  } else if constexpr (std::is_same_v<T, bool>) {
    v = r.boolean(label);
  } else if constexpr (std::is_enum_v<T>) {
    v = r.enumeration<T>(kEnumValues<T>, label);
  } else if constexpr (std::is_same_v<T, float>) {
    v = r.f32();
  } else if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>) {
    v = r.blob(label);
  } else if constexpr (IsVector<T>::value) {
    v.resize(r.count(sizeof(typename T::value_type), label));
    for (auto& e : v) get_value(r, e, label);
  } else {
    static_assert(std::is_integral_v<T>);
    v = static_cast<T>(r.integer(sizeof(T)));
  }
}

// The fewest bytes a field can take, so that a corrupt count cannot make the reader allocate
// more records than the bytes left could hold.
template <class T>
constexpr std::size_t min_bytes() {
  if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>) return 8;
  if constexpr (std::is_same_v<T, std::string> || IsVector<T>::value) return 4;
  if constexpr (std::is_enum_v<T> || std::is_same_v<T, bool>) return 1;
  return sizeof(T);
}

template <class R>
std::size_t min_record_bytes() {
  std::size_t n = 0;
  R r;
  for_each_field(
      r, [&](const FieldSpec&, const auto& v) { n += min_bytes<std::decay_t<decltype(v)>>(); });
  return n;
}

template <class R>
void put_record(Writer& w, const R& r) {
  for_each_field(r, [&](const FieldSpec&, const auto& v) { put_value(w, v); });
}

template <class R>
void get_record(Reader& rd, R& r) {
  for_each_field(r, [&](const FieldSpec& f, auto& v) { get_value(rd, v, f.label); });
}

}  // namespace infsim::isa::ifx
