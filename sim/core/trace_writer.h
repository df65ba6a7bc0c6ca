#pragma once
// Chrome / Perfetto trace-event JSON (opens in ui.perfetto.dev and chrome://tracing).
//
// One process per chip (pid = chip index, plus any the runtime adds for the host), one thread
// (track) per engine and per DMA queue of each core, one complete event ("ph":"X") per
// instruction with its name and key fields as args. Modules hold a TraceWriter* that is null
// when tracing is off, so the only cost then is a pointer test.
//
// Events stream to "<path>.tmp" as they happen; close() finishes the JSON and renames it to
// <path>. A writer destroyed without close() (an error unwound the run) deletes the temporary
// file, so no partial trace is left behind.

#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>

namespace infsim::sim {

class TraceWriter {
 public:
  // Throws SimError when the file cannot be created.
  explicit TraceWriter(std::string path);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Names a process (e.g. "chip0", "host"); idempotent.
  void process(int pid, std::string_view name);
  // A new track in process `pid`; tracks sort in creation order. Returns its tid.
  int track(int pid, std::string_view name);
  // A complete event. `args_json` is either empty or the body of a JSON object without braces,
  // e.g. "\"n\":512,\"dtype\":\"bf16\"".
  void slice(int pid, int tid, std::string_view name, double start_seconds, double duration_seconds,
             std::string_view args_json = {});
  // An instant counter sample on a process-level counter track ("ph":"C").
  void counter(int pid, std::string_view name, double time_seconds, double value);

  void close();
  const std::string& path() const { return path_; }

 private:
  void begin_event();
  void write_escaped(std::string_view s);

  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  bool first_event_ = true;
  int next_tid_ = 1;
  std::unordered_map<int, bool> named_processes_;
};

}  // namespace infsim::sim
