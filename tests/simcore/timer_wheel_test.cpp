// Pins TimerWheel (simcore/timer_wheel.h): after settle(limit) every armed timer at or before
// limit is in the due heap and leaves in (time, seq) order, whatever slot or level it was placed
// in; cancel works on wheel slots and on due timers (tombstones); stale handles never act on a
// node reused by a newer timer.  Also pins the Scheduler's timer contract at the places where
// the wheel's cursor runs ahead of now.
// Source of truth: a std::set of armed timers ordered by (time, seq) (obviously correct), or a
// hand-computed order written out in the test.  Random cases use fixed seeds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "simcore/scheduler.h"
#include "simcore/timer_wheel.h"

using namespace meshsim::simcore;
using namespace meshsim::simcore::time_literals;

namespace {

using Wheel = TimerWheel<int>;
constexpr int64_t kSlot0 = int64_t{1} << Wheel::kShift0;  // 2^20 ns

// Drives a TimerWheel the way the Scheduler does (times never before the last horizon) and
// checks it against a std::set of armed timers keyed by (time, seq).
struct Driver {
  Wheel w;
  std::set<std::tuple<int64_t, uint64_t, int>> armed;
  std::map<int, TimerHandle> handle;
  std::map<int, std::pair<int64_t, uint64_t>> key;
  uint64_t seq = 0;
  int next_id = 0;
  int64_t now = 0;

