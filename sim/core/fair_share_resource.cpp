#include "sim/core/fair_share_resource.h"

#include <algorithm>
#include <cmath>

#include "isa/panic.h"

namespace infsim::sim {
namespace {

double rounded(double steps) {
  return std::max(0.0, std::floor(steps + 0.5));
}

sc_core::sc_time steps_to_time(double steps) {
  return sc_core::sc_time::from_value(static_cast<sc_core::sc_time::value_type>(rounded(steps)));
}

double now_steps() {
  return static_cast<double>(sc_core::sc_time_stamp().value());
}

// Virtual tags within this many bytes of each other are the same (double rounding over long
// streams); far below one DRAM burst.
double slack(double tag) {
  return 1e-6 + 1e-12 * std::abs(tag);
}

}  // namespace

void Completion::begin(const sc_core::sc_time& floor) {
  INFSIM_PANIC_IF(pending_ != 0, "a transfer begun while the last one is in flight");
  end_ = floor;
  predicted_ = floor;
  waiting_ = false;
}

void Completion::add_leg(const sc_core::sc_time& predicted) {
  ++pending_;
  predicted_ = std::max(predicted_, predicted);
}

void Completion::leg_done(const sc_core::sc_time& now) {
  --pending_;
  end_ = std::max(end_, now);
  if (pending_ != 0 || !waiting_) return;
  // Immediately when no latency follows (the waiter runs in this evaluation phase, no delta).
  if (end_ + after_ == now) {
    event_.notify();
  } else {
    event_.notify(end_ + after_ - now);
  }
}

sc_core::sc_time Completion::wait(const sc_core::sc_time& after) {
  if (pending_ > 0) {
    waiting_ = true;
    after_ = after;
    sc_core::wait(event_);  // leg_done notifies it `after` past the last leg's end
    waiting_ = false;
  } else {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (end_ + after > now) sc_core::wait(end_ + after - now);
  }
  return end_;
}

FairShareResource::FairShareResource(Stats& stats, const std::string& name, double bandwidth,
                                     const std::string& what)
    : name_(name),
      bandwidth_(bandwidth),
      steps_per_byte_(1.0 / (bandwidth * sc_core::sc_get_time_resolution().to_seconds())),
      stats_(stats, name, what) {
  sc_core::sc_spawn_options options;
  options.spawn_method();
  options.set_sensitivity(&next_);
  options.dont_initialize();
  sc_core::sc_spawn([this] { on_next(); }, nullptr, &options);
}

void FairShareResource::advance(double now) {
  while (!flows_.empty() && now_ < now) {
    double next = flows_.front().last_tag;
    for (const Flow& f : flows_) next = std::min(next, f.last_tag);
    const double n = static_cast<double>(flows_.size());
    const double until = now_ + (next - virtual_) * n * steps_per_byte_;
    if (until > now) {
      virtual_ += (now - now_) / (n * steps_per_byte_);
      now_ = now;
      break;
    }
    // The flow(s) with the smallest tag drain at `until`: the others' share grows from then on.
    now_ = until;
    virtual_ = next;
    const double done = virtual_ + slack(virtual_);
    flows_.erase(std::remove_if(flows_.begin(), flows_.end(),
                                [done](const Flow& f) { return f.last_tag <= done; }),
                 flows_.end());
  }
  now_ = std::max(now_, now);
}

double FairShareResource::finish(double tag) const {
  // The flows' last tags below `tag` are where the virtual clock speeds up (one flow fewer).
  thread_local std::vector<double> drains;
  drains.clear();
  double n = static_cast<double>(flows_.size());
  for (const Flow& f : flows_) {
    if (f.last_tag < tag - slack(tag)) drains.push_back(f.last_tag);
  }
  std::sort(drains.begin(), drains.end());
  double t = now_;
  double v = virtual_;
  for (const double d : drains) {
    t += std::max(0.0, d - v) * n * steps_per_byte_;
    v = std::max(v, d);
    n -= 1;
  }
  return t + std::max(0.0, tag - v) * std::max(n, 1.0) * steps_per_byte_;
}

void FairShareResource::settle(double now) {
  advance(now);
  const sc_core::sc_time at = sc_core::sc_time_stamp();
  // Legs whose end rounds to now are through now (the event fires on whole time steps); with
  // every flow drained, all are.
  std::size_t through = flows_.empty() ? legs_.size() : 0;
  while (through < legs_.size() && (legs_[through].tag <= virtual_ + slack(virtual_) ||
                                    rounded(finish(legs_[through].tag)) <= now)) {
    ++through;
  }
  for (std::size_t i = 0; i < through; ++i) {
    if (legs_[i].completion != nullptr) legs_[i].completion->leg_done(at);
  }
  legs_.erase(legs_.begin(), legs_.begin() + static_cast<std::ptrdiff_t>(through));
  if (flows_.empty()) virtual_ = 0;  // idle: restart the virtual clock
}

void FairShareResource::schedule_next() {
  // Only a leg somebody waits for needs the event; background bytes (fast-forwarded cores) are
  // dropped by the next settle.
  const auto next = std::find_if(legs_.begin(), legs_.end(),
                                 [](const Leg& l) { return l.completion != nullptr; });
  if (next == legs_.end()) {
    if (next_at_ >= 0) next_.cancel();
    next_at_ = -1;
    return;
  }
  const double at = std::max(rounded(finish(next->tag)), now_);
  if (at == next_at_) return;
  next_.cancel();
  next_.notify(sc_core::sc_time::from_value(static_cast<sc_core::sc_time::value_type>(at)) -
               sc_core::sc_time_stamp());
  next_at_ = at;
}

void FairShareResource::on_next() {
  next_at_ = -1;
  settle(now_steps());
  schedule_next();
}

sc_core::sc_time FairShareResource::backlog_end(const sc_core::sc_time& now) {
  settle(static_cast<double>(now.value()));
  double waiting = 0;
  for (const Flow& f : flows_) waiting += f.last_tag - virtual_;
  return steps_to_time(now_ + waiting * steps_per_byte_);
}

void FairShareResource::arrive(const sc_core::sc_time& now, const void* flow, double bytes,
                               Completion* completion) {
  if (bytes <= 0) return;
  settle(static_cast<double>(now.value()));
  double waiting = 0;
  for (const Flow& f : flows_) waiting += f.last_tag - virtual_;
  const double start = now_ + waiting * steps_per_byte_;  // where a busy-until booking starts
  auto f =
      std::find_if(flows_.begin(), flows_.end(), [flow](const Flow& x) { return x.key == flow; });
  if (f == flows_.end()) {
    flows_.push_back(Flow{flow, virtual_});
    f = flows_.end() - 1;
  }
  const double tag = std::max(f->last_tag, virtual_) + bytes;
  f->last_tag = tag;
  legs_.insert(std::upper_bound(legs_.begin(), legs_.end(), tag,
                                [](double v, const Leg& l) { return v < l.tag; }),
               Leg{tag, completion});
  if (completion != nullptr) completion->add_leg(steps_to_time(finish(tag)));

  const double d = bytes * steps_per_byte_;
  const double resolution = sc_core::sc_get_time_resolution().to_seconds();
  // The resource as a whole is busy exactly as a first-come-first-served one would be.
  stats_.record(start * resolution, (start + d) * resolution, bytes);
  schedule_next();
}

}  // namespace infsim::sim
