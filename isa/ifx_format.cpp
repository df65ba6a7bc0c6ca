#include "isa/ifx_format.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "isa/isa_error.h"

namespace infsim::isa {
namespace {

enum class SectionId : std::uint32_t {
  kOptions = 1,
  kCores = 2,
  kTensors = 3,
  kLayers = 4,
  kHostOps = 5,
  kMemory = 6,
  kSupport = 7,
};
constexpr std::uint32_t kFirstSection = 1;
constexpr std::uint32_t kNumSections = 7;
constexpr const char* kSectionNames[kNumSections + 1] = {
    "?", "options", "cores", "tensors", "layers", "host ops", "memory plan", "support report"};
constexpr std::size_t kSectionEntryBytes = 4 + 8 + 8;

// Smallest encodings, so that a corrupt count cannot make the reader allocate more elements
// than the bytes that are left could possibly hold.
constexpr std::size_t kMinInstructionBytes = 4 + 2 * 5 + 7 + 3 * 1 + 4 * 4 + 6 + 4;
constexpr std::size_t kMinQueueBytes = 3 + 4;

std::uint32_t float_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float bits_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

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

// --- encoding ---------------------------------------------------------------------------------

void put_pattern(Writer& w, const AccessPattern& ap) {
  w.enumeration(ap.space);
  if (ap.space == MemSpace::kNone) return;
  w.enumeration(ap.dtype);
  w.u16(ap.core);
  w.u16(ap.partition);
  w.u16(ap.partitions);
  w.i64(ap.partition_stride);
  w.u64(ap.offset);
  for (const Axis& a : ap.dims) {
    w.i32(a.stride);
    w.u32(a.count);
  }
}

void put_instruction(Writer& w, const Instruction& ins) {
  w.enumeration(ins.opcode);
  w.u8(ins.func);
  w.u8(ins.func2);
  w.u8(ins.flags);
  for (const SemaphoreWait& wt : ins.waits) {
    w.u8(wt.semaphore);
    w.u32(wt.value);
  }
  w.u8(ins.signal.semaphore);
  w.u16(ins.signal.core);
  w.u32(ins.signal.increment);
  put_pattern(w, ins.dst);
  put_pattern(w, ins.src0);
  put_pattern(w, ins.src1);
  w.f32(ins.scale);
  w.f32(ins.bias);
  w.f32(ins.alpha);
  w.f32(ins.beta);
  w.u8(ins.window_h);
  w.u8(ins.window_w);
  w.u8(ins.stride_h);
  w.u8(ins.stride_w);
  w.u8(ins.pad_top);
  w.u8(ins.pad_left);
  w.u32(ins.layer);
}

void put_queues(Writer& w, const std::vector<Queue>& queues) {
  w.count(queues.size());
  for (const Queue& q : queues) {
    w.enumeration(q.engine);
    w.u8(q.dma_engine);
    w.u8(q.dma_queue);
    w.count(q.instructions.size());
    for (const Instruction& ins : q.instructions) put_instruction(w, ins);
  }
}

void encode_section(Writer& w, const Program& p, SectionId id) {
  switch (id) {
    case SectionId::kOptions:
      w.str(p.options.model);
      w.u32(p.options.batch);
      w.enumeration(p.options.dtype);
      w.u32(p.options.pipeline_cores);
      w.boolean(p.options.cpu_fallback);
      break;
    case SectionId::kCores:
      w.count(p.cores.size());
      for (const CoreProgram& c : p.cores) {
        put_queues(w, c.setup);
        put_queues(w, c.queues);
      }
      break;
    case SectionId::kTensors:
      w.count(p.tensors.size());
      for (const TensorDecl& t : p.tensors) {
        w.str(t.name);
        w.enumeration(t.kind);
        w.enumeration(t.dtype);
        w.count(t.shape.size());
        for (std::int64_t d : t.shape) w.i64(d);
        w.count(t.dim_order.size());
        for (int d : t.dim_order) w.i32(d);
        w.u16(t.core);
        w.u64(t.dram_offset);
        w.u64(t.bytes);
        w.u64(t.data.size());
        w.bytes().insert(w.bytes().end(), t.data.begin(), t.data.end());
      }
      break;
    case SectionId::kLayers:
      w.count(p.layers.size());
      for (const LayerInfo& l : p.layers) {
        w.str(l.name);
        w.str(l.op);
        w.u64(l.macs);
        w.u64(l.flops);
        w.u16(l.core);
      }
      break;
    case SectionId::kHostOps:
      w.count(p.host_ops.size());
      for (const HostOp& h : p.host_ops) {
        w.str(h.name);
        w.str(h.op);
        w.u64(h.flops);
        w.u64(h.bytes);
        w.boolean(h.before_device);
      }
      break;
    case SectionId::kMemory:
      w.count(p.memory.size());
      for (const CoreMemoryPlan& m : p.memory) {
        w.u64(m.sbuf_peak);
        w.u64(m.sbuf_static_weights);
        w.u64(m.weights_streamed);
        w.u64(m.psum_peak);
        w.u64(m.dram_bytes);
      }
      break;
    case SectionId::kSupport:
      w.count(p.support.operators.size());
      for (const OperatorCount& o : p.support.operators) {
        w.str(o.op);
        w.u32(o.count);
        w.boolean(o.supported);
        w.boolean(o.arithmetic);
      }
      break;
  }
}

// --- decoding ---------------------------------------------------------------------------------

AccessPattern get_pattern(Reader& r, const char* which) {
  AccessPattern ap;
  ap.space = r.enumeration<MemSpace>(kNumMemSpaces, which);
  if (ap.space == MemSpace::kNone) return ap;
  ap.dtype = r.enumeration<DType>(kNumDTypes, "dtype");
  ap.core = r.u16();
  ap.partition = r.u16();
  ap.partitions = r.u16();
  ap.partition_stride = r.i64();
  ap.offset = r.u64();
  for (Axis& a : ap.dims) {
    a.stride = r.i32();
    a.count = r.u32();
  }
  return ap;
}

void check_func(Reader& r, const Instruction& ins) {
  int limit = 256;
  switch (ins.opcode) {
    case Opcode::kActivate:
      limit = kNumActivationFuncs;
      break;
    case Opcode::kTensorTensor:
    case Opcode::kTensorScalar:
    case Opcode::kReduce:
      limit = kNumAluOps;
      break;
    case Opcode::kPool:
      limit = kNumPoolFuncs;
      break;
    default:
      break;
  }
  if (ins.func >= limit) {
    r.fail(std::string(opcode_info(ins.opcode).text) + " func " + std::to_string(ins.func) +
           " is out of range (0.." + std::to_string(limit - 1) + ")");
  }
  if (ins.opcode == Opcode::kTensorScalar && ins.func2 >= kNumAluOps) {
    r.fail("tensor_scalar func2 " + std::to_string(ins.func2) + " is out of range (0.." +
           std::to_string(kNumAluOps - 1) + ")");
  }
  if ((ins.flags & ~kAllInstructionFlags) != 0) {
    r.fail("flags 0x" + [&] {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%02x", ins.flags);
      return std::string(buf);
    }() + " has unknown bits");
  }
}

Instruction get_instruction(Reader& r) {
  Instruction ins;
  ins.opcode = r.enumeration<Opcode>(kNumOpcodes, "opcode");
  ins.func = r.u8();
  ins.func2 = r.u8();
  ins.flags = r.u8();
  check_func(r, ins);
  for (SemaphoreWait& wt : ins.waits) {
    wt.semaphore = r.u8();
    wt.value = r.u32();
  }
  ins.signal.semaphore = r.u8();
  ins.signal.core = r.u16();
  ins.signal.increment = r.u32();
  ins.dst = get_pattern(r, "dst memory space");
  ins.src0 = get_pattern(r, "src0 memory space");
  ins.src1 = get_pattern(r, "src1 memory space");
  ins.scale = r.f32();
  ins.bias = r.f32();
  ins.alpha = r.f32();
  ins.beta = r.f32();
  ins.window_h = r.u8();
  ins.window_w = r.u8();
  ins.stride_h = r.u8();
  ins.stride_w = r.u8();
  ins.pad_top = r.u8();
  ins.pad_left = r.u8();
  ins.layer = r.u32();
  return ins;
}

std::vector<Queue> get_queues(Reader& r, bool setup) {
  r.ctx.setup = setup;
  std::vector<Queue> queues(r.count(kMinQueueBytes, "queue"));
  for (std::size_t qi = 0; qi < queues.size(); ++qi) {
    r.ctx.queue = static_cast<long>(qi);
    r.ctx.instruction = -1;
    Queue& q = queues[qi];
    q.engine = r.enumeration<EngineKind>(kNumEngineKinds, "engine kind");
    q.dma_engine = r.u8();
    q.dma_queue = r.u8();
    q.instructions.resize(r.count(kMinInstructionBytes, "instruction"));
    for (std::size_t i = 0; i < q.instructions.size(); ++i) {
      r.ctx.instruction = static_cast<long>(i);
      q.instructions[i] = get_instruction(r);
    }
  }
  r.ctx.queue = -1;
  r.ctx.instruction = -1;
  return queues;
}

void decode_section(Program& p, SectionId id, Reader& r) {
  switch (id) {
    case SectionId::kOptions:
      p.options.model = r.str("model name");
      p.options.batch = r.u32();
      p.options.dtype = r.enumeration<DType>(kNumDTypes, "dtype");
      p.options.pipeline_cores = r.u32();
      p.options.cpu_fallback = r.boolean("cpu_fallback");
      break;
    case SectionId::kCores:
      p.cores.resize(r.count(8, "core"));
      for (std::size_t c = 0; c < p.cores.size(); ++c) {
        r.ctx.core = static_cast<long>(c);
        p.cores[c].setup = get_queues(r, true);
        p.cores[c].queues = get_queues(r, false);
      }
      break;
    case SectionId::kTensors:
      r.ctx.item = "tensor";
      p.tensors.resize(r.count(4 + 2 + 4 + 4 + 2 + 24, "tensor"));
      for (std::size_t i = 0; i < p.tensors.size(); ++i) {
        r.ctx.index = static_cast<long>(i);
        TensorDecl& t = p.tensors[i];
        t.name = r.str("name");
        t.kind = r.enumeration<TensorKind>(kNumTensorKinds, "tensor kind");
        t.dtype = r.enumeration<DType>(kNumDTypes, "dtype");
        t.shape.resize(r.count(8, "shape dim"));
        for (std::int64_t& d : t.shape) d = r.i64();
        t.dim_order.resize(r.count(4, "dim order entry"));
        for (int& d : t.dim_order) d = r.i32();
        t.core = r.u16();
        t.dram_offset = r.u64();
        t.bytes = r.u64();
        t.data = r.blob("initial data");
      }
      break;
    case SectionId::kLayers:
      r.ctx.item = "layer";
      p.layers.resize(r.count(4 + 4 + 16 + 2, "layer"));
      for (std::size_t i = 0; i < p.layers.size(); ++i) {
        r.ctx.index = static_cast<long>(i);
        LayerInfo& l = p.layers[i];
        l.name = r.str("name");
        l.op = r.str("op");
        l.macs = r.u64();
        l.flops = r.u64();
        l.core = r.u16();
      }
      break;
    case SectionId::kHostOps:
      r.ctx.item = "host op";
      p.host_ops.resize(r.count(4 + 4 + 16 + 1, "host op"));
      for (std::size_t i = 0; i < p.host_ops.size(); ++i) {
        r.ctx.index = static_cast<long>(i);
        HostOp& h = p.host_ops[i];
        h.name = r.str("name");
        h.op = r.str("op");
        h.flops = r.u64();
        h.bytes = r.u64();
        h.before_device = r.boolean("before_device");
      }
      break;
    case SectionId::kMemory:
      p.memory.resize(r.count(40, "memory plan"));
      for (CoreMemoryPlan& m : p.memory) {
        m.sbuf_peak = r.u64();
        m.sbuf_static_weights = r.u64();
        m.weights_streamed = r.u64();
        m.psum_peak = r.u64();
        m.dram_bytes = r.u64();
      }
      break;
    case SectionId::kSupport:
      r.ctx.item = "operator";
      p.support.operators.resize(r.count(4 + 4 + 2, "operator"));
      for (std::size_t i = 0; i < p.support.operators.size(); ++i) {
        r.ctx.index = static_cast<long>(i);
        OperatorCount& o = p.support.operators[i];
        o.op = r.str("op");
        o.count = r.u32();
        o.supported = r.boolean("supported");
        o.arithmetic = r.boolean("arithmetic");
      }
      break;
  }
  r.finish();
}

std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

std::uint32_t load_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::string printable(const std::uint8_t* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
      s += static_cast<char>(p[i]);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", p[i]);
      s += buf;
    }
  }
  return s;
}

