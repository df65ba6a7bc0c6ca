#include "compiler/memory_plan.h"

#include <algorithm>
#include <string>

#include "compiler/compile_error.h"
#include "isa/panic.h"

namespace infsim::compiler {
namespace {

std::uint64_t align(std::uint64_t x) {
  return (x + 63) & ~std::uint64_t{63};
}

struct Item {
  int value;
  int start, end;
  std::uint64_t size;
  int images;
  std::uint64_t offset = 0;
};

enum class Mode { kFewestSpills, kSpillForBatch, kSegmented };

// First fit over lifetimes; returns the peak.
std::uint64_t allocate(std::vector<Item>& items) {
  std::vector<Item*> order;
  for (Item& it : items) order.push_back(&it);
  std::stable_sort(order.begin(), order.end(),
                   [](const Item* a, const Item* b) { return a->start < b->start; });
  std::vector<Item*> active;
  std::uint64_t peak = 0;
  for (Item* it : order) {
    active.erase(std::remove_if(active.begin(), active.end(),
                                [&](const Item* a) { return a->end < it->start; }),
                 active.end());
    std::sort(active.begin(), active.end(),
              [](const Item* a, const Item* b) { return a->offset < b->offset; });
    std::uint64_t at = 0;
    for (const Item* a : active) {
      if (a->offset >= at + it->size) break;
      at = std::max(at, a->offset + a->size);
    }
    it->offset = at;
    peak = std::max(peak, at + it->size);
    active.push_back(it);
  }
  return peak;
}

std::uint64_t tile_bytes(const Value& v, int images, std::uint64_t dsize) {
  return align(static_cast<std::uint64_t>(images) * v.padded_height() * v.padded_width() * dsize);
}

}  // namespace

std::uint64_t psum_bank_elements(const isa::NeuronCoreConfig& core) {
  return core.psum.bank_bytes() / 4;
}

int staged_rows(const LayerGraph& graph, int layer, const isa::NeuronCoreConfig& core,
                isa::DType dtype) {
  const Layer& l = graph.layers[layer];
  const ConvParams& c = l.conv;
  const Value& in = graph.values[l.inputs[0]];
  const std::uint64_t row_bytes =
      static_cast<std::uint64_t>(channel_tiles(in.channels, core.sbuf.partitions)) *
      (in.width + c.pad_left + c.pad_right) * static_cast<std::uint64_t>(isa::dtype_bytes(dtype));
  const std::uint64_t budget = core.sbuf.partition_bytes() / kStagingShare;
  int rows = 1;
  while (true) {
    const std::uint64_t rows_in = static_cast<std::uint64_t>(rows) * c.stride_h +
                                  static_cast<std::uint64_t>(c.kernel_h - 1) * c.dilation_h + 1;
    if (rows_in * row_bytes > budget) break;
    ++rows;
  }
  return rows;
}

namespace {

MemoryPlan plan_impl(const LayerGraph& graph, const StagePlan& stages,
                     const isa::NeuronCoreConfig& core, isa::DType dtype, Mode mode) {
  const int n = static_cast<int>(graph.layers.size());
  const std::uint64_t dsize = static_cast<std::uint64_t>(isa::dtype_bytes(dtype));
  const std::uint64_t capacity = core.sbuf.partition_bytes();
  const std::uint64_t bank = psum_bank_elements(core);
  MemoryPlan plan;
  plan.cores.resize(stages.stages());
  plan.geometry.resize(n);
  plan.resident.assign(n, false);
  plan.weight_offset.assign(n, 0);
  plan.const_offset.assign(n, 0);
  plan.staging_bytes.assign(n, 0);
  plan.in_dram.assign(graph.values.size(), false);
  plan.reload.assign(graph.values.size(), false);

  for (int v : graph.inputs) {
    const Value& val = graph.values[v];
    bool all_conv = std::all_of(val.consumers.begin(), val.consumers.end(), [&](int l) {
      return graph.layers[l].kind == LayerKind::kConv && graph.layers[l].inputs[0] == v;
    });
    std::uint64_t per_image =
        static_cast<std::uint64_t>(channel_tiles(val.channels, core.sbuf.partitions)) *
        val.padded_height() * val.padded_width() * dsize;
    plan.in_dram[v] = all_conv && per_image > capacity / 16;
  }

  for (int s = 0; s < stages.stages(); ++s) {
    CorePlan& cp = plan.cores[s];
    for (int l = stages.first[s]; l <= stages.last(s, n); ++l) {
      const Layer& layer = graph.layers[l];
      const Value& in = graph.values[layer.inputs[0]];
      const Value& out = graph.values[layer.output];
      if (layer.kind == LayerKind::kConv) {
        plan.geometry[l] = conv_geometry(layer, in.channels, out.channels, core, dtype);
        plan.const_offset[l] = cp.const_bytes;
        cp.const_bytes += align(plan.geometry[l].blocks.size() * 4);
      } else if (layer.kind == LayerKind::kScaleBias || layer.kind == LayerKind::kLayerNorm) {
        plan.const_offset[l] = cp.const_bytes;
        cp.const_bytes += align(channel_tiles(out.channels, core.sbuf.partitions) * 8);
      }
    }
  }

  // Staging (bands of DRAM inputs) and bounce buffers (results on their way to DRAM) follow the
  // values kept in DRAM.
  auto plan_staging = [&]() {
    for (int s = 0; s < stages.stages(); ++s) {
      CorePlan& cp = plan.cores[s];
      cp.staging_slot_bytes = 0;
      cp.bounce_slot_bytes = 0;
      for (int l = stages.first[s]; l <= stages.last(s, n); ++l) {
        const Layer& layer = graph.layers[l];
        const Value& in = graph.values[layer.inputs[0]];
        const Value& out = graph.values[layer.output];
        plan.staging_bytes[l] = 0;
        if (plan.in_dram[layer.output] ||
            (layer.epilogue.residual >= 0 && plan.in_dram[layer.epilogue.residual]))
          cp.bounce_slot_bytes = 2 * align(bank * dsize);
        if (!plan.in_dram[layer.inputs[0]] || plan.reload[layer.inputs[0]]) continue;
        auto chunks =
            spatial_chunks(1, out.height, out.width, bank, true, layer.name,
                           layer.kind == LayerKind::kConv ? staged_rows(graph, l, core, dtype) : 0,
                           layer.kind == LayerKind::kConv);
        const int rows = chunks.front().rows;
        if (layer.kind == LayerKind::kConv) {
          const ConvParams& c = layer.conv;
          std::uint64_t rows_in = static_cast<std::uint64_t>(rows - 1) * c.stride_h +
                                  static_cast<std::uint64_t>(c.kernel_h - 1) * c.dilation_h + 1;
          std::uint64_t wp = static_cast<std::uint64_t>(in.width) + c.pad_left + c.pad_right;
          plan.staging_bytes[l] =
              align(channel_tiles(in.channels, core.sbuf.partitions) * rows_in * wp * dsize);
        } else {
          const PoolParams& p = layer.pool;
          std::uint64_t rows_in = static_cast<std::uint64_t>(rows - 1) * p.stride_h + p.window_h;
          plan.staging_bytes[l] = align(rows_in * in.width * dsize);
        }
        cp.staging_slot_bytes = std::max(cp.staging_slot_bytes, plan.staging_bytes[l]);
      }
    }
  };
  plan_staging();

  // `layer_images`: images per pass of each layer; a value is sized for its producer's (a graph
  // input for its first consumer's), and values of layers at 0 images take no room.
  auto items_for = [&](int s, const std::vector<int>& layer_images) {
    std::vector<Item> items;
    int first = stages.first[s], last = stages.last(s, n);
    for (std::size_t v = 0; v < graph.values.size(); ++v) {
      const Value& val = graph.values[v];
      if (plan.reload[v]) {
        const int images = layer_images[val.consumers.front()];
        items.push_back({static_cast<int>(v), val.consumers.front(), val.consumers.back(),
                         align(channel_tiles(val.channels, core.sbuf.partitions) *
                               tile_bytes(val, images, dsize)),
                         images});
        continue;
      }
      if (plan.in_dram[v] && !val.graph_input) continue;
      int images = 0;
      if (val.producer >= 0)
        images = layer_images[val.producer];
      else if (!val.consumers.empty())
        images = layer_images[val.consumers.front()];
      std::uint64_t size =
          align(channel_tiles(val.channels, core.sbuf.partitions) * tile_bytes(val, images, dsize));
      int start = -1, end = -1;
      std::vector<int> here;
      for (int c : val.consumers)
        if (c >= first && c <= last) here.push_back(c);
      if (val.producer >= first && val.producer <= last) {
        start = end = val.producer;
        if (!here.empty()) end = here.back();
        if (!val.consumers.empty() && val.consumers.back() > last) end = last;
      } else if (s > 0 && stages.crossing[s - 1] == static_cast<int>(v)) {
        start = first;
        end = last;
      } else if (val.graph_input && !plan.in_dram[v] && !here.empty()) {
        start = here.front();
        end = here.back();
      } else {
        continue;
      }
      items.push_back({static_cast<int>(v), start, end, size, images});
    }
    return items;
  };

  auto stage_weights = [&](int s) {
    std::uint64_t total = 0, max_block = 0;
    for (int l = stages.first[s]; l <= stages.last(s, n); ++l) {
      std::uint64_t bytes = 0;
      for (const WeightBlock& b : plan.geometry[l].blocks) bytes += b.sbuf_bytes;
      total += align(bytes);
      max_block = std::max(max_block, plan.geometry[l].max_stream_bytes);
    }
    return std::make_pair(total, max_block);
  };

  // Bytes per partition core s needs at `images` per pass; fills `shortfall` when too many.
  std::string shortfall;
  auto need_of = [&](int s, const std::vector<int>& layer_images) {
    auto items = items_for(s, layer_images);
    const int images = *std::max_element(layer_images.begin(), layer_images.end());
    std::uint64_t peak = allocate(items);
    auto [total, max_block] = stage_weights(s);
    const CorePlan& cp = plan.cores[s];
    std::uint64_t weights = std::min(total, kWeightRingSlots * max_block);
    std::uint64_t buffers =
        kStagingSlots * cp.staging_slot_bytes + kBounceSlots * cp.bounce_slot_bytes;
    std::uint64_t need = cp.const_bytes + weights + buffers + peak;
    if (need > capacity)
      shortfall = "core " + std::to_string(s) + " (layers '" + graph.layers[stages.first[s]].name +
                  "' to '" + graph.layers[stages.last(s, n)].name + "') needs " +
                  std::to_string(need) + " bytes per SBUF partition for " + std::to_string(images) +
                  " image(s) (activations " + std::to_string(peak) + ", weight buffers " +
                  std::to_string(weights) + ", staging " + std::to_string(buffers) +
                  ", constants " + std::to_string(cp.const_bytes) + ") but a partition has " +
                  std::to_string(capacity) + ": short by " + std::to_string(need - capacity) +
                  " bytes";
    return need;
  };

  // Whether value v, produced on core s, may live in DRAM: a convolution writes it and only
  // convolutions (as input or residual) and pooling on the same core read it.
  auto spillable = [&](std::size_t v, int s) {
    const Value& val = graph.values[v];
    if (val.graph_input || val.graph_output || val.producer < 0) return false;
    if (stages.layer_stage[val.producer] != s) return false;
    if (graph.layers[val.producer].kind != LayerKind::kConv) return false;
    bool ok = !val.consumers.empty();
    for (int c : val.consumers) {
      const Layer& l = graph.layers[c];
      const bool as_input = l.inputs[0] == static_cast<int>(v);
      const bool as_residual =
          l.kind == LayerKind::kConv && l.epilogue.residual == static_cast<int>(v);
      ok = ok && stages.layer_stage[c] == s && (as_input != as_residual) &&
           (l.kind == LayerKind::kConv || (l.kind == LayerKind::kPool && !l.pool.global));
    }
    return ok;
  };

  // Keep activations in DRAM until `images` per pass fit: each time, the largest spillable one
  // on the short core.
  auto spill_until_fits = [&](int images) {
    for (;;) {
      int short_core = -1;
      for (int s = 0; s < stages.stages() && short_core < 0; ++s)
        if (need_of(s, std::vector<int>(n, images)) > capacity) short_core = s;
      if (short_core < 0) return true;
      int best = -1;
      std::uint64_t best_size = 0;
      for (std::size_t v = 0; v < graph.values.size(); ++v) {
        if (plan.in_dram[v] || !spillable(v, short_core)) continue;
        std::uint64_t size = channel_tiles(graph.values[v].channels, core.sbuf.partitions) *
                             tile_bytes(graph.values[v], images, dsize);
        if (size > best_size) {
          best = static_cast<int>(v);
          best_size = size;
        }
      }
      if (best < 0) return false;
      plan.in_dram[best] = true;
      plan_staging();
    }
  };

  std::vector<int> layer_images(n, 0);
  const std::vector<bool> unspilled = plan.in_dram;
  if (mode == Mode::kSegmented) {
    INFSIM_PANIC_IF(stages.stages() != 1, "segmented plans are for one core");
    if (!spill_until_fits(1)) return MemoryPlan{};
    const std::vector<bool> base = plan.in_dram;
    // Values live across the cut after layer k (a valid cut: each is in DRAM or reloadable).
    auto crossing = [&](int k) {
      std::vector<int> out;
      for (std::size_t v = 0; v < graph.values.size(); ++v) {
        const Value& val = graph.values[v];
        if (val.consumers.empty() || val.producer > k || val.consumers.back() <= k) continue;
        out.push_back(static_cast<int>(v));
      }
      return out;
    };
    // Handed over: spillable, without halo, and read only by convolutions. Values already in
    // DRAM stay there and are read in bands by any segment.
    auto reloadable = [&](int v) {
      const Value& val = graph.values[v];
      if (base[v]) return true;
      if (!spillable(v, 0) || val.halo_h > 0 || val.halo_w > 0) return false;
      return std::all_of(val.consumers.begin(), val.consumers.end(),
                         [&](int c) { return graph.layers[c].kind == LayerKind::kConv; });
    };
    auto hand_over = [&](int k) {
      for (int v : crossing(k))
        if (!base[v]) plan.in_dram[v] = plan.reload[v] = true;
    };
    std::vector<int> points = {-1};
    for (int k = 0; k + 1 < n; ++k) {
      const auto live = crossing(k);
      if (std::all_of(live.begin(), live.end(), reloadable)) points.push_back(k);
    }
    points.push_back(n - 1);
    // Buffers sized as if every candidate cut were taken, so that every segment checked fits
    // beside whichever are.
    for (std::size_t i = 1; i + 1 < points.size(); ++i) hand_over(points[i]);
    plan_staging();
    // Weights that fit on chip beside one image's activations are loaded once at model load:
    // then passes cost nothing and only spills count.
    const auto [all_weights, max_block] = stage_weights(0);
    const bool weights_matter = need_of(0, std::vector<int>(n, 1)) -
                                    std::min(all_weights, kWeightRingSlots * max_block) +
                                    all_weights >
                                capacity;
    auto spill_bytes = [&](int k) {
      std::uint64_t bytes = 0;
      if (k < 0) return bytes;
      for (int v : crossing(k)) {
        const Value& val = graph.values[v];
        if (!base[v])
          bytes += 2 * static_cast<std::uint64_t>(val.channels) * val.pixels() * dsize *
                   static_cast<std::uint64_t>(graph.batch);
      }
      return bytes;
    };
    // The most images per pass layers (a, b] fit with the values crossing its ends in DRAM.
    auto segment_images = [&](int a, int b) {
      // A value handed over is loaded by its first reader, so all its readers share a segment.
      if (a >= 0)
        for (int v : crossing(a))
          if (!base[v] && graph.values[v].consumers.back() > b) return 0;
      plan.in_dram = base;
      std::fill(plan.reload.begin(), plan.reload.end(), false);
      if (a >= 0) hand_over(a);
      if (b < n - 1) hand_over(b);
      auto fits = [&](int g) {
        std::vector<int> images(n, 0);
        std::fill(images.begin() + a + 1, images.begin() + b + 1, g);
        return need_of(0, images) <= capacity;
      };
      if (!fits(1)) return 0;
      int lo = 1, hi = static_cast<int>(graph.batch);
      while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (fits(mid))
          lo = mid;
        else
          hi = mid - 1;
      }
      return lo;
    };
    const std::size_t np = points.size();
    constexpr std::uint64_t kNever = ~std::uint64_t{0};
    std::vector<std::uint64_t> best(np, kNever);
    std::vector<std::size_t> from(np, 0);
    std::vector<int> images_of(np, 0);
    best[0] = 0;
    for (std::size_t j = 1; j < np; ++j) {
      for (std::size_t i = 0; i < j; ++i) {
        if (best[i] == kNever) continue;
        const int g = segment_images(points[i], points[j]);
        if (g == 0) continue;
        std::uint64_t weights = 0;
        for (int l = points[i] + 1; l <= points[j]; ++l) weights += plan.geometry[l].weight_bytes;
        const std::uint64_t passes = (graph.batch + g - 1) / static_cast<std::uint64_t>(g);
        const std::uint64_t cost =
            best[i] + (weights_matter ? passes * weights : 0) + spill_bytes(points[i]);
        if (cost < best[j]) {
          best[j] = cost;
          from[j] = i;
          images_of[j] = g;
        }
      }
    }
    if (best[np - 1] == kNever) return MemoryPlan{};
    plan.in_dram = base;
    std::fill(plan.reload.begin(), plan.reload.end(), false);
    for (std::size_t j = np - 1; j > 0; j = from[j]) {
      const int g = std::min(images_of[j], static_cast<int>(graph.batch));
      plan.segments.insert(
          plan.segments.begin(),
          Segment{points[from[j]] + 1, points[j], g, static_cast<int>((graph.batch + g - 1) / g)});
      if (from[j] > 0) hand_over(points[from[j]]);
    }
    plan_staging();
    plan.sub_batch = static_cast<int>(graph.batch);
    plan.passes = 1;
    for (const Segment& seg : plan.segments) {
      std::fill(layer_images.begin() + seg.first, layer_images.begin() + seg.last + 1,
                seg.sub_batch);
      plan.sub_batch = std::min(plan.sub_batch, seg.sub_batch);
      plan.passes = std::max(plan.passes, seg.passes);
    }
    if (need_of(0, layer_images) > capacity) return MemoryPlan{};
  } else {
    // The most images per pass that fit, spilling only what one image needs or, with
    // kSpillForBatch, as much as it takes.
    int chosen = 0;
    if (mode == Mode::kSpillForBatch) {
      for (int g = graph.batch; g >= 1 && chosen == 0; --g) {
        plan.in_dram = unspilled;
        plan_staging();
        if (spill_until_fits(g)) chosen = g;
      }
    } else if (spill_until_fits(1)) {
      for (int g = graph.batch; g >= 1 && chosen == 0; --g) {
        bool fits = true;
        for (int s = 0; s < stages.stages() && fits; ++s)
          fits = need_of(s, std::vector<int>(n, g)) <= capacity;
        if (fits) chosen = g;
      }
    }
    if (chosen == 0) {
      throw CompileError("model '" + graph.name + "' does not fit: " + shortfall,
                         ErrorKind::kDoesNotFit);
    }
    plan.sub_batch = chosen;
    plan.passes = (graph.batch + chosen - 1) / chosen;
    std::fill(layer_images.begin(), layer_images.end(), chosen);
  }

