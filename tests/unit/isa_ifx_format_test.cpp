#include "isa/ifx_format.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "isa/isa_error.h"
#include "isa/verifier.h"
#include "tests/unit/isa_test_programs.h"

namespace infsim::isa {
namespace {

using testing::kitchen_sink_program;

// Runs `f` and returns the IsaError message it throws; fails the test if it throws nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const IsaError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an IsaError";
  return "";
}

// Recomputes the header checksum, so that a deliberately corrupted payload gets past it.
void reseal(std::vector<std::uint8_t>& bytes) {
  std::uint64_t sum = fnv1a64(bytes.data() + kIfxHeaderBytes, bytes.size() - kIfxHeaderBytes);
  for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<std::uint8_t>(sum >> (8 * i));
}

std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

// Byte offset (in the file) of section `index`'s table entry (0 = options, 1 = cores, ...).
std::size_t section_entry(std::size_t index) {
  return kIfxHeaderBytes + 4 + 20 * index;
}

std::size_t section_start(const std::vector<std::uint8_t>& bytes, std::size_t index) {
  return kIfxHeaderBytes + load_u64(bytes.data() + section_entry(index) + 4);
}

Program one_instruction_program() {
  Program p;
  Queue q;
  q.engine = EngineKind::kVector;
  q.instructions.push_back(Instruction{});
  p.cores.push_back(CoreProgram{});
  p.cores[0].queues.push_back(q);
  return p;
}

Program decode(const std::vector<std::uint8_t>& bytes) {
  return decode_program(bytes.data(), bytes.size(), "prog.ifx");
}

class IfxFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("isa_ifx_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write_bytes(const std::string& p, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  std::filesystem::path dir_;
};

TEST(IfxFormat, EncodeDecodeRoundTripIsExact) {
  Program p = kitchen_sink_program();
  std::vector<std::uint8_t> bytes = encode_program(p);
  Program q = decode(bytes);
  EXPECT_EQ(encode_program(q), bytes);

  EXPECT_EQ(q.options.model, p.options.model);
  EXPECT_EQ(q.options.dtype, DType::kFp16);
  EXPECT_TRUE(q.options.cpu_fallback);
  ASSERT_EQ(q.tensors.size(), p.tensors.size());
  EXPECT_EQ(q.tensors[3].data, p.tensors[3].data);
  EXPECT_EQ(q.tensors[4].kind, TensorKind::kTransfer);
  EXPECT_EQ(q.tensors[1].shape, p.tensors[1].shape);
  EXPECT_EQ(q.tensors[1].dim_order, p.tensors[1].dim_order);
  ASSERT_EQ(q.cores.size(), 3u);
  EXPECT_TRUE(q.cores[1].queues.empty());
  ASSERT_EQ(q.cores[0].setup.size(), 5u);
  EXPECT_EQ(q.cores[0].setup[3].dma_queue, 15);
  const auto& a = p.cores[0].queues[0].instructions;
  const auto& b = q.cores[0].queues[0].instructions;
  ASSERT_EQ(a.size(), b.size());
  const Instruction& last = b.back();
  EXPECT_EQ(last.dst.space, MemSpace::kDram);
  EXPECT_EQ(last.dst.partition_stride, -3);
  EXPECT_EQ(last.dst.dims[2].count, 0xffffffffu);
  EXPECT_EQ(last.dst.core, 65534);
  EXPECT_EQ(last.waits[1].semaphore, kNoSemaphore);
  EXPECT_EQ(last.waits[1].value, 17u);
  EXPECT_EQ(last.signal.increment, 0xffffffffu);
  EXPECT_EQ(q.layers[0].macs, 118013952u);
  EXPECT_FALSE(q.host_ops[1].before_device);
  EXPECT_EQ(q.memory[1].sbuf_peak, ~0ull);
  EXPECT_FALSE(q.support.operators[1].supported);
}

TEST(IfxFormat, FloatsKeepTheirBits) {
  Program p = kitchen_sink_program();
  Program q = decode(encode_program(p));
  int checked = 0;
  for (const Instruction& ins : q.cores[0].queues[0].instructions) {
    if (ins.opcode != Opcode::kTensorScalar || ins.flags != kPerPartition) continue;
    std::uint32_t bias_bits, scale_bits;
    std::memcpy(&bias_bits, &ins.bias, 4);
    std::memcpy(&scale_bits, &ins.scale, 4);
    EXPECT_EQ(bias_bits, 0x7fc12345u);
    EXPECT_EQ(scale_bits, 1u);
    ++checked;
  }
  EXPECT_EQ(checked, kNumAluOps);
}

TEST(IfxFormat, HeaderIsLittleEndianMagicVersionSizeChecksum) {
  std::vector<std::uint8_t> bytes = encode_program(Program{});
  ASSERT_GE(bytes.size(), kIfxHeaderBytes);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "IFX1");
  EXPECT_EQ(bytes[4], 1);
  EXPECT_EQ(bytes[5], 0);
  EXPECT_EQ(load_u64(bytes.data() + 8), bytes.size() - kIfxHeaderBytes);
  EXPECT_EQ(load_u64(bytes.data() + 16),
            fnv1a64(bytes.data() + kIfxHeaderBytes, bytes.size() - kIfxHeaderBytes));
}

