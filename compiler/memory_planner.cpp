#include "compiler/memory_planner.h"

#include <algorithm>
#include <string>

#include "compiler/compile_error.h"
#include "isa/panic.h"

namespace infsim::compiler {
namespace {

std::uint64_t align(std::uint64_t x) {
  return (x + 63) & ~std::uint64_t{63};
}

// One channel tile of `images` images, per partition.
std::uint64_t tile_bytes(const Value& v, int images, std::uint64_t dsize) {
  return align(static_cast<std::uint64_t>(images) * v.padded_height() * v.padded_width() * dsize);
}

}  // namespace

std::uint64_t first_fit(std::vector<ActivationItem>& items) {
  auto by_start = [](const ActivationItem* a, const ActivationItem* b) {
    return a->start < b->start;
  };
  std::vector<ActivationItem*> order, lasts;
  for (ActivationItem& it : items) (it.last ? lasts : order).push_back(&it);
  std::stable_sort(order.begin(), order.end(), by_start);
  std::stable_sort(lasts.begin(), lasts.end(), by_start);
  std::uint64_t peak = 0;
  // Puts `it` at the lowest offset where it fits between the `taken` items (each live beside it).
  auto fit = [&](ActivationItem* it, std::vector<const ActivationItem*>& taken) {
    std::sort(taken.begin(), taken.end(), [](const ActivationItem* a, const ActivationItem* b) {
      return a->offset < b->offset;
    });
    std::uint64_t at = 0;
    for (const ActivationItem* a : taken) {
      if (a->offset >= at + it->size) break;
      at = std::max(at, a->offset + a->size);
    }
    it->offset = at;
    peak = std::max(peak, at + it->size);
  };
  // In order of first use, the items placed before `it` and still live at its start are the ones
  // live beside it.
  std::vector<ActivationItem*> active;
  for (ActivationItem* it : order) {
    active.erase(std::remove_if(active.begin(), active.end(),
                                [&](const ActivationItem* a) { return a->end < it->start; }),
                 active.end());
    std::vector<const ActivationItem*> taken(active.begin(), active.end());
    fit(it, taken);
    active.push_back(it);
  }
  // Then the last ones, beside every item placed whose lifetime overlaps theirs.
  std::vector<const ActivationItem*> placed(order.begin(), order.end());
  for (ActivationItem* it : lasts) {
    std::vector<const ActivationItem*> taken;
    for (const ActivationItem* a : placed)
      if (a->start <= it->end && it->start <= a->end) taken.push_back(a);
    fit(it, taken);
    placed.push_back(it);
  }
  return peak;
}

MemoryPlanner::MemoryPlanner(const LayerGraph& graph, const StagePlan& stages,
                             const isa::NeuronCoreConfig& core, isa::DType dtype)
    : graph_(graph),
      stages_(stages),
      core_(core),
      dtype_(dtype),
      dsize_(static_cast<std::uint64_t>(isa::dtype_bytes(dtype))),
      capacity_(core.sbuf.partition_bytes()),
      bank_(psum_bank_elements(core)) {
  const int n = layers();
  plan_.cores.resize(stages.stages());
  plan_.geometry.resize(n);
  plan_.resident.assign(n, false);
  plan_.weight_offset.assign(n, 0);
  plan_.const_offset.assign(n, 0);
  const_size_.assign(n, 0);
  plan_.staging_bytes.assign(n, 0);
  plan_.buffers.assign(n, LayerBuffers{});
  plan_.band_rows.assign(n, 0);
  plan_.band_cols.assign(n, 0);
  plan_.sbuf_in_use.assign(n, 0);
  plan_.in_dram.assign(graph.values.size(), false);
  plan_.reload.assign(graph.values.size(), false);
  base_.assign(graph.values.size(), false);
}

std::uint64_t MemoryPlanner::tiles_bytes(int v, int images) const {
  const Value& val = graph_.values[v];
  return channel_tiles(val.channels, core_.sbuf.partitions) * tile_bytes(val, images, dsize_);
}

void MemoryPlanner::tighten(bool column_windows) {
  plan_.tight = true;
  column_windows_ = column_windows;
  ring_slot_.assign(plan_.cores.size(), 0);
}

void MemoryPlanner::stream_constants() {
  INFSIM_PANIC_IF(!plan_.tight, "streamed constants are part of the tight layout");
  plan_.constants_streamed = true;
}

bool MemoryPlanner::needs_bounce(int l) const {
  const Layer& layer = graph_.layers[l];
  if (layer.kind == LayerKind::kConcat) return false;  // copies straight from and to DRAM
  return plan_.in_dram[layer.output] ||
         (layer.epilogue.residual >= 0 && plan_.in_dram[layer.epilogue.residual]);
}

// [result | residual], each one PSUM bank's worth.
std::uint64_t MemoryPlanner::bounce_slot_bytes() const {
  return 2 * align(bank_ * dsize_);
}

int MemoryPlanner::pool_band_rows(int l) const {
  const Layer& layer = graph_.layers[l];
  const PoolParams& p = layer.pool;
  const std::uint64_t row_bytes =
      static_cast<std::uint64_t>(graph_.values[layer.inputs[0]].width) * dsize_;
  const std::uint64_t budget = capacity_ / kStagingShare;
  int rows = 1;
  while ((static_cast<std::uint64_t>(rows) * p.stride_h + p.window_h) * row_bytes <= budget) ++rows;
  return rows;
}

int MemoryPlanner::conv_band_cols(int l) const {
  const Layer& layer = graph_.layers[l];
  const ConvParams& c = layer.conv;
  const Value& in = graph_.values[layer.inputs[0]];
  // Bytes per partition of one input column of a one-row band, over every channel tile.
  const std::uint64_t column =
      static_cast<std::uint64_t>(channel_tiles(in.channels, core_.sbuf.partitions)) *
      (static_cast<std::uint64_t>(c.kernel_h - 1) * c.dilation_h + 1) * dsize_;
  auto window = [&](int cols) {  // input columns `cols` output columns read
    return static_cast<std::uint64_t>(cols - 1) * c.stride_w +
           static_cast<std::uint64_t>(c.kernel_w - 1) * c.dilation_w + 1;
  };
  const std::uint64_t budget = capacity_ / kStagingShare;
  const auto whole = static_cast<std::uint64_t>(in.width) + c.pad_left + c.pad_right;
  if (column * whole <= budget) return 0;
  const int width = graph_.values[layer.output].width;
  int cols = 1;
  while (cols + 1 < width && static_cast<std::uint64_t>(cols + 1) <= bank_ &&
         column * window(cols + 1) <= budget)
    ++cols;
  return cols;
}

void MemoryPlanner::place_dram_inputs() {
  for (int v : graph_.inputs) {
    const Value& val = graph_.values[v];
    bool all_conv = std::all_of(val.consumers.begin(), val.consumers.end(), [&](int l) {
      return graph_.layers[l].kind == LayerKind::kConv && graph_.layers[l].inputs[0] == v;
    });
    std::uint64_t per_image =
        static_cast<std::uint64_t>(channel_tiles(val.channels, core_.sbuf.partitions)) *
        val.padded_height() * val.padded_width() * dsize_;
    plan_.in_dram[v] = all_conv && per_image > capacity_ / 16;
  }
}

void MemoryPlanner::place_constants() {
  const int n = layers();
  for (int s = 0; s < stages_.stages(); ++s) {
    if (!planned(s)) continue;
    CorePlan& cp = plan_.cores[s];
    for (int l = stages_.first[s]; l <= stages_.last(s, n); ++l) {
      const Layer& layer = graph_.layers[l];
      const Value& in = graph_.values[layer.inputs[0]];
      const Value& out = graph_.values[layer.output];
      if (layer.kind == LayerKind::kConv) {
        plan_.geometry[l] = conv_geometry(layer, in.channels, out.channels, core_, dtype_);
        const_size_[l] = align(plan_.geometry[l].blocks.size() * 4);
      } else if (layer.kind == LayerKind::kScaleBias || layer.kind == LayerKind::kLayerNorm) {
        const_size_[l] = align(channel_tiles(out.channels, core_.sbuf.partitions) * 8);
      }
      // Streamed constants are placed by lay_out, among the activations.
      if (const_size_[l] > 0 && !plan_.constants_streamed) {
        plan_.const_offset[l] = cp.const_bytes;
        cp.const_bytes += const_size_[l];
      }
      // The tight ring starts at the smallest piece a block streams in: one tap.
      if (plan_.tight)
        for (const WeightBlock& b : plan_.geometry[l].blocks)
          ring_slot_[s] =
              std::max(ring_slot_[s], align(static_cast<std::uint64_t>(b.count) * dsize_));
    }
  }
}

void MemoryPlanner::plan_staging() {
  const int n = layers();
  for (int s = 0; s < stages_.stages(); ++s) {
    if (!planned(s)) continue;
    CorePlan& cp = plan_.cores[s];
    cp.staging_slot_bytes = 0;
    cp.bounce_slot_bytes = 0;
    for (int l = stages_.first[s]; l <= stages_.last(s, n); ++l) {
      const Layer& layer = graph_.layers[l];
      const Value& in = graph_.values[layer.inputs[0]];
      const Value& out = graph_.values[layer.output];
      plan_.staging_bytes[l] = 0;
      if (layer.kind == LayerKind::kConcat) continue;  // copies straight from and to DRAM
      if (needs_bounce(l)) cp.bounce_slot_bytes = bounce_slot_bytes();
      if (!plan_.in_dram[layer.inputs[0]] || plan_.reload[layer.inputs[0]]) continue;
      const bool conv = layer.kind == LayerKind::kConv;
      if (!conv && plan_.tight) plan_.band_rows[l] = pool_band_rows(l);
      if (conv && column_windows_) plan_.band_cols[l] = conv_band_cols(l);
      const int cols = plan_.band_cols[l];
      auto chunks = spatial_chunks(
          1, out.height, out.width, cols > 0 ? static_cast<std::uint64_t>(cols) : bank_, true,
          layer.name, conv ? staged_rows(graph_, l, core_, dtype_) : plan_.band_rows[l], conv);
      const int rows = chunks.front().rows;
      if (conv) {
        const ConvParams& c = layer.conv;
        std::uint64_t rows_in = static_cast<std::uint64_t>(rows - 1) * c.stride_h +
                                static_cast<std::uint64_t>(c.kernel_h - 1) * c.dilation_h + 1;
        // The padded row, or the window of input columns a band of `cols` output columns reads.
        std::uint64_t wp = cols > 0
                               ? static_cast<std::uint64_t>(cols - 1) * c.stride_w +
                                     static_cast<std::uint64_t>(c.kernel_w - 1) * c.dilation_w + 1
                               : static_cast<std::uint64_t>(in.width) + c.pad_left + c.pad_right;
        plan_.staging_bytes[l] =
            align(channel_tiles(in.channels, core_.sbuf.partitions) * rows_in * wp * dsize_);
      } else {
        const PoolParams& p = layer.pool;
        std::uint64_t rows_in = static_cast<std::uint64_t>(rows - 1) * p.stride_h + p.window_h;
        plan_.staging_bytes[l] = align(rows_in * in.width * dsize_);
      }
      cp.staging_slot_bytes = std::max(cp.staging_slot_bytes, plan_.staging_bytes[l]);
    }
  }
}

std::vector<ActivationItem> MemoryPlanner::activation_items(
    int s, const std::vector<int>& layer_images) const {
  std::vector<ActivationItem> items;
  const int first = stages_.first[s], last = stages_.last(s, layers());
  for (std::size_t v = 0; v < graph_.values.size(); ++v) {
    const Value& val = graph_.values[v];
    const int id = static_cast<int>(v);
    if (plan_.reload[v]) {
      const int images = layer_images[val.consumers.front()];
      items.push_back({id, val.consumers.front(), val.consumers.back(),
                       align(tiles_bytes(id, images)), images});
      continue;
    }
    if (plan_.in_dram[v] && !val.graph_input) continue;
    int images = 0;
    if (val.producer >= 0)
      images = layer_images[val.producer];
    else if (!val.consumers.empty())
      images = layer_images[val.consumers.front()];
    std::vector<int> here;
    for (int c : val.consumers)
      if (c >= first && c <= last) here.push_back(c);
    int start = -1, end = -1;
    if (val.producer >= first && val.producer <= last) {
      start = end = val.producer;
      if (!here.empty()) end = here.back();
      if (!val.consumers.empty() && val.consumers.back() > last) end = last;
    } else if (s > 0 && stages_.crossing[s - 1] == id) {
      start = first;
      end = last;
    } else if (val.graph_input && !plan_.in_dram[v] && !here.empty()) {
      start = here.front();
      end = here.back();
    } else {
      continue;
    }
    items.push_back({id, start, end, align(tiles_bytes(id, images)), images});
    // A graph input first read after the stage's first layer is placed after the activations
    // (first_fit says why); one read from the start sits at the bottom, in order of first use.
    items.back().last = val.graph_input && start > first;
  }
  if (plan_.tight) {
    for (int l = first; l <= last; ++l) {
      const std::uint64_t bytes = kStagingSlots * plan_.staging_bytes[l] +
                                  (needs_bounce(l) ? kBounceSlots * bounce_slot_bytes() : 0) +
                                  (plan_.constants_streamed ? const_size_[l] : 0);
      if (bytes > 0) items.push_back({-1, l, l, bytes, 0, 0, l});
    }
  }
  return items;
}

void MemoryPlanner::widen_ring() {
  const std::vector<int> images = layer_images();
  for (int s = 0; s < stages_.stages(); ++s) {
    const std::uint64_t smallest = ring_slot_[s];
    for (std::uint64_t slot = align(weights(s).largest_block); slot > smallest;
         slot = align(slot / 2)) {
      ring_slot_[s] = slot;
      if (fits(s, images)) break;
      ring_slot_[s] = smallest;
    }
  }
}

StageWeights MemoryPlanner::weights(int s) const {
  StageWeights w;
  for (int l = stages_.first[s]; l <= stages_.last(s, layers()); ++l) {
    std::uint64_t bytes = 0;
    for (const WeightBlock& b : plan_.geometry[l].blocks) bytes += b.sbuf_bytes;
    w.total += align(bytes);
    w.largest_block = std::max(w.largest_block, plan_.geometry[l].max_stream_bytes);
  }
  return w;
}

CoreNeed MemoryPlanner::need(int s, const std::vector<int>& layer_images) const {
  auto items = activation_items(s, layer_images);
  const StageWeights w = weights(s);
  const CorePlan& cp = plan_.cores[s];
  CoreNeed need;
  need.activations = first_fit(items);
  need.weights =
      std::min(w.total, kWeightRingSlots * (plan_.tight ? ring_slot_[s] : w.largest_block));
  // The tight layout's staging and bounce slots are among the activations.
  if (!plan_.tight)
    need.buffers = kStagingSlots * cp.staging_slot_bytes + kBounceSlots * cp.bounce_slot_bytes;
  need.constants = cp.const_bytes;
  return need;
}

std::string MemoryPlanner::shortfall_of(int s, int images, const CoreNeed& need) const {
  const std::uint64_t total = need.total();
  const std::string which = "layers '" + graph_.layers[stages_.first[s]].name + "' to '" +
                            graph_.layers[stages_.last(s, layers())].name + "'";
  // only_stage: a candidate stage, not yet a core of the program.
  return (only_ >= 0 ? "a core running " + which
                     : "core " + std::to_string(s) + " (" + which + ")") +
         " needs " + std::to_string(total) + " bytes per SBUF partition for " +
         std::to_string(images) + " image(s) (activations " + std::to_string(need.activations) +
         ", weight buffers " + std::to_string(need.weights) + ", staging " +
         std::to_string(need.buffers) + ", constants " + std::to_string(need.constants) +
         ") but a partition has " + std::to_string(capacity_) + ": short by " +
         std::to_string(total - capacity_) + " bytes";
}

// The layers that read and write a value in DRAM: in bands of rows (convolutions, windowed
// pooling) or whole images of the pass per channel (concatenations).
bool MemoryPlanner::banded(const Layer& l) {
  return l.kind == LayerKind::kConv || l.kind == LayerKind::kConcat ||
         (l.kind == LayerKind::kPool && !l.pool.global);
}

bool MemoryPlanner::spillable(int v, int s) const {
  const Value& val = graph_.values[v];
  // The tight layout also lets a banded layer write a graph output that nothing reads straight
  // to its DRAM tensor.
  const bool output = plan_.tight && val.graph_output && val.consumers.empty();
  if (val.graph_input || (val.graph_output && !output) || val.producer < 0) return false;
  if (stages_.layer_stage[val.producer] != s) return false;
  if (!banded(graph_.layers[val.producer])) return false;
  bool ok = !val.consumers.empty() || output;
  for (int c : val.consumers) {
    const Layer& l = graph_.layers[c];
    const bool as_input = l.kind == LayerKind::kConcat
                              ? std::count(l.inputs.begin(), l.inputs.end(), v) == 1
                              : l.inputs[0] == v;
    const bool as_residual = l.kind == LayerKind::kConv && l.epilogue.residual == v;
    ok = ok && stages_.layer_stage[c] == s && (as_input != as_residual) && banded(l);
  }
  return ok;
}

bool MemoryPlanner::spill_until_fits(int images) {
  for (;;) {
    int short_core = -1;
    for (int s = 0; s < stages_.stages() && short_core < 0; ++s) {
      if (!planned(s)) continue;
      const CoreNeed n = need(s, uniform(images));
      if (n.total() > capacity_) {
        short_core = s;
        shortfall_ = shortfall_of(s, images, n);
      }
    }
    if (short_core < 0) return true;
    int best = -1;
    std::uint64_t best_size = 0;
    for (std::size_t v = 0; v < graph_.values.size(); ++v) {
      const int id = static_cast<int>(v);
      if (plan_.in_dram[v] || !spillable(id, short_core)) continue;
      const std::uint64_t size = tiles_bytes(id, images);
      if (size > best_size) {
        best = id;
        best_size = size;
      }
    }
    if (best < 0) return false;
    plan_.in_dram[best] = true;
    plan_staging();
  }
}

void MemoryPlanner::choose_sub_batch(bool spill_for_batch) {
  const std::vector<bool> unspilled = plan_.in_dram;
  int chosen = 0;
  if (spill_for_batch) {
    for (int g = graph_.batch; g >= 1 && chosen == 0; --g) {
      plan_.in_dram = unspilled;
      plan_staging();
      if (spill_until_fits(g)) chosen = g;
    }
  } else if (spill_until_fits(1)) {
    for (int g = graph_.batch; g >= 1 && chosen == 0; --g) {
      bool all_fit = true;
      for (int s = 0; s < stages_.stages() && all_fit; ++s) all_fit = fits(s, uniform(g));
      if (all_fit) chosen = g;
    }
  }
  if (chosen == 0) {
    throw CompileError("model '" + graph_.name + "' does not fit: " + shortfall_,
                       ErrorKind::kDoesNotFit);
  }
  plan_.sub_batch = chosen;
  plan_.passes = (graph_.batch + chosen - 1) / chosen;
}

std::vector<int> MemoryPlanner::layer_images() const {
  if (plan_.segments.empty()) return uniform(plan_.sub_batch);
  std::vector<int> images(layers(), 0);
  for (const Segment& seg : plan_.segments)
    std::fill(images.begin() + seg.first, images.begin() + seg.last + 1, seg.sub_batch);
  return images;
}

std::vector<int> MemoryPlanner::crossing(int k) const {
  std::vector<int> out;
  for (std::size_t v = 0; v < graph_.values.size(); ++v) {
    const Value& val = graph_.values[v];
    if (val.consumers.empty() || val.producer > k || val.consumers.back() <= k) continue;
    out.push_back(static_cast<int>(v));
  }
  return out;
}

bool MemoryPlanner::reloadable(int v) const {
  const Value& val = graph_.values[v];
  if (base_[v]) return true;
  if (!spillable(v, 0) || val.halo_h > 0 || val.halo_w > 0) return false;
  return std::all_of(val.consumers.begin(), val.consumers.end(),
                     [&](int c) { return graph_.layers[c].kind == LayerKind::kConv; });
}

void MemoryPlanner::hand_over(int k) {
  for (int v : crossing(k))
    if (!base_[v]) plan_.in_dram[v] = plan_.reload[v] = true;
}

std::vector<int> MemoryPlanner::cut_points() const {
  const int n = layers();
  std::vector<int> points = {-1};
  for (int k = 0; k + 1 < n; ++k) {
    const auto live = crossing(k);
    if (std::all_of(live.begin(), live.end(), [&](int v) { return reloadable(v); }))
      points.push_back(k);
  }
  points.push_back(n - 1);
  return points;
}

std::uint64_t MemoryPlanner::cut_bytes(int k) const {
  std::uint64_t bytes = 0;
  if (k < 0) return bytes;
  for (int v : crossing(k)) {
    const Value& val = graph_.values[v];
    if (!base_[v])
      bytes += 2 * static_cast<std::uint64_t>(val.channels) * val.pixels() * dsize_ *
               static_cast<std::uint64_t>(graph_.batch);
  }
  return bytes;
}

int MemoryPlanner::segment_images(int a, int b) {
  const int n = layers();
  // A value handed over is loaded by its first reader, so all its readers share a segment.
  if (a >= 0)
    for (int v : crossing(a))
      if (!base_[v] && graph_.values[v].consumers.back() > b) return 0;
  plan_.in_dram = base_;
  std::fill(plan_.reload.begin(), plan_.reload.end(), false);
  if (a >= 0) hand_over(a);
  if (b < n - 1) hand_over(b);
  auto fits_at = [&](int g) {
    std::vector<int> images(n, 0);
    std::fill(images.begin() + a + 1, images.begin() + b + 1, g);
    return fits(0, images);
  };
  if (!fits_at(1)) return 0;
  int lo = 1, hi = static_cast<int>(graph_.batch);
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (fits_at(mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

bool MemoryPlanner::weights_matter() const {
  const StageWeights w = weights(0);
  return need(0, uniform(1)).total() - std::min(w.total, kWeightRingSlots * w.largest_block) +
             w.total >
         capacity_;
}

std::vector<Segment> MemoryPlanner::cheapest_segments(const std::vector<int>& points) {
  const bool stream_cost = weights_matter();
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
      for (int l = points[i] + 1; l <= points[j]; ++l) weights += plan_.geometry[l].weight_bytes;
      const std::uint64_t passes = (graph_.batch + g - 1) / static_cast<std::uint64_t>(g);
      const std::uint64_t cost =
          best[i] + (stream_cost ? passes * weights : 0) + cut_bytes(points[i]);
      if (cost < best[j]) {
        best[j] = cost;
        from[j] = i;
        images_of[j] = g;
      }
    }
  }
  std::vector<Segment> segments;
  if (best[np - 1] == kNever) return segments;
  for (std::size_t j = np - 1; j > 0; j = from[j]) {
    const int g = std::min(images_of[j], static_cast<int>(graph_.batch));
    segments.insert(segments.begin(), Segment{points[from[j]] + 1, points[j], g,
                                              static_cast<int>((graph_.batch + g - 1) / g)});
  }
  return segments;
}

bool MemoryPlanner::choose_segments() {
  INFSIM_PANIC_IF(stages_.stages() != 1, "segmented plans are for one core");
  if (!spill_until_fits(1)) return false;
  base_ = plan_.in_dram;
  const std::vector<int> points = cut_points();
  // Buffers sized as if every candidate cut were taken, so that every segment checked fits
  // beside whichever are.
  for (std::size_t i = 1; i + 1 < points.size(); ++i) hand_over(points[i]);
  plan_staging();
  std::vector<Segment> segments = cheapest_segments(points);
  if (segments.empty()) return false;
  plan_.in_dram = base_;
  std::fill(plan_.reload.begin(), plan_.reload.end(), false);
  for (const Segment& seg : segments)
    if (seg.first > 0) hand_over(seg.first - 1);
  plan_staging();
  plan_.segments = std::move(segments);
  plan_.sub_batch = static_cast<int>(graph_.batch);
  plan_.passes = 1;
  for (const Segment& seg : plan_.segments) {
    plan_.sub_batch = std::min(plan_.sub_batch, seg.sub_batch);
    plan_.passes = std::max(plan_.passes, seg.passes);
  }
  return fits(0, layer_images());
}

void MemoryPlanner::lay_out() {
  const std::vector<int> images = layer_images();
  for (int s = 0; s < stages_.stages(); ++s) lay_out_core(s, images);
}

// Per partition, from address 0: constants, resident weights, the weight ring, staging,
// bounce buffers, activations (in the tight layout: the ring, then the activations with every
// layer's staging and bounce slots among them, and its constants when they are streamed). Weights
// stay resident while they fit beside the rest (all of them, or else layer by layer in order beside
// the ring); the others stream through the ring.
void MemoryPlanner::lay_out_core(int s, const std::vector<int>& layer_images) {
  const int n = layers();
  CorePlan& cp = plan_.cores[s];
  auto items = activation_items(s, layer_images);
  cp.act_peak = first_fit(items);
  const StageWeights w = weights(s);
  if (plan_.tight) cp.staging_slot_bytes = cp.bounce_slot_bytes = 0;
  const std::uint64_t slot = plan_.tight ? ring_slot_[s] : align(w.largest_block);
  std::uint64_t room = capacity_ - cp.const_bytes - kStagingSlots * cp.staging_slot_bytes -
                       kBounceSlots * cp.bounce_slot_bytes - cp.act_peak;
  cp.resident_offset = cp.const_bytes;
  std::uint64_t at = cp.resident_offset;
  const bool all = w.total <= room;
  if (!all) room -= kWeightRingSlots * (plan_.tight ? slot : w.largest_block);
  for (int l = stages_.first[s]; l <= stages_.last(s, n); ++l) {
    std::uint64_t bytes = 0;
    for (const WeightBlock& b : plan_.geometry[l].blocks) bytes += b.sbuf_bytes;
    if (plan_.geometry[l].blocks.empty()) continue;
    if (all || align(bytes) <= room) {
      plan_.resident[l] = true;
      plan_.weight_offset[l] = at;
      at += align(bytes);
      if (!all) room -= align(bytes);
    } else {
      cp.weights_streamed += plan_.geometry[l].weight_bytes;
    }
  }
  cp.resident_bytes = at - cp.resident_offset;
  cp.ring_offset = at;
  cp.ring_slot_bytes = cp.weights_streamed > 0 ? slot : 0;
  for (int l = stages_.first[s]; l <= stages_.last(s, n); ++l)
    if (!plan_.resident[l]) group_stream_units(plan_.geometry[l], cp.ring_slot_bytes);
  cp.staging_offset = cp.ring_offset + kWeightRingSlots * cp.ring_slot_bytes;
  cp.bounce_offset = cp.staging_offset + kStagingSlots * cp.staging_slot_bytes;
  cp.act_offset = cp.bounce_offset + kBounceSlots * cp.bounce_slot_bytes;
  for (int l = stages_.first[s]; l <= stages_.last(s, n); ++l)
    plan_.buffers[l] = LayerBuffers{cp.staging_offset, cp.staging_slot_bytes, cp.bounce_offset,
                                    cp.bounce_slot_bytes};
  for (const ActivationItem& it : items) {
    if (it.buffers_of >= 0) {
      const std::uint64_t staging = cp.act_offset + it.offset;
      const std::uint64_t one = plan_.staging_bytes[it.buffers_of];
      const int l = it.buffers_of;
      const std::uint64_t bounce = staging + kStagingSlots * one;
      plan_.buffers[l] = LayerBuffers{staging, one, bounce, bounce_slot_bytes()};
      // Streamed constants follow the bounce slots (if the layer has any).
      if (plan_.constants_streamed)
        plan_.const_offset[l] = bounce + (needs_bounce(l) ? kBounceSlots * bounce_slot_bytes() : 0);
      continue;
    }
    plan_.slots[{it.value, s}] = ValueSlot{cp.act_offset + it.offset,
                                           tile_bytes(graph_.values[it.value], it.images, dsize_)};
  }
  for (int l = stages_.first[s]; l <= stages_.last(s, n); ++l) {
    std::uint64_t live = 0;
    for (const ActivationItem& it : items)
      if (it.start <= l && l <= it.end) live += it.size;
    plan_.sbuf_in_use[l] = cp.act_offset + live;
  }
}

}  // namespace infsim::compiler
