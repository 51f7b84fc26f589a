// An implicit d-ary min-heap ordered by (time, sequence number), for entries whose keys need not
// be monotone.  The timing wheel keeps its due timers here (few at a time; cancelled ones stay
// as tombstones until they reach the top).  The Scheduler's main event set is the faster
// RadixHeap (radix_heap.h), which needs monotone keys.
//
// What is smart about this code:
//   * d = 4 halves the depth of a binary heap; the four children of a node sit next to each
//     other, so a level costs about one cache line instead of one cache miss per comparison.
//   * Sifts move a hole instead of swapping (one store per level).
//   * replace_top() pops the minimum and inserts a new entry in one sift-down.
//
// Invariants: entries are ordered by (time, seq); seq is unique per Scheduler and increases
// with scheduling order, so equal times leave in FIFO order and the order is total (no two
// entries compare equal), which makes the heap's output independent of its internal layout.
//
// Costs (n pending): push O(log_d n), pop O(d log_d n), replace_top O(d log_d n), top O(1).
// Memory: one std::vector of entries (amortised growth, no allocation per event once warm).
// Thread safety: none; a heap belongs to one Scheduler.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "simcore/radix_heap.h"  // HeapEntry
#include "simcore/time.h"

namespace meshsim::simcore {

template <class Payload>
inline bool entry_before(const HeapEntry<Payload>& a, const HeapEntry<Payload>& b) {
  return a.time < b.time || (a.time == b.time && a.seq < b.seq);
}

template <class Payload, unsigned Arity = 4>
class EventHeap {
  static_assert(Arity >= 2);

 public:
  using Entry = HeapEntry<Payload>;

  bool empty() const { return h_.empty(); }
  size_t size() const { return h_.size(); }
  void reserve(size_t n) { h_.reserve(n); }
  void clear() { h_.clear(); }
  const Entry& top() const {
    assert(!h_.empty());
    return h_.front();
  }

  void push(const Entry& e) {
    h_.push_back(e);
    sift_up(h_.size() - 1, e);
  }

  void pop() {
    assert(!h_.empty());
    const Entry last = h_.back();
    h_.pop_back();
    if (!h_.empty()) sift_down(0, last);
  }

  // Equivalent to pop() followed by push(e), in one sift.
  void replace_top(const Entry& e) {
    assert(!h_.empty());
    sift_down(0, e);
  }

 private:
  void sift_up(size_t i, const Entry& e) {
    while (i > 0) {
      const size_t parent = (i - 1) / Arity;
      if (!entry_before(e, h_[parent])) break;
      h_[i] = h_[parent];
      i = parent;
    }
    h_[i] = e;
  }

  void sift_down(size_t i, const Entry& e) {
    const size_t n = h_.size();
    for (;;) {
      const size_t first = i * Arity + 1;
      if (first >= n) break;
      size_t best = first;
      const size_t last = first + Arity < n ? first + Arity : n;
      for (size_t c = first + 1; c < last; ++c) {
        if (entry_before(h_[c], h_[best])) best = c;
      }
      if (!entry_before(h_[best], e)) break;
      h_[i] = h_[best];
      i = best;
    }
    h_[i] = e;
  }

  std::vector<Entry> h_;
};

}  // namespace meshsim::simcore
