#include "isa/text_format.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <vector>

#include "isa/instruction_text.h"
#include "isa/isa_error.h"

namespace infsim::isa {
namespace {

constexpr std::size_t kDataBytesPerLine = 64;

struct FlagName {
  std::uint8_t bit;
  const char* text;
};
constexpr FlagName kFlagNames[] = {{kAccumulate, "accumulate"},
                                   {kRelu, "relu"},
                                   {kPerPartition, "per_partition"},
                                   {kCountIncludePad, "count_include_pad"}};

// What an opcode's `func` (and TensorScalar's `func2`) name.
enum class FuncKind { kNone, kActivation, kAlu, kPool };

FuncKind func_kind(Opcode op) {
  switch (op) {
    case Opcode::kActivate:
      return FuncKind::kActivation;
    case Opcode::kTensorTensor:
    case Opcode::kTensorScalar:
    case Opcode::kReduce:
      return FuncKind::kAlu;
    case Opcode::kPool:
      return FuncKind::kPool;
    default:
      return FuncKind::kNone;
  }
}

std::string func_text(FuncKind kind, std::uint8_t v) {
  if (kind == FuncKind::kActivation && v < kNumActivationFuncs) {
    return std::string(activation_text(static_cast<ActivationFunc>(v)));
  }
  if (kind == FuncKind::kAlu && v < kNumAluOps) return std::string(alu_text(static_cast<AluOp>(v)));
  if (kind == FuncKind::kPool && v < kNumPoolFuncs) {
    return std::string(pool_text(static_cast<PoolFunc>(v)));
  }
  return std::to_string(v);
}

std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// --- printing ---------------------------------------------------------------------------------

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
    if (std::isnan(f)) return format("nan:0x%08x", bits_of(f));
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

void print_pattern(Printer& p, const char* key, const AccessPattern& ap) {
  if (!ap.valid()) return;
  p << ' ' << key << '=' << dtype_text(ap.dtype) << ':' << mem_space_text(ap.space);
  if (ap.core != 0) p << "@c" << ap.core;
  p << '[' << ap.partition << ':' << std::uint64_t{ap.partition} + ap.partitions;
  if (ap.partition_stride != 0 || ap.space == MemSpace::kDram) p << '*' << ap.partition_stride;
  p << "]+";
  p.hex(ap.offset);
  p << '{';
  std::size_t first = 0;
  while (first < 2 && ap.dims[first].count == 1 && ap.dims[first].stride == 0) ++first;
  for (std::size_t i = first; i < 3; ++i) {
    if (i != first) p << ',';
    p << ap.dims[i].count << ':' << ap.dims[i].stride;
  }
  p << '}';
}

void print_real(Printer& p, const char* key, float v, float def) {
  if (bits_of(v) == bits_of(def)) return;
  p << ' ' << key << '=';
  p.real(v);
}

void print_instruction(Printer& p, const Instruction& ins) {
  const Instruction def;
  FuncKind kind = func_kind(ins.opcode);
  p << "  " << opcode_info(ins.opcode).text;
  if (kind != FuncKind::kNone || ins.func != def.func) {
    p << " func=" << func_text(kind, ins.func);
  }
  if (ins.opcode == Opcode::kTensorScalar || ins.func2 != def.func2) {
    p << " func2="
      << func_text(ins.opcode == Opcode::kTensorScalar ? FuncKind::kAlu : FuncKind::kNone,
                   ins.func2);
  }
  std::uint8_t rest = ins.flags;
  for (const FlagName& f : kFlagNames) {
    if (ins.flags & f.bit) {
      p << ' ' << f.text;
      rest = static_cast<std::uint8_t>(rest & ~f.bit);
    }
  }
  if (rest != 0) {
    p << " flags=";
    p.hex(rest);
  }
  print_pattern(p, "dst", ins.dst);
  print_pattern(p, "src0", ins.src0);
  print_pattern(p, "src1", ins.src1);
  print_real(p, "scale", ins.scale, def.scale);
  print_real(p, "bias", ins.bias, def.bias);
  print_real(p, "alpha", ins.alpha, def.alpha);
  print_real(p, "beta", ins.beta, def.beta);
  if (ins.window_h != def.window_h || ins.window_w != def.window_w) {
    p << " window=" << ins.window_h << 'x' << ins.window_w;
  }
  if (ins.stride_h != def.stride_h || ins.stride_w != def.stride_w) {
    p << " stride=" << ins.stride_h << 'x' << ins.stride_w;
  }
  if (ins.pad_top != def.pad_top || ins.pad_left != def.pad_left) {
    p << " pad=" << ins.pad_top << ',' << ins.pad_left;
  }
  auto is_default_wait = [](const SemaphoreWait& w) {
    return w.semaphore == kNoSemaphore && w.value == 0;
  };
  for (int i = 0; i < 2; ++i) {
    const SemaphoreWait& w = ins.waits[i];
    if (is_default_wait(w)) continue;
    // A lone second wait names its slot; otherwise `wait=` fills the slots in order.
    p << ((i == 1 && is_default_wait(ins.waits[0])) ? " wait1=s" : " wait=s") << w.semaphore
      << ">=" << w.value;
  }
  const SemaphoreSignal& s = ins.signal;
  if (s.semaphore != def.signal.semaphore || s.core != def.signal.core ||
      s.increment != def.signal.increment) {
    p << " signal=";
    if (s.core != kThisCore) p << 'c' << s.core << '.';
    p << 's' << s.semaphore << '+' << s.increment;
  }
  if (ins.layer != def.layer) p << " layer=" << ins.layer;
  p << '\n';
}

void print_queues(Printer& p, const char* section, const std::vector<Queue>& queues) {
  p << section << '\n';
  for (std::size_t qi = 0; qi < queues.size(); ++qi) {
    const Queue& q = queues[qi];
    p << ".queue engine=" << engine_text(q.engine);
    if (q.engine == EngineKind::kDma || q.dma_engine != 0 || q.dma_queue != 0) {
      p << " dma_engine=" << q.dma_engine << " dma_queue=" << q.dma_queue;
    }
    p << "  ; queue " << std::uint64_t{qi} << ", " << std::uint64_t{q.instructions.size()}
      << " instructions\n";
    for (const Instruction& ins : q.instructions) print_instruction(p, ins);
  }
}

template <class T>
void print_list(Printer& p, const std::vector<T>& v) {
  p << '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) p << ',';
    p << static_cast<std::int64_t>(v[i]);
  }
  p << ']';
}

void print_data(Printer& p, const std::vector<std::uint8_t>& data) {
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

// --- parsing ----------------------------------------------------------------------------------

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
      auto bits = integer<std::uint32_t>(s.substr(4), token);
      float f;
      std::memcpy(&f, &bits, sizeof f);
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
  DType dtype(const std::string& key) {
    std::string raw;
    auto t = dtype_from_text(get(key, &raw));
    if (!t) lp_.fail("unknown dtype", raw);
    return *t;
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

AccessPattern parse_pattern(const LineParser& lp, const std::string& s, const std::string& token) {
  Scanner sc(lp, s, token);
  AccessPattern ap;
  auto dtype = dtype_from_text(sc.until(":"));
  if (!dtype) sc.fail("unknown dtype in operand");
  ap.dtype = *dtype;
  sc.expect(':');
  auto space = mem_space_from_text(sc.until("@["));
  if (!space || *space == MemSpace::kNone) sc.fail("unknown memory space in operand");
  ap.space = *space;
  if (sc.accept("@c")) ap.core = sc.integer<std::uint16_t>("[");
  sc.expect('[');
  ap.partition = sc.integer<std::uint16_t>(":");
  sc.expect(':');
  auto end = sc.integer<std::uint32_t>("*]");
  if (end < ap.partition || end - ap.partition > std::numeric_limits<std::uint16_t>::max()) {
    sc.fail("partition range end is before its start or spans more than 65535");
  }
  ap.partitions = static_cast<std::uint16_t>(end - ap.partition);
  if (sc.accept('*')) ap.partition_stride = sc.integer<std::int64_t>("]");
  sc.expect(']');
  sc.expect('+');
  ap.offset = sc.integer<std::uint64_t>("{");
  sc.expect('{');
  std::vector<Axis> axes;
  while (!sc.accept('}')) {
    if (!axes.empty()) sc.expect(',');
    Axis a;
    a.count = sc.integer<std::uint32_t>(":,}");
    sc.expect(':');
    a.stride = sc.integer<std::int32_t>(",}");
    axes.push_back(a);
    if (axes.size() > 3) sc.fail("more than three free dims");
  }
  sc.end();
  for (std::size_t i = 0; i < axes.size(); ++i) ap.dims[3 - axes.size() + i] = axes[i];
  return ap;
}

std::uint8_t parse_func(const LineParser& lp, FuncKind kind, const std::string& v,
                        const std::string& token) {
  if (!v.empty() && std::isdigit(static_cast<unsigned char>(v[0]))) {
    return lp.integer<std::uint8_t>(v, token);
  }
  switch (kind) {
    case FuncKind::kActivation:
      if (auto f = activation_from_text(v)) return static_cast<std::uint8_t>(*f);
      break;
    case FuncKind::kAlu:
      if (auto f = alu_from_text(v)) return static_cast<std::uint8_t>(*f);
      break;
    case FuncKind::kPool:
      if (auto f = pool_from_text(v)) return static_cast<std::uint8_t>(*f);
      break;
    case FuncKind::kNone:
      break;
  }
  lp.fail("unknown function '" + v + "' for this opcode", token);
}

SemaphoreWait parse_wait(const LineParser& lp, const std::string& v, const std::string& token) {
  Scanner sc(lp, v, token);
  SemaphoreWait w;
  sc.expect('s');
  w.semaphore = sc.integer<std::uint8_t>(">");
  if (!sc.accept(">=")) sc.fail("expected sN>=VALUE");
  w.value = sc.integer<std::uint32_t>("");
  sc.end();
  return w;
}

SemaphoreSignal parse_signal(const LineParser& lp, const std::string& v, const std::string& token) {
  Scanner sc(lp, v, token);
  SemaphoreSignal s;
  if (sc.accept('c')) {
    s.core = sc.integer<std::uint16_t>(".");
    sc.expect('.');
  }
  sc.expect('s');
  s.semaphore = sc.integer<std::uint8_t>("+");
  sc.expect('+');
  s.increment = sc.integer<std::uint32_t>("");
  sc.end();
  return s;
}

void parse_pair(const LineParser& lp, const std::string& v, const std::string& token, char sep,
                std::uint8_t& a, std::uint8_t& b) {
  std::size_t at = v.find(sep);
  if (at == std::string::npos) lp.fail(std::string("expected A") + sep + "B", token);
  a = lp.integer<std::uint8_t>(v.substr(0, at), token);
  b = lp.integer<std::uint8_t>(v.substr(at + 1), token);
}

// The quoted name that follows a directive: .tensor "x" kind=...
const std::string& quoted_name(const LineParser& lp, const std::vector<Token>& tokens) {
  if (tokens.size() < 2 || tokens[1].raw.empty() || tokens[1].raw[0] != '"')
    lp.fail(tokens[0].raw + " needs a quoted name", tokens[0].raw);
  return tokens[1].text;
}

Instruction parse_instruction(const LineParser& lp, const std::vector<Token>& tokens) {
  Instruction ins;
  auto op = opcode_from_text(tokens[0].text);
  if (!op) lp.fail("unknown opcode or directive", tokens[0].raw);
  ins.opcode = *op;
  FuncKind kind = func_kind(ins.opcode);
  bool seen[32] = {};
  int next_wait = 0;
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    std::size_t eq = t.raw.find('=');
    if (eq == std::string::npos) {
      bool found = false;
      for (const FlagName& f : kFlagNames) {
        if (t.raw == f.text) {
          if (ins.flags & f.bit) lp.fail("duplicate flag", t.raw);
          ins.flags |= f.bit;
          found = true;
        }
      }
      if (!found) lp.fail("unknown flag", t.raw);
      continue;
    }
    std::string key = t.raw.substr(0, eq);
    std::string v = t.raw.substr(eq + 1);
    static const char* kKeys[] = {"func",  "func2", "flags", "dst",   "src0",   "src1",
                                  "scale", "bias",  "alpha", "beta",  "window", "stride",
                                  "pad",   "wait",  "wait0", "wait1", "signal", "layer"};
    int k = -1;
    for (int j = 0; j < static_cast<int>(std::size(kKeys)); ++j) {
      if (key == kKeys[j]) k = j;
    }
    if (k < 0) lp.fail("unknown field '" + key + "'", t.raw);
    if (key != "wait" && seen[k]) lp.fail("duplicate field '" + key + "'", t.raw);
    seen[k] = true;
    if (key == "func") {
      ins.func = parse_func(lp, kind, v, t.raw);
    } else if (key == "func2") {
      ins.func2 = parse_func(
          lp, ins.opcode == Opcode::kTensorScalar ? FuncKind::kAlu : FuncKind::kNone, v, t.raw);
    } else if (key == "flags") {
      ins.flags |= lp.integer<std::uint8_t>(v, t.raw);
    } else if (key == "dst") {
      ins.dst = parse_pattern(lp, v, t.raw);
    } else if (key == "src0") {
      ins.src0 = parse_pattern(lp, v, t.raw);
    } else if (key == "src1") {
      ins.src1 = parse_pattern(lp, v, t.raw);
    } else if (key == "scale") {
      ins.scale = lp.real(v, t.raw);
    } else if (key == "bias") {
      ins.bias = lp.real(v, t.raw);
    } else if (key == "alpha") {
      ins.alpha = lp.real(v, t.raw);
    } else if (key == "beta") {
      ins.beta = lp.real(v, t.raw);
    } else if (key == "window") {
      parse_pair(lp, v, t.raw, 'x', ins.window_h, ins.window_w);
    } else if (key == "stride") {
      parse_pair(lp, v, t.raw, 'x', ins.stride_h, ins.stride_w);
    } else if (key == "pad") {
      parse_pair(lp, v, t.raw, ',', ins.pad_top, ins.pad_left);
    } else if (key == "wait" || key == "wait0" || key == "wait1") {
      int slot = key == "wait" ? next_wait : key[4] - '0';
      if (slot > 1) lp.fail("more than two waits", t.raw);
      if (ins.waits[slot].semaphore != kNoSemaphore || ins.waits[slot].value != 0) {
        lp.fail("wait slot " + std::to_string(slot) + " given twice", t.raw);
      }
      ins.waits[slot] = parse_wait(lp, v, t.raw);
      next_wait = slot + 1;
    } else if (key == "signal") {
      ins.signal = parse_signal(lp, v, t.raw);
    } else if (key == "layer") {
      ins.layer = lp.integer<std::uint32_t>(v, t.raw);
    }
  }
  return ins;
}

std::uint8_t hex_digit(const LineParser& lp, char c, const std::string& token) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  lp.fail("bad hex digit in .data", token);
}

}  // namespace

