// Pins RadixHeap (simcore/radix_heap.h): pops in (time, seq) order whatever its layout (flat
// array up to 32 entries, buckets beyond), a top() peek never forbids a later push between the
// last popped key and the peeked minimum, and keys near 2^62 ns or with seq near 2^64 order
// right.  Also pins the Scheduler's horizon contract where a heap peek meets a due timer.
// Source of truth: a std::set ordered by (time, seq) (obviously correct), or a hand-computed
// sequence written out in the test.  Random cases use fixed seeds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "simcore/event_heap.h"
#include "simcore/radix_heap.h"
#include "simcore/scheduler.h"

using namespace meshsim::simcore;
using namespace meshsim::simcore::time_literals;

namespace {

using Ref = std::set<std::tuple<int64_t, uint64_t, int>>;  // (time ns, seq, payload)

HeapEntry<int> entry(int64_t t, uint64_t seq, int payload) {
  return HeapEntry<int>{Time::from_ns(t), seq, payload};
}

// Pops everything and returns the payloads in pop order.
std::vector<int> drain(RadixHeap<int>& h) {
  std::vector<int> out;
  while (!h.empty()) {
    out.push_back(h.top().payload);
    h.pop();
  }
  return out;
}

// Checks that h.top() is the reference's minimum, then pops both.  Returns the popped key.
std::tuple<int64_t, uint64_t, int> pop_both(RadixHeap<int>& h, Ref& ref) {
  REQUIRE(!ref.empty());
  REQUIRE(h.size() == ref.size());
  const auto expect = *ref.begin();
  const HeapEntry<int>& top = h.top();
  REQUIRE(top.time.ns() == std::get<0>(expect));
  REQUIRE(top.seq == std::get<1>(expect));
  REQUIRE(top.payload == std::get<2>(expect));
  h.pop();
  ref.erase(ref.begin());
  return expect;
}

}  // namespace

TEST_CASE("RadixHeap crossing the 32-entry small/radix threshold up and down matches a (time, seq) set",
          "[radix_heap]") {
  // Source of truth: std::set ordered by (time, seq).  The size oscillates across 32 many
  // times, sometimes down to 0 (back to the flat array), sometimes only down to 20..32 (stays
  // in buckets); pushes use keys anywhere >= the last popped key, including right after a
  // peek and equal to the last popped time; peeks are sprinkled at random.
  for (uint64_t seed : {11u, 12u, 13u, 14u}) {
    std::mt19937_64 g(seed);
    RadixHeap<int> h;
    Ref ref;
    int64_t last_time = 0;
    uint64_t seq = 0;
    int next = 0;
    auto push_one = [&]() {
      int64_t t = last_time;
      switch (g() % 4) {
        case 0: break;                                                          // == last popped time
        case 1: t += static_cast<int64_t>(g() % 4); break;                      // dense ties
        case 2: t += static_cast<int64_t>(g() % 5000); break;
        default: t += static_cast<int64_t>(g() % (uint64_t{1} << 40)); break;  // wide spread
      }
      h.push(entry(t, seq, next));
      ref.insert({t, seq, next});
      ++seq;
      ++next;
    };
    for (int cycle = 0; cycle < 400; ++cycle) {
      const size_t high = 33 + g() % 40;                                   // always above 32
      const size_t low = (cycle % 3 == 0) ? 0 : static_cast<size_t>(g() % 33);  // 0 or <= 32
      while (ref.size() < high) {
        push_one();
        if (g() % 5 == 0) {
          REQUIRE(h.top().seq == std::get<1>(*ref.begin()));  // a peek, then more pushes
        }
      }
      while (ref.size() > low) {
        last_time = std::get<0>(pop_both(h, ref));
        if (g() % 4 == 0 && !ref.empty()) {
          (void)h.top();  // peek, then push between last popped and the peeked minimum
          push_one();
        }
      }
      REQUIRE(h.size() == ref.size());
      REQUIRE(h.empty() == ref.empty());
    }
    while (!ref.empty()) pop_both(h, ref);
    CHECK(h.empty());
  }
}

