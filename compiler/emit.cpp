#include "compiler/emit.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "compiler/compile_error.h"
#include "compiler/layout.h"
#include "compiler/lowering.h"
#include "isa/panic.h"

namespace infsim::compiler {
namespace {

using isa::axis;
using isa::dims;

std::uint64_t align(std::uint64_t x) {
  return (x + 63) & ~std::uint64_t{63};
}

// C-major memory order of a logical shape: [N, C, H, W] -> C, N, H, W; [N, F] -> F, N;
// [N, S, F] -> F, N, S.
std::vector<int> channel_major(std::size_t rank) {
  if (rank == 4) return {1, 0, 2, 3};
  if (rank == 3) return {2, 0, 1};
  return {1, 0};
}

isa::Instruction dma(const isa::AccessPattern& dst, const isa::AccessPattern& src) {
  isa::Instruction ins;
  ins.opcode = isa::Opcode::kDmaCopy;
  ins.dst = dst;
  ins.src0 = src;
  return ins;
}

class ProgramBuilder {
 public:
  ProgramBuilder(const LayerGraph& graph, const StagePlan& stages, const MemoryPlan& plan,
                 const isa::NeuronCoreConfig& core, const CompilerOptions& options)
      : L_(graph, stages, plan, core, options) {}

  isa::Program build(CompileReport& report) {
    const LayerGraph& g = L_.graph;
    const int cores = L_.stages.stages();
    for (int c = 0; c < cores; ++c) add_core(c);
    declare_tensors();
    for (int c = 0; c < cores; ++c) load_setup(c);
    const int n = static_cast<int>(g.layers.size());
    if (L_.plan.segments.empty()) {
      for (int pass = 0; pass < L_.plan.passes; ++pass) {
        L_.image0 = pass * L_.plan.sub_batch;
        L_.images = std::min(L_.plan.sub_batch, g.batch - L_.image0);
        for (int s = 0; s < cores; ++s) {
          std::vector<bool> loaded(g.values.size(), false);
          for (int l = L_.stages.first[s]; l <= L_.stages.last(s, n); ++l)
            lower_layer(l, s, loaded);
          if (s + 1 < cores) send(s, pass);
          if (s > 0 && pass + 1 < L_.plan.passes) release(s);
        }
      }
    } else {
      // One core, each segment through the whole batch before the next (see memory_plan.h).
      for (const Segment& seg : L_.plan.segments) {
        for (int pass = 0; pass < seg.passes; ++pass) {
          L_.image0 = pass * seg.sub_batch;
          L_.images = std::min(seg.sub_batch, g.batch - L_.image0);
          std::vector<bool> loaded(g.values.size(), false);
          for (int l = seg.first; l <= seg.last; ++l) lower_layer(l, 0, loaded);
        }
      }
    }
    isa::Program program;
    program.cores = L_.sched.take_programs();
    program.tensors = std::move(L_.tensors);
    fill_layers(program, report);
    fill_memory(program, report);
    return program;
  }

