#include "sim/core/trace_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "isa/instruction_text.h"
#include "sim/core/sim_error.h"

namespace infsim::sim {
namespace {

// Counter bandwidth is accumulated in bins of this many seconds, then merged to at most
// kCounterBins points when written.
constexpr double kFineBin = 20e-6;

std::int64_t to_ns(double seconds) {
  return std::llround(seconds * 1e9);
}

// `s` as the body of a JSON string.
std::string escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string queue_text(const isa::Queue& q) {
  std::string s(isa::engine_text(q.engine));
  if (q.engine == isa::EngineKind::kDma) {
    s += std::to_string(q.dma_engine) + ".q" + std::to_string(q.dma_queue);
  }
  return s;
}

}  // namespace

TraceWriter::TraceWriter(std::string path, TraceOptions options)
    : path_(std::move(path)), tmp_path_(path_ + ".tmp"), options_(std::move(options)) {
  if (path_.empty()) return;
  file_ = std::fopen(tmp_path_.c_str(), "w");
  if (file_ == nullptr) throw SimError("cannot create trace file '" + tmp_path_ + "'");
  std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", file_);
}

TraceWriter::~TraceWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(tmp_path_.c_str());
  }
}

void TraceWriter::begin_event() {
  if (!first_event_) std::fputs(",\n", file_);
  first_event_ = false;
}

void TraceWriter::write_escaped(std::string_view s) {
  const std::string e = escaped(s);
  std::fwrite(e.data(), 1, e.size(), file_);
}

// Microseconds with exactly three decimals: the nanosecond grid, written the same way every
// time, so equal instants are equal numbers in every parser.
void TraceWriter::write_time(std::int64_t ns) {
  const char* sign = ns < 0 ? "-" : "";
  const std::int64_t a = ns < 0 ? -ns : ns;
  std::fprintf(file_, "%s%lld.%03lld", sign, static_cast<long long>(a / 1000),
               static_cast<long long>(a % 1000));
}

void TraceWriter::process(int pid, std::string_view name) {
  process_names_.emplace(pid, std::string(name));
}

int TraceWriter::track(int pid, std::string_view name) {
  tracks_.push_back(Track{pid, std::string(name), {}});
  return static_cast<int>(tracks_.size()) - 1;
}

bool TraceWriter::keep(double start, int core) const {
  if (file_ == nullptr) return false;
  if (start < options_.window_begin || start >= options_.window_end) return false;
  if (core >= 0 && !options_.cores.empty() &&
      std::find(options_.cores.begin(), options_.cores.end(), core) == options_.cores.end()) {
    return false;
  }
  return true;
}

void TraceWriter::slice(int track, std::string_view name, double start_seconds, double end_seconds,
                        std::string_view args_json, int core) {
  if (start_seconds > last_time_) last_time_ = start_seconds;
  if (!keep(start_seconds, core)) return;
  emit_slice(track, name, to_ns(start_seconds), to_ns(end_seconds), args_json);
}

void TraceWriter::emit_slice(int track, std::string_view name, std::int64_t ts, std::int64_t end,
                             std::string_view args) {
  if (end <= ts) return;
  Track& t = tracks_[static_cast<std::size_t>(track)];
  Lane* lane = nullptr;
  for (Lane& l : t.lanes) {
    if (l.last_end <= ts) {
      lane = &l;
      break;
    }
  }
  if (lane == nullptr) {
    if (!process_written_[t.pid]) {
      process_written_[t.pid] = true;
      const auto it = process_names_.find(t.pid);
      const std::string pname =
          it != process_names_.end() ? it->second : "process " + std::to_string(t.pid);
      begin_event();
      std::fprintf(
          file_, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":\"", t.pid);
      write_escaped(pname);
      std::fputs("\"}}", file_);
      begin_event();
      std::fprintf(file_,
                   "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%d,\"args\":"
                   "{\"sort_index\":%d}}",
                   t.pid, t.pid);
    }
    t.lanes.push_back(Lane{next_tid_++, 0});
    lane = &t.lanes.back();
    std::string lname = t.name;
    if (t.lanes.size() > 1) lname += " #" + std::to_string(t.lanes.size());
    begin_event();
    std::fprintf(
        file_, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":\"",
        t.pid, lane->tid);
    write_escaped(lname);
    std::fputs("\"}}", file_);
    begin_event();
    std::fprintf(file_,
                 "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%d,\"args\":"
                 "{\"sort_index\":%d}}",
                 t.pid, lane->tid, lane->tid);
  }
  lane->last_end = end;
  begin_event();
  std::fputs("{\"ph\":\"B\",\"name\":\"", file_);
  write_escaped(name);
  std::fprintf(file_, "\",\"pid\":%d,\"tid\":%d,\"ts\":", t.pid, lane->tid);
  write_time(ts);
  if (!args.empty()) {
    std::fputs(",\"args\":{", file_);
    std::fwrite(args.data(), 1, args.size(), file_);
    std::fputc('}', file_);
  }
  std::fputc('}', file_);
  // The end event repeats the name: the format makes it optional, but speedscope closes a frame
  // only on an end event whose name matches it, and otherwise nests every later slice inside.
  begin_event();
  std::fputs("{\"ph\":\"E\",\"name\":\"", file_);
  write_escaped(name);
  std::fprintf(file_, "\",\"pid\":%d,\"tid\":%d,\"ts\":", t.pid, lane->tid);
  write_time(end);
  std::fputc('}', file_);
}

