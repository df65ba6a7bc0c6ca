#pragma once
// Input for the text form (isa/text_format.cpp): a line's tokens, numbers checked against their
// type's range, key=value fields that must all be used, and a cursor over one operand spec.
// Every error is an IsaError "source:line: what (at 'token')".

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "isa/float_bits.h"
#include "isa/isa_error.h"

namespace infsim::isa::text {

struct Token {
  std::string text;  // with quotes and escapes resolved inside quoted parts
  std::string raw;   // as written, for messages
};

class LineParser {
 public:
  LineParser(const std::string& source, int line) : source_(source), line_(line) {}

  [[noreturn]] void fail(const std::string& what, const std::string& token = "") const {
    throw IsaError(source_ + ":" + std::to_string(line_) + ": " + what +
                   (token.empty() ? "" : " (at '" + token + "')"));
  }

  std::vector<Token> tokenize(std::string_view line) const {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
      if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
        ++i;
        continue;
      }
      if (line[i] == ';') break;
      Token t;
      std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
             line[i] != ';') {
        if (line[i] == '"') {
          ++i;
          while (true) {
            if (i >= line.size()) {
              fail("unterminated string", std::string(line.substr(start)));
            }
            char c = line[i++];
            if (c == '"') break;
            if (c != '\\') {
              t.text += c;
              continue;
            }
            if (i >= line.size()) fail("unterminated string", std::string(line.substr(start)));
            char e = line[i++];
            if (e == '"' || e == '\\') {
              t.text += e;
            } else if (e == 'x' && i + 2 <= line.size() &&
                       std::isxdigit(static_cast<unsigned char>(line[i])) &&
                       std::isxdigit(static_cast<unsigned char>(line[i + 1]))) {
              t.text += static_cast<char>(std::stoi(std::string(line.substr(i, 2)), nullptr, 16));
              i += 2;
            } else {
              fail("bad escape in string", std::string(line.substr(start, i - start)));
            }
          }
        } else {
          t.text += line[i++];
        }
      }
      t.raw = std::string(line.substr(start, i - start));
      tokens.push_back(std::move(t));
    }
    return tokens;
  }

  // Integers: decimal or 0x hex (never octal: a leading 0 means nothing), optionally negative,
  // range-checked.
  template <class T>
  T integer(const std::string& s, const std::string& token) const {
    if (s.empty()) fail("expected a number", token);
    std::size_t digits = s[0] == '-' ? 1 : 0;
    int base = s.compare(digits, 2, "0x") == 0 || s.compare(digits, 2, "0X") == 0 ? 16 : 10;
    errno = 0;
    char* end = nullptr;
    if (s[0] == '-') {
      long long v = std::strtoll(s.c_str(), &end, base);
      if (errno != 0 || *end != '\0' || !std::numeric_limits<T>::is_signed ||
          v < static_cast<long long>(std::numeric_limits<T>::min())) {
        fail("bad or out-of-range number '" + s + "'", token);
      }
      return static_cast<T>(v);
    }
    if (!std::isdigit(static_cast<unsigned char>(s[0]))) {
      fail("expected a number, got '" + s + "'", token);
    }
    unsigned long long v = std::strtoull(s.c_str(), &end, base);
    if (errno != 0 || *end != '\0' ||
        v > static_cast<unsigned long long>(std::numeric_limits<T>::max())) {
      fail("bad or out-of-range number '" + s + "'", token);
    }
    return static_cast<T>(v);
  }

  float real(const std::string& s, const std::string& token) const {
    if (s.rfind("nan:", 0) == 0) {
      float f = bits_float(integer<std::uint32_t>(s.substr(4), token));
      if (!std::isnan(f)) fail("'" + s + "' is not a NaN bit pattern", token);
      return f;
    }
    errno = 0;
    char* end = nullptr;
    float f = std::strtof(s.c_str(), &end);
    if (s.empty() || *end != '\0' || std::isnan(f)) fail("bad number '" + s + "'", token);
    return f;
  }

  bool boolean(const std::string& s, const std::string& token) const {
    if (s == "true") return true;
    if (s == "false") return false;
    fail("expected true or false, got '" + s + "'", token);
  }

 private:
  const std::string& source_;
  int line_;
};

