#include "isa/ifx_format.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <tuple>
#include <utility>

#include "isa/ifx_codec.h"
#include "isa/isa_error.h"

namespace infsim::isa {
namespace {

using ifx::get_record;
using ifx::get_value;
using ifx::min_record_bytes;
using ifx::put_record;
using ifx::put_value;
using ifx::Reader;
using ifx::Writer;

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

// --- instructions and queues (both directions: one field list) -------------------------------

constexpr const char* kSpaceLabels[] = {"dst memory space", "src0 memory space",
                                        "src1 memory space"};
static_assert(std::size(kSpaceLabels) == std::size(kOperandSlots));

// An absent operand (space kNone) is that one byte.
template <class A, class V>
void visit_pattern(A& ap, const char* space_label, V& v) {
  v(ap.space, space_label);
  if (ap.space == MemSpace::kNone) return;
  v(ap.dtype, "dtype");
  v(ap.core, "core");
  v(ap.partition, "partition");
  v(ap.partitions, "partitions");
  v(ap.partition_stride, "partition stride");
  v(ap.offset, "offset");
  for (auto& a : ap.dims) {
    v(a.stride, "stride");
    v(a.count, "count");
  }
}

template <class I, class V>
void visit_instruction(I& ins, V& v) {
  v(ins.opcode, "opcode");
  v(ins.func, "func");
  v(ins.func2, "func2");
  v(ins.flags, "flags");
  for (auto& wt : ins.waits) {
    v(wt.semaphore, "wait semaphore");
    v(wt.value, "wait value");
  }
  v(ins.signal.semaphore, "signal semaphore");
  v(ins.signal.core, "signal core");
  v(ins.signal.increment, "signal increment");
  for (std::size_t i = 0; i < std::size(kOperandSlots); ++i) {
    visit_pattern(ins.*kOperandSlots[i].pattern, kSpaceLabels[i], v);
  }
  for (const RealField& f : kRealFields) v(ins.*f.value, f.name);
  for (const PoolPair& pair : kPoolPairs) {
    v(ins.*pair.first, pair.name);
    v(ins.*pair.second, pair.name);
  }
  v(ins.layer, "layer");
}

// Smallest encodings, so that a corrupt count cannot make the reader allocate more elements
// than the bytes that are left could possibly hold: every operand absent.
constexpr std::size_t kMinInstructionBytes = 4 + 2 * 5 + 7 + 3 * 1 + 4 * 4 + 6 + 4;
constexpr std::size_t kMinQueueBytes = 3 + 4;

void check_func(Reader& r, const Instruction& ins) {
  const OpcodeInfo& info = opcode_info(ins.opcode);
  for (auto [value, kind, key] :
       {std::tuple{ins.func, info.func, "func"}, std::tuple{ins.func2, info.func2, "func2"}}) {
    int limit = func_values(kind);
    if (value >= limit) {
      r.fail(std::string(info.text) + " " + key + " " + std::to_string(value) +
             " is out of range (0.." + std::to_string(limit - 1) + ")");
    }
  }
  if ((ins.flags & ~kAllInstructionFlags) != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02x", ins.flags);
    r.fail(std::string("flags 0x") + buf + " has unknown bits");
  }
}

void put_queues(Writer& w, const std::vector<Queue>& queues) {
  auto put = [&](const auto& v, const char*) { put_value(w, v); };
  w.count(queues.size());
  for (const Queue& q : queues) {
    w.enumeration(q.engine);
    w.u8(q.dma_engine);
    w.u8(q.dma_queue);
    w.count(q.instructions.size());
    for (const Instruction& ins : q.instructions) visit_instruction(ins, put);
  }
}

std::vector<Queue> get_queues(Reader& r, bool setup) {
  auto get = [&](auto& v, const char* label) { get_value(r, v, label); };
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
      visit_instruction(q.instructions[i], get);
      check_func(r, q.instructions[i]);
    }
  }
  r.ctx.queue = -1;
  r.ctx.instruction = -1;
  return queues;
}

// --- sections ---------------------------------------------------------------------------------

void encode_section(Writer& w, const Program& p, SectionId id) {
  if (id == SectionId::kOptions) return put_record(w, p.options);
  if (id == SectionId::kCores) {
    w.count(p.cores.size());
    for (const CoreProgram& c : p.cores) {
      put_queues(w, c.setup);
      put_queues(w, c.queues);
    }
    return;
  }
  for_each_record_list(p, [&](auto rec, const auto& list) {
    if (static_cast<SectionId>(rec.kSection) != id) return;
    w.count(list.size());
    for (const auto& r : list) put_record(w, r);
  });
}

void decode_section(Program& p, SectionId id, Reader& r) {
  if (id == SectionId::kOptions) {
    get_record(r, p.options);
  } else if (id == SectionId::kCores) {
    p.cores.resize(r.count(8, "core"));
    for (std::size_t c = 0; c < p.cores.size(); ++c) {
      r.ctx.core = static_cast<long>(c);
      p.cores[c].setup = get_queues(r, true);
      p.cores[c].queues = get_queues(r, false);
    }
  } else {
    for_each_record_list(p, [&](auto rec, auto& list) {
      using R = typename std::decay_t<decltype(list)>::value_type;
      if (static_cast<SectionId>(rec.kSection) != id) return;
      r.ctx.item = rec.kItem;
      list.resize(r.count(min_record_bytes<R>(), rec.kCount));
      for (std::size_t i = 0; i < list.size(); ++i) {
        r.ctx.index = static_cast<long>(i);
        get_record(r, list[i]);
      }
    });
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

// Checks the header (magic, version, payload size, checksum); returns the payload's size.
std::size_t check_header(const std::uint8_t* data, std::size_t size,
                         const std::string& source_name) {
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
  return available;
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
  std::size_t available = check_header(data, size, source_name);
  const std::uint8_t* payload = data + kIfxHeaderBytes;
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
