#include "isa/verifier.h"

#include <algorithm>
#include <string>

#include "isa/instruction_text.h"
#include "isa/isa_error.h"
#include "isa/verifier_internal.h"

namespace infsim::isa {
namespace {

using Wide = __int128;  // element and byte extents: stride * count overflows 64 bits

std::string to_string(Wide v) {
  if (v < 0) return "-" + to_string(-v);
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return s;
}

// Lowest and highest element index (relative to the pattern's start, in elements) that an
// access pattern touches within one partition; DRAM rows count as the outermost dimension.
struct Extent {
  Wide lo = 0;
  Wide hi = 0;
};

Extent element_extent(const AccessPattern& ap, bool rows_in_memory) {
  Extent e;
  auto add = [&](Wide stride, Wide count) {
    Wide span = stride * (count - 1);
    if (span < 0) {
      e.lo += span;
    } else {
      e.hi += span;
    }
  };
  for (const Axis& a : ap.dims) add(a.stride, a.count);
  if (rows_in_memory) add(ap.partition_stride, ap.partitions);
  return e;
}

// DRAM tensors of one core, sorted by start, with the running maximum of their ends: the
// accesses [s, e) that some tensor contains are those whose prefix (start <= s) reaches e.
struct DramMap {
  std::vector<std::uint64_t> starts;
  std::vector<Wide> max_end;

  bool contains(Wide start, Wide end) const {
    if (start < 0) return false;
    auto it = std::upper_bound(starts.begin(), starts.end(), static_cast<std::uint64_t>(start));
    if (it == starts.begin()) return false;
    return max_end[static_cast<std::size_t>(it - starts.begin()) - 1] >= end;
  }
};

class Verifier {
 public:
  Verifier(const Program& p, const NeuronCoreConfig& c) : p_(p), c_(c) {}

  std::vector<Diagnostic> run() {
    check_program();
    check_tensors();
    for (bool setup : {true, false}) {
      for (std::size_t core = 0; core < p_.cores.size(); ++core) {
        const auto& queues = setup ? p_.cores[core].setup : p_.cores[core].queues;
        check_queues(core, setup, queues);
        for (std::size_t qi = 0; qi < queues.size(); ++qi) {
          check_queue(core, setup, qi, queues[qi]);
        }
      }
    }
    for (bool setup : {true, false}) {
      for (Diagnostic& d : find_deadlocks(p_, c_, setup)) out_.push_back(std::move(d));
    }
    return std::move(out_);
  }

 private:
  void report(std::string location, std::string message) {
    out_.push_back({std::move(location), std::move(message)});
  }

  void check_program() {
    // The runtime loads one program per NeuronCore of a group: there must be at least one.
    if (p_.cores.empty()) report("program", "has no NeuronCore (no .core section)");
    if (!p_.memory.empty() && p_.memory.size() != p_.cores.size()) {
      report("program", "memory plan has " + std::to_string(p_.memory.size()) + " entries for " +
                            std::to_string(p_.cores.size()) + " cores");
    }
  }