void TraceWriter::flow(int from, double start_seconds, int to, double end_seconds) {
  if (!keep(start_seconds, -1) || !keep(end_seconds, -1)) return;
  const Track& a = tracks_[static_cast<std::size_t>(from)];
  const Track& b = tracks_[static_cast<std::size_t>(to)];
  if (a.lanes.empty() || b.lanes.empty()) return;  // a side was filtered out or never drawn
  const std::uint64_t id = next_flow_++;
  flow_event('s', id, a, start_seconds);
  flow_event('f', id, b, end_seconds);
}

void TraceWriter::flow_event(char phase, std::uint64_t id, const Track& track, double seconds) {
  begin_event();
  std::fprintf(file_,
               "{\"ph\":\"%c\",%s\"name\":\"request\",\"cat\":\"request\",\"id\":%llu,"
               "\"pid\":%d,\"tid\":%d,\"ts\":",
               phase, phase == 'f' ? "\"bp\":\"e\"," : "", static_cast<unsigned long long>(id),
               track.pid, track.lanes.front().tid);
  write_time(to_ns(seconds));
  std::fputc('}', file_);
}

TraceWriter::Series& TraceWriter::series(int pid, std::string_view name, bool rate) {
  const std::string key = std::to_string(pid) + "/" + std::string(name);
  auto it = series_.find(key);
  if (it == series_.end())
    it = series_.emplace(key, Series{pid, std::string(name), rate, {}}).first;
  return it->second;
}

void TraceWriter::transfer(int pid, std::string_view name, double start, double end, double bytes) {
  if (file_ == nullptr || bytes <= 0 || !(end > start)) return;
  if (end > last_time_) last_time_ = end;
  Series& s = series(pid, name, true);
  const auto first = static_cast<std::size_t>(start / kFineBin);
  const auto last = static_cast<std::size_t>(end / kFineBin);
  if (s.bins.size() <= last) s.bins.resize(last + 1, 0.0);
  const double per_second = bytes / (end - start);
  for (std::size_t b = first; b <= last; ++b) {
    const double lo = std::max(start, static_cast<double>(b) * kFineBin);
    const double hi = std::min(end, static_cast<double>(b + 1) * kFineBin);
    if (hi > lo) s.bins[b] += per_second * (hi - lo);
  }
}

void TraceWriter::level(int pid, std::string_view name, double time, double delta) {
  if (file_ == nullptr) return;
  if (time > last_time_) last_time_ = time;
  Series& s = series(pid, name, false);
  const auto b = static_cast<std::size_t>(time / kFineBin);
  if (s.bins.size() <= b) s.bins.resize(b + 1, 0.0);
  s.bins[b] += delta;
}

void TraceWriter::occupancy(int chip, int local_core, double time, double sbuf_bytes,
                            double psum_bytes) {
  if (file_ == nullptr) return;
  const std::string core = "core" + std::to_string(local_core);
  const std::pair<const char*, double> counters[] = {{" SBUF KiB", sbuf_bytes},
                                                     {" PSUM KiB", psum_bytes}};
  for (const auto& [suffix, bytes] : counters) {
    const std::string name = core + suffix;
    const double kib = bytes / 1024.0;
    const double delta = kib - series(chip, name, false).value;
    series(chip, name, false).value = kib;
    level(chip, name, time, delta);
  }
}

// A core starts a layer when the first of its instructions of an inference runs; layers of one
// inference run in order on a core, so a lower index than the current one is a straggler of a
// layer already counted (a queue behind the others).
void TraceWriter::track_layer(const InstructionEvent& e) {
  const std::uint32_t l = e.instruction->layer;
  if (e.setup || l >= e.program->layers.size()) return;
  CoreLayer& c = core_layers_[e.global_core];
  if (c.running && c.execution == e.execution && l <= c.layer) return;
  c = CoreLayer{e.execution, l, true};
  const isa::LayerInfo& info = e.program->layers[l];
  occupancy(e.chip, e.local_core, e.start, static_cast<double>(info.sbuf_bytes),
            static_cast<double>(info.psum_bytes));
}