  int arm(int64_t t) {
    REQUIRE(t >= now);
    const int id = next_id++;
    const uint64_t s = seq++;
    handle[id] = w.arm(Time::from_ns(t), s, id);
    key[id] = {t, s};
    armed.insert({t, s, id});
    return id;
  }
  void cancel(int id) {
    REQUIRE(w.cancel(handle.at(id)));
    armed.erase({key[id].first, key[id].second, id});
  }
  // Fires every timer at or before `limit`, checking each against the reference; afterwards no
  // armed timer may lie at or before `limit`.  Returns the ids fired, in order.
  std::vector<int> advance(int64_t limit) {
    std::vector<int> fired;
    // Settles before every look at the due heap, as Scheduler::pop_until does: the contract
    // pinned is "after settle(limit), the due top is the earliest armed timer if it is <= limit".
    for (;;) {
      w.settle(Time::from_ns(limit));
      const HeapEntry<uint32_t>* d = w.due_top();
      if (d == nullptr || d->time.ns() > limit) break;
      REQUIRE(!armed.empty());
      const auto expect = *armed.begin();
      REQUIRE(d->time.ns() == std::get<0>(expect));
      REQUIRE(d->seq == std::get<1>(expect));
      const int id = w.pop_due();
      REQUIRE(id == std::get<2>(expect));
      armed.erase(armed.begin());
      fired.push_back(id);
    }
    if (!armed.empty()) {
      CAPTURE(limit, std::get<0>(*armed.begin()));
      REQUIRE(std::get<0>(*armed.begin()) > limit);
    }
    REQUIRE(w.size() == armed.size());
    now = std::max(now, limit);
    return fired;
  }
  // Steps through every armed time t: first to t - 1 (nothing at t may fire), then to t.
  void step_through_all() {
    while (!armed.empty()) {
      const int64_t t = std::get<0>(*armed.begin());
      if (t - 1 >= now) REQUIRE(advance(t - 1).empty());
      REQUIRE(!advance(t).empty());
    }
  }
};

// Every multiple m * 2^k (k = slot width of each level, and the wheel's full range 2^56) with
// m around the 64-slot wrap, and one ns either side, shifted by `base`.
std::vector<int64_t> boundary_times(int64_t base) {
  std::vector<int64_t> out;
  for (int k = Wheel::kShift0; k <= Wheel::kShift0 + Wheel::kBits * Wheel::kLevels; k += Wheel::kBits) {
    for (int64_t m : {1, 2, 63, 64, 65}) {
      for (int64_t d : {-1, 0, 1}) out.push_back(base + m * (int64_t{1} << k) + d);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("TimerWheel: timers exactly on slot and level boundaries, and 1 ns either side, fire in "
          "(time, seq) order and never before their time",
          "[timer_wheel]") {
  // Source of truth: std::set by (time, seq).  Boundaries m * 2^k for k = 20, 26, ..., 56 and
  // m = 1, 2, 63, 64, 65, +-1 ns, measured from the origin and from cursors that sit at odd
  // places (mid-slot, just below a level-4 boundary, in a later 2^56 block).  Each timer is
  // approached with a horizon 1 ns before it, then exactly at it.  Each time is armed twice
  // (FIFO between the pair).
  for (int64_t start : {int64_t{0}, 3 * (int64_t{1} << 26) + 5 * kSlot0 + 17,
                        (int64_t{1} << 50) - kSlot0 + 3, (int64_t{1} << 56) + 12345}) {
    CAPTURE(start);
    Driver d;
    if (start > 0) {
      // Walks the cursor up to `start` (via the last ns of the previous 2^56 block if needed,
      // since a timer beyond the cursor's 2^56 block bypasses the wheel).
      if ((start >> 56) > 0) d.arm(((start >> 56) << 56) - 1);
      d.arm(start);
      d.step_through_all();
    }
    for (int64_t base : {int64_t{0}, start}) {
      for (int64_t t : boundary_times(base)) {
        if (t >= d.now) {
          d.arm(t);
          d.arm(t);
        }
      }
    }
    d.step_through_all();
    CHECK(d.w.size() == 0);
  }
}

TEST_CASE("TimerWheel: cascades through several levels keep (time, seq) order at every horizon",
          "[timer_wheel]") {
  // Source of truth: std::set by (time, seq).  Timers share their top digits (level 5 to 2)
  // and differ below, so one high slot cascades into many lower slots, some of them into the
  // slot the cursor lands on; horizons are hit at random points and exactly on each timer.
  std::mt19937_64 g(51);
  Driver d;
  const int64_t hi = (int64_t{7} << 50) + (int64_t{3} << 44) + (int64_t{63} << 38) + (int64_t{1} << 32);
  for (int i = 0; i < 3000; ++i) {
    int64_t t = hi;
    // Lower digits: level 1 and 0 slots, and an offset inside the level-0 slot; some timers
    // sit exactly on the start of the level-1 or level-2 slot.
    switch (g() % 4) {
      case 0: break;
      case 1: t += static_cast<int64_t>(g() % 64) << 26; break;
      case 2: t += (static_cast<int64_t>(g() % 64) << 26) + (static_cast<int64_t>(g() % 64) << 20); break;
      default:
        t += (static_cast<int64_t>(g() % 64) << 26) + (static_cast<int64_t>(g() % 64) << 20) +
             static_cast<int64_t>(g() % kSlot0);
        break;
    }
    if (g() % 8 == 0) t += static_cast<int64_t>(g() % 3) << 32;  // next level-2 slots too
    d.arm(t);
  }
  // A few timers much earlier, so the cursor is mid-way when the big slot is entered.
  for (int i = 0; i < 50; ++i) d.arm(static_cast<int64_t>(g() % static_cast<uint64_t>(hi)));
  while (!d.armed.empty()) {
    const int64_t next = std::get<0>(*d.armed.begin());
    switch (g() % 3) {
      case 0: d.advance(next - 1); break;
      case 1: d.advance(next); break;
      default: d.advance(next + static_cast<int64_t>(g() % (int64_t{1} << 27))); break;
    }
    // Arm between the horizon and the next pending timer, as a model would from a handler.
    if (!d.armed.empty() && g() % 4 == 0) {
      const int64_t gap = std::get<0>(*d.armed.begin()) - d.now;
      if (gap > 0) d.arm(d.now + static_cast<int64_t>(g() % static_cast<uint64_t>(gap)));
    }
  }
  CHECK(d.w.size() == 0);
}

TEST_CASE("TimerWheel: a timer on the last ns of a level-2 block fires before the cascade of the "
          "next block, which is entered by the level-0 cursor step",
          "[timer_wheel]") {
  // Hand-computed.  The level-0 slot [2^32 - 2^20, 2^32) is the last of its level-1 and
  // level-2 blocks; leaving it moves the cursor to 2^32 and cascades the level-2 slot
  // [2^32, 2^32 + 2^26 * 64) in the same step.  Expected order: a (2^32 - 1), b (2^32),
  // c (2^32 + 1), e (2^32 + 2^26), f (2^32 + 2^26 + 2^20 + 5), g (2^38).
  Driver d;
  const int64_t t32 = int64_t{1} << 32;
  const int a = d.arm(t32 - 1);
  const int g6 = d.arm(int64_t{1} << 38);
  const int f = d.arm(t32 + (int64_t{1} << 26) + kSlot0 + 5);
  const int e = d.arm(t32 + (int64_t{1} << 26));
  const int c = d.arm(t32 + 1);
  const int b = d.arm(t32);
  CHECK(d.advance(t32 - 1) == std::vector<int>{a});
  CHECK(d.advance(t32) == std::vector<int>{b});
  CHECK(d.advance(t32 + (int64_t{1} << 26) - 1) == std::vector<int>{c});
  CHECK(d.advance(t32 + (int64_t{1} << 26) + kSlot0 + 5) == std::vector<int>{e, f});
  CHECK(d.advance(int64_t{1} << 38) == std::vector<int>{g6});
}

TEST_CASE("TimerWheel: cancelling a timer whose slot already came due leaves a tombstone that never "
          "fires, and a second cancel returns false",
          "[timer_wheel]") {
  // Hand-computed.  Timers at 100, 200 and 300 ns share level-0 slot 0; settle(100) moves the
  // whole slot into the due heap.  Cancelling 200 (not at the top) and 100 (at the top) takes
  // the tombstone path; only 300 fires.
  Driver d;
  const int t100 = d.arm(100);
  const int t200 = d.arm(200);
  const int t300 = d.arm(300);
  d.w.settle(Time::from_ns(100));
  d.cancel(t200);
  d.cancel(t100);
  CHECK(d.w.size() == 1);
  CHECK_FALSE(d.w.cancel(d.handle[t200]));
  CHECK_FALSE(d.w.cancel(d.handle[t100]));
  CHECK(d.w.size() == 1);
  CHECK(d.advance(250).empty());
  CHECK_FALSE(d.w.cancel(d.handle[t200]));  // tombstone dropped and node freed: still stale
  CHECK(d.advance(300) == std::vector<int>{t300});
  CHECK_FALSE(d.w.cancel(d.handle[t300]));  // fired
  CHECK(d.w.size() == 0);
}

TEST_CASE("TimerWheel: a stale handle whose node was reused by a new timer returns false and does "
          "not cancel the new timer",
          "[timer_wheel]") {
  // Source of truth: the handle contract (generation).  The node is freed three ways (cancel
  // in a wheel slot, tombstone dropped from the due heap, fired) and reused each time; the old
  // handle must not touch the newcomer, which must still fire at its time.
  SECTION("freed by a cancel in a wheel slot") {
    Driver d;
    const int old_id = d.arm(5'000'000);
    d.cancel(old_id);
    const int new_id = d.arm(5'000'000);
    REQUIRE(d.handle[new_id].index == d.handle[old_id].index);  // the node was reused
    CHECK_FALSE(d.w.cancel(d.handle[old_id]));
    CHECK(d.w.size() == 1);
    CHECK(d.advance(5'000'000) == std::vector<int>{new_id});
  }
  SECTION("freed when its tombstone leaves the due heap") {
    Driver d;
    const int old_id = d.arm(100);
    d.arm(50);
    d.w.settle(Time::from_ns(100));  // both due
    d.cancel(old_id);                // tombstone
    CHECK(d.advance(60).size() == 1);
    CHECK(d.w.due_top() == nullptr);  // drops the tombstone, frees its node
    const int new_id = d.arm(400);    // behind the cursor (2^20): straight into the due heap
    REQUIRE(d.handle[new_id].index == d.handle[old_id].index);
    CHECK_FALSE(d.w.cancel(d.handle[old_id]));
    CHECK(d.w.size() == 1);
    CHECK(d.advance(400) == std::vector<int>{new_id});
  }
  SECTION("freed by firing") {
    Driver d;
    const int old_id = d.arm(3 * kSlot0);
    CHECK(d.advance(3 * kSlot0) == std::vector<int>{old_id});
    const int new_id = d.arm(7 * kSlot0);
    REQUIRE(d.handle[new_id].index == d.handle[old_id].index);
    CHECK_FALSE(d.w.cancel(d.handle[old_id]));
    CHECK(d.w.size() == 1);
    CHECK(d.advance(7 * kSlot0) == std::vector<int>{new_id});
  }
  SECTION("a default-constructed handle") {
    Driver d;
    d.arm(10);
    CHECK_FALSE(d.w.cancel(TimerHandle{}));
    CHECK(d.w.size() == 1);
  }
}

TEST_CASE("TimerWheel: arming at exactly now after the cursor moved past now's slot fires at now, "
          "in seq order with the other timers",
          "[timer_wheel]") {
  // Hand-computed.  settle(100) moves slot [0, 2^20) to the due heap and the cursor to 2^20,
  // past now = 100.  Timers armed at 100, 100, 2^20 - 1, 2^20, 2^20 + 1 and 101 must fire as
  // 100 (first armed), 100 (second), 101, 2^20 - 1, 2^20, 2^20 + 1.
  Driver d;
  d.arm(100);
  REQUIRE(d.advance(100).size() == 1);
  const int a = d.arm(100);
  const int b = d.arm(100);
  const int e = d.arm(kSlot0 - 1);
  const int f = d.arm(kSlot0);
  const int g6 = d.arm(kSlot0 + 1);
  const int c = d.arm(101);
  CHECK(d.advance(100) == std::vector<int>{a, b});
  CHECK(d.advance(kSlot0 - 1) == std::vector<int>{c, e});
  CHECK(d.advance(kSlot0 + 1) == std::vector<int>{f, g6});
}

TEST_CASE("TimerWheel matches a (time, seq) set under random arm, cancel, stale cancel and horizons",
          "[timer_wheel]") {
  // Source of truth: std::set by (time, seq).  Delays favour slot and level boundaries
  // (+-1 ns), the current slot, and far times (including beyond the 2^56 ns range); horizons
  // include 1 ns before the next timer; stale handles (cancelled, fired, tombstoned) are
  // retried and must return false without changing the armed count.
  for (uint64_t seed : {61u, 62u, 63u}) {
    std::mt19937_64 g(seed);
    Driver d;
    std::vector<TimerHandle> dead;
    std::vector<int> live;
    auto delay = [&]() -> int64_t {
      switch (g() % 6) {
        case 0: return static_cast<int64_t>(g() % 3);
        case 1: return static_cast<int64_t>(g() % (4 * kSlot0));
        case 2: {
          const int k = Wheel::kShift0 + Wheel::kBits * static_cast<int>(g() % 4);
          const int64_t b = ((d.now >> k) + 1 + static_cast<int64_t>(g() % 3)) << k;
          return std::max<int64_t>(0, b - d.now + static_cast<int64_t>(g() % 3) - 1);
        }
        case 3: return static_cast<int64_t>(g() % 2'000'000'000);
        case 4: return static_cast<int64_t>(g() % (int64_t{1} << 45));
        default: return static_cast<int64_t>(g() % (int64_t{1} << 57));
      }
    };
    for (int step = 0; step < 20'000; ++step) {
      const int adds = static_cast<int>(g() % 3);
      for (int j = 0; j < adds; ++j) live.push_back(d.arm(d.now + delay()));
      if (!live.empty() && g() % 3 == 0) {
        const size_t k = g() % live.size();
        if (d.armed.count({d.key[live[k]].first, d.key[live[k]].second, live[k]}) != 0) {
          d.cancel(live[k]);
        }
        dead.push_back(d.handle[live[k]]);
        live[k] = live.back();
        live.pop_back();
      }
      if (!dead.empty() && g() % 2 == 0) {
        const size_t before = d.w.size();
        REQUIRE_FALSE(d.w.cancel(dead[g() % dead.size()]));
        REQUIRE(d.w.size() == before);
      }
      int64_t limit = d.now;
      if (!d.armed.empty()) {
        const int64_t next = std::get<0>(*d.armed.begin());
        switch (g() % 4) {
          case 0: limit = std::max(d.now, next - 1); break;
          case 1: limit = next; break;
          case 2: limit = d.now + std::min<int64_t>(delay(), int64_t{1} << 40); break;
          default: break;
        }
      }
      for (int id : d.advance(limit)) dead.push_back(d.handle[id]);
    }
    d.advance(std::numeric_limits<int64_t>::max() - 1);
    CHECK(d.armed.empty());
    CHECK(d.w.size() == 0);
  }
}

TEST_CASE("TimerWheel: timers near 2^62 ns (beyond the wheel's range) fire in (time, seq) order and "
          "cancel through the tombstone path",
          "[timer_wheel]") {
  // Hand-computed.  With the cursor at 0, anything at or past 2^56 ns goes straight into the
  // due heap; order and cancel must still hold.
  const int64_t k62 = int64_t{1} << 62;
  Driver d;
  const int a = d.arm(k62 + 1);
  const int b = d.arm(k62);
  const int c = d.arm(k62 - 1);
  const int e = d.arm(k62);
  const int f = d.arm(std::numeric_limits<int64_t>::max());
  d.cancel(e);
  CHECK_FALSE(d.w.cancel(d.handle[e]));
  CHECK(d.advance(k62 - 2).empty());
  CHECK(d.advance(k62) == std::vector<int>{c, b});
  CHECK(d.advance(std::numeric_limits<int64_t>::max() - 1) == std::vector<int>{a});
  CHECK(d.advance(std::numeric_limits<int64_t>::max()) == std::vector<int>{f});
}

TEST_CASE("TimerWheel: with the cursor walked into the last 2^56 ns block, a timer in the last "
          "level-0 slot before Time::max() fires without signed overflow",
          "[timer_wheel][overflow]") {
  // Hand-computed.  Each timer at k * 2^56 - 1 is the last ns of a block; firing it moves the
  // cursor to k * 2^56, so after 127 of them the cursor is at 127 * 2^56 and a timer at
  // 2^63 - 1 is placed in the wheel.  Leaving its level-0 slot [2^63 - 2^20, 2^63) computes
  // the next slot start 2^63, which does not fit int64_t (UB; the sanitizer build aborts).
  Driver d;
  for (int64_t k = 1; k <= 127; ++k) {
    const int id = d.arm(k * (int64_t{1} << 56) - 1);
    REQUIRE(d.advance(k * (int64_t{1} << 56) - 1) == std::vector<int>{id});
  }
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int a = d.arm(kMax - 1);
  const int b = d.arm(kMax);
  CHECK(d.advance(kMax) == std::vector<int>{a, b});
  CHECK(d.w.size() == 0);
}

// ---- Scheduler: timers where the wheel's cursor has run ahead of now ----

TEST_CASE("Scheduler near 2^62 ns: events and timers armed after the clock left the wheel's range "
          "keep (time, seq) order and cancel",
          "[timer_wheel][scheduler]") {
  // Hand-computed.  An event at 2^62 ns moves the clock there while the wheel's cursor stays
  // at 0, so every later timer is beyond the wheel's range (due heap).  From the handler: timer
  // A at now, event B at now, timer C at now + 1 ms (cancelled), timer D at now + 1 ms, event
  // E at now + 1 ms, timer F at now + 2^56 ns.  Expected: A, B, D, E, F.
  const Time t62 = Time::from_ns(int64_t{1} << 62);
  Scheduler<int> s;
  s.schedule_at(t62, 'S');
  std::vector<int> ran;
  s.run_until(Time::max(), [&](const Event<int>& ev) {
    ran.push_back(ev.payload);
    if (ev.payload == 'S') {
      s.arm_at(s.now(), 'A');
      s.schedule_at(s.now(), 'B');
      const TimerHandle c = s.arm_in(1_ms, 'C');
      s.arm_in(1_ms, 'D');
      s.schedule_in(1_ms, 'E');
      s.arm_in(Time::from_ns(int64_t{1} << 56), 'F');
      CHECK(s.cancel(c));
      CHECK_FALSE(s.cancel(c));
    }
  });
  CHECK(ran == std::vector<int>{'S', 'A', 'B', 'D', 'E', 'F'});
  CHECK(s.now() == t62 + Time::from_ns(int64_t{1} << 56));
  CHECK(s.pending() == 0);
}

TEST_CASE("Scheduler: arm_at(now) after the wheel's cursor passed now's slot runs at now, FIFO with "
          "events scheduled at now",
          "[timer_wheel][scheduler]") {
  // Hand-computed.  T fires at 0.5 ms, settling slot [0, 2^20) and moving the cursor to
  // 2^20 ns.  From T's handler: timer A at now, event B at now, timer C at now, timer D at
  // 2^20 - 1, timer E at 2^20, event F at 2^20 - 1.  Expected: T, A, B, C, D, F, E.
  Scheduler<int> s;
  s.arm_at(500_us, 'T');
  std::vector<int> ran;
  s.run_until(Time::max(), [&](const Event<int>& ev) {
    ran.push_back(ev.payload);
    if (ev.payload == 'T') {
      s.arm_at(s.now(), 'A');
      s.schedule_at(s.now(), 'B');
      s.arm_at(s.now(), 'C');
      s.arm_at(Time::from_ns(kSlot0 - 1), 'D');
      s.arm_at(Time::from_ns(kSlot0), 'E');
      s.schedule_at(Time::from_ns(kSlot0 - 1), 'F');
    }
  });
  CHECK(ran == std::vector<int>{'T', 'A', 'B', 'C', 'D', 'F', 'E'});
  CHECK(s.pending() == 0);
}

TEST_CASE("Scheduler: cancelling a timer that a horizon already made due, and a stale handle "
          "after its node was reused",
          "[timer_wheel][scheduler]") {
  // Hand-computed.  run_until(5 ms) settles slot [4'194'304, 5'242'880), so T (5.1 ms) is in
  // the due heap; cancel takes the tombstone path.  Then U reuses a node after T's tombstone
  // is dropped (or V after the cancel of a wheel timer); the old handles must not cancel them.
  Scheduler<int> s;
  const TimerHandle t = s.arm_at(Time::from_ns(5'100'000), 'T');
  const TimerHandle w = s.arm_at(20_ms, 'W');
  std::vector<int> ran;
  auto rec = [&](const Event<int>& ev) { ran.push_back(ev.payload); };
  s.run_until(5_ms, rec);
  CHECK(s.cancel(t));
  CHECK_FALSE(s.cancel(t));
  CHECK(s.pending_timers() == 1);
  CHECK(s.cancel(w));  // wheel path: node freed at once
  const TimerHandle v = s.arm_at(30_ms, 'V');
  CHECK(v.index == w.index);
  CHECK_FALSE(s.cancel(w));
  s.run_until(6_ms, rec);  // drops T's tombstone
  const TimerHandle u = s.arm_at(7_ms, 'U');
  CHECK_FALSE(s.cancel(t));
  CHECK_FALSE(s.cancel(w));
  CHECK(s.pending_timers() == 2);
  s.run_until(Time::max(), rec);
  CHECK(ran == std::vector<int>{'U', 'V'});
  CHECK_FALSE(s.cancel(u));
  CHECK_FALSE(s.cancel(v));
}
