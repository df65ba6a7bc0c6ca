#pragma once
// A bandwidth resource shared fairly among its requestors, as a memory controller interleaves the
// requests of several masters as they arrive (generalized processor sharing with equal weights,
// computed arithmetically): every requestor ("flow", e.g. one DMA engine) that has data waiting
// gets an equal share of the bandwidth, and its own transfers are served first come, first served
// at that share. A requestor that has queued a long list of transfers therefore does not own the
// resource into the future: one that arrives later is served alongside it at once.
//
// Timing stays loosely timed: no per-chunk or per-cycle event. The resource keeps each flow's
// virtual finish tag (the service it has asked for) and a virtual clock V that advances at
// bandwidth / (flows with data waiting); a transfer is through when V reaches its tag. One timed
// event per resource marks the next transfer to get through (moved when a transfer arrives), and
// a method process then tells its waiter; a waiter wakes once, when its last leg is through.
// Alone on the resource, a transfer takes bytes / bandwidth from its arrival, exactly as a
// busy-until reservation (BusyResource); the resource is busy at full bandwidth exactly when a
// first-come-first-served one would be (both serve whatever is waiting), so its busy time,
// traced bandwidth and the time its backlog drains are the same; only which transfer finishes
// when differs.
//
// A transfer that crosses several resources collects its legs in a Completion (one per waiter: a
// DMA queue, a host copy): its end is the latest of its legs' ends and of its busy-until legs.

#include <string>
#include <vector>

#include <systemc>

#include "sim/core/resource_stats.h"
#include "sim/core/stats.h"

namespace infsim::sim {

class TraceWriter;
class FairShareResource;

// The legs of one transfer on fair-share resources, and its one wait. Owned by the waiter; lives
// until wait() returns (every leg is through then, and the resources hold no pointer to it).
class Completion {
 public:
  Completion() = default;
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  // Starts a transfer whose other (busy-until) legs end at `floor`.
  void begin(const sc_core::sc_time& floor);
  // The end predicted when the legs arrived (later arrivals on their resources may delay it).
  const sc_core::sc_time& predicted() const { return predicted_; }
  // Blocks the calling SC_THREAD until `after` past the moment every leg is through (a fixed
  // latency behind the data); returns that moment: the transfer's real end.
  sc_core::sc_time wait(const sc_core::sc_time& after = sc_core::SC_ZERO_TIME);

 private:
  friend class FairShareResource;
  void add_leg(const sc_core::sc_time& predicted);
  void leg_done(const sc_core::sc_time& now);

  sc_core::sc_event event_;
  sc_core::sc_time end_;
  sc_core::sc_time predicted_;
  sc_core::sc_time after_;
  int pending_ = 0;
  bool waiting_ = false;
};

class FairShareResource {
 public:
  // Registers <name>.bytes, .busy_seconds and .transfers, and the formulas .utilization and
  // .bandwidth (achieved bytes/s over the window), described as `what` (as BusyResource does).
  FairShareResource(Stats& stats, const std::string& name, double bandwidth,
                    const std::string& what);
  FairShareResource(const FairShareResource&) = delete;
  FairShareResource& operator=(const FairShareResource&) = delete;

  const std::string& name() const { return name_; }
  double bandwidth() const { return bandwidth_; }
  Stats::Handle utilization() const { return stats_.utilization(); }
  // When everything queued so far is through, if nothing else arrives (a busy-until resource's
  // busy_until); `now` if idle.
  sc_core::sc_time backlog_end(const sc_core::sc_time& now);
  // `bytes` arrive at `now` from requestor `flow` (any address naming it). With a Completion, the
  // leg is added to it with its predicted end if nothing else arrives; without one, the bytes only
  // take their share (background traffic nobody waits for). Other waiters' predictions are not
  // revised when later bytes slow them down: Completion::wait() returns the real end, when the
  // leg is through.
  void arrive(const sc_core::sc_time& now, const void* flow, double bytes, Completion* completion);
  void trace_to(TraceWriter* trace, int pid, std::string counter) {
    stats_.trace_to(trace, pid, std::move(counter));
  }

 private:
  struct Flow {
    const void* key;
    double last_tag;  // virtual time at which its last queued byte is served
  };
  struct Leg {
    double tag;  // virtual finish
    Completion* completion;
  };
  // Moves the virtual clock to `now` (in time steps) and tells the waiters of the legs that are
  // through (also those whose end rounds to `now`).
  void settle(double now);
  void advance(double now);
  // When V reaches `tag` if nothing else arrives, in time steps.
  double finish(double tag) const;
  // Moves the event to the next leg's end.
  void schedule_next();
  void on_next();

  std::string name_;
  double bandwidth_;
  double steps_per_byte_;
  double now_ = 0;      // time steps up to which virtual_ is known
  double virtual_ = 0;  // bytes served to each backlogged flow since the resource was last idle
  std::vector<Flow> flows_;
  std::vector<Leg> legs_;  // sorted by tag
  sc_core::sc_event next_;
  double next_at_ = -1;  // when next_ is due (time steps), -1 if not pending
  ResourceStats stats_;
};

}  // namespace infsim::sim
