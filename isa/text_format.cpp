#include "isa/text_format.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "isa/float_bits.h"
#include "isa/instruction_text.h"
#include "isa/isa_error.h"
#include "isa/program_records.h"
#include "isa/text_lexer.h"
#include "isa/text_printer.h"

namespace infsim::isa {
namespace {

using text::Fields;
using text::LineParser;
using text::Printer;
using text::Scanner;
using text::Token;

struct FlagName {
  std::uint8_t bit;
  const char* text;
};
constexpr FlagName kFlagNames[] = {{kAccumulate, "accumulate"},
                                   {kRelu, "relu"},
                                   {kPerPartition, "per_partition"},
                                   {kCountIncludePad, "count_include_pad"}};

// The names of the enums that records hold.
std::string_view enum_text(DType t) {
  return dtype_text(t);
}
std::string_view enum_text(TensorKind k) {
  return tensor_kind_text(k);
}
std::optional<DType> enum_from_text(std::string_view s, DType*) {
  return dtype_from_text(s);
}
std::optional<TensorKind> enum_from_text(std::string_view s, TensorKind*) {
  return tensor_kind_from_text(s);
}

// --- printing ---------------------------------------------------------------------------------

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

void print_func(Printer& p, const char* key, FuncKind kind, std::uint8_t v) {
  if (kind == FuncKind::kNone && v == 0) return;
  p << ' ' << key << '=' << func_text(kind, v);
}

void print_flags(Printer& p, std::uint8_t flags) {
  std::uint8_t rest = flags;
  for (const FlagName& f : kFlagNames) {
    if (flags & f.bit) {
      p << ' ' << f.text;
      rest = static_cast<std::uint8_t>(rest & ~f.bit);
    }
  }
  if (rest != 0) {
    p << " flags=";
    p.hex(rest);
  }
}

void print_semaphores(Printer& p, const Instruction& ins) {
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
  const SemaphoreSignal def;
  if (s.semaphore != def.semaphore || s.core != def.core || s.increment != def.increment) {
    p << " signal=";
    if (s.core != kThisCore) p << 'c' << s.core << '.';
    p << 's' << s.semaphore << '+' << s.increment;
  }
}

// Fields equal to their defaults are left out.
void print_instruction(Printer& p, const Instruction& ins) {
  const Instruction def;
  const OpcodeInfo& info = opcode_info(ins.opcode);
  p << "  " << info.text;
  print_func(p, "func", info.func, ins.func);
  print_func(p, "func2", info.func2, ins.func2);
  print_flags(p, ins.flags);
  for (const OperandSlot& slot : kOperandSlots) print_pattern(p, slot.name, ins.*slot.pattern);
  for (const RealField& f : kRealFields) {
    if (float_bits(ins.*f.value) == float_bits(def.*f.value)) continue;
    p << ' ' << f.name << '=';
    p.real(ins.*f.value);
  }
  for (const PoolPair& pair : kPoolPairs) {
    if (ins.*pair.first == def.*pair.first && ins.*pair.second == def.*pair.second) continue;
    p << ' ' << pair.name << '=' << ins.*pair.first << pair.separator << ins.*pair.second;
  }
  print_semaphores(p, ins);
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
void print_value(Printer& p, const FieldSpec& f, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    p.quoted(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    p.boolean(v);
  } else if constexpr (std::is_enum_v<T>) {
    p << enum_text(v);
  } else if constexpr (IsVector<T>::value) {
    text::print_list(p, v);
  } else if (f.text == FieldText::kHex) {
    p.hex(v);
  } else {
    p << v;
  }
}

// One directive line with the record's fields, then its .data lines.
template <class R>
void print_record(Printer& p, const R& record) {
  p << Record<R>::kDirective;
  const std::vector<std::uint8_t>* data = nullptr;
  for_each_field(record, [&](const FieldSpec& f, const auto& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>) {
      if (f.text == FieldText::kData) {
        data = &v;
        return;
      }
    }
    p << ' ';
    if (f.text != FieldText::kName) p << f.key << '=';
    print_value(p, f, v);
  });
  p << '\n';
  if (data != nullptr) text::print_data(p, *data);
}

// --- parsing ----------------------------------------------------------------------------------

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
  if (auto f = func_from_text(kind, v)) return *f;
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

std::uint8_t parse_flag(const LineParser& lp, const Token& t, std::uint8_t flags) {
  for (const FlagName& f : kFlagNames) {
    if (t.raw != f.text) continue;
    if (flags & f.bit) lp.fail("duplicate flag", t.raw);
    return static_cast<std::uint8_t>(flags | f.bit);
  }
  lp.fail("unknown flag", t.raw);
}

// One key=value field of an instruction; false if the key is not an instruction field.
bool parse_instruction_field(const LineParser& lp, Instruction& ins, const std::string& key,
                             const std::string& v, const std::string& raw, int& next_wait) {
  const OpcodeInfo& info = opcode_info(ins.opcode);
  if (key == "func") {
    ins.func = parse_func(lp, info.func, v, raw);
  } else if (key == "func2") {
    ins.func2 = parse_func(lp, info.func2, v, raw);
  } else if (key == "flags") {
    ins.flags |= lp.integer<std::uint8_t>(v, raw);
  } else if (key == "wait" || key == "wait0" || key == "wait1") {
    int slot = key == "wait" ? next_wait : key[4] - '0';
    if (slot > 1) lp.fail("more than two waits", raw);
    if (ins.waits[slot].semaphore != kNoSemaphore || ins.waits[slot].value != 0) {
      lp.fail("wait slot " + std::to_string(slot) + " given twice", raw);
    }
    ins.waits[slot] = parse_wait(lp, v, raw);
    next_wait = slot + 1;
  } else if (key == "signal") {
    ins.signal = parse_signal(lp, v, raw);
  } else if (key == "layer") {
    ins.layer = lp.integer<std::uint32_t>(v, raw);
  } else {
    for (const OperandSlot& slot : kOperandSlots) {
      if (key == slot.name) return (ins.*slot.pattern = parse_pattern(lp, v, raw), true);
    }
    for (const RealField& f : kRealFields) {
      if (key == f.name) return (ins.*f.value = lp.real(v, raw), true);
    }
    for (const PoolPair& pair : kPoolPairs) {
      if (key != pair.name) continue;
      parse_pair(lp, v, raw, pair.separator, ins.*pair.first, ins.*pair.second);
      return true;
    }
    return false;
  }
  return true;
}

Instruction parse_instruction(const LineParser& lp, const std::vector<Token>& tokens) {
  Instruction ins;
  auto op = opcode_from_text(tokens[0].text);
  if (!op) lp.fail("unknown opcode or directive", tokens[0].raw);
  ins.opcode = *op;
  std::vector<std::string> seen;
  int next_wait = 0;
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    std::size_t eq = t.raw.find('=');
    if (eq == std::string::npos) {
      ins.flags = parse_flag(lp, t, ins.flags);
      continue;
    }
    std::string key = t.raw.substr(0, eq);
    bool again = std::find(seen.begin(), seen.end(), key) != seen.end();
    seen.push_back(key);
    if (again && key != "wait") lp.fail("duplicate field '" + key + "'", t.raw);
    if (!parse_instruction_field(lp, ins, key, t.raw.substr(eq + 1), t.raw, next_wait)) {
      lp.fail("unknown field '" + key + "'", t.raw);
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

template <class T>
void parse_value(const LineParser& lp, Fields& fields, const FieldSpec& f, T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    v = fields.get(f.key);
  } else if constexpr (std::is_same_v<T, bool>) {
    v = fields.boolean(f.key);
  } else if constexpr (std::is_enum_v<T>) {
    std::string raw;
    auto e = enum_from_text(fields.get(f.key, &raw), static_cast<T*>(nullptr));
    if (!e) lp.fail(std::string("unknown ") + f.label, raw);
    v = *e;
  } else if constexpr (IsVector<T>::value) {
    v = fields.list<typename T::value_type>(f.key);
  } else {
    v = fields.integer<T>(f.key);
  }
}

// A record from its directive line: the quoted name (if the record has one), then key=value
// fields, all of them and no others.
template <class R>
R parse_record(const LineParser& lp, const std::vector<Token>& tokens) {
  R record;
  std::size_t first = 1;
  for_each_field(record, [&](const FieldSpec& f, auto& v) {
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
      if (f.text != FieldText::kName) return;
      if (tokens.size() < 2 || tokens[1].raw.empty() || tokens[1].raw[0] != '"') {
        std::string what = std::string(f.key) == "name" ? "name" : std::string(f.key) + " name";
        lp.fail(tokens[0].raw + " needs a quoted " + what, tokens[0].raw);
      }
      v = tokens[1].text;
      first = 2;
    }
  });
  Fields fields(lp, tokens, first);
  for_each_field(record, [&](const FieldSpec& f, auto& v) {
    if (f.text == FieldText::kKey || f.text == FieldText::kHex) parse_value(lp, fields, f, v);
  });
  fields.done();
  return record;
}

// The text, line by line: directives fill the program; instruction lines fill the current queue.
class Assembler {
 public:
  Program run(const std::string& text, const std::string& source_name) {
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
      if (!tokens.empty()) take(lp, tokens);
    }
    return std::move(program_);
  }