 private:
  // Lowers layer l of core s for the current pass; `loaded`: graph inputs already in SBUF.
  void lower_layer(int l, int s, std::vector<bool>& loaded) {
    const LayerGraph& g = L_.graph;
    const Layer& layer = g.layers[l];
    std::vector<int> reads = layer.inputs;
    if (layer.epilogue.residual >= 0) reads.push_back(layer.epilogue.residual);
    for (int v : reads)
      if (g.values[v].graph_input && !L_.plan.in_dram[v] && !loaded[v]) {
        L_.load_input(v, s, static_cast<std::uint32_t>(l));
        loaded[v] = true;
      }
    if (L_.plan.constants_streamed && L_.const_tensor[l] >= 0) {
      L_.sched.emit(s, L_.queues[s].dma_weights, load_constants(l, s),
                    static_cast<std::uint32_t>(l));
      L_.weights_streamed[s] += L_.tensors[L_.const_tensor[l]].bytes;
    }
    L_.clear_halo(layer.output, s, static_cast<std::uint32_t>(l));
    switch (layer.kind) {
      case LayerKind::kConv:
        lower_conv(L_, l, s);
        break;
      case LayerKind::kPool:
        lower_pool(L_, l, s);
        break;
      case LayerKind::kEltwise:
        lower_eltwise(L_, l, s);
        break;
      case LayerKind::kActivation:
        lower_activation(L_, l, s);
        break;
      case LayerKind::kScaleBias:
        lower_scale_bias(L_, l, s);
        break;
      case LayerKind::kConcat:
        lower_concat(L_, l, s);
        break;
      case LayerKind::kAttention:
        lower_attention(L_, l, s);
        break;
      case LayerKind::kLayerNorm:
        lower_layer_norm(L_, l, s);
        break;
      case LayerKind::kResize:
        lower_resize(L_, l, s);
        break;
      case LayerKind::kSlice:
        lower_slice(L_, l, s);
        break;
      case LayerKind::kPad:
        lower_pad(L_, l, s);
        break;
      case LayerKind::kTopK:
        lower_topk(L_, l, s);
        break;
    }
    if (g.values[layer.output].graph_output && !L_.plan.in_dram[layer.output])
      L_.store_output(layer.output, s, static_cast<std::uint32_t>(l));
  }

  // The DMA queues of one core: each role has a preferred (engine, queue), folded onto the
  // configured engines (engine modulo their count) and moved to the engine's next free queue
  // when taken, so the plan works on any DMA configuration and is unchanged on the default.
  struct DmaQueues {
    const isa::DmaConfig& dma;
    std::vector<std::vector<bool>> taken;
    explicit DmaQueues(const isa::DmaConfig& d)
        : dma(d), taken(static_cast<std::size_t>(d.engines)) {}
    std::pair<int, int> take(int engine, int queue) {
      std::vector<bool>& used = taken[static_cast<std::size_t>(engine % dma.engines)];
      used.resize(static_cast<std::size_t>(dma.queues_per_engine), false);
      for (int k = 0; k < dma.queues_per_engine; ++k) {
        const int qi = (queue + k) % dma.queues_per_engine;
        if (!used[static_cast<std::size_t>(qi)]) {
          used[static_cast<std::size_t>(qi)] = true;
          return {engine % dma.engines, qi};
        }
      }
      throw CompileError("the program needs more DMA queues per NeuronCore than the " +
                             std::to_string(dma.engines * dma.queues_per_engine) +
                             " of chip.core.dma.engines x chip.core.dma.queues_per_engine",
                         ErrorKind::kDoesNotFit);
    }
  };

  void add_core(int c) {
    Scheduler& s = L_.sched;
    s.add_core();
    CoreQueues q;
    DmaQueues dq(L_.core.dma);
    auto dma_queue = [&](int engine, int queue) {
      const auto [e, qi] = dq.take(engine, queue);
      return s.add_queue(c, isa::EngineKind::kDma, e, qi);
    };
    q.tensor = s.add_queue(c, isa::EngineKind::kTensor);
    q.scalar = s.add_queue(c, isa::EngineKind::kScalar);
    q.vector = s.add_queue(c, isa::EngineKind::kVector);
    q.dma_in = dma_queue(0, 0);
    q.dma_weights = dma_queue(1, 0);
    q.dma_out = dma_queue(2, 0);
    q.dma_weights_alt = dma_queue(0, 3);
    if (L_.stages.stages() > 1) {
      q.dma_send = dma_queue(2, 1);
      q.release = dma_queue(0, 1);
      q.from_prev = s.add_channel(c);
      q.ack_from_next = s.add_channel(c);
    }
    for (int e = 0; e < L_.core.dma.engines; ++e) {
      const auto [engine, queue] = dq.take(e, 2);
      q.setup.push_back(s.add_setup_queue(c, engine, queue));
    }
    L_.queues.push_back(q);
    L_.ring_next.push_back(0);
    L_.staging_next.push_back(0);
    L_.bounce_next.push_back(0);
    L_.weights_streamed.push_back(0);
  }

