#pragma once
// Output for the text form (isa/text_format.cpp): numbers, quoted strings, hex and floats
// that read back to the same bits.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "isa/float_bits.h"

namespace infsim::isa::text {

// Initial data: this many bytes per `.data` line.
inline constexpr std::size_t kDataBytesPerLine = 64;

class Printer {
 public:
  std::string& out() { return out_; }

  Printer& operator<<(std::string_view s) {
    out_.append(s.data(), s.size());
    return *this;
  }
  Printer& operator<<(const char* s) {
    out_ += s;
    return *this;
  }
  Printer& operator<<(char c) {
    out_ += c;
    return *this;
  }
  Printer& operator<<(std::uint64_t v) {
    return format("%llu", static_cast<unsigned long long>(v));
  }
  Printer& operator<<(std::int64_t v) { return format("%lld", static_cast<long long>(v)); }
  Printer& operator<<(std::uint32_t v) { return *this << std::uint64_t{v}; }
  Printer& operator<<(std::int32_t v) { return *this << std::int64_t{v}; }
  Printer& operator<<(std::uint16_t v) { return *this << std::uint64_t{v}; }
  Printer& operator<<(std::uint8_t v) { return *this << std::uint64_t{v}; }

  Printer& hex(std::uint64_t v) { return format("0x%llx", static_cast<unsigned long long>(v)); }
  Printer& boolean(bool v) { return *this << (v ? "true" : "false"); }
  // Nine significant digits make every finite float and infinity round-trip; NaNs keep their
  // payload by being written as bits.
  Printer& real(float f) {
    if (std::isnan(f)) return format("nan:0x%08x", float_bits(f));
    return format("%.9g", static_cast<double>(f));
  }
  Printer& quoted(const std::string& s) {
    out_ += '"';
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += static_cast<char>(c);
      } else if (c < 0x20 || c >= 0x7f) {
        format("\\x%02x", c);
      } else {
        out_ += static_cast<char>(c);
      }
    }
    out_ += '"';
    return *this;
  }

 private:
  template <class... A>
  Printer& format(const char* fmt, A... args) {
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, fmt, args...);
    out_.append(buf, static_cast<std::size_t>(n));
    return *this;
  }
  std::string out_;
};

template <class T>
void print_list(Printer& p, const std::vector<T>& v) {
  p << '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) p << ',';
    p << static_cast<std::int64_t>(v[i]);
  }
  p << ']';
}

inline void print_data(Printer& p, const std::vector<std::uint8_t>& data) {
  static const char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < data.size(); i += kDataBytesPerLine) {
    p << ".data ";
    std::size_t end = std::min(data.size(), i + kDataBytesPerLine);
    for (std::size_t j = i; j < end; ++j) {
      p << kHex[data[j] >> 4] << kHex[data[j] & 15];
    }
    p << '\n';
  }
}

}  // namespace infsim::isa::text