  void check_tensors() {
    std::vector<std::vector<std::pair<std::uint64_t, Wide>>> regions(p_.cores.size());
    for (std::size_t i = 0; i < p_.tensors.size(); ++i) {
      const TensorDecl& t = p_.tensors[i];
      std::string where = "tensor " + std::to_string(i) + " (" + t.name + ")";
      if (static_cast<int>(t.dtype) >= kNumDTypes) report(where, "dtype out of range");
      if (static_cast<int>(t.kind) >= kNumTensorKinds) report(where, "kind out of range");
      Wide elements = 1;
      bool negative = false;
      for (std::int64_t d : t.shape) {
        if (d < 0) negative = true;
        elements *= d;
      }
      if (negative) {
        report(where, "negative dimension in its shape");
      } else if (static_cast<int>(t.dtype) < kNumDTypes &&
                 elements * dtype_bytes(t.dtype) > static_cast<Wide>(t.bytes)) {
        report(where, "shape needs " + to_string(elements * dtype_bytes(t.dtype)) +
                          " bytes but the tensor declares " + std::to_string(t.bytes));
      }
      if (!t.dim_order.empty()) {
        std::vector<int> sorted = t.dim_order;
        std::sort(sorted.begin(), sorted.end());
        bool permutation = sorted.size() == t.shape.size();
        for (std::size_t d = 0; permutation && d < sorted.size(); ++d) {
          permutation = sorted[d] == static_cast<int>(d);
        }
        if (!permutation) {
          report(where, "dim_order is not a permutation of its " + std::to_string(t.shape.size()) +
                            " dims");
        }
      }
      if (!t.data.empty() && t.data.size() != t.bytes) {
        report(where, "initial data has " + std::to_string(t.data.size()) +
                          " bytes, the tensor declares " + std::to_string(t.bytes));
      }
      if (t.core >= p_.cores.size()) {
        report(where, "core " + std::to_string(t.core) + " is not a core of this program (" +
                          std::to_string(p_.cores.size()) + " cores)");
        continue;
      }
      regions[t.core].push_back({t.dram_offset, Wide{t.dram_offset} + t.bytes});
    }
    dram_.resize(p_.cores.size());
    for (std::size_t core = 0; core < regions.size(); ++core) {
      auto& r = regions[core];
      std::sort(r.begin(), r.end());
      Wide running = 0;
      for (const auto& [start, end] : r) {
        running = std::max(running, end);
        dram_[core].starts.push_back(start);
        dram_[core].max_end.push_back(running);
      }
    }
  }

  void check_queues(std::size_t core, bool setup, const std::vector<Queue>& queues) {
    bool compute_seen[kNumEngineKinds] = {};
    std::vector<bool> dma_seen;
    for (std::size_t qi = 0; qi < queues.size(); ++qi) {
      const Queue& q = queues[qi];
      int kind = static_cast<int>(q.engine);
      if (kind >= kNumEngineKinds) {
        report(queue_location(core, setup, qi, q), "engine kind out of range");
        continue;
      }
      if (q.engine != EngineKind::kDma) {
        if (compute_seen[kind]) {
          report(queue_location(core, setup, qi, q),
                 "a second queue for the " + std::string(engine_text(q.engine)) +
                     " engine (each engine has one instruction queue)");
        }
        compute_seen[kind] = true;
        continue;
      }
      if (q.dma_engine >= c_.dma.engines || q.dma_queue >= c_.dma.queues_per_engine) {
        report(queue_location(core, setup, qi, q),
               "DMA engine " + std::to_string(q.dma_engine) + " queue " +
                   std::to_string(q.dma_queue) + " does not exist (the core has " +
                   std::to_string(c_.dma.engines) + " DMA engines with " +
                   std::to_string(c_.dma.queues_per_engine) + " queues each)");
        continue;
      }
      std::size_t id = std::size_t{q.dma_engine} * c_.dma.queues_per_engine + q.dma_queue;
      if (dma_seen.size() <= id) dma_seen.resize(id + 1);
      if (dma_seen[id]) {
        report(queue_location(core, setup, qi, q), "a second queue for the same DMA queue");
      }
      dma_seen[id] = true;
    }
  }

  // The state of one check: where it is (built only when something is wrong).
  struct Site {
    std::size_t core;
    bool setup;
    std::size_t qi;
    const Queue* queue;
    std::size_t index;
    const Instruction* ins;
  };

  void fail(const Site& s, const std::string& message) {
    report(instruction_location(s.core, s.setup, s.qi, *s.queue, s.index, *s.ins), message);
  }

  void check_queue(std::size_t core, bool setup, std::size_t qi, const Queue& q) {
    Loaded loaded;
    for (std::size_t i = 0; i < q.instructions.size(); ++i) {
      const Instruction& ins = q.instructions[i];
      Site s{core, setup, qi, &q, i, &ins};
      if (static_cast<int>(ins.opcode) >= kNumOpcodes) {
        fail(s, "opcode " + std::to_string(static_cast<int>(ins.opcode)) + " out of range");
        continue;
      }
      check_engine_and_operands(s);
      check_semaphores(s);
      check_fields(s, loaded);
      if (ins.opcode == Opcode::kLoadWeights && ins.src0.valid()) {
        loaded = {true, ins.src0.partitions, ins.src0.free_elements()};
      }
      if (!p_.layers.empty() && ins.layer >= p_.layers.size()) {
        fail(s, "layer " + std::to_string(ins.layer) + " is not one of the program's " +
                    std::to_string(p_.layers.size()) + " layers");
      }
    }
  }

