#include "sim/core/trace_writer.h"

#include <cstdio>

#include "sim/core/sim_error.h"

namespace infsim::sim {

TraceWriter::TraceWriter(std::string path) : path_(std::move(path)), tmp_path_(path_ + ".tmp") {
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
  for (char c : s) {
    if (c == '"' || c == '\\') {
      std::fputc('\\', file_);
      std::fputc(c, file_);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      std::fprintf(file_, "\\u%04x", static_cast<unsigned>(c));
    } else {
      std::fputc(c, file_);
    }
  }
}

void TraceWriter::process(int pid, std::string_view name) {
  if (named_processes_.count(pid) != 0) return;
  named_processes_[pid] = true;
  begin_event();
  std::fprintf(file_, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":\"",
               pid);
  write_escaped(name);
  std::fputs("\"}}", file_);
  begin_event();
  std::fprintf(file_,
               "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%d,\"args\":"
               "{\"sort_index\":%d}}",
               pid, pid);
}

int TraceWriter::track(int pid, std::string_view name) {
  const int tid = next_tid_++;
  begin_event();
  std::fprintf(file_,
               "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":\"",
               pid, tid);
  write_escaped(name);
  std::fputs("\"}}", file_);
  begin_event();
  std::fprintf(file_,
               "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%d,\"args\":"
               "{\"sort_index\":%d}}",
               pid, tid, tid);
  return tid;
}

void TraceWriter::slice(int pid, int tid, std::string_view name, double start_seconds,
                        double duration_seconds, std::string_view args_json) {
  begin_event();
  std::fputs("{\"ph\":\"X\",\"name\":\"", file_);
  write_escaped(name);
  // Microseconds with picosecond precision, the unit of the trace-event format.
  std::fprintf(file_, "\",\"pid\":%d,\"tid\":%d,\"ts\":%.6f,\"dur\":%.6f", pid, tid,
               start_seconds * 1e6, duration_seconds * 1e6);
  if (!args_json.empty()) {
    std::fputs(",\"args\":{", file_);
    std::fwrite(args_json.data(), 1, args_json.size(), file_);
    std::fputc('}', file_);
  }
  std::fputc('}', file_);
}

void TraceWriter::counter(int pid, std::string_view name, double time_seconds, double value) {
  begin_event();
  std::fputs("{\"ph\":\"C\",\"name\":\"", file_);
  write_escaped(name);
  std::fprintf(file_, "\",\"pid\":%d,\"ts\":%.6f,\"args\":{\"value\":%.17g}}", pid,
               time_seconds * 1e6, value);
}

void TraceWriter::close() {
  if (file_ == nullptr) return;
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