  int add_tensor(isa::TensorDecl t) {
    t.dram_offset = dram_next_;
    dram_next_ += align(t.bytes);
    L_.tensors.push_back(std::move(t));
    return static_cast<int>(L_.tensors.size()) - 1;
  }

  // Every DRAM tensor, in this order: graph inputs, graph outputs, spilled activations, then
  // each layer's parameters.
  void declare_tensors() {
    const LayerGraph& g = L_.graph;
    const int n = static_cast<int>(g.layers.size());
    L_.value_tensor.assign(g.values.size(), -1);
    L_.weight_tensor.assign(n, -1);
    L_.const_tensor.assign(n, -1);
    for (int v : g.inputs) {
      int core =
          g.values[v].consumers.empty() ? 0 : L_.stages.layer_stage[g.values[v].consumers.front()];
      declare_activation(v, isa::TensorKind::kInput, core);
    }
    for (int v : g.outputs)
      declare_activation(v, isa::TensorKind::kOutput, L_.stages.layer_stage[g.values[v].producer]);
    for (std::size_t v = 0; v < g.values.size(); ++v)
      if (L_.plan.in_dram[v] && !g.values[v].graph_input && !g.values[v].graph_output)
        declare_activation(static_cast<int>(v), isa::TensorKind::kSpill,
                           L_.stages.layer_stage[g.values[v].producer]);
    for (int l = 0; l < n; ++l) {
      const LayerKind kind = g.layers[l].kind;
      if (kind == LayerKind::kConv) {
        declare_conv_parameters(l);
      } else if (kind == LayerKind::kScaleBias || kind == LayerKind::kLayerNorm) {
        declare_scale_shift(l);
      }
    }
  }

  void declare_activation(int v, isa::TensorKind kind, int core) {
    const Value& val = L_.graph.values[v];
    isa::TensorDecl t;
    t.name = val.name;
    t.kind = kind;
    t.dtype = L_.dtype();
    t.shape = val.shape;
    t.dim_order = channel_major(val.shape.size());
    t.core = static_cast<std::uint16_t>(core);
    std::uint64_t elems = 1;
    for (auto d : val.shape) elems *= static_cast<std::uint64_t>(d);
    t.bytes = elems * L_.dsize;
    L_.value_tensor[v] = add_tensor(std::move(t));
  }

  // A convolution's packed weights, then its biases (fp32: row p holds partition p's bias for
  // every output block); values only with weight data.
  void declare_conv_parameters(int l) {
    const LayerGraph& g = L_.graph;
    const Layer& layer = g.layers[l];
    const isa::DType dt = L_.dtype();
    const auto core = static_cast<std::uint16_t>(L_.stages.layer_stage[l]);
    const ConvGeometry& geo = L_.plan.geometry[l];
    const int cin = g.values[layer.inputs[0]].channels, cout = g.values[layer.output].channels;
    isa::TensorDecl w;
    w.name = layer.name + ".weight";
    w.kind = isa::TensorKind::kWeight;
    w.dtype = dt;
    w.shape = {static_cast<std::int64_t>(geo.weight_bytes / L_.dsize)};
    w.dim_order = {0};
    w.core = core;
    w.bytes = geo.weight_bytes;
    bool have = L_.options.weight_data && !layer.conv.weights.empty();
    if (have) w.data = pack_conv_weights(layer, cin, cout, geo, L_.partitions(), dt);
    L_.weight_tensor[l] = add_tensor(std::move(w));
    const int blocks = static_cast<int>(geo.blocks.size());
    const int rows = bias_rows(l);
    isa::TensorDecl b;
    b.name = layer.name + ".bias";
    b.kind = isa::TensorKind::kWeight;
    b.dtype = isa::DType::kFp32;
    b.shape = {rows, blocks};
    b.dim_order = {0, 1};
    b.core = core;
    b.bytes = static_cast<std::uint64_t>(rows) * blocks * 4;
    if (have) {
      for (int p = 0; p < rows; ++p)
        for (int j = 0; j < blocks; ++j) {
          const WeightBlock& blk = geo.blocks[j];
          float v = p < blk.count && !layer.conv.bias.empty() ? layer.conv.bias[blk.co0 + p] : 0.0f;
          append_converted(b.data, v, isa::DType::kFp32);
        }
    }
    L_.const_tensor[l] = add_tensor(std::move(b));
  }