 private:
  void take(const LineParser& lp, const std::vector<Token>& tokens) {
    const std::string& head = tokens[0].raw;
    if (head == Record<CompileOptions>::kDirective) {
      if (have_options_) lp.fail("second .options line", head);
      have_options_ = true;
      program_.options = parse_record<CompileOptions>(lp, tokens);
    } else if (head == ".data") {
      data(lp, tokens);
    } else if (head == ".core") {
      core(lp, tokens);
    } else if (head == ".setup" || head == ".inference") {
      if (program_.cores.empty()) lp.fail(head + " before any .core", head);
      if (tokens.size() != 1) lp.fail(head + " takes no fields", tokens[1].raw);
      queues_ = head == ".setup" ? &program_.cores.back().setup : &program_.cores.back().queues;
      queue_ = nullptr;
    } else if (head == ".queue") {
      queue(lp, tokens);
    } else if (!record(lp, tokens)) {
      if (!head.empty() && head[0] == '.') lp.fail("unknown directive", head);
      if (queue_ == nullptr) lp.fail("instruction outside a .queue", head);
      queue_->instructions.push_back(parse_instruction(lp, tokens));
    }
  }

  // A line of one of the Program's record lists (.tensor, .layer, ...); false if it is not one.
  bool record(const LineParser& lp, const std::vector<Token>& tokens) {
    bool taken = false;
    for_each_record_list(program_, [&](auto rec, auto& list) {
      using R = typename std::decay_t<decltype(list)>::value_type;
      if (taken || tokens[0].raw != rec.kDirective) return;
      list.push_back(parse_record<R>(lp, tokens));
      taken = true;
    });
    return taken;
  }