  void check_engine_and_operands(const Site& s) {
    const Instruction& ins = *s.ins;
    const OpcodeInfo& info = opcode_info(ins.opcode);
    if (ins.opcode != Opcode::kNop && static_cast<int>(s.queue->engine) < kNumEngineKinds &&
        info.engine != s.queue->engine) {
      fail(s, std::string(info.text) + " runs on the " + std::string(engine_text(info.engine)) +
                  " engine, not on a " + std::string(engine_text(s.queue->engine)) + " queue");
    }
    bool src1_required = ins.opcode == Opcode::kTensorTensor ||
                         (ins.opcode == Opcode::kTensorScalar && (ins.flags & kPerPartition));
    for (const OperandSlot& slot : kOperandSlots) {
      const AccessPattern& ap = ins.*slot.pattern;
      bool allowed = (info.operands & slot.bit) != 0;
      bool required = allowed && (slot.bit != kSrc1 || src1_required);
      if (static_cast<int>(ap.space) >= kNumMemSpaces) {
        fail(s, std::string(slot.name) + " memory space out of range");
      } else if (required && !ap.valid()) {
        fail(s, std::string("missing ") + slot.name + " operand");
      } else if (!allowed && ap.valid()) {
        fail(s, std::string(info.text) + " takes no " + slot.name + " operand");
      } else if (ap.valid()) {
        check_pattern(s, ap, slot.name);
      }
    }
  }

  void check_pattern(const Site& s, const AccessPattern& ap, const char* name) {
    std::string what = name;
    if (static_cast<int>(ap.dtype) >= kNumDTypes) {
      fail(s, what + " dtype out of range");
      return;
    }
    if (ap.core >= p_.cores.size()) {
      fail(s, what + " is on core " + std::to_string(ap.core) + ", not a core of this program (" +
                  std::to_string(p_.cores.size()) + " cores)");
      return;
    }
    bool dma = s.queue->engine == EngineKind::kDma;
    if (!dma && ap.space == MemSpace::kDram) {
      fail(s, what + " is in DRAM: only DMA queues access DRAM");
      return;
    }
    if (!dma && ap.core != s.core) {
      fail(s, what + " is in core " + std::to_string(ap.core) +
                  "'s memory: compute engines only access their own core's SBUF and PSUM");
    }
    if (ap.partitions == 0 || ap.free_elements() == 0) {
      fail(s, what + " is empty (a count of 0)");
      return;
    }
    int esize = dtype_bytes(ap.dtype);
    if (ap.space == MemSpace::kDram) {
      if (ap.partition != 0)
        fail(s, what + " is in DRAM but names partition " + std::to_string(ap.partition));
      Extent e = element_extent(ap, true);
      Wide start = Wide{ap.offset} + e.lo * esize;
      Wide end = Wide{ap.offset} + (e.hi + 1) * esize;
      if (!dram_[ap.core].contains(start, end)) {
        fail(s, what + " DRAM bytes [" + to_string(start) + ", " + to_string(end) + ") of core " +
                    std::to_string(ap.core) + " are not inside any tensor declared on that core");
      }
      return;
    }
    bool sbuf = ap.space == MemSpace::kSbuf;
    std::uint64_t partitions = sbuf ? c_.sbuf.partitions : c_.psum.partitions;
    std::uint64_t bytes = sbuf ? c_.sbuf.partition_bytes() : c_.psum.partition_bytes();
    const char* mem = sbuf ? "SBUF" : "PSUM";
    if (std::uint64_t{ap.partition} + ap.partitions > partitions) {
      fail(s, what + " partitions " + std::to_string(ap.partition) + ".." +
                  std::to_string(ap.partition + ap.partitions - 1) + " exceed the " +
                  std::to_string(partitions) + " " + mem + " partitions");
    }
    if (ap.partition_stride != 0) fail(s, what + " has a row stride, which only DRAM has");
    Extent e = element_extent(ap, false);
    Wide start = Wide{ap.offset} + e.lo * esize;
    Wide end = Wide{ap.offset} + (e.hi + 1) * esize;
    if (start < 0 || end > static_cast<Wide>(bytes)) {
      fail(s, what + " bytes [" + to_string(start) + ", " + to_string(end) +
                  ") of each partition exceed the " + std::to_string(bytes) + " bytes of a " + mem +
                  " partition");
    }
  }

