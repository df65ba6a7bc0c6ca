#pragma once
// Shared bandwidth resources as "busy until" reservations, computed arithmetically: a transfer
// that needs a resource starts at max(now, busy_until), occupies it for bytes / bandwidth, and
// its caller waits once for the end (plus any fixed latency). Contention falls out of the
// reservations; there is no per-cycle or per-chunk event.
//
// A transfer that crosses several resources (a DMA engine, DRAM channels, links) books each of
// them with a Reservation, independently and first come first served: resource r serves the
// transfer's share from max(now, busy_until_r) for bytes_r / bandwidth_r, and the data is through
// when the last of them has finished. This is a fluid approximation of a pipelined stream: each
// resource's throughput is exact and the slowest one sets the transfer's duration, and no
// resource sits idle because another is busy. (Booking all legs from one common start would
// block every resource behind the slowest one and leave gaps that later transfers could not
// use: a DRAM channel would idle for the whole of a slow PCIe copy.)

#include <array>
#include <string>

#include <systemc>

#include "isa/panic.h"
#include "sim/core/fair_share_resource.h"
#include "sim/core/resource_stats.h"
#include "sim/core/stats.h"

namespace infsim::sim {

class TraceWriter;

class BusyResource {
 public:
  // Registers <name>.bytes, .busy_seconds and .transfers, and the formulas .utilization and
  // .bandwidth (achieved bytes/s over the window), described as `what`.
  BusyResource(Stats& stats, const std::string& name, double bandwidth, const std::string& what);

  const std::string& name() const { return name_; }
  double bandwidth() const { return bandwidth_; }
  Stats::Handle utilization() const { return stats_.utilization(); }  // busy over the window
  const sc_core::sc_time& free_at() const { return busy_until_; }
  sc_core::sc_time duration(double bytes) const {
    return sc_core::sc_time::from_value(
        static_cast<sc_core::sc_time::value_type>(bytes * steps_per_byte_ + 0.5));
  }
  // Books [start, start + bytes / bandwidth); `start` must not precede free_at(). Returns the end.
  sc_core::sc_time occupy(const sc_core::sc_time& start, double bytes);
  // Every booking is also traced (ResourceStats::trace_to).
  void trace_to(TraceWriter* trace, int pid, std::string counter) {
    stats_.trace_to(trace, pid, std::move(counter));
  }

 private:
  std::string name_;
  double bandwidth_;
  double steps_per_byte_;
  sc_core::sc_time busy_until_;
  ResourceStats stats_;
};

class Reservation {
 public:
  static constexpr int kMaxLegs = 96;

  // `bytes` of this transfer pass through `resource`; the same resource may be added once only.
  void add(BusyResource& resource, double bytes) {
    INFSIM_PANIC_IF(legs_ == kMaxLegs, "too many resources in one transfer");
    legs_array_[legs_++] = Leg{&resource, bytes};
  }
  // `bytes` of this transfer pass through the fair-share `resource` on behalf of requestor `flow`.
  void add(FairShareResource& resource, double bytes, const void* flow) {
    INFSIM_PANIC_IF(shared_ == kMaxLegs, "too many resources in one transfer");
    shared_array_[shared_++] = SharedLeg{&resource, bytes, flow};
  }
  // Books every resource and returns {start, end}: when the first of them starts moving the
  // transfer's data, and when the last one has finished (the whole transfer is through). The
  // fair-share legs join `completion` (begun here), and `end` is its prediction, which later
  // arrivals may delay: the caller waits with completion->wait(). Without a completion, the
  // fair-share legs are background traffic nobody waits for, and `end` covers the busy-until legs
  // only.
  std::pair<sc_core::sc_time, sc_core::sc_time> commit(const sc_core::sc_time& now,
                                                       Completion* completion = nullptr);

 private:
  struct Leg {
    BusyResource* resource;
    double bytes;
  };
  struct SharedLeg {
    FairShareResource* resource;
    double bytes;
    const void* flow;
  };
  std::array<Leg, kMaxLegs> legs_array_;
  std::array<SharedLeg, kMaxLegs> shared_array_;
  int legs_ = 0;
  int shared_ = 0;
};

}  // namespace infsim::sim
