#include "sim/core/busy_resource.h"

#include <algorithm>

#include "sim/core/stats.h"

namespace infsim::sim {

BusyResource::BusyResource(Stats& stats, const std::string& name, double bandwidth,
                           const std::string& what)
    : name_(name),
      bandwidth_(bandwidth),
      steps_per_byte_(1.0 / (bandwidth * sc_core::sc_get_time_resolution().to_seconds())),
      stats_(stats, name, what) {}

sc_core::sc_time BusyResource::occupy(const sc_core::sc_time& start, double bytes) {
  INFSIM_PANIC_IF(start < busy_until_, "resource booked before it is free", start, busy_until_);
  const sc_core::sc_time d = duration(bytes);
  busy_until_ = start + d;
  stats_.record(start.to_seconds(), busy_until_.to_seconds(), bytes);
  return busy_until_;
}

std::pair<sc_core::sc_time, sc_core::sc_time> Reservation::commit(const sc_core::sc_time& now,
                                                                  Completion* completion) {
  sc_core::sc_time start = shared_ > 0 ? now : sc_core::sc_max_time();
  sc_core::sc_time end = now;
  for (int i = 0; i < legs_; ++i) {
    BusyResource& r = *legs_array_[i].resource;
    const sc_core::sc_time leg_start = std::max(now, r.free_at());
    start = std::min(start, leg_start);
    end = std::max(end, r.occupy(leg_start, legs_array_[i].bytes));
  }
  if (legs_ == 0 && shared_ == 0) start = now;
  if (completion != nullptr) completion->begin(end);
  for (int i = 0; i < shared_; ++i) {
    const SharedLeg& l = shared_array_[i];
    l.resource->arrive(now, l.flow, l.bytes, completion);
  }
  if (completion != nullptr) end = std::max(end, completion->predicted());
  return {start, end};
}

}  // namespace infsim::sim