TEST_CASE("RadixHeap: a push after top() with a key between the last popped and the peeked minimum "
          "becomes the new top (flat array)",
          "[radix_heap]") {
  // Hand-computed.  last popped = (10, 1); peek shows (20, 2); keys (15, 4) and (10, 5) lie
  // between and must come out first, in key order.
  RadixHeap<int> h;
  h.push(entry(10, 1, 1));
  h.push(entry(20, 2, 2));
  h.push(entry(30, 3, 3));
  REQUIRE(h.top().payload == 1);
  h.pop();
  REQUIRE(h.top().payload == 2);  // the peek caches (20, 2)
  h.push(entry(15, 4, 4));
  CHECK(h.top().payload == 4);
  h.push(entry(10, 5, 5));  // same time as the last popped, larger seq
  CHECK(h.top().payload == 5);
  h.push(entry(25, 6, 6));  // above the peeked minimum: top unchanged
  CHECK(h.top().payload == 5);
  CHECK(drain(h) == std::vector<int>{5, 4, 2, 6, 3});
}

TEST_CASE("RadixHeap: a push after top() with a key between the last popped and the peeked minimum "
          "becomes the new top (buckets)",
          "[radix_heap]") {
  // Hand-computed.  40 entries at times 1000, 1010, ..., 1390 (seq = index) put the heap in
  // bucket mode.  Pop (1000, 0); the peek shows (1010, 1).  Then push (1005, 100), which lands
  // in a lower bucket than the peeked minimum, then (1000, 101) (equal to the last popped time),
  // then (1007, 102) (between the two new ones).  Order: 101, 100, 102, then 1..39.
  RadixHeap<int> h;
  for (int i = 0; i < 40; ++i) h.push(entry(1000 + 10 * i, static_cast<uint64_t>(i), i));
  REQUIRE(h.top().payload == 0);
  h.pop();
  REQUIRE(h.top().payload == 1);
  h.push(entry(1005, 100, 100));
  CHECK(h.top().payload == 100);
  h.push(entry(1000, 101, 101));
  CHECK(h.top().payload == 101);
  h.push(entry(1007, 102, 102));
  CHECK(h.top().payload == 101);
  std::vector<int> expect{101, 100, 102};
  for (int i = 1; i < 40; ++i) expect.push_back(i);
  CHECK(drain(h) == expect);
}

TEST_CASE("RadixHeap: the push that crosses 32 entries after a peek keeps the order", "[radix_heap]") {
  // Hand-computed.  33 entries at times 100..132 (flat array, full after one pop and a push),
  // pop (100, 0), peek (101, 1), then two pushes between last popped and the peek: (100, 50)
  // makes 33 entries (switch to buckets), (100, 51) goes straight into a bucket.
  RadixHeap<int> h;
  for (int i = 0; i < 32; ++i) h.push(entry(100 + i, static_cast<uint64_t>(i), i));
  h.pop();  // (100, 0)
  REQUIRE(h.size() == 31);
  REQUIRE(h.top().payload == 1);
  h.push(entry(100, 50, 50));  // 32 entries: still the flat array
  CHECK(h.top().payload == 50);
  h.push(entry(100, 51, 51));  // 33 entries: turns into buckets
  CHECK(h.top().payload == 50);
  h.push(entry(100, 49, 49));  // below both: seq 49 < 50 at equal time, still > last (100, 0)
  CHECK(h.top().payload == 49);
  std::vector<int> expect{49, 50, 51};
  for (int i = 1; i < 32; ++i) expect.push_back(i);
  CHECK(drain(h) == expect);
}