  // Per-channel scale and shift (fp32 pairs, row p for partition p of every channel tile).
  void declare_scale_shift(int l) {
    const Layer& layer = L_.graph.layers[l];
    const int channels = L_.graph.values[layer.output].channels;
    const int tiles = L_.tiles(channels);
    const int rows = std::min(L_.partitions(), channels);
    isa::TensorDecl t;
    t.name = layer.name + ".scale_shift";
    t.kind = isa::TensorKind::kWeight;
    t.dtype = isa::DType::kFp32;
    t.shape = {rows, tiles, 2};
    t.dim_order = {0, 1, 2};
    t.core = static_cast<std::uint16_t>(L_.stages.layer_stage[l]);
    t.bytes = static_cast<std::uint64_t>(rows) * tiles * 8;
    if (L_.options.weight_data && !layer.scale.empty()) {
      for (int p = 0; p < rows; ++p)
        for (int j = 0; j < tiles; ++j) {
          int c = j * L_.partitions() + p;
          bool in = c < channels;
          append_converted(t.data, in ? layer.scale[c] : 0.0f, isa::DType::kFp32);
          append_converted(t.data, in ? layer.shift[c] : 0.0f, isa::DType::kFp32);
        }
    }
    L_.const_tensor[l] = add_tensor(std::move(t));
  }

  int bias_rows(int l) const {
    int rows = 0;
    for (const WeightBlock& b : L_.plan.geometry[l].blocks) rows = std::max(rows, b.count);
    return rows;
  }

  // The DMA that brings layer l's constants (fp32 rows) from DRAM to const_offset on core c:
  // at model load, or when the layer runs if the plan streams them.
  isa::Instruction load_constants(int l, int c) const {
    const isa::TensorDecl& t = L_.tensors[L_.const_tensor[l]];
    const auto rows = static_cast<std::uint16_t>(t.shape[0]);
    const auto row = static_cast<std::uint32_t>(t.bytes / 4 / rows);
    return dma(isa::sbuf(0, rows, L_.plan.const_offset[l], {row}, isa::DType::kFp32,
                         static_cast<std::uint16_t>(c)),
               isa::dram(t.dram_offset, rows, {row}, isa::DType::kFp32, t.core));
  }

