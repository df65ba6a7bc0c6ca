// The fair-share resource behind the DRAM channels (sim/core/fair_share_resource.h): requestors
// with data waiting share the bandwidth equally, each serves its own transfers in order, and a
// transfer alone takes bytes / bandwidth as a busy-until booking does. Exact times, with the
// arithmetic in the comments. The resource moves 1 byte per ns (1 GB/s).
#include <gtest/gtest.h>

#include <systemc>

#include "sim/core/busy_resource.h"
#include "sim/core/fair_share_resource.h"
#include "sim/core/stats.h"

namespace infsim::sim {
namespace {

sc_core::sc_time ns(double v) {
  return sc_core::sc_time(v, sc_core::SC_NS);
}

// `bytes` from requestor `flow` arrive at `at`; `done` gets the time the waiter wakes.
void transfer(FairShareResource& r, const void* flow, double bytes, double at,
              sc_core::sc_time* done, sc_core::sc_time* predicted = nullptr) {
  sc_core::sc_spawn([&r, flow, bytes, at, done, predicted] {
    sc_core::wait(ns(at));
    Completion c;
    Reservation res;
    res.add(r, bytes, flow);
    const sc_core::sc_time end = res.commit(sc_core::sc_time_stamp(), &c).second;
    if (predicted != nullptr) *predicted = end;
    *done = c.wait();
    EXPECT_EQ(*done, sc_core::sc_time_stamp());
  });
}

// A requestor with a long transfer does not own the channel into the future: one that arrives
// later is served alongside it at once.
TEST(FairShare, ALaterRequestorSharesTheChannelAtOnce) {
  Stats stats;
  FairShareResource r(stats, "ch", 1e9, "a channel");
  int a = 0, b = 0;
  sc_core::sc_time a_done, b_done, a_predicted, b_predicted;
  transfer(r, &a, 3000, 0, &a_done, &a_predicted);
  transfer(r, &b, 1000, 1000, &b_done, &b_predicted);
  sc_core::sc_start();
  // A alone: 3000 B at 1 B/ns, predicted at its arrival to end at 3000 ns.
  EXPECT_EQ(a_predicted, ns(3000));
  // B arrives at 1000 ns (A has 2000 B left); both get 0.5 B/ns: B's 1000 B take 2000 ns and end
  // at 3000 ns (first come, first served would have ended it at 3000 + 1000 = 4000 ns).
  EXPECT_EQ(b_predicted, ns(3000));
  EXPECT_EQ(b_done, ns(3000));
  // A got 1000 B of those 2000 ns and has 1000 B left, alone again at 1 B/ns: ends at 4000 ns,
  // when a busy-until channel would have drained too (the channel is never idle in between).
  EXPECT_EQ(a_done, ns(4000));
  EXPECT_DOUBLE_EQ(stats.value("ch.bytes"), 4000);
  EXPECT_DOUBLE_EQ(stats.value("ch.transfers"), 2);
  EXPECT_NEAR(stats.value("ch.busy_seconds"), 4000e-9, 1e-15);
}

// One requestor's own transfers are served in order at its share: fairness is among requestors
// (DMA engines), not among the transfers each has queued.
TEST(FairShare, ARequestorServesItsOwnTransfersInOrder) {
  Stats stats;
  FairShareResource r(stats, "ch", 1e9, "a channel");
  int a = 0, b = 0;
  sc_core::sc_time a1, a2, b1;
  transfer(r, &a, 1000, 0, &a1);
  transfer(r, &b, 1000, 0, &b1);
  transfer(r, &a, 1000, 1, &a2);  // 1 ns later, so that it is A's second
  sc_core::sc_start();
  // A and B share 0.5 B/ns each from 0 (A's second transfer joins A's queue at 1 ns and changes
  // no share): A's first 1000 B and B's 1000 B are through at 2000 ns; then A alone moves its
  // second 1000 B at 1 B/ns, by 3000 ns. (Sharing among the three transfers instead would have
  // ended the first two at 2999 ns and all three by 3000 ns.)
  EXPECT_EQ(a1, ns(2000));
  EXPECT_EQ(b1, ns(2000));
  EXPECT_EQ(a2, ns(3000));
}

// Alone, a transfer takes exactly bytes / bandwidth from its arrival, as on a busy-until
// resource; background bytes nobody waits for (no Completion) still take their share; the
// backlog drains when a busy-until resource would be free.
TEST(FairShare, AloneLikeBusyUntilAndBackgroundTakesItsShare) {
  Stats stats;
  FairShareResource r(stats, "ch", 1e9, "a channel");
  BusyResource busy(stats, "busy", 1e9, "a busy-until resource");
  int a = 0, background = 0;
  sc_core::sc_time alone, shared, backlog;
  transfer(r, &a, 500, 5, &alone);  // [5, 505) ns
  sc_core::sc_spawn([&] {
    sc_core::wait(ns(1000));
    EXPECT_EQ(busy.occupy(sc_core::sc_time_stamp(), 500), ns(1500));
    Reservation res;
    res.add(r, 2000, &background);  // from 1000 ns, nobody waits
    res.commit(sc_core::sc_time_stamp());
    backlog = r.backlog_end(sc_core::sc_time_stamp());
  });
  transfer(r, &a, 500, 1500, &shared);
  sc_core::sc_start();
  EXPECT_EQ(alone, ns(505));
  EXPECT_EQ(backlog, ns(3000));  // 2000 B from 1000 ns
  // At 1500 ns the background has 1500 B left; A's 500 B at 0.5 B/ns take 1000 ns: 2500 ns.
  EXPECT_EQ(shared, ns(2500));
}

}  // namespace
}  // namespace infsim::sim