TEST(IfxFormat, FlippedByteFailsTheChecksum) {
  std::vector<std::uint8_t> bytes = encode_program(kitchen_sink_program());
  bytes[bytes.size() / 2] ^= 0x10;
  std::string msg = error_of([&] { decode(bytes); });
  EXPECT_NE(msg.find("prog.ifx: checksum mismatch"), std::string::npos) << msg;
}

TEST(IfxFormat, TruncationAnywhereIsRejected) {
  std::vector<std::uint8_t> bytes = encode_program(kitchen_sink_program());
  struct Case {
    std::size_t size;
    const char* expect;
  };
  for (Case c :
       {Case{0, "empty file"}, Case{2, "truncated .ifx header"}, Case{4, "truncated .ifx header"},
        Case{23, "truncated .ifx header"}, Case{24, "truncated: the header declares"},
        Case{bytes.size() / 3, "truncated: the header declares"},
        Case{bytes.size() - 1, "truncated: the header declares"}}) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + c.size);
    std::string msg = error_of([&] { decode_program(cut.data(), cut.size(), "prog.ifx"); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "size " << c.size << ": " << msg;
    EXPECT_EQ(msg.rfind("prog.ifx: ", 0), 0u) << msg;
  }
}

TEST(IfxFormat, TrailingGarbageIsRejected) {
  std::vector<std::uint8_t> bytes = encode_program(Program{});
  bytes.push_back(0);
  EXPECT_NE(error_of([&] { decode(bytes); }).find("1 unexpected bytes after the payload"),
            std::string::npos);
}

TEST(IfxFormat, WrongMagicIsRejected) {
  std::vector<std::uint8_t> bytes = encode_program(Program{});
  bytes[0] = 'P';
  bytes[3] = 0x7f;
  std::string msg = error_of([&] { decode(bytes); });
  EXPECT_NE(msg.find("not an .ifx program: bad magic 'PFX\\x7f', expected 'IFX1'"),
            std::string::npos)
      << msg;
}

TEST(IfxFormat, WrongVersionSaysWhichVersions) {
  std::vector<std::uint8_t> bytes = encode_program(Program{});
  bytes[4] = 9;
  std::string msg = error_of([&] { decode(bytes); });
  EXPECT_NE(msg.find("version 9 is not supported (this infsim reads version 1)"), std::string::npos)
      << msg;
}

TEST(IfxFormat, EnumOutOfRangeNamesTheInstruction) {
  std::vector<std::uint8_t> bytes = encode_program(one_instruction_program());
  // cores body: u32 cores, u32 setup queues, u32 queues, engine, dma_engine, dma_queue,
  // u32 instructions, then the opcode byte.
  std::size_t opcode = section_start(bytes, 1) + 4 + 4 + 4 + 3 + 4;
  ASSERT_EQ(bytes[opcode], static_cast<std::uint8_t>(Opcode::kNop));
  bytes[opcode] = 200;
  reseal(bytes);
  std::string msg = error_of([&] { decode(bytes); });
  EXPECT_NE(msg.find("section 'cores' (core 0 queue 0 instruction 0): opcode 200 is out of range"),
            std::string::npos)
      << msg;

  bytes[opcode] = static_cast<std::uint8_t>(Opcode::kNop);
  bytes[opcode - 4 - 3] = 4;  // engine kind
  reseal(bytes);
  msg = error_of([&] { decode(bytes); });
  EXPECT_NE(msg.find("engine kind 4 is out of range (0..3)"), std::string::npos) << msg;
}