  void load_setup(int c) {
    const LayerGraph& g = L_.graph;
    const int n = static_cast<int>(g.layers.size());
    const CoreQueues& q = L_.queues[c];
    const auto core16 = static_cast<std::uint16_t>(c);
    int next = 0;
    auto setup = [&](const isa::Instruction& ins, int l) {
      L_.sched.emit_setup(c, q.setup[next], ins, static_cast<std::uint32_t>(l));
      next = (next + 1) % static_cast<int>(q.setup.size());
    };
    for (int l = L_.stages.first[c]; l <= L_.stages.last(c, n); ++l) {
      if (L_.const_tensor[l] >= 0 && !L_.plan.constants_streamed) setup(load_constants(l, c), l);
      if (L_.weight_tensor[l] >= 0 && L_.plan.resident[l]) {
        const isa::TensorDecl& t = L_.tensors[L_.weight_tensor[l]];
        std::uint64_t sbuf_at = L_.plan.weight_offset[l];
        // One DMA per input-channel segment: its partitions, `row` elements each, dense in DRAM.
        auto load_segment = [&](const CiSegment& seg, std::uint64_t sbuf_offset,
                                std::uint64_t dram_at, std::uint32_t row) {
          const auto rows = static_cast<std::uint16_t>(seg.p_hi - seg.p_lo);
          setup(dma(isa::sbuf(static_cast<std::uint16_t>(seg.p_lo), rows, sbuf_offset, {row},
                              L_.dtype(), core16),
                    isa::dram(dram_at, rows, {row}, L_.dtype(), t.core)),
                l);
          return rows;
        };
        for (const WeightBlock& b : L_.plan.geometry[l].blocks) {
          std::uint64_t dram_at = t.dram_offset + b.dram_offset, seg_at = sbuf_at;
          if (b.interleaved) {
            load_segment(b.segments[0], sbuf_at, dram_at,
                         static_cast<std::uint32_t>(b.sbuf_bytes / L_.dsize));
            sbuf_at += b.sbuf_bytes;
            continue;
          }
          for (std::size_t s = 0; s < b.segments.size(); ++s) {
            const auto row = static_cast<std::uint32_t>(b.seg_elements[s]);
            const std::uint16_t rows = load_segment(b.segments[s], seg_at, dram_at, row);
            dram_at += std::uint64_t{rows} * row * L_.dsize;
            seg_at += row * L_.dsize;
          }
          sbuf_at += b.sbuf_bytes;
        }
      }
    }
  }

  // Hands the value crossing to stage s + 1 over: whole padded tiles (halo included).
  void send(int s, int pass) {
    const int v = L_.stages.crossing[s];
    const Value& val = L_.graph.values[v];
    const ValueSlot& from = L_.plan.slot(v, s);
    const ValueSlot& to = L_.plan.slot(v, s + 1);
    const auto elems = static_cast<std::uint32_t>(static_cast<std::uint64_t>(L_.images) *
                                                  val.padded_height() * val.padded_width());
    const auto layer =
        static_cast<std::uint32_t>(L_.stages.last(s, static_cast<int>(L_.graph.layers.size())));
    std::vector<Scheduler::After> after;
    if (pass > 0) after.push_back({L_.queues[s].ack_from_next, static_cast<std::uint32_t>(pass)});
    for (int t = 0; t < L_.tiles(val.channels); ++t) {
      const auto p = static_cast<std::uint16_t>(L_.tile_size(val.channels, t));
      isa::Instruction ins = dma(isa::sbuf(0, p, to.offset + t * to.tile_bytes, {elems}, L_.dtype(),
                                           static_cast<std::uint16_t>(s + 1)),
                                 isa::sbuf(0, p, from.offset + t * from.tile_bytes, {elems},
                                           L_.dtype(), static_cast<std::uint16_t>(s)));
      L_.sched.emit(s, L_.queues[s].dma_send, ins, layer,
                    Scheduler::Remote{s + 1, L_.queues[s + 1].from_prev}, after);
    }
  }

  void release(int s) {
    const int v = L_.stages.crossing[s - 1];
    const Value& val = L_.graph.values[v];
    const ValueSlot& slot = L_.plan.slot(v, s);
    const auto elems =
        static_cast<std::uint32_t>(L_.tiles(val.channels) * slot.tile_bytes / L_.dsize);
    const auto layer =
        static_cast<std::uint32_t>(L_.stages.last(s, static_cast<int>(L_.graph.layers.size())));
    L_.sched.emit_release(s, L_.queues[s].release,
                          isa::sbuf(0, L_.partitions(), slot.offset, {elems}, L_.dtype(),
                                    static_cast<std::uint16_t>(s)),
                          layer, Scheduler::Remote{s - 1, L_.queues[s - 1].ack_from_next});
  }