std::string_view tensor_kind_text(TensorKind k) {
  switch (k) {
    case TensorKind::kInput:
      return "input";
    case TensorKind::kOutput:
      return "output";
    case TensorKind::kWeight:
      return "weight";
    case TensorKind::kSpill:
      return "spill";
    case TensorKind::kTransfer:
      return "transfer";
  }
  return "?";
}

std::optional<TensorKind> tensor_kind_from_text(std::string_view text) {
  for (int i = 0; i < kNumTensorKinds; ++i) {
    auto k = static_cast<TensorKind>(i);
    if (tensor_kind_text(k) == text) return k;
  }
  return std::nullopt;
}

std::string disassemble(const Program& program) {
  Printer p;
  p << "; infsim program (text form of .ifx; `infsim asm` turns it back into the same bytes)\n"
    << "; operand: DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}\n";
  const CompileOptions& o = program.options;
  p << ".options model=";
  p.quoted(o.model);
  p << " batch=" << o.batch << " dtype=" << dtype_text(o.dtype)
    << " pipeline_cores=" << o.pipeline_cores << " cpu_fallback=";
  p.boolean(o.cpu_fallback);
  p << '\n';
  for (const TensorDecl& t : program.tensors) {
    p << ".tensor ";
    p.quoted(t.name);
    p << " kind=" << tensor_kind_text(t.kind) << " dtype=" << dtype_text(t.dtype) << " shape=";
    print_list(p, t.shape);
    p << " dim_order=";
    print_list(p, t.dim_order);
    p << " core=" << t.core << " offset=";
    p.hex(t.dram_offset);
    p << " bytes=" << t.bytes << '\n';
    print_data(p, t.data);
  }
  for (const LayerInfo& l : program.layers) {
    p << ".layer ";
    p.quoted(l.name);
    p << " op=";
    p.quoted(l.op);
    p << " macs=" << l.macs << " flops=" << l.flops << " core=" << l.core << '\n';
  }
  for (const HostOp& h : program.host_ops) {
    p << ".host_op ";
    p.quoted(h.name);
    p << " op=";
    p.quoted(h.op);
    p << " flops=" << h.flops << " bytes=" << h.bytes << " before_device=";
    p.boolean(h.before_device);
    p << '\n';
  }
  for (const CoreMemoryPlan& m : program.memory) {
    p << ".memory sbuf_peak=" << m.sbuf_peak << " sbuf_static_weights=" << m.sbuf_static_weights
      << " weights_streamed=" << m.weights_streamed << " psum_peak=" << m.psum_peak
      << " dram_bytes=" << m.dram_bytes << '\n';
  }
  for (const OperatorCount& c : program.support.operators) {
    p << ".operator ";
    p.quoted(c.op);
    p << " count=" << c.count << " supported=";
    p.boolean(c.supported);
    p << " arithmetic=";
    p.boolean(c.arithmetic);
    p << '\n';
  }
  for (std::size_t c = 0; c < program.cores.size(); ++c) {
    p << ".core " << std::uint64_t{c} << '\n';
    print_queues(p, ".setup", program.cores[c].setup);
    print_queues(p, ".inference", program.cores[c].queues);
  }
  return std::move(p.out());
}