TEST(IfxFormat, FuncOutOfRangeForItsOpcodeIsRejected) {
  Program p = one_instruction_program();
  Instruction& ins = p.cores[0].queues[0].instructions[0];
  ins.opcode = Opcode::kPool;
  ins.func = 2;
  std::string msg = error_of([&] { decode(encode_program(p)); });
  EXPECT_NE(msg.find("pool func 2 is out of range (0..1)"), std::string::npos) << msg;
  ins.func = 0;
  ins.flags = 0x40;
  msg = error_of([&] { decode(encode_program(p)); });
  EXPECT_NE(msg.find("flags 0x40 has unknown bits"), std::string::npos) << msg;
}

TEST(IfxFormat, SectionOverrunIsRejected) {
  std::vector<std::uint8_t> bytes = encode_program(kitchen_sink_program());
  bytes[section_entry(2) + 12 + 5] = 0x01;  // tensors section size += 2^40
  reseal(bytes);
  std::string msg = error_of([&] { decode(bytes); });
  EXPECT_NE(msg.find("section 'tensors' (offset"), std::string::npos) << msg;
  EXPECT_NE(msg.find("overruns the payload"), std::string::npos) << msg;
}

TEST(IfxFormat, CountLargerThanTheSectionIsRejectedBeforeAllocating) {
  std::vector<std::uint8_t> bytes = encode_program(kitchen_sink_program());
  std::size_t count = section_start(bytes, 2);  // u32 tensor count
  bytes[count + 3] = 0x7f;
  reseal(bytes);
  std::string msg = error_of([&] { decode(bytes); });
  EXPECT_NE(msg.find("section 'tensors': tensor count"), std::string::npos) << msg;
}

TEST(IfxFormat, MissingAndDuplicateSectionsAreRejected) {
  std::vector<std::uint8_t> bytes = encode_program(Program{});
  bytes[section_entry(6)] = 6;  // support report entry now claims to be the memory plan
  reseal(bytes);
  EXPECT_NE(error_of([&] { decode(bytes); }).find("section 'memory plan' appears twice"),
            std::string::npos);
  bytes[section_entry(6)] = 99;
  reseal(bytes);
  EXPECT_NE(error_of([&] { decode(bytes); }).find("unknown section id 99"), std::string::npos);
}

// Any single corrupted byte, even with a valid checksum, gives a program or an IsaError: never a
// crash, a hang or a giant allocation. Programs that do decode also go through the verifier,
// which must cope with whatever values they hold.
TEST(IfxFormat, EveryCorruptedByteIsHandled) {
  Program p = kitchen_sink_program();
  p.tensors.resize(2);
  p.cores[0].queues[0].instructions.resize(6);
  std::vector<std::uint8_t> good = encode_program(p);
  int rejected = 0;
  for (std::size_t i = kIfxHeaderBytes; i < good.size(); ++i) {
    for (std::uint8_t v : {std::uint8_t{0xff}, std::uint8_t{0x80}}) {
      std::vector<std::uint8_t> bytes = good;
      bytes[i] = v;
      reseal(bytes);
      try {
        verify_program(decode(bytes), NeuronCoreConfig{});
      } catch (const IsaError&) {
        ++rejected;
      }
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST_F(IfxFile, WriteReadRoundTrip) {
  Program p = kitchen_sink_program();
  write_bytes(path("a.ifx"), encode_program(p));
  EXPECT_EQ(encode_program(read_program(path("a.ifx"))), encode_program(p));
}

TEST_F(IfxFile, MissingFileEmptyFileAndDirectoryAreNamed) {
  std::string msg = error_of([&] { read_program(path("nope.ifx")); });
  EXPECT_EQ(msg, path("nope.ifx") + ": cannot open: no such file");
  write_bytes(path("empty.ifx"), {});
  msg = error_of([&] { read_program(path("empty.ifx")); });
  EXPECT_EQ(msg, path("empty.ifx") + ": empty file, not an .ifx program");
  msg = error_of([&] { read_program(dir_.string()); });
  EXPECT_NE(msg.find("not a regular file"), std::string::npos) << msg;
}

TEST_F(IfxFile, CorruptFileOnDiskNamesTheFile) {
  std::vector<std::uint8_t> bytes = encode_program(kitchen_sink_program());
  bytes.resize(100);
  write_bytes(path("cut.ifx"), bytes);
  std::string msg = error_of([&] { read_program(path("cut.ifx")); });
  EXPECT_EQ(msg.rfind(path("cut.ifx") + ": truncated", 0), 0u) << msg;
}

}  // namespace
}  // namespace infsim::isa