  // Per layer: the PSUM banks its inference instructions read or write (a bank accumulates one
  // output tile; the lowering rotates through them, so a layer holds the banks it touched).
  std::vector<std::uint64_t> banks_per_layer(const isa::Program& program) const {
    const std::uint64_t bank = L_.core.psum.bank_bytes();
    const auto banks = static_cast<std::size_t>(L_.core.psum.banks);
    std::vector<std::vector<bool>> used(L_.graph.layers.size(), std::vector<bool>(banks, false));
    for (const isa::CoreProgram& core : program.cores)
      for (const isa::Queue& q : core.queues)
        for (const isa::Instruction& inst : q.instructions)
          for (const isa::OperandSlot& slot : isa::kOperandSlots) {
            const isa::AccessPattern& a = inst.*slot.pattern;
            if (a.space != isa::MemSpace::kPsum || inst.layer >= used.size()) continue;
            const std::uint64_t bytes = a.free_elements() * isa::dtype_bytes(a.dtype);
            if (bytes == 0) continue;
            const std::size_t last =
                std::min<std::size_t>((a.offset + bytes - 1) / bank, banks - 1);
            for (std::size_t b = a.offset / bank; b <= last; ++b) used[inst.layer][b] = true;
          }
    std::vector<std::uint64_t> count;
    for (const std::vector<bool>& u : used)
      count.push_back(static_cast<std::uint64_t>(std::count(u.begin(), u.end(), true)));
    return count;
  }

  void fill_layers(isa::Program& program, CompileReport& report) {
    const LayerGraph& g = L_.graph;
    const auto& busy = L_.sched.layer_busy();
    const std::vector<std::uint64_t> psum_banks = banks_per_layer(program);
    for (std::size_t l = 0; l < g.layers.size(); ++l) {
      const Layer& layer = g.layers[l];
      isa::LayerInfo info;
      info.name = layer.name;
      info.op = layer.op;
      info.macs = layer.macs * static_cast<std::uint64_t>(g.batch);
      info.flops = layer.flops * static_cast<std::uint64_t>(g.batch);
      info.core = static_cast<std::uint16_t>(L_.stages.layer_stage[l]);
      info.sbuf_bytes = L_.plan.sbuf_in_use[l] * L_.partitions();
      info.psum_bytes = psum_banks[l] * L_.core.psum.bank_bytes() *
                        static_cast<std::uint64_t>(L_.core.psum.partitions);
      program.layers.push_back(info);
      LayerEstimate e;
      e.name = layer.name;
      e.op = layer.op;
      e.core = info.core;
      e.macs = info.macs;
      if (l < busy.size()) e.busy = busy[l];
      if (layer.kind == LayerKind::kConv && layer.conv.groups == 1) {
        const Value& in = g.values[layer.inputs[0]];
        const Value& out = g.values[layer.output];
        e.gemm = {
            static_cast<std::uint64_t>(out.pixels()) * static_cast<std::uint64_t>(g.batch),
            static_cast<std::uint64_t>(out.channels),
            static_cast<std::uint64_t>(in.channels) * layer.conv.kernel_h * layer.conv.kernel_w};
      }
      report.layers.push_back(e);
      report.macs += info.macs;
    }
  }