  void check_semaphores(const Site& s) {
    const Instruction& ins = *s.ins;
    for (const SemaphoreWait& w : ins.waits) {
      if (w.semaphore == kNoSemaphore) {
        if (w.value != 0) fail(s, "waits for " + std::to_string(w.value) + " on no semaphore");
      } else if (w.semaphore >= c_.semaphores) {
        fail(s, "waits on semaphore " + std::to_string(w.semaphore) + " but the core has " +
                    std::to_string(c_.semaphores));
      }
    }
    const SemaphoreSignal& sig = ins.signal;
    if (sig.semaphore == kNoSemaphore) return;
    if (sig.semaphore >= c_.semaphores) {
      fail(s, "signals semaphore " + std::to_string(sig.semaphore) + " but a core has " +
                  std::to_string(c_.semaphores));
    }
    if (sig.core != kThisCore && sig.core >= p_.cores.size()) {
      fail(s, "signals core " + std::to_string(sig.core) + ", not a core of this program (" +
                  std::to_string(p_.cores.size()) + " cores)");
    }
  }

  // The weights the Tensor Engine holds: (K, M) of the last LoadWeights on the queue.
  struct Loaded {
    bool any = false;
    std::uint64_t k = 0, m = 0;
  };

  void require(const Site& s, bool ok, const std::string& message) {
    if (!ok) fail(s, message);
  }

  void same_shape(const Site& s, const AccessPattern& a, const char* an, const AccessPattern& b,
                  const char* bn) {
    if (!a.valid() || !b.valid()) return;
    if (a.partitions != b.partitions || a.free_elements() != b.free_elements()) {
      fail(s, std::string(an) + " is " + std::to_string(a.partitions) + " x " +
                  std::to_string(a.free_elements()) + " but " + bn + " is " +
                  std::to_string(b.partitions) + " x " + std::to_string(b.free_elements()) +
                  " (partitions x free elements)");
    }
  }

  void per_partition_column(const Site& s, std::uint64_t columns, const char* what) {
    const AccessPattern& ap = s.ins->src1;
    const AccessPattern& dst = s.ins->dst;
    if (!ap.valid() || !dst.valid()) return;
    if (ap.partitions != dst.partitions || ap.free_elements() < columns) {
      fail(s, std::string("src1 (") + what + ") must cover dst's " +
                  std::to_string(dst.partitions) + " partitions with at least " +
                  std::to_string(columns) + " elements each");
    }
  }

  // func and func2 name values of the kinds the opcode table gives.
  void check_funcs(const Site& s) {
    const Instruction& ins = *s.ins;
    const OpcodeInfo& info = opcode_info(ins.opcode);
    if (ins.func >= func_values(info.func)) {
      fail(s, std::string(func_kind_text(info.func)) + " " + std::to_string(ins.func) +
                  " out of range");
    }
    if (ins.func2 >= func_values(info.func2)) {
      fail(s, "second " + std::string(func_kind_text(info.func2)) + " " +
                  std::to_string(ins.func2) + " out of range");
    }
  }

