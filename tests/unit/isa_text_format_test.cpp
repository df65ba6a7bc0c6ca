#include "isa/text_format.h"

#include <gtest/gtest.h>

#include <string>

#include "isa/ifx_format.h"
#include "isa/isa_error.h"
#include "tests/unit/isa_test_programs.h"

namespace infsim::isa {
namespace {

using testing::kitchen_sink_program;

std::string error_of(const std::string& text) {
  try {
    assemble(text, "prog.s");
  } catch (const IsaError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an IsaError for:\n" << text;
  return "";
}

const char* kQueueHeader = ".core 0\n.inference\n.queue engine=tensor\n";

TEST(TextFormat, RoundTripGivesIdenticalBytes) {
  Program p = kitchen_sink_program();
  std::string text = disassemble(p);
  Program q = assemble(text, "sink.s");
  EXPECT_EQ(encode_program(q), encode_program(p));
  EXPECT_EQ(disassemble(q), text);
}

TEST(TextFormat, EmptyProgramRoundTrips) {
  Program p;
  EXPECT_EQ(encode_program(assemble(disassemble(p), "e.s")), encode_program(p));
}

TEST(TextFormat, PrintsOnlyNonDefaultFields) {
  Program p;
  p.cores.emplace_back();
  Queue q;
  q.engine = EngineKind::kTensor;
  Instruction mm;
  mm.opcode = Opcode::kMatMul;
  mm.flags = kAccumulate;
  mm.dst = psum(0, 64, 0, {512}, DType::kFp32);
  mm.src0 = sbuf(0, 128, 0x1000, {512}, DType::kBf16);
  mm.waits[0] = wait_for(3, 5);
  mm.signal = signal_to(4);
  mm.layer = 12;
  q.instructions.push_back(mm);
  q.instructions.push_back(Instruction{});
  p.cores[0].queues.push_back(q);
  Queue dma;
  dma.engine = EngineKind::kDma;
  dma.dma_engine = 1;
  dma.dma_queue = 3;
  p.cores[0].queues.push_back(dma);
  std::string text = disassemble(p);
  EXPECT_NE(text.find("\n  matmul accumulate dst=fp32:psum[0:64]+0x0{512:1} "
                      "src0=bf16:sbuf[0:128]+0x1000{512:1} wait=s3>=5 signal=s4+1 layer=12\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  nop\n"), std::string::npos) << text;
  EXPECT_NE(text.find(".queue engine=dma dma_engine=1 dma_queue=3"), std::string::npos) << text;
}

TEST(TextFormat, HandWrittenTextAssembles) {
  Program p = assemble(std::string(kQueueHeader) +
                           "  ; a comment line\n"
                           "  load_weights src0=bf16:sbuf[0:128]+0x0{64:1}  ; trailing comment\n"
                           "  matmul dst=fp32:psum@c1[0:64]+0x40{2:256,256:1} "
                           "src0=bf16:sbuf[0:128]+0x2000{512:1} wait1=s1>=2 signal=c1.s7+3\n"
                           ".queue engine=vector\n"
                           "  pool func=avg count_include_pad window=3x3 stride=2x2 pad=1,1 "
                           "dst=bf16:sbuf[0:64]+0x0{1:0,56:56,56:1} "
                           "src0=bf16:dram[0:64*12544]+0x10{112:112,112:1}\n",
                       "hand.s");
  const auto& tq = p.cores.at(0).queues.at(0).instructions;
  ASSERT_EQ(tq.size(), 2u);
  EXPECT_EQ(tq[0].opcode, Opcode::kLoadWeights);
  EXPECT_EQ(tq[0].src0.partitions, 128);
  const Instruction& mm = tq[1];
  EXPECT_EQ(mm.dst.core, 1);
  EXPECT_EQ(mm.dst.offset, 0x40u);
  EXPECT_EQ(mm.dst.dims[0].count, 1u);
  EXPECT_EQ(mm.dst.dims[1].count, 2u);
  EXPECT_EQ(mm.dst.dims[1].stride, 256);
  EXPECT_EQ(mm.waits[0].semaphore, kNoSemaphore);
  EXPECT_EQ(mm.waits[1].semaphore, 1);
  EXPECT_EQ(mm.waits[1].value, 2u);
  EXPECT_EQ(mm.signal.core, 1);
  EXPECT_EQ(mm.signal.semaphore, 7);
  EXPECT_EQ(mm.signal.increment, 3u);
  const Instruction& pool = p.cores[0].queues.at(1).instructions.at(0);
  EXPECT_EQ(pool.func, static_cast<std::uint8_t>(PoolFunc::kAvg));
  EXPECT_EQ(pool.flags, kCountIncludePad);
  EXPECT_EQ(pool.window_h, 3);
  EXPECT_EQ(pool.pad_left, 1);
  EXPECT_EQ(pool.src0.space, MemSpace::kDram);
  EXPECT_EQ(pool.src0.partition_stride, 12544);
}

TEST(TextFormat, LeadingZerosAreDecimal) {
  Program p = assemble(std::string(kQueueHeader) + "  nop layer=010 signal=s0x1f+0x10\n", "z.s");
  const Instruction& nop = p.cores.at(0).queues.at(0).instructions.at(0);
  EXPECT_EQ(nop.layer, 10u);
  EXPECT_EQ(nop.signal.semaphore, 31);
  EXPECT_EQ(nop.signal.increment, 16u);
}

TEST(TextFormat, ErrorsNameFileLineAndToken) {
  struct Case {
    std::string text;
    std::string expect;
  };
  std::string h = kQueueHeader;  // lines 1-3
  for (const Case& c : {
           Case{h + "  frobnicate\n", "prog.s:4: unknown opcode or directive (at 'frobnicate')"},
           Case{h + "  matmul dst=fp32:psum[0:64]+0x0{512}\n",
                "prog.s:4: expected ':' (at 'dst=fp32:psum[0:64]+0x0{512}')"},
           Case{h + "  matmul dst=fp64:psum[0:64]+0x0{512:1}\n",
                "prog.s:4: unknown dtype in operand (at 'dst=fp64:psum[0:64]+0x0{512:1}')"},
           Case{h + "  matmul dst=fp32:hbm[0:64]+0x0{512:1}\n", "unknown memory space"},
           Case{h + "  matmul dst=fp32:psum[9:3]+0x0{512:1}\n", "end is before its start"},
           Case{h + "  matmul dst=fp32:psum[0:64]+0x0{1:1,1:1,1:1,1:1}\n",
                "more than three free dims"},
           Case{h + "  matmul wait=s3>5\n", "prog.s:4: expected sN>=VALUE (at 'wait=s3>5')"},
           Case{h + "  matmul wait=s300>=5\n", "out-of-range number '300' (at 'wait=s300>=5')"},
           Case{h + "  matmul wait=s1>=1 wait=s2>=1 wait=s3>=1\n", "more than two waits"},
           Case{h + "  matmul layer=-1\n", "out-of-range number '-1'"},
           Case{h + "  matmul layer=1 layer=2\n", "duplicate field 'layer'"},
           Case{h + "  matmul layer=0x\n", "bad or out-of-range number '0x'"},
           Case{h + "  matmul layer=12abc\n", "bad or out-of-range number '12abc'"},
           Case{".options \"model\"=x\n", "prog.s:1: expected key=value (at '\"model\"=x')"},
           Case{h + "  matmul colour=red\n", "unknown field 'colour' (at 'colour=red')"},
           Case{h + "  matmul fast\n", "unknown flag (at 'fast')"},
           Case{h + "  activate func=softmax\n", "unknown function 'softmax' for this opcode"},
           Case{h + "  activate scale=abc\n", "bad number 'abc'"},
           Case{h + "  activate scale=nan:0x3f800000\n", "is not a NaN bit pattern"},
           Case{"  nop\n", "prog.s:1: instruction outside a .queue (at 'nop')"},
           Case{".queue engine=tensor\n", "prog.s:1: .queue outside a .setup or .inference"},
           Case{".core 1\n", "prog.s:1: expected .core 0 (cores are listed in order) (at '1')"},
           Case{".core 0\n.setup\n.queue engine=gpu\n",
                "prog.s:3: unknown engine (at 'engine=gpu')"},
           Case{".bogus\n", "prog.s:1: unknown directive (at '.bogus')"},
           Case{".data 00\n", ".data before any .tensor"},
           Case{".tensor \"t\" kind=weight dtype=bf16 shape=[1] dim_order=[0] core=0 offset=0\n",
                "prog.s:1: missing field 'bytes'"},
           Case{".tensor \"t\" kind=wait dtype=bf16 shape=[1] dim_order=[0] core=0 offset=0 "
                "bytes=2\n",
                "unknown tensor kind (at 'kind=wait')"},
           Case{".tensor \"t\" kind=weight dtype=bf16 shape=[1] dim_order=[0] core=0 offset=0 "
                "bytes=2\n.data 0g\n",
                "prog.s:2: bad hex digit in .data (at '0g')"},
           Case{".options model=\"m batch=1\n", "prog.s:1: unterminated string"},
           Case{".options model=\"m\" batch=1 dtype=bf16 pipeline_cores=1 cpu_fallback=maybe\n",
                "expected true or false, got 'maybe'"},
           Case{".options model=\"m\" batch=1 dtype=bf16 pipeline_cores=1 cpu_fallback=false x=1\n",
                "unknown field 'x'"},
       }) {
    std::string msg = error_of(c.text);
    EXPECT_NE(msg.find(c.expect), std::string::npos)
        << "text:\n"
        << c.text << "message: " << msg << "\nexpected: " << c.expect;
  }
}

// Any corruption of valid text gives a program or an IsaError, never another exception or a crash.
TEST(TextFormat, CorruptedTextOnlyEverThrowsIsaError) {
  Program p = kitchen_sink_program();
  for (TensorDecl& t : p.tensors) t.data.resize(std::min<std::size_t>(t.data.size(), 4));
  std::string text = disassemble(p);
  int rejected = 0;
  for (std::size_t i = 0; i < text.size(); i += 13) {
    for (char c : {'=', '"', '-', ':', '\n', '\\'}) {
      std::string bad = text;
      bad[i] = c;
      try {
        assemble(bad, "fuzz.s");
      } catch (const IsaError&) {
        ++rejected;
      }
    }
  }
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace infsim::isa