  for (int s = 0; s < stages.stages(); ++s) {
    CorePlan& cp = plan.cores[s];
    auto items = items_for(s, layer_images);
    cp.act_peak = allocate(items);
    auto [total, max_block] = stage_weights(s);
    std::uint64_t room = capacity - cp.const_bytes - kStagingSlots * cp.staging_slot_bytes -
                         kBounceSlots * cp.bounce_slot_bytes - cp.act_peak;
    cp.resident_offset = cp.const_bytes;
    std::uint64_t at = cp.resident_offset;
    bool all = total <= room;
    if (!all) room -= kWeightRingSlots * max_block;
    for (int l = stages.first[s]; l <= stages.last(s, n); ++l) {
      std::uint64_t bytes = 0;
      for (const WeightBlock& b : plan.geometry[l].blocks) bytes += b.sbuf_bytes;
      if (plan.geometry[l].blocks.empty()) continue;
      if (all || align(bytes) <= room) {
        plan.resident[l] = true;
        plan.weight_offset[l] = at;
        at += align(bytes);
        if (!all) room -= align(bytes);
      } else {
        cp.weights_streamed += plan.geometry[l].weight_bytes;
      }
    }
    cp.resident_bytes = at - cp.resident_offset;
    cp.ring_offset = at;
    cp.ring_slot_bytes = cp.weights_streamed > 0 ? align(max_block) : 0;
    for (int l = stages.first[s]; l <= stages.last(s, n); ++l)
      if (!plan.resident[l]) group_stream_units(plan.geometry[l], cp.ring_slot_bytes);
    cp.staging_offset = cp.ring_offset + kWeightRingSlots * cp.ring_slot_bytes;
    cp.bounce_offset = cp.staging_offset + kStagingSlots * cp.staging_slot_bytes;
    cp.act_offset = cp.bounce_offset + kBounceSlots * cp.bounce_slot_bytes;
    for (const Item& it : items)
      plan.slots[{it.value, s}] = ValueSlot{cp.act_offset + it.offset,
                                            tile_bytes(graph.values[it.value], it.images, dsize)};
  }
  return plan;
}

}  // namespace

MemoryPlan plan_memory(const LayerGraph& graph, const StagePlan& stages,
                       const isa::NeuronCoreConfig& core, isa::DType dtype, bool spill_for_batch) {
  return plan_impl(graph, stages, core, dtype,
                   spill_for_batch ? Mode::kSpillForBatch : Mode::kFewestSpills);
}

MemoryPlan plan_memory_segmented(const LayerGraph& graph, const StagePlan& stages,
                                 const isa::NeuronCoreConfig& core, isa::DType dtype) {
  return plan_impl(graph, stages, core, dtype, Mode::kSegmented);
}

}  // namespace infsim::compiler
