// Earliest-deadline-first scheduler: Envoy's weighted round robin with real-valued weights
// (envoy source/common/upstream/edf_scheduler.h).
//
// Each entry has a deadline; a pick takes the entry with the earliest deadline, advances the
// scheduler's clock to it, and re-inserts the entry at clock + 1/weight, where the weight is
// asked for again at that moment (the least-request balancer's weight depends on the host's
// active requests, so it may have changed).  Equal deadlines go in insertion order: every add
// takes the next value of a 64-bit counter, so the order is total and does not depend on the
// heap's internals (Envoy's `order_offset_`).  Over one period of integer weights the pick
// counts are exact: weights 1:3 give exactly 1 and 3 picks in every 4.
//
// Contract: weights are > 0 (asserted).  Entries are never removed one by one; the load
// balancer rebuilds the scheduler when membership or health changes, as Envoy does.  After
// construction a pick allocates nothing (the heap keeps its size).  Not thread-safe.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace meshsim::policies {

template <class T>
class EdfScheduler {
 public:
  EdfScheduler() = default;

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }

  // Inserts `item` with deadline now + 1/weight.
  void add(double weight, T item) {
    assert(weight > 0);
    heap_.push_back(Entry{current_time_ + 1.0 / weight, order_offset_++, item});
    std::push_heap(heap_.begin(), heap_.end(), later);
  }

  // Takes the entry with the earliest deadline and re-inserts it with weight `weight(item)`
  // evaluated now (Envoy's pickAndAdd).  Precondition: !empty().
  template <class WeightFn>
  T pick_and_add(WeightFn&& weight) {
    assert(!heap_.empty());
    std::pop_heap(heap_.begin(), heap_.end(), later);
    Entry& e = heap_.back();
    current_time_ = e.deadline;
    const T item = e.item;
    const double w = weight(item);
    assert(w > 0);
    e.deadline = current_time_ + 1.0 / w;
    e.order = order_offset_++;
    std::push_heap(heap_.begin(), heap_.end(), later);
    return item;
  }

  // A scheduler over `items` (inserted in this order) in the state it would reach after
  // `picks` picks, computed in O(n log n) instead of `picks` steps.  Envoy builds its
  // schedulers this way with a per-balancer random `picks` so that proxies do not all start on
  // the same host (EdfScheduler::createWithPicks).  Mirrors that function step by step,
  // including its 1e-13 weight nudge and its floating-point guard, so that the resulting
  // schedule is Envoy's; as Envoy notes, ties among equal weights may break differently from
  // literally picking `picks` times.
  template <class WeightFn>
  static EdfScheduler create_with_picks(std::span<const T> items, WeightFn&& weight,
                                        uint32_t picks) {
    picks = picks % 429496729u;  // Envoy: UINT32_MAX / 10
    EdfScheduler s;
    if (items.empty()) return s;
    const auto nudged = [&weight](const T& x) { return weight(x) + 1e-13; };
    double weights_sum = 0.0;
    for (const T& x : items) weights_sum += nudged(x);
    const double picks_d = static_cast<double>(picks);

    s.heap_.reserve(items.size());
    uint32_t picks_so_far = 0;
    double max_pick_time = 0.0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const double w = nudged(items[i]);
      auto floor_picks = static_cast<uint32_t>(w * picks_d / weights_sum);
      // floor(a*b) can come out above a*b in floating point; take one pick back if so.
      if (floor_picks > 0 && static_cast<double>(floor_picks) / w >= picks_d / weights_sum) {
        --floor_picks;
      }
      const double pick_time = static_cast<double>(floor_picks) / w;
      const double deadline = static_cast<double>(floor_picks + 1) / w;
      s.heap_.push_back(Entry{deadline, static_cast<uint64_t>(i), items[i]});
      max_pick_time = std::max(max_pick_time, pick_time);
      picks_so_far += floor_picks;
    }
    std::make_heap(s.heap_.begin(), s.heap_.end(), later);
    s.current_time_ = max_pick_time;
    s.order_offset_ = items.size();
    while (picks_so_far < picks) {
      s.pick_and_add(weight);
      ++picks_so_far;
    }
    return s;
  }

 private:
  struct Entry {
    double deadline;
    uint64_t order;  // insertion counter: the tie-break for equal deadlines
    T item;
  };
  // Heap order: `a` comes after `b`.  std heaps keep the "largest" first, i.e. the earliest.
  static bool later(const Entry& a, const Entry& b) {
    return a.deadline > b.deadline || (a.deadline == b.deadline && a.order > b.order);
  }

  std::vector<Entry> heap_;
  double current_time_ = 0.0;
  uint64_t order_offset_ = 0;
};

}  // namespace meshsim::policies