TEST_CASE("RadixHeap: equal times leave in seq order (FIFO) at every size", "[radix_heap]") {
  // Source of truth: seq order.  Entries at one time, pushed in scheduling order and in a
  // shuffled order (the heap must order by seq, not by arrival), for sizes on both sides of
  // the 32-entry threshold.  Interleaves pops and pushes at that same time.
  std::mt19937_64 g(21);
  for (int n : {1, 2, 31, 32, 33, 64, 1000}) {
    for (bool shuffled : {false, true}) {
      std::vector<int> ids(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) ids[static_cast<size_t>(i)] = i;
      if (shuffled) std::shuffle(ids.begin(), ids.end(), g);
      RadixHeap<int> h;
      for (int id : ids) h.push(entry(777, static_cast<uint64_t>(id) + 10, id));
      std::vector<int> out;
      // Pop half, then push more at the same time with larger seqs: they go after the rest.
      for (int i = 0; i < n / 2; ++i) {
        out.push_back(h.top().payload);
        h.pop();
      }
      for (int i = 0; i < 5; ++i) h.push(entry(777, static_cast<uint64_t>(n + i) + 10, n + i));
      for (int p : drain(h)) out.push_back(p);
      std::vector<int> expect(static_cast<size_t>(n + 5));
      for (int i = 0; i < n + 5; ++i) expect[static_cast<size_t>(i)] = i;
      CAPTURE(n, shuffled);
      CHECK(out == expect);
    }
  }
}

TEST_CASE("RadixHeap: times near 2^62 ns, Time::max() and seq near 2^64 order by (time, seq)",
          "[radix_heap]") {
  // Hand-computed keys around the 64-bit halves of the 128-bit key: (T, 2^64-1) < (T+1, 0)
  // differ in the time half only; (T, 0) vs (T, 2^64-1) in the seq half only.  Checked in
  // both layouts (3 entries, and the same plus 40 fillers far in the future).
  constexpr int64_t k62 = int64_t{1} << 62;
  constexpr uint64_t kMaxSeq = std::numeric_limits<uint64_t>::max();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int fillers : {0, 40}) {
    RadixHeap<int> h;
    Ref ref;
    auto push = [&](int64_t t, uint64_t s, int p) {
      h.push(entry(t, s, p));
      ref.insert({t, s, p});
    };
    for (int i = 0; i < fillers; ++i) push(kMax, static_cast<uint64_t>(1000 + i), 1000 + i);
    push(k62, kMaxSeq, 1);
    push(k62 - 1, kMaxSeq - 1, 0);
    push(k62 + 1, 0, 2);
    push(k62, 5, 3);
    pop_both(h, ref);                               // (2^62 - 1, 2^64 - 2)
    pop_both(h, ref);                               // (2^62, 5)
    REQUIRE(h.top().payload == 1);                  // peek (2^62, 2^64 - 1)
    push(k62, 6, 4);                                // between last popped and the peek
    push(k62 + 1, kMaxSeq, 5);
    push(kMax, 0, 6);                               // Time::max() itself, smallest seq
    push(kMax, kMaxSeq, 7);
    while (!ref.empty()) pop_both(h, ref);
    CHECK(h.empty());
  }
}