  void fill_memory(isa::Program& program, CompileReport& report) {
    const int n = static_cast<int>(L_.graph.layers.size());
    for (int c = 0; c < L_.stages.stages(); ++c) {
      const CorePlan& cp = L_.plan.cores[c];
      isa::CoreMemoryPlan m;
      m.sbuf_peak = cp.total() * L_.partitions();
      std::uint64_t resident = 0;
      for (int l = L_.stages.first[c]; l <= L_.stages.last(c, n); ++l)
        if (L_.plan.resident[l]) resident += L_.plan.geometry[l].weight_bytes;
      m.sbuf_static_weights = resident;
      m.weights_streamed = L_.weights_streamed[c];
      for (int l = L_.stages.first[c]; l <= L_.stages.last(c, n); ++l)
        m.psum_peak = std::max(m.psum_peak, program.layers[l].psum_bytes);
      for (const isa::TensorDecl& t : program.tensors)
        if (t.core == c) m.dram_bytes += align(t.bytes);
      program.memory.push_back(m);

      CoreReport r;
      const isa::CoreProgram& cpg = program.cores[c];
      for (const isa::Queue& q : cpg.queues)
        r.instructions[static_cast<int>(q.engine)] += q.instructions.size();
      for (const isa::Queue& q : cpg.setup) r.setup_instructions += q.instructions.size();
      r.sbuf_peak = cp.total();
      r.sbuf_capacity = L_.core.sbuf.partition_bytes();
      r.weights_resident = resident;
      r.weights_streamed = m.weights_streamed;
      r.estimated_cycles = L_.sched.core_cycles(c);
      r.first_layer = L_.stages.first[c];
      r.last_layer = L_.stages.last(c, n);
      report.cores.push_back(r);
    }
  }

