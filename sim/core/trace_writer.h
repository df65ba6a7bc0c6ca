#pragma once
// Chrome trace-event JSON (the "JSON Object Format" of the Trace Event Format document that
// chrome://tracing, ui.perfetto.dev and speedscope import).
//
// Processes and tracks: one process per chip (pid = chip index) with one track per engine and
// per DMA queue of each core and one per core for its inferences, then one process per host
// process with a track per host thread. A track's metadata is written with its first slice, so
// idle cores and queues leave no empty tracks.
//
// The rules the file follows, so that viewers agree on it:
//   - slices are "B"/"E" pairs whose timestamps lie on an integer-nanosecond grid: the start and
//     the end are each rounded to the nanosecond once (dur = end - start exactly), and written as
//     microseconds with three decimals, so two slices that abut share the same number;
//   - per track the slices nest strictly: a slice that would overlap the previous one without
//     nesting in it goes on a sibling track ("core0.tensor #2"); per track the events are in
//     time order, an "E" before a "B" at the same time; zero-length slices are dropped;
//   - instruction slices are named by opcode, layer slices by layer; both carry the layer's name
//     and operator and the opcode in their args;
//   - counters ("C") hold bandwidth (GB/s) per chip resource, levels (SBUF/PSUM in use per core,
//     in-flight requests per model),
//     sampled on a grid of at most kCounterBins points over the run;
//   - flows ("s"/"f", binding to the enclosing slice) go from a host request to the device
//     inference it caused.
//
// Level: kInstruction writes one slice per instruction; kLayer one slice per run of
// instructions of the same layer on a track (about 20x smaller), and one "setup" slice per
// track for a program's setup queues (weights moved in at load or a context switch). Options also
// keep only some cores and a time window. Consumers of the instruction records (the per-layer
// profiler) attach as observers and see every instruction whatever the options; with an empty path
// nothing is written and only the observers run.
//
// Events stream to "<path>.tmp"; close() finishes the JSON and renames it to <path>. A writer
// destroyed without close() (an error unwound the run) deletes the temporary file.

#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/core/trace_event.h"

namespace infsim::sim {

enum class TraceLevel { kLayer, kInstruction };

struct TraceOptions {
  TraceLevel level = TraceLevel::kLayer;
  std::vector<int> cores;   // global core indices to trace; empty = all
  double window_begin = 0;  // seconds: slices starting outside [begin, end) are left out
  double window_end = std::numeric_limits<double>::infinity();
};

class TraceWriter {
 public:
  static constexpr int kCounterBins = 2000;

  // Throws SimError when the file cannot be created. An empty path writes nothing.
  explicit TraceWriter(std::string path, TraceOptions options = {});
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void add_observer(InstructionObserver* o) { observers_.push_back(o); }
  const TraceOptions& options() const { return options_; }

  // Names a process (e.g. "chip0", "host"); idempotent; written with its first slice.
  void process(int pid, std::string_view name);
  // A track in process `pid`; tracks sort in creation order. Returns its id.
  int track(int pid, std::string_view name);
  // A slice on a track. `args_json` is either empty or the body of a JSON object without braces,
  // e.g. "\"n\":512,\"dtype\":\"bf16\"". `core` >= 0 subjects it to the core filter.
  void slice(int track, std::string_view name, double start_seconds, double end_seconds,
             std::string_view args_json = {}, int core = -1);
  // A flow arrow from the slice enclosing `start_seconds` on `from` to the one enclosing
  // `end_seconds` on `to`.
  void flow(int from, double start_seconds, int to, double end_seconds);
  // `bytes` moved between `start` and `end` on the counter `name` of process `pid` (a bandwidth
  // in GB/s), or a level change of +/-`delta` at `time` (e.g. in-flight inferences).
  void transfer(int pid, std::string_view name, double start, double end, double bytes);
  void level(int pid, std::string_view name, double time, double delta);
  // SBUF and PSUM bytes in use on a core from `time` on (its counters are levels set to these
  // values). instruction() sets them when a core starts a layer of an inference (the layer's
  // sbuf_bytes and psum_bytes); the runtime sets them when the core's inference ends.
  void occupancy(int chip, int local_core, double time, double sbuf_bytes, double psum_bytes);
  // One executed instruction: to the observers, and as a slice per the options.
  void instruction(const InstructionEvent& e);

  void close();
  const std::string& path() const { return path_; }

 private:
  struct Lane {
    int tid = 0;
    std::int64_t last_end = std::numeric_limits<std::int64_t>::min();
  };
  struct Track {
    int pid = 0;
    std::string name;
    std::vector<Lane> lanes;  // created on demand
  };
  struct Run {  // instructions of one layer on one track, kLayer
    const isa::Program* program = nullptr;
    std::uint64_t execution = 0;
    std::uint32_t layer = 0;
    bool setup = false;  // a setup run spans every layer of its execution on the track
    std::string opcode;
    double start = 0, end = 0, busy = 0;
    int count = 0, core = 0;
  };
  struct Series {
    int pid = 0;
    std::string name;
    bool rate = true;          // bandwidth (bytes per bin) or a level (deltas)
    std::vector<double> bins;  // fine bins of kFineBin seconds
    double value = 0;          // a level: the sum of the deltas so far, in call order
  };
  struct CoreLayer {  // the inference layer a core is running, for its occupancy counters
    std::uint64_t execution = 0;
    std::uint32_t layer = 0;
    bool running = false;
  };

  bool keep(double start, int core) const;
  int engine_track(const InstructionEvent& e);
  void emit_slice(int track, std::string_view name, std::int64_t ts, std::int64_t end,
                  std::string_view args);
  void flush_run(int track, Run& run);
  void track_layer(const InstructionEvent& e);
  void write_counters();
  // One end of a flow arrow: 's' (its start) or 'f' (its finish, bound to the enclosing slice).
  void flow_event(char phase, std::uint64_t id, const Track& track, double seconds);
  void begin_event();
  void write_escaped(std::string_view s);
  void write_time(std::int64_t ns);
  Series& series(int pid, std::string_view name, bool rate);

  std::string path_;
  std::string tmp_path_;
  TraceOptions options_;
  std::FILE* file_ = nullptr;
  bool first_event_ = true;
  int next_tid_ = 1;
  std::vector<InstructionObserver*> observers_;
  std::unordered_map<int, std::string> process_names_;
  std::unordered_map<int, bool> process_written_;
  std::vector<Track> tracks_;
  std::map<std::string, int> engine_tracks_;  // "chip.core.queue" -> track
  std::map<int, Run> runs_;                   // per track, kLayer
  std::map<std::string, Series> series_;
  std::map<int, CoreLayer> core_layers_;  // per global core
  std::uint64_t next_flow_ = 1;
  double last_time_ = 0;
};

}  // namespace infsim::sim