// Each series on a grid of at most kCounterBins points over the whole run, written only where
// its value changes: a bandwidth is the bytes of the point's interval over its length, a level
// (in-flight inferences) its mean over the interval.
void TraceWriter::write_counters() {
  const auto fine = static_cast<std::size_t>(last_time_ / kFineBin) + 1;
  const std::size_t factor = std::max<std::size_t>(1, (fine + kCounterBins - 1) / kCounterBins);
  for (const auto& [key, s] : series_) {
    double previous = std::numeric_limits<double>::quiet_NaN();
    double level = 0;
    for (std::size_t c = 0; c * factor <= fine; ++c) {
      double sum = 0;
      for (std::size_t b = c * factor; b < (c + 1) * factor; ++b) {
        const double v = b < s.bins.size() ? s.bins[b] : 0.0;
        if (s.rate) {
          sum += v;
        } else {
          level += v;
          sum += level;
        }
      }
      const double value = s.rate ? sum / (static_cast<double>(factor) * kFineBin) / 1e9
                                  : sum / static_cast<double>(factor);
      const double t = static_cast<double>(c * factor) * kFineBin;
      if (value == previous || !keep(t, -1)) continue;
      previous = value;
      begin_event();
      std::fputs("{\"ph\":\"C\",\"name\":\"", file_);
      write_escaped(s.name);
      std::fprintf(file_, "\",\"pid\":%d,\"ts\":", s.pid);
      write_time(to_ns(t));
      std::fprintf(file_, ",\"args\":{\"value\":%.6g}}", value);
    }
  }
}

int TraceWriter::engine_track(const InstructionEvent& e) {
  const std::string key =
      std::to_string(e.chip) + "." + std::to_string(e.local_core) + "." + queue_text(*e.queue);
  auto it = engine_tracks_.find(key);
  if (it != engine_tracks_.end()) return it->second;
  process(e.chip, "chip" + std::to_string(e.chip));
  const int t = track(e.chip, "core" + std::to_string(e.local_core) + "." + queue_text(*e.queue));
  engine_tracks_.emplace(key, t);
  return t;
}

void TraceWriter::instruction(const InstructionEvent& e) {
  for (InstructionObserver* o : observers_) o->on_instruction(e);
  if (e.end > last_time_) last_time_ = e.end;
  if (file_ != nullptr) track_layer(e);
  if (!keep(e.start, e.global_core)) return;
  const isa::Instruction& inst = *e.instruction;
  if (inst.opcode == isa::Opcode::kNop) return;
  const int track = engine_track(e);
  const std::string_view opcode = isa::opcode_info(inst.opcode).text;
  const isa::LayerInfo* layer =
      inst.layer < e.program->layers.size() ? &e.program->layers[inst.layer] : nullptr;
  if (options_.level == TraceLevel::kLayer) {
    Run& run = runs_[track];
    if (run.count > 0 && (run.program != e.program || run.execution != e.execution ||
                          run.setup != e.setup || (!e.setup && run.layer != inst.layer))) {
      flush_run(track, run);
    }
    if (run.count == 0) {
      run = Run{e.program, e.execution, inst.layer, e.setup, std::string(opcode),
                e.start,   e.end,       0,          0,       e.global_core};
    }
    run.end = std::max(run.end, e.end);
    run.busy += e.end - e.start;
    ++run.count;
    return;
  }
  char args[512];
  std::snprintf(args, sizeof args,
                "\"layer\":\"%s\",\"op\":\"%s\",\"opcode\":\"%.*s\",\"index\":%zu,"
                "\"execution\":%llu,\"bytes\":%llu,\"cycles\":%lld,\"blocked_ns\":%lld",
                layer ? escaped(layer->name).c_str() : "", layer ? escaped(layer->op).c_str() : "",
                static_cast<int>(opcode.size()), opcode.data(), e.index,
                static_cast<unsigned long long>(e.execution),
                static_cast<unsigned long long>(inst.src0.valid() ? inst.src0.bytes() : 0),
                static_cast<long long>(std::llround((e.end - e.start) * e.clock_hz)),
                static_cast<long long>(to_ns(e.issued) - to_ns(e.ready)));
  emit_slice(track, opcode, to_ns(e.start), to_ns(e.end), args);
}

void TraceWriter::flush_run(int track, Run& run) {
  if (run.count == 0) return;
  const isa::LayerInfo* layer =
      run.layer < run.program->layers.size() ? &run.program->layers[run.layer] : nullptr;
  std::string name = run.setup ? "setup " + run.program->options.model
                     : layer   ? layer->name
                               : "layer " + std::to_string(run.layer);
  if (run.setup) layer = nullptr;
  char args[512];
  std::snprintf(args, sizeof args,
                "\"layer\":\"%s\",\"op\":\"%s\",\"opcode\":\"%s\",\"instructions\":%d,"
                "\"execution\":%llu,\"busy_ns\":%lld",
                escaped(name).c_str(), layer ? escaped(layer->op).c_str() : "", run.opcode.c_str(),
                run.count, static_cast<unsigned long long>(run.execution),
                static_cast<long long>(std::llround(run.busy * 1e9)));
  emit_slice(track, name, to_ns(run.start), to_ns(run.end), args);
  run.count = 0;
}

void TraceWriter::close() {
  if (file_ == nullptr) return;
  for (auto& [track, run] : runs_) flush_run(track, run);
  write_counters();
  std::fputs("\n]}\n", file_);
  const bool write_failed = std::ferror(file_) != 0;
  std::fclose(file_);
  file_ = nullptr;
  if (write_failed || std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    std::remove(tmp_path_.c_str());
    throw SimError("cannot write trace file '" + path_ + "'");
  }
}

}  // namespace infsim::sim