std::string hex64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::uint64_t fnv1a64(const std::uint8_t* data, std::size_t size) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<std::uint8_t> encode_program(const Program& program) {
  std::size_t estimate = 4096;
  for (const CoreProgram& c : program.cores) {
    for (const auto* queues : {&c.setup, &c.queues}) {
      for (const Queue& q : *queues) estimate += q.instructions.size() * 160;
    }
  }
  for (const TensorDecl& t : program.tensors) estimate += t.data.size() + 128;
  Writer w;
  w.bytes().reserve(estimate);
  for (char c : kIfxMagic) w.u8(static_cast<std::uint8_t>(c));
  w.u16(kIfxVersion);
  w.u16(0);
  w.u64(0);  // payload bytes and checksum, patched below
  w.u64(0);
  w.u32(kNumSections);
  std::size_t table = w.bytes().size();
  for (std::uint32_t id = kFirstSection; id <= kNumSections; ++id) {
    w.u32(id);
    w.u64(0);  // offset and size, patched below
    w.u64(0);
  }
  for (std::uint32_t i = 0; i < kNumSections; ++i) {
    std::size_t start = w.bytes().size();
    encode_section(w, program, static_cast<SectionId>(kFirstSection + i));
    std::size_t entry = table + i * kSectionEntryBytes;
    w.patch_u64(entry + 4, start - kIfxHeaderBytes);
    w.patch_u64(entry + 12, w.bytes().size() - start);
  }
  std::vector<std::uint8_t>& bytes = w.bytes();
  std::size_t payload = bytes.size() - kIfxHeaderBytes;
  w.patch_u64(8, payload);
  w.patch_u64(16, fnv1a64(bytes.data() + kIfxHeaderBytes, payload));
  return std::move(bytes);
}

