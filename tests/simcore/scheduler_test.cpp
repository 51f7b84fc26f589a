// Pins the Scheduler's ordering contract: increasing time, FIFO among equal times, timers and
// ordinary events alike; cancelled timers never run.  The source of truth is a reference
// implementation that is obviously correct: a std::set ordered by (time, seq).
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "simcore/event_heap.h"
#include "simcore/scheduler.h"
#include "simcore/timer_wheel.h"

using namespace meshsim::simcore;
using namespace meshsim::simcore::time_literals;

TEST_CASE("EventHeap pops in (time, seq) order, FIFO among equal times") {
  EventHeap<int> h;
  std::mt19937_64 g(1);
  std::vector<HeapEntry<int>> all;
  for (int i = 0; i < 5000; ++i) {
    const HeapEntry<int> e{Time::from_ns(static_cast<int64_t>(g() % 50)), static_cast<uint64_t>(i), i};
    all.push_back(e);
    h.push(e);
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.time < b.time; });
  for (const auto& e : all) {
    REQUIRE(h.top().payload == e.payload);
    h.pop();
  }
  CHECK(h.empty());
}

TEST_CASE("EventHeap::replace_top equals pop then push") {
  EventHeap<int> a, b;
  std::mt19937_64 g(2);
  uint64_t seq = 0;
  for (int i = 0; i < 1000; ++i) {
    const HeapEntry<int> e{Time::from_ns(static_cast<int64_t>(g() % 1000)), seq++, i};
    a.push(e);
    b.push(e);
  }
  for (int i = 0; i < 5000; ++i) {
    const HeapEntry<int> e{a.top().time + Time::from_ns(static_cast<int64_t>(g() % 1000)), seq++, i};
    a.pop();
    a.push(e);
    b.replace_top(e);
    REQUIRE(a.top().payload == b.top().payload);
  }
}

TEST_CASE("Scheduler runs equal-time events in scheduling order, timers included") {
  Scheduler<int> s;
  s.schedule_at(5_ms, 1);
  s.arm_at(5_ms, 2);
  s.schedule_at(5_ms, 3);
  s.arm_at(1_ms, 0);
  s.arm_at(5_ms, 4);
  std::vector<int> order;
  s.run_until(Time::max(), [&](const Event<int>& e) { order.push_back(e.payload); });
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(s.now() == 5_ms);
}

TEST_CASE("A cancelled timer never runs; cancelling twice or after firing is harmless") {
  Scheduler<int> s;
  const TimerHandle h1 = s.arm_in(10_ms, 1);
  const TimerHandle h2 = s.arm_in(20_ms, 2);
  CHECK(s.pending_timers() == 2);
  CHECK(s.cancel(h1));
  CHECK_FALSE(s.cancel(h1));
  CHECK(s.pending_timers() == 1);
  std::vector<int> ran;
  s.run_until(Time::max(), [&](const Event<int>& e) { ran.push_back(e.payload); });
  CHECK(ran == std::vector<int>{2});
  CHECK_FALSE(s.cancel(h2));  // already fired
  CHECK(s.pending() == 0);
}

TEST_CASE("run_until stops at the horizon and leaves later events pending") {
  Scheduler<int> s;
  s.schedule_at(1_s, 1);
  s.arm_at(2_s, 2);
  s.schedule_at(3_s, 3);
  std::vector<int> ran;
  s.run_until(2_s, [&](const Event<int>& e) { ran.push_back(e.payload); });
  CHECK(ran == std::vector<int>{1, 2});
  CHECK(s.now() == 2_s);
  CHECK(s.pending() == 1);
}

TEST_CASE("Timers far beyond the wheel's range still fire in order") {
  Scheduler<int> s;
  const Time far = Time::from_s(100LL * 365 * 24 * 3600);  // 100 years: beyond 2^56 ns
  s.arm_at(far, 2);
  s.arm_at(far - 1_ns, 1);
  const TimerHandle h = s.arm_at(far + 1_ns, 3);
  CHECK(s.cancel(h));
  std::vector<int> ran;
  s.run_until(Time::max(), [&](const Event<int>& e) { ran.push_back(e.payload); });
  CHECK(ran == std::vector<int>{1, 2});
}

namespace {
// The reference: every pending item in a std::set keyed by (time, seq).
struct Reference {
  std::set<std::tuple<int64_t, uint64_t, int>> pending;
};
}  // namespace

TEST_CASE("Scheduler matches a reference ordered set under random schedule/arm/cancel") {
  // Random operations from handlers: schedule events, arm timers over spans from 1 us to
  // hours (so every wheel level and cascades are exercised), cancel random live timers,
  // including ones whose slot is already due.  The popped sequence must be identical.
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 g(seed);
    Scheduler<int> s;
    std::set<std::pair<int64_t, int>> ref;  // (time, id); id increases with scheduling order
    std::map<int, TimerHandle> live_timers;
    std::map<int, int64_t> timer_time;
    int next_id = 0;
    auto random_delay = [&]() -> int64_t {
      switch (g() % 5) {
        case 0: return 0;                                                // same instant
        case 1: return static_cast<int64_t>(g() % 2'000'000);            // < 2 ms
        case 2: return static_cast<int64_t>(g() % 1'000'000'000);        // < 1 s
        case 3: return static_cast<int64_t>(g() % 120'000'000'000);      // < 2 min
        default: return static_cast<int64_t>(g() % 20'000'000'000'000);  // < 5.5 h
      }
    };
    auto add = [&](bool timer) {
      const int id = next_id++;
      const int64_t t = s.now().ns() + random_delay();
      if (timer) {
        live_timers[id] = s.arm_at(Time::from_ns(t), id);
        timer_time[id] = t;
      } else {
        s.schedule_at(Time::from_ns(t), id);
      }
      ref.insert({t, id});
    };
    for (int i = 0; i < 200; ++i) add(g() % 2 == 0);
    Event<int> ev;
    int popped = 0;
    while (s.pop(ev)) {
      REQUIRE(!ref.empty());
      const auto expect = *ref.begin();
      ref.erase(ref.begin());
      REQUIRE(ev.time.ns() == expect.first);
      REQUIRE(ev.payload == expect.second);
      live_timers.erase(ev.payload);
      if (++popped > 200'000) break;
      const int k = static_cast<int>(g() % 4);
      for (int j = 0; j < k && next_id < 150'000; ++j) add(g() % 2 == 0);
      if (!live_timers.empty() && g() % 2 == 0) {
        auto it = live_timers.begin();
        std::advance(it, static_cast<long>(g() % live_timers.size()));
        REQUIRE(s.cancel(it->second));
        ref.erase({timer_time[it->first], it->first});
        live_timers.erase(it);
      }
      REQUIRE(s.pending() == ref.size());
    }
    CHECK(ref.empty());
    CHECK(popped > 10'000);
  }
}