  // Opcode-specific rules from the semantics in isa/instruction.h.
  void check_fields(const Site& s, const Loaded& loaded) {
    const Instruction& ins = *s.ins;
    check_funcs(s);
    switch (ins.opcode) {
      case Opcode::kDmaCopy:
        same_shape(s, ins.dst, "dst", ins.src0, "src0");
        break;
      case Opcode::kLoadWeights:
        check_load_weights(s);
        break;
      case Opcode::kMatMul:
        check_matmul_dst(s);
        check_matmul_src(s, loaded);
        break;
      case Opcode::kTranspose:
        check_transpose(s);
        break;
      case Opcode::kActivate:
        if (ins.dst.valid()) require(s, ins.dst.space == MemSpace::kSbuf, "activate writes SBUF");
        same_shape(s, ins.dst, "dst", ins.src0, "src0");
        per_partition_column(s, 1, "the per-partition bias");
        break;
      case Opcode::kPool:
        check_pool(s);
        break;
      case Opcode::kTensorTensor:
        same_shape(s, ins.dst, "dst", ins.src0, "src0");
        same_shape(s, ins.src1, "src1", ins.src0, "src0");
        break;
      case Opcode::kTensorScalar:
        same_shape(s, ins.dst, "dst", ins.src0, "src0");
        if (ins.flags & kPerPartition) {
          per_partition_column(s, ins.func2 == static_cast<std::uint8_t>(AluOp::kNone) ? 1 : 2,
                               "the per-partition scalars");
        }
        break;
      case Opcode::kReduce:
        check_reduce(s);
        break;
      case Opcode::kMemset:
      case Opcode::kNop:
        break;
    }
  }

  void check_load_weights(const Site& s) {
    const AccessPattern& src0 = s.ins->src0;
    if (!src0.valid()) return;
    auto rows = static_cast<std::uint64_t>(c_.tensor.rows);
    auto cols = static_cast<std::uint64_t>(c_.tensor.cols);
    require(s, src0.space == MemSpace::kSbuf, "load_weights reads its weights from SBUF");
    require(s, src0.partitions <= rows,
            "K = " + std::to_string(src0.partitions) + " weight rows exceed the " +
                std::to_string(rows) + " rows of the array");
    require(s, src0.free_elements() <= cols,
            "M = " + std::to_string(src0.free_elements()) + " weight columns exceed the " +
                std::to_string(cols) + " columns of the array");
  }

  void check_matmul_dst(const Site& s) {
    const AccessPattern& dst = s.ins->dst;
    if (!dst.valid()) return;
    require(s, dst.space == MemSpace::kPsum && dst.dtype == DType::kFp32,
            "matmul writes fp32 into PSUM");
    std::uint64_t n_bytes = dst.free_elements() * 4;
    std::uint64_t bank = c_.psum.bank_bytes();
    Extent e = element_extent(dst, false);
    Wide first = Wide{dst.offset} + e.lo * 4, last = Wide{dst.offset} + e.hi * 4 + 3;
    if (n_bytes > bank) {
      fail(s, "N = " + std::to_string(dst.free_elements()) + " fp32 columns exceed one " +
                  std::to_string(bank) + "-byte PSUM bank");
    } else if (bank > 0 && first >= 0 && first / bank != last / bank) {
      fail(s, "dst bytes [" + to_string(first) + ", " + to_string(last + 1) +
                  ") straddle a PSUM bank boundary (banks of " + std::to_string(bank) + " bytes)");
    }
  }

  void check_matmul_src(const Site& s, const Loaded& loaded) {
    const AccessPattern& dst = s.ins->dst;
    const AccessPattern& src0 = s.ins->src0;
    if (!src0.valid()) return;
    require(s, src0.space == MemSpace::kSbuf, "matmul's moving tile comes from SBUF");
    if (!loaded.any) {
      fail(s, "matmul with no load_weights before it on this queue");
    } else {
      require(s, src0.partitions == loaded.k,
              "moving tile has " + std::to_string(src0.partitions) +
                  " partitions but the loaded weights have K = " + std::to_string(loaded.k));
      if (dst.valid()) {
        require(s, dst.partitions == loaded.m,
                "dst has " + std::to_string(dst.partitions) +
                    " partitions but the loaded weights have M = " + std::to_string(loaded.m));
      }
    }
    if (dst.valid()) {
      require(s, dst.free_elements() == src0.free_elements(),
              "dst has " + std::to_string(dst.free_elements()) +
                  " columns but the moving tile has N = " + std::to_string(src0.free_elements()));
    }
  }