Program assemble(const std::string& text, const std::string& source_name) {
  Program program;
  bool have_options = false;
  std::vector<Queue>* queues = nullptr;  // the .setup or .inference list being filled
  Queue* queue = nullptr;
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    LineParser lp(source_name, line_no);
    std::vector<Token> tokens = lp.tokenize(line);
    if (tokens.empty()) continue;
    const std::string& head = tokens[0].raw;

    if (head == ".options") {
      if (have_options) lp.fail("second .options line", head);
      have_options = true;
      Fields f(lp, tokens, 1);
      CompileOptions& o = program.options;
      o.model = f.get("model");
      o.batch = f.integer<std::uint32_t>("batch");
      o.dtype = f.dtype("dtype");
      o.pipeline_cores = f.integer<std::uint32_t>("pipeline_cores");
      o.cpu_fallback = f.boolean("cpu_fallback");
      f.done();
    } else if (head == ".tensor") {
      TensorDecl t;
      t.name = quoted_name(lp, tokens);
      Fields f(lp, tokens, 2);
      std::string raw;
      auto kind = tensor_kind_from_text(f.get("kind", &raw));
      if (!kind) lp.fail("unknown tensor kind", raw);
      t.kind = *kind;
      t.dtype = f.dtype("dtype");
      t.shape = f.list<std::int64_t>("shape");
      t.dim_order = f.list<int>("dim_order");
      t.core = f.integer<std::uint16_t>("core");
      t.dram_offset = f.integer<std::uint64_t>("offset");
      t.bytes = f.integer<std::uint64_t>("bytes");
      f.done();
      program.tensors.push_back(std::move(t));
    } else if (head == ".data") {
      if (program.tensors.empty()) lp.fail(".data before any .tensor", head);
      if (tokens.size() != 2) lp.fail(".data takes one hex string", head);
      const std::string& hex = tokens[1].raw;
      if (hex.size() % 2 != 0) lp.fail("odd number of hex digits", hex);
      auto& data = program.tensors.back().data;
      for (std::size_t i = 0; i < hex.size(); i += 2) {
        data.push_back(static_cast<std::uint8_t>(hex_digit(lp, hex[i], hex) << 4 |
                                                 hex_digit(lp, hex[i + 1], hex)));
      }
    } else if (head == ".layer") {
      LayerInfo l;
      l.name = quoted_name(lp, tokens);
      Fields f(lp, tokens, 2);
      l.op = f.get("op");
      l.macs = f.integer<std::uint64_t>("macs");
      l.flops = f.integer<std::uint64_t>("flops");
      l.core = f.integer<std::uint16_t>("core");
      f.done();
      program.layers.push_back(std::move(l));
    } else if (head == ".host_op") {
      HostOp h;
      h.name = quoted_name(lp, tokens);
      Fields f(lp, tokens, 2);
      h.op = f.get("op");
      h.flops = f.integer<std::uint64_t>("flops");
      h.bytes = f.integer<std::uint64_t>("bytes");
      h.before_device = f.boolean("before_device");
      f.done();
      program.host_ops.push_back(std::move(h));
    } else if (head == ".memory") {
      Fields f(lp, tokens, 1);
      CoreMemoryPlan m;
      m.sbuf_peak = f.integer<std::uint64_t>("sbuf_peak");
      m.sbuf_static_weights = f.integer<std::uint64_t>("sbuf_static_weights");
      m.weights_streamed = f.integer<std::uint64_t>("weights_streamed");
      m.psum_peak = f.integer<std::uint64_t>("psum_peak");
      m.dram_bytes = f.integer<std::uint64_t>("dram_bytes");
      f.done();
      program.memory.push_back(m);
    } else if (head == ".operator") {
      if (tokens.size() < 2 || tokens[1].raw.empty() || tokens[1].raw[0] != '"') {
        lp.fail(".operator needs a quoted op name", head);
      }
      OperatorCount c;
      c.op = tokens[1].text;
      Fields f(lp, tokens, 2);
      c.count = f.integer<std::uint32_t>("count");
      c.supported = f.boolean("supported");
      c.arithmetic = f.boolean("arithmetic");
      f.done();
      program.support.operators.push_back(std::move(c));
    } else if (head == ".core") {
      if (tokens.size() != 2) lp.fail(".core takes one core index", head);
      auto index = lp.integer<std::uint32_t>(tokens[1].raw, tokens[1].raw);
      if (index != program.cores.size()) {
        lp.fail("expected .core " + std::to_string(program.cores.size()) +
                    " (cores are listed in order)",
                tokens[1].raw);
      }
      program.cores.emplace_back();
      queues = nullptr;
      queue = nullptr;
    } else if (head == ".setup" || head == ".inference") {
      if (program.cores.empty()) lp.fail(head + " before any .core", head);
      if (tokens.size() != 1) lp.fail(head + " takes no fields", tokens[1].raw);
      queues = head == ".setup" ? &program.cores.back().setup : &program.cores.back().queues;
      queue = nullptr;
    } else if (head == ".queue") {
      if (queues == nullptr) lp.fail(".queue outside a .setup or .inference section", head);
      Fields f(lp, tokens, 1);
      Queue q;
      std::string raw;
      auto engine = engine_from_text(f.get("engine", &raw));
      if (!engine) lp.fail("unknown engine", raw);
      q.engine = *engine;
      if (f.has("dma_engine")) q.dma_engine = f.integer<std::uint8_t>("dma_engine");
      if (f.has("dma_queue")) q.dma_queue = f.integer<std::uint8_t>("dma_queue");
      f.done();
      queues->push_back(std::move(q));
      queue = &queues->back();
    } else if (!head.empty() && head[0] == '.') {
      lp.fail("unknown directive", head);
    } else {
      if (queue == nullptr) lp.fail("instruction outside a .queue", head);
      queue->instructions.push_back(parse_instruction(lp, tokens));
    }
  }
  return program;
}

}  // namespace infsim::isa
