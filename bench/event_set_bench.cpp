// The event set under the classic hold model, and timers under the mesh's arm-then-cancel
// pattern, each beside a bare std::priority_queue loop doing the same work.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <queue>
#include <vector>

#include "simcore/distribution.h"
#include "simcore/rng.h"
#include "simcore/scheduler.h"

namespace {

using meshsim::simcore::Event;
using meshsim::simcore::Scheduler;
using meshsim::simcore::Stream;
using meshsim::simcore::Time;
using meshsim::simcore::TimerHandle;

// Exponential increments (mean 1 ms) drawn once, shared by both sides, so the comparison
// measures the event sets and not the RNG.
const std::vector<int64_t>& increments() {
  static const std::vector<int64_t> v = [] {
    std::vector<int64_t> out(1 << 16);
    Stream s(1, "bench", "hold");
    const auto d = meshsim::simcore::Distribution::exponential(1e-3);
    for (auto& x : out) x = d.sample_time(s).ns();
    return out;
  }();
  return v;
}

// The bare loop's entry: the same 24 bytes as the kernel's (time, seq, payload).
struct BareEntry {
  int64_t time;
  uint64_t seq;
  uint64_t payload;
  bool operator>(const BareEntry& o) const {
    return time > o.time || (time == o.time && seq > o.seq);
  }
};
using BareHeap = std::priority_queue<BareEntry, std::vector<BareEntry>, std::greater<>>;

void BM_Hold_Meshsim(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto& inc = increments();
  Scheduler<uint64_t> s;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) s.schedule_at(Time::from_ns(inc[k++ & 0xffff] * 10), i);
  Event<uint64_t> ev;
  for (auto _ : state) {
    s.pop(ev);
    s.schedule_at(ev.time + Time::from_ns(inc[k++ & 0xffff] * 10), ev.payload);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Hold_BareHeap(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto& inc = increments();
  std::vector<BareEntry> storage;
  storage.reserve(n + 1);
  BareHeap h(std::greater<>(), std::move(storage));
  uint64_t seq = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) h.push({inc[k++ & 0xffff] * 10, seq++, i});
  for (auto _ : state) {
    const BareEntry e = h.top();
    h.pop();
    h.push({e.time + inc[k++ & 0xffff] * 10, seq++, e.payload});
  }
  state.SetItemsProcessed(state.iterations());
}

// The mesh pattern: N requests in flight; each arms a 1 s timeout and schedules its
// completion (mean 10 ms); the completion cancels the timeout and starts the next request.
// One iteration = one request.  The bare loop cancels the usual way, with a tombstone flag, so
// every cancelled timeout stays in its heap until its time comes.
constexpr int64_t kTimeoutNs = 1'000'000'000;

void BM_Timeouts_Meshsim(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto& inc = increments();
  Scheduler<uint64_t> s;
  std::vector<TimerHandle> timeout(n);
  size_t k = 0;
  constexpr uint64_t kTimeoutBit = uint64_t{1} << 63;
  for (size_t i = 0; i < n; ++i) {
    s.schedule_at(Time::from_ns(inc[k++ & 0xffff] * 10), i);
    timeout[i] = s.arm_at(Time::from_ns(kTimeoutNs), i | kTimeoutBit);
  }
  Event<uint64_t> ev;
  for (auto _ : state) {
    s.pop(ev);
    const uint64_t r = ev.payload & ~kTimeoutBit;
    if ((ev.payload & kTimeoutBit) == 0) s.cancel(timeout[r]);
    s.schedule_at(ev.time + Time::from_ns(inc[k++ & 0xffff] * 10), r);
    timeout[r] = s.arm_at(ev.time + Time::from_ns(kTimeoutNs), r | kTimeoutBit);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["pending"] = static_cast<double>(s.pending());
}

void BM_Timeouts_BareHeap(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto& inc = increments();
  BareHeap h;
  std::vector<uint64_t> live_timeout(n);  // seq of the request's live timeout
  uint64_t seq = 0;
  size_t k = 0;
  constexpr uint64_t kTimeoutBit = uint64_t{1} << 63;
  for (size_t i = 0; i < n; ++i) {
    h.push({inc[k++ & 0xffff] * 10, seq++, i});
    live_timeout[i] = seq;
    h.push({kTimeoutNs, seq++, i | kTimeoutBit});
  }
  for (auto _ : state) {
    BareEntry e = h.top();
    h.pop();
    const uint64_t r = e.payload & ~kTimeoutBit;
    if ((e.payload & kTimeoutBit) != 0 && live_timeout[r] != e.seq) continue;  // tombstone
    h.push({e.time + inc[k++ & 0xffff] * 10, seq++, r});
    live_timeout[r] = seq;  // cancels the old one by making it stale
    h.push({e.time + kTimeoutNs, seq++, r | kTimeoutBit});
  }
  // Iterations that popped a tombstone did no request: count requests, not iterations.
  state.SetItemsProcessed(static_cast<int64_t>(seq / 2 - n));
  state.counters["pending"] = static_cast<double>(h.size());
}

}  // namespace

BENCHMARK(BM_Hold_Meshsim)->Arg(100)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_Hold_BareHeap)->Arg(100)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_Timeouts_Meshsim)->Arg(100)->Arg(10'000);
BENCHMARK(BM_Timeouts_BareHeap)->Arg(100)->Arg(10'000);