  void data(const LineParser& lp, const std::vector<Token>& tokens) {
    const std::string& head = tokens[0].raw;
    if (program_.tensors.empty()) lp.fail(".data before any .tensor", head);
    if (tokens.size() != 2) lp.fail(".data takes one hex string", head);
    const std::string& hex = tokens[1].raw;
    if (hex.size() % 2 != 0) lp.fail("odd number of hex digits", hex);
    auto& data = program_.tensors.back().data;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      data.push_back(static_cast<std::uint8_t>(hex_digit(lp, hex[i], hex) << 4 |
                                               hex_digit(lp, hex[i + 1], hex)));
    }
  }

  void core(const LineParser& lp, const std::vector<Token>& tokens) {
    if (tokens.size() != 2) lp.fail(".core takes one core index", tokens[0].raw);
    auto index = lp.integer<std::uint32_t>(tokens[1].raw, tokens[1].raw);
    if (index != program_.cores.size()) {
      lp.fail("expected .core " + std::to_string(program_.cores.size()) +
                  " (cores are listed in order)",
              tokens[1].raw);
    }
    program_.cores.emplace_back();
    queues_ = nullptr;
    queue_ = nullptr;
  }

  void queue(const LineParser& lp, const std::vector<Token>& tokens) {
    if (queues_ == nullptr) lp.fail(".queue outside a .setup or .inference section", tokens[0].raw);
    Fields f(lp, tokens, 1);
    Queue q;
    std::string raw;
    auto engine = engine_from_text(f.get("engine", &raw));
    if (!engine) lp.fail("unknown engine", raw);
    q.engine = *engine;
    if (f.has("dma_engine")) q.dma_engine = f.integer<std::uint8_t>("dma_engine");
    if (f.has("dma_queue")) q.dma_queue = f.integer<std::uint8_t>("dma_queue");
    f.done();
    queues_->push_back(std::move(q));
    queue_ = &queues_->back();
  }

  Program program_;
  bool have_options_ = false;
  std::vector<Queue>* queues_ = nullptr;  // the .setup or .inference list being filled
  Queue* queue_ = nullptr;
};

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
  print_record(p, program.options);
  for_each_record_list(program, [&](auto, const auto& list) {
    for (const auto& r : list) print_record(p, r);
  });
  for (std::size_t c = 0; c < program.cores.size(); ++c) {
    p << ".core " << std::uint64_t{c} << '\n';
    print_queues(p, ".setup", program.cores[c].setup);
    print_queues(p, ".inference", program.cores[c].queues);
  }
  return std::move(p.out());
}

Program assemble(const std::string& text, const std::string& source_name) {
  return Assembler().run(text, source_name);
}

}  // namespace infsim::isa
