// The compile report: what the program does per core and per engine, and where its memory goes.
#include <cstdio>
#include <sstream>

#include "compiler/compiler.h"
#include "isa/instruction_text.h"

namespace infsim::compiler {
namespace {

std::string fmt(const char* f, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

std::string bytes_text(double b) {
  if (b >= 1 << 20) return fmt("%.2f MiB", b / (1 << 20));
  if (b >= 1 << 10) return fmt("%.1f KiB", b / (1 << 10));
  return fmt("%.0f B", b);
}

}  // namespace

std::string format_compile_report(const CompileReport& r) {
  std::ostringstream os;
  os << "model " << r.model << "  batch " << r.batch << "  dtype " << isa::dtype_text(r.dtype)
     << "  cores " << r.cores.size() << "\n";
  if (r.segments.empty())
    os << "  " << r.passes << " pass(es) of " << r.sub_batch << " image(s) over the layers\n";
  for (const PassSegment& s : r.segments)
    os << "  layers " << s.first_layer << "-" << s.last_layer << ": " << s.passes << " pass(es) of "
       << s.sub_batch << " image(s)\n";
  os << "  MACs " << fmt("%.3f G", static_cast<double>(r.macs) / 1e9) << ", weights "
     << bytes_text(static_cast<double>(r.weight_bytes)) << ", " << r.instructions
     << " instructions per inference\n";
  const double cycles = static_cast<double>(r.estimated_cycles());
  os << "  estimated " << static_cast<std::uint64_t>(cycles) << " cycles per inference ("
     << fmt("%.1f us", cycles / r.clock_hz * 1e6) << " at " << fmt("%.2f GHz", r.clock_hz / 1e9)
     << ", no contention)\n";
  if (r.graph_nodes > 0) {
    const std::size_t device = r.graph_nodes - r.host_ops.size();
    os << "  operations on Inferentia: " << device << " of " << r.graph_nodes << " ("
       << fmt("%.1f%%", 100.0 * static_cast<double>(device) / r.graph_nodes) << "), "
       << r.host_ops.size() << " on the host\n";
  }
  for (const auto& h : r.host_ops)
    os << "  on the host " << (h.before_device ? "before" : "after") << " the device: " << h.name
       << " (" << h.op << ")\n";
  os << "\ncore  layers      tensor  vector  scalar     dma  setup  sbuf/partition        "
        "weights on chip  streamed/inf  est. cycles\n";
  for (std::size_t c = 0; c < r.cores.size(); ++c) {
    const CoreReport& k = r.cores[c];
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%4zu  %4d-%-4d %7llu %7llu %7llu %7llu %6llu  %9s / %-9s  %15s  %12s  %11llu\n",
                  c, k.first_layer, k.last_layer,
                  static_cast<unsigned long long>(k.instructions[0]),
                  static_cast<unsigned long long>(k.instructions[1]),
                  static_cast<unsigned long long>(k.instructions[2]),
                  static_cast<unsigned long long>(k.instructions[3]),
                  static_cast<unsigned long long>(k.setup_instructions),
                  bytes_text(static_cast<double>(k.sbuf_peak)).c_str(),
                  bytes_text(static_cast<double>(k.sbuf_capacity)).c_str(),
                  bytes_text(static_cast<double>(k.weights_resident)).c_str(),
                  bytes_text(static_cast<double>(k.weights_streamed)).c_str(),
                  static_cast<unsigned long long>(k.estimated_cycles));
    os << buf;
  }
  os << "\nlayer                                op                  core          MACs   "
        "tensor   vector   scalar      dma  (busy cycles)  gemm M x N x K\n";
  for (const LayerEstimate& l : r.layers) {
    char buf[256];
    const std::string gemm = l.gemm[0] == 0
                                 ? "-"
                                 : std::to_string(l.gemm[0]) + "x" + std::to_string(l.gemm[1]) +
                                       "x" + std::to_string(l.gemm[2]);
    std::snprintf(
        buf, sizeof buf, "%-36s %-18s %5d %13llu %8llu %8llu %8llu %8llu  %s\n",
        l.name.substr(0, 36).c_str(), l.op.substr(0, 18).c_str(), l.core,
        static_cast<unsigned long long>(l.macs), static_cast<unsigned long long>(l.busy[0]),
        static_cast<unsigned long long>(l.busy[1]), static_cast<unsigned long long>(l.busy[2]),
        static_cast<unsigned long long>(l.busy[3]), gemm.c_str());
    os << buf;
  }
  return os.str();
}

}  // namespace infsim::compiler