  void check_transpose(const Site& s) {
    const AccessPattern& dst = s.ins->dst;
    const AccessPattern& src0 = s.ins->src0;
    auto rows = static_cast<std::uint64_t>(c_.tensor.rows);
    auto cols = static_cast<std::uint64_t>(c_.tensor.cols);
    if (src0.valid()) {
      require(s, src0.space == MemSpace::kSbuf, "transpose reads SBUF");
      require(s, src0.partitions <= rows && src0.free_elements() <= cols,
              "src0 is " + std::to_string(src0.partitions) + " x " +
                  std::to_string(src0.free_elements()) + ", more than the " + std::to_string(rows) +
                  " x " + std::to_string(cols) + " array");
    }
    if (dst.valid()) require(s, dst.space == MemSpace::kPsum, "transpose writes PSUM");
    if (src0.valid() && dst.valid()) {
      require(s, dst.partitions == src0.free_elements() && dst.free_elements() == src0.partitions,
              "dst must be src0 transposed (" + std::to_string(src0.free_elements()) + " x " +
                  std::to_string(src0.partitions) + "), not " + std::to_string(dst.partitions) +
                  " x " + std::to_string(dst.free_elements()));
    }
  }

  void check_reduce(const Site& s) {
    const Instruction& ins = *s.ins;
    const AccessPattern& dst = ins.dst;
    const AccessPattern& src0 = ins.src0;
    if (ins.func < kNumAluOps) {  // else check_funcs has said so
      require(s,
              ins.func == static_cast<std::uint8_t>(AluOp::kAdd) ||
                  ins.func == static_cast<std::uint8_t>(AluOp::kMax),
              "reduce is add or max, not " + std::string(alu_text(static_cast<AluOp>(ins.func))));
    }
    if (dst.valid() && src0.valid() && src0.dims[2].count != 0) {
      std::uint64_t kept = src0.free_elements() / src0.dims[2].count;
      require(s, dst.partitions == src0.partitions && dst.free_elements() == kept,
              "dst must be " + std::to_string(src0.partitions) + " x " + std::to_string(kept) +
                  " (src0 without its innermost dim), not " + std::to_string(dst.partitions) +
                  " x " + std::to_string(dst.free_elements()));
    }
  }

  void check_pool(const Site& s) {
    const Instruction& ins = *s.ins;
    if (ins.window_h == 0 || ins.window_w == 0 || ins.stride_h == 0 || ins.stride_w == 0) {
      fail(s, "pool window and stride must be at least 1");
      return;
    }
    if (ins.pad_top >= ins.window_h || ins.pad_left >= ins.window_w) {
      fail(s, "pool padding must be smaller than the window");
    }
    const AccessPattern& dst = ins.dst;
    const AccessPattern& src = ins.src0;
    if (!dst.valid() || !src.valid()) return;
    if (dst.partitions != src.partitions || dst.dims[0].count != src.dims[0].count) {
      fail(s, "pool dst and src0 must have the same partitions and batch (dims[0])");
      return;
    }
    std::uint64_t oh = dst.dims[1].count, ow = dst.dims[2].count;
    std::uint64_t h = src.dims[1].count, w = src.dims[2].count;
    // The last window must still overlap the input.
    if (oh == 0 || ow == 0 || (oh - 1) * ins.stride_h >= h + ins.pad_top ||
        (ow - 1) * ins.stride_w >= w + ins.pad_left) {
      fail(s, "pool output " + std::to_string(oh) + " x " + std::to_string(ow) +
                  " has windows that lie wholly outside the " + std::to_string(h) + " x " +
                  std::to_string(w) + " input");
    }
  }

  const Program& p_;
  const NeuronCoreConfig& c_;
  std::vector<DramMap> dram_;
  std::vector<Diagnostic> out_;
};

}  // namespace

std::vector<Diagnostic> verify_program(const Program& program,
                                       const NeuronCoreConfig& core_config) {
  return Verifier(program, core_config).run();
}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += d.location + ": " + d.message + "\n";
  return out;
}

void verify_or_throw(const Program& program, const NeuronCoreConfig& core_config) {
  std::vector<Diagnostic> diagnostics = verify_program(program, core_config);
  if (diagnostics.empty()) return;
  std::string text = format_diagnostics(diagnostics);
  text.pop_back();
  throw IsaError("program '" + program.options.model + "' failed verification with " +
                 std::to_string(diagnostics.size()) + " problem" +
                 (diagnostics.size() == 1 ? "" : "s") + ":\n" + text);
}

}  // namespace infsim::isa