// key=value fields of one line; every key must be consumed.
class Fields {
 public:
  Fields(const LineParser& lp, const std::vector<Token>& tokens, std::size_t first) : lp_(lp) {
    for (std::size_t i = first; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      std::size_t eq = t.raw.find('=');
      if (eq == std::string::npos || eq == 0 || t.raw.find('"') < eq) {
        lp.fail("expected key=value", t.raw);
      }
      std::string key = t.raw.substr(0, eq);
      // The value is the resolved text after the first '=' (keys are never quoted).
      std::string value = t.text.substr(eq + 1);
      if (!fields_.emplace(key, Entry{value, t.raw, false}).second) {
        lp.fail("duplicate field '" + key + "'", t.raw);
      }
    }
  }
  bool has(const std::string& key) const { return fields_.count(key) != 0; }
  const std::string& get(const std::string& key, std::string* raw = nullptr) {
    auto it = fields_.find(key);
    if (it == fields_.end()) lp_.fail("missing field '" + key + "'");
    it->second.used = true;
    if (raw) *raw = it->second.raw;
    return it->second.value;
  }
  template <class T>
  T integer(const std::string& key) {
    std::string raw;
    const std::string& v = get(key, &raw);
    return lp_.integer<T>(v, raw);
  }
  bool boolean(const std::string& key) {
    std::string raw;
    const std::string& v = get(key, &raw);
    return lp_.boolean(v, raw);
  }
  template <class T>
  std::vector<T> list(const std::string& key) {
    std::string raw;
    const std::string& v = get(key, &raw);
    if (v.size() < 2 || v.front() != '[' || v.back() != ']') lp_.fail("expected [a,b,...]", raw);
    std::vector<T> out;
    std::string body = v.substr(1, v.size() - 2);
    std::size_t pos = 0;
    while (!body.empty() && pos <= body.size()) {
      std::size_t comma = body.find(',', pos);
      if (comma == std::string::npos) comma = body.size();
      out.push_back(lp_.integer<T>(body.substr(pos, comma - pos), raw));
      pos = comma + 1;
    }
    return out;
  }
  void done() const {
    for (const auto& [key, e] : fields_) {
      if (!e.used) lp_.fail("unknown field '" + key + "'", e.raw);
    }
  }

 private:
  struct Entry {
    std::string value;
    std::string raw;
    bool used;
  };
  const LineParser& lp_;
  std::map<std::string, Entry> fields_;
};

// A cursor over one operand or semaphore spec.
class Scanner {
 public:
  Scanner(const LineParser& lp, const std::string& s, const std::string& token)
      : lp_(lp), s_(s), token_(token) {}
  bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool accept(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  bool accept(const char* lit) {
    std::size_t n = std::strlen(lit);
    if (s_.compare(pos_, n, lit) != 0) return false;
    pos_ += n;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }
  // The run of characters up to (not including) any of `stops`.
  std::string until(const char* stops) {
    std::size_t start = pos_;
    while (pos_ < s_.size() && std::strchr(stops, s_[pos_]) == nullptr) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  template <class T>
  T integer(const char* stops) {
    return lp_.integer<T>(until(stops), token_);
  }
  void end() {
    if (pos_ != s_.size()) fail("unexpected '" + s_.substr(pos_) + "'");
  }
  [[noreturn]] void fail(const std::string& what) const { lp_.fail(what, token_); }

 private:
  const LineParser& lp_;
  const std::string& s_;
  const std::string& token_;
  std::size_t pos_ = 0;
};

}  // namespace infsim::isa::text