TEST_CASE("RadixHeap matches a (time, seq) set in a hold model at 10^4 pending with peeks",
          "[radix_heap]") {
  // Source of truth: std::set.  Classic hold model (pop one, push one later) with a spread of
  // increments from 0 to 2^50 ns so entries move through many buckets; every pop is preceded
  // by a peek and sometimes followed by a push between last popped and the next minimum.
  std::mt19937_64 g(31);
  RadixHeap<int> h;
  Ref ref;
  uint64_t seq = 0;
  int next = 0;
  auto push_at = [&](int64_t t) {
    h.push(entry(t, seq, next));
    ref.insert({t, seq, next});
    ++seq;
    ++next;
  };
  for (int i = 0; i < 10'000; ++i) push_at(static_cast<int64_t>(g() % 1'000'000));
  for (int i = 0; i < 60'000; ++i) {
    const int64_t now = std::get<0>(pop_both(h, ref));
    const int shift = static_cast<int>(g() % 51);
    push_at(now + static_cast<int64_t>(g() % ((uint64_t{1} << shift) + 1)));
    if (g() % 8 == 0) {
      const int64_t next_min = h.top().time.ns();
      push_at(now + (next_min > now ? static_cast<int64_t>(g() % static_cast<uint64_t>(next_min - now))
                                    : 0));
    }
  }
  while (!ref.empty()) pop_both(h, ref);
  CHECK(h.empty());
}

// ---- Scheduler: a horizon that falls between a peeked heap top and a due timer ----

TEST_CASE("Scheduler: run_until stopping between a due timer and the peeked heap top, then "
          "scheduling and arming into that gap, keeps (time, seq) order",
          "[radix_heap][scheduler]") {
  // Hand-computed.  Level-0 slots are 2^20 = 1'048'576 ns wide; slot 4 spans
  // [4'194'304, 5'242'880).  Event E at 10 ms (the heap top, peeked by every pop_until); timer
  // T at 5.1 ms, in the same slot as the horizon 5 ms, so settle(5 ms) moves T into the due
  // heap and the wheel's cursor past 5 ms.  run_until(5 ms) must run nothing.  Then, into the
  // gap [5 ms, 5.1 ms): an event X at 5.05 ms (below the cached heap minimum), a timer Y at
  // exactly now (behind the wheel's cursor), an event Z at now, and a timer W at 5.1 ms
  // (same time as T, later seq).  Expected: Y, Z (both at 5 ms, in seq order), X, T, W, E.
  Scheduler<int> s;
  s.schedule_at(10_ms, 'E');
  s.arm_at(Time::from_ns(5'100'000), 'T');
  std::vector<int> ran;
  auto rec = [&](const Event<int>& e) { ran.push_back(e.payload); };
  s.run_until(5_ms, rec);
  CHECK(ran.empty());
  CHECK(s.now() == 5_ms);
  s.schedule_at(Time::from_ns(5'050'000), 'X');
  s.arm_at(s.now(), 'Y');
  s.schedule_at(s.now(), 'Z');
  s.arm_at(Time::from_ns(5'100'000), 'W');
  CHECK(s.pending() == 6);
  s.run_until(Time::from_ns(5'100'000), rec);
  CHECK(ran == std::vector<int>{'Y', 'Z', 'X', 'T', 'W'});
  s.run_until(Time::max(), rec);
  CHECK(ran == std::vector<int>{'Y', 'Z', 'X', 'T', 'W', 'E'});
  CHECK(s.now() == 10_ms);
  CHECK(s.pending() == 0);
}

TEST_CASE("Scheduler: run_until stopping between the peeked heap top and a later due timer, then "
          "scheduling into the gap, keeps (time, seq) order",
          "[radix_heap][scheduler]") {
  // Hand-computed, the mirror case: the heap top E (3.2 ms) is below the horizon's slot and
  // the timer T (4.0 ms) lies in the slot being settled.  run_until(3.5 ms) runs E only.
  // Then events and timers at 3.5 ms, 3.7 ms and 3.9999 ms go in before T.
  Scheduler<int> s;
  s.schedule_at(Time::from_ns(3'200'000), 'E');
  s.arm_at(Time::from_ns(4'000'000), 'T');
  s.schedule_at(Time::from_ns(8'000'000), 'L');
  std::vector<int> ran;
  auto rec = [&](const Event<int>& e) { ran.push_back(e.payload); };
  s.run_until(Time::from_ns(3'500'000), rec);
  CHECK(ran == std::vector<int>{'E'});
  s.arm_at(Time::from_ns(3'999'999), 'c');
  s.schedule_at(Time::from_ns(3'700'000), 'b');
  s.arm_at(Time::from_ns(3'500'000), 'a');
  s.schedule_at(Time::from_ns(3'999'999), 'd');
  s.run_until(Time::max(), rec);
  CHECK(ran == std::vector<int>{'E', 'a', 'b', 'c', 'd', 'T', 'L'});
}

TEST_CASE("Scheduler matches a (time, seq) set under random run_until horizons and scheduling into "
          "the gap before the next pending item",
          "[radix_heap][scheduler]") {
  // Source of truth: std::set keyed by (time, id), id increasing with scheduling order.
  // Horizons are random (0, inside the current 1 ms slot, on slot boundaries, far); after each
  // horizon, events and timers are placed at exactly now and in [now, next pending), which is
  // where a peek or a cursor that ran ahead would misorder them.  Cancels hit live timers and
  // dead handles (fired or cancelled; the dead ones must return false and cancel nothing).
  for (uint64_t seed : {41u, 42u, 43u}) {
    std::mt19937_64 g(seed);
    Scheduler<int> s;
    std::set<std::pair<int64_t, int>> ref;
    std::vector<std::pair<int, TimerHandle>> live;  // (id, handle)
    std::vector<int64_t> time_of;
    std::vector<TimerHandle> dead;
    auto random_delay = [&]() -> int64_t {
      switch (g() % 6) {
        case 0: return 0;
        case 1: return static_cast<int64_t>(g() % 3);
        case 2: return static_cast<int64_t>(g() % 3'000'000);
        case 3: {  // on a level-0 slot boundary ahead, or one ns either side
          const int64_t now = s.now().ns();
          const int64_t boundary = ((now >> 20) + 1 + static_cast<int64_t>(g() % 4)) << 20;
          return std::max<int64_t>(0, boundary - now + static_cast<int64_t>(g() % 3) - 1);
        }
        case 4: return static_cast<int64_t>(g() % 2'000'000'000);
        default: return static_cast<int64_t>(g() % 200'000'000'000);
      }
    };
    auto add_at = [&](int64_t t, bool timer) {
      if (t < s.now().ns()) t = s.now().ns();
      const int id = static_cast<int>(time_of.size());
      time_of.push_back(t);
      if (timer) {
        live.emplace_back(id, s.arm_at(Time::from_ns(t), id));
      } else {
        s.schedule_at(Time::from_ns(t), id);
      }
      ref.insert({t, id});
    };
    auto cancel_some = [&]() {
      if (!live.empty() && g() % 2 == 0) {
        const size_t k = g() % live.size();
        REQUIRE(s.cancel(live[k].second));
        ref.erase({time_of[static_cast<size_t>(live[k].first)], live[k].first});
        dead.push_back(live[k].second);
        live[k] = live.back();
        live.pop_back();
      }
      if (!dead.empty() && g() % 2 == 0) {
        REQUIRE_FALSE(s.cancel(dead[g() % dead.size()]));
      }
    };
    auto handler = [&](const Event<int>& e) {
      REQUIRE(!ref.empty());
      const auto expect = *ref.begin();
      ref.erase(ref.begin());
      REQUIRE(e.time.ns() == expect.first);
      REQUIRE(e.payload == expect.second);
      for (size_t k = 0; k < live.size(); ++k) {
        if (live[k].first == e.payload) {
          dead.push_back(live[k].second);
          live[k] = live.back();
          live.pop_back();
          break;
        }
      }
      const int adds = static_cast<int>(g() % 3);
      for (int j = 0; j < adds && time_of.size() < 60'000; ++j) {
        add_at(s.now().ns() + random_delay(), g() % 2 == 0);
      }
      cancel_some();
    };
    for (int i = 0; i < 100; ++i) add_at(random_delay(), g() % 2 == 0);
    for (int step = 0; step < 6'000; ++step) {
      const int64_t before = s.now().ns();
      const int64_t end = before + random_delay();
      s.run_until(Time::from_ns(end), handler);
      REQUIRE(s.now().ns() == std::max(before, end));
      REQUIRE((ref.empty() || ref.begin()->first > end));
      // Into the gap [now, next pending): exactly now, and a random point inside.
      const int64_t now = s.now().ns();
      add_at(now, g() % 2 == 0);
      if (!ref.empty() && ref.begin()->first > now) {
        const int64_t gap = ref.begin()->first - now;
        add_at(now + static_cast<int64_t>(g() % static_cast<uint64_t>(gap)), g() % 2 == 0);
        add_at(now + static_cast<int64_t>(g() % static_cast<uint64_t>(gap)), g() % 2 == 0);
      }
      cancel_some();
      REQUIRE(s.pending() == ref.size());
      REQUIRE(s.pending_timers() == live.size());
    }
    s.run_until(Time::max(), handler);
    CHECK(ref.empty());
    CHECK(s.pending() == 0);
  }
}