  Lowering L_;
  std::uint64_t dram_next_ = 0;
};

// Channel tile `tile` of a graph input or output in its DRAM tensor, for the current pass's images,
// as load_input reads and store_output writes it.
isa::AccessPattern io_tile_in_dram(const Lowering& L, int value, int tile) {
  const Value& v = L.graph.values[value];
  return L.dram_rows(value, tile * L.partitions(), L.tile_size(v.channels, tile), 0, 0, v.height,
                     L.images);
}

}  // namespace

isa::AccessPattern Lowering::dram_rows(int value, int channel, int count, int image, int row,
                                       int rows, int count_images) const {
  const Value& v = graph.values[value];
  INFSIM_PANIC_IF(count_images > 1 && (row != 0 || rows != v.height),
                  "several images take whole images", count_images, row, rows, v.height);
  const isa::TensorDecl& t = tensors[value_tensor[value]];
  const std::uint64_t hw = static_cast<std::uint64_t>(v.pixels());
  const std::uint64_t stride = static_cast<std::uint64_t>(graph.batch) * hw;
  const std::uint64_t first = static_cast<std::uint64_t>(channel) * stride +
                              static_cast<std::uint64_t>(image0 + image) * hw +
                              static_cast<std::uint64_t>(row) * v.width;
  const auto elems = static_cast<std::uint32_t>(static_cast<std::uint64_t>(count_images) * rows *
                                                static_cast<std::uint64_t>(v.width));
  return isa::dram(t.dram_offset + first * dsize, static_cast<std::uint16_t>(count),
                   static_cast<std::int64_t>(stride), isa::dense_dims({elems}), dtype(), t.core);
}

std::uint64_t Lowering::interior_offset(int value, int core_id, int tile, int image, int row,
                                        int col) const {
  const Value& v = graph.values[value];
  const ValueSlot& slot = plan.slot(value, core_id);
  std::uint64_t elems =
      (static_cast<std::uint64_t>(image) * v.padded_height() + v.halo_h + row) * v.padded_width() +
      v.halo_w + col;
  return slot.offset + tile * slot.tile_bytes + elems * dsize;
}

isa::AccessPattern Lowering::interior(int value, int core_id, int tile, int partition,
                                      int partitions, int image, int count, int row,
                                      int rows) const {
  const Value& v = graph.values[value];
  const auto hp = static_cast<std::int32_t>(v.padded_height()),
             wp = static_cast<std::int32_t>(v.padded_width());
  return isa::sbuf(static_cast<std::uint16_t>(partition), static_cast<std::uint16_t>(partitions),
                   interior_offset(value, core_id, tile, image, row, 0),
                   dims({axis(static_cast<std::uint32_t>(count), hp * wp),
                         axis(static_cast<std::uint32_t>(rows), wp),
                         axis(static_cast<std::uint32_t>(v.width), 1)}),
                   dtype(), static_cast<std::uint16_t>(core_id));
}

void Lowering::clear_halo(int value, int core_id, std::uint32_t layer) {
  const Value& v = graph.values[value];
  if ((v.halo_h == 0 && v.halo_w == 0) || plan.in_dram[value]) return;
  const ValueSlot& slot = plan.slot(value, core_id);
  const auto hp = static_cast<std::int32_t>(v.padded_height()),
             wp = static_cast<std::int32_t>(v.padded_width());
  const auto n = static_cast<std::uint32_t>(images);
  for (int t = 0; t < tiles(v.channels); ++t) {
    const auto p = static_cast<std::uint16_t>(tile_size(v.channels, t));
    const std::uint64_t base = slot.offset + t * slot.tile_bytes;
    std::vector<isa::AccessPattern> strips;
    if (v.halo_h > 0) {
      auto strip = dims({axis(n, hp * wp), axis(static_cast<std::uint32_t>(v.halo_h * wp), 1)});
      strips.push_back(isa::sbuf(0, p, base, strip, dtype(), static_cast<std::uint16_t>(core_id)));
      strips.push_back(
          isa::sbuf(0, p, base + static_cast<std::uint64_t>(v.halo_h + v.height) * wp * dsize,
                    strip, dtype(), static_cast<std::uint16_t>(core_id)));
    }
    if (v.halo_w > 0) {
      auto cols = dims({axis(n, hp * wp), axis(static_cast<std::uint32_t>(v.height), wp),
                        axis(static_cast<std::uint32_t>(v.halo_w), 1)});
      const std::uint64_t row0 = base + static_cast<std::uint64_t>(v.halo_h) * wp * dsize;
      strips.push_back(isa::sbuf(0, p, row0, cols, dtype(), static_cast<std::uint16_t>(core_id)));
      strips.push_back(isa::sbuf(0, p,
                                 row0 + static_cast<std::uint64_t>(v.halo_w + v.width) * dsize,
                                 cols, dtype(), static_cast<std::uint16_t>(core_id)));
    }
    for (const isa::AccessPattern& ap : strips) {
      isa::Instruction ins;
      ins.opcode = isa::Opcode::kMemset;
      ins.dst = ap;
      ins.scale = 0.0f;
      sched.emit(core_id, queues[core_id].vector, ins, layer);
    }
  }
}

void Lowering::store_output(int value, int core_id, std::uint32_t layer) {
  const Value& v = graph.values[value];
  for (int tile = 0; tile < tiles(v.channels); ++tile) {
    const int p = tile_size(v.channels, tile);
    isa::Instruction ins;
    ins.opcode = isa::Opcode::kDmaCopy;
    ins.src0 = interior(value, core_id, tile, 0, p, 0, images, 0, v.height);
    ins.dst = io_tile_in_dram(*this, value, tile);
    sched.emit(core_id, queues[core_id].dma_out, ins, layer);
  }
}

void Lowering::load_input(int value, int core_id, std::uint32_t layer) {
  const Value& v = graph.values[value];
  clear_halo(value, core_id, layer);
  for (int tile = 0; tile < tiles(v.channels); ++tile) {
    const int p = tile_size(v.channels, tile);
    isa::Instruction ins;
    ins.opcode = isa::Opcode::kDmaCopy;
    ins.dst = interior(value, core_id, tile, 0, p, 0, images, 0, v.height);
    ins.src0 = io_tile_in_dram(*this, value, tile);
    sched.emit(core_id, queues[core_id].dma_in, ins, layer);
  }
}

isa::Program emit_program(const LayerGraph& graph, const StagePlan& stages, const MemoryPlan& plan,
                          const isa::NeuronCoreConfig& core, const CompilerOptions& options,
                          CompileReport& report) {
  return ProgramBuilder(graph, stages, plan, core, options).build(report);
}

}  // namespace infsim::compiler