Program decode_program(const std::uint8_t* data, std::size_t size, const std::string& source_name) {
  auto fail = [&](const std::string& what) { throw IsaError(source_name + ": " + what); };
  if (size == 0) fail("empty file, not an .ifx program");
  if (std::memcmp(data, kIfxMagic, std::min<std::size_t>(size, 4)) != 0) {
    fail("not an .ifx program: bad magic '" + printable(data, std::min<std::size_t>(size, 4)) +
         "', expected 'IFX1'");
  }
  if (size < kIfxHeaderBytes) {
    fail("truncated .ifx header: " + std::to_string(size) + " bytes, the header alone is " +
         std::to_string(kIfxHeaderBytes));
  }
  std::uint16_t version = static_cast<std::uint16_t>(data[4] | data[5] << 8);
  if (version != kIfxVersion) {
    fail(".ifx format version " + std::to_string(version) +
         " is not supported (this infsim reads version " + std::to_string(kIfxVersion) + ")");
  }
  std::uint64_t payload_size = load_u64(data + 8);
  std::uint64_t stored_sum = load_u64(data + 16);
  std::size_t available = size - kIfxHeaderBytes;
  if (payload_size > available) {
    fail("truncated: the header declares " + std::to_string(payload_size) +
         " payload bytes but only " + std::to_string(available) + " are present");
  }
  if (payload_size < available) {
    fail(std::to_string(available - payload_size) +
         " unexpected bytes after the payload the header declares");
  }
  const std::uint8_t* payload = data + kIfxHeaderBytes;
  std::uint64_t sum = fnv1a64(payload, available);
  if (sum != stored_sum) {
    fail("checksum mismatch (stored " + hex64(stored_sum) + ", computed " + hex64(sum) +
         "): the file is corrupt");
  }

  if (available < 4) fail("truncated: no section table");
  std::uint32_t sections = load_u32(payload);
  if (sections > (available - 4) / kSectionEntryBytes) {
    fail("section table of " + std::to_string(sections) + " entries runs past the payload end");
  }
  std::vector<bool> seen(kNumSections + 1, false);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;  // [offset, end) of each body
  Program program;
  for (std::uint32_t s = 0; s < sections; ++s) {
    const std::uint8_t* entry = payload + 4 + s * kSectionEntryBytes;
    std::uint32_t id = load_u32(entry);
    std::uint64_t offset = load_u64(entry + 4);
    std::uint64_t bytes = load_u64(entry + 12);
    if (id < kFirstSection || id > kNumSections) {
      fail("unknown section id " + std::to_string(id) + " in the section table");
    }
    if (seen[id]) fail(std::string("section '") + kSectionNames[id] + "' appears twice");
    seen[id] = true;
    if (offset > available || bytes > available - offset) {
      fail(std::string("section '") + kSectionNames[id] + "' (offset " + std::to_string(offset) +
           ", " + std::to_string(bytes) + " bytes) overruns the payload (" +
           std::to_string(available) + " bytes)");
    }
    Reader r(payload + offset, bytes, source_name, kSectionNames[id]);
    decode_section(program, static_cast<SectionId>(id), r);
    ranges.emplace_back(offset, offset + bytes);
  }
  for (std::uint32_t id = kFirstSection; id <= kNumSections; ++id) {
    if (!seen[id]) fail(std::string("section '") + kSectionNames[id] + "' is missing");
  }
  // The bodies follow the table back to back and end with the payload: a byte outside every
  // section would be lost by disasm -> asm, so the file would not round-trip.
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t at = 4 + std::uint64_t{sections} * kSectionEntryBytes;
  for (const auto& [begin, end] : ranges) {
    if (begin != at) {
      fail(begin > at ? std::to_string(begin - at) + " bytes at payload offset " +
                            std::to_string(at) + " lie outside every section"
                      : "sections overlap at payload offset " + std::to_string(begin));
    }
    at = end;
  }
  if (at != available) {
    fail(std::to_string(available - at) + " bytes at payload offset " + std::to_string(at) +
         " lie outside every section");
  }
  return program;
}

void write_program(const Program& program, const std::string& path) {
  std::vector<std::uint8_t> bytes = encode_program(program);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IsaError("cannot write '" + path + "': " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      throw IsaError("cannot write '" + path + "': write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw IsaError("cannot write '" + path + "': " + std::strerror(err));
  }
}

Program read_program(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw IsaError(path + ": cannot open: no such file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw IsaError(path + ": cannot open: not a regular file");
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw IsaError(path + ": cannot open: " + std::strerror(errno));
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(in.tellg()));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) throw IsaError(path + ": read error");
  return decode_program(bytes.data(), bytes.size(), path);
}

}  // namespace infsim::isa
