// Timers that are usually cancelled: a hierarchical timing wheel (Varghese & Lauck, 1987).
//
// Why: in a mesh nearly every attempt arms a timeout (route, per-try, client) and nearly every
// one is cancelled when the response comes back first.  In a heap each of them would cost
// O(log n) twice and make the heap deep.  Here arming is O(1) (link into a slot list), and
// cancelling is O(1) (unlink): a cancelled timer is never popped and never compared.
//
// Layout: kLevels levels of 64 slots.  Level-0 slots are 2^kShift0 ns (~1.05 ms) wide; each
// level is 64 times coarser, so six levels cover 2^56 ns (~2.3 years).  A timer sits in the
// lowest level whose slot holds it without wrapping.  When the wheel's cursor enters a slot
// of level l >= 1, that slot's timers are re-placed into lower levels (cascading); a timer is
// cascaded at most kLevels-1 times in its life, and only if it lives that long.  A level-0 slot
// that comes due moves its timers into a small "due" heap ordered by (time, seq), so the timers
// leave in exactly the order a plain heap would give them: the wheel changes costs, never
// results.  Occupancy bitmaps (one 64-bit word per level) find the next non-empty slot with a
// count-trailing-zeros, so empty stretches of time cost nothing.
//
// The only timers that take the slow path are those cancelled after their slot came due (within
// ~1 ms of firing) and those beyond the wheel's range: they sit in the due heap and a cancel
// leaves a tombstone there that is dropped when it reaches the top.
//
// Costs: arm O(1); cancel O(1); settle O(levels) per slot boundary crossed with timers in it,
// plus O(log d) per timer moved into the due heap.  Memory: one node (~48 bytes) per armed
// timer, pooled (freed nodes are reused; no allocation per timer once warm).
// Thread safety: none; a wheel belongs to one Scheduler.
#pragma once

#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <limits>
#include <vector>

#include "simcore/event_heap.h"
#include "simcore/time.h"

namespace meshsim::simcore {

// Names an armed timer.  Stale handles (timer fired or cancelled) are detected by generation.
struct TimerHandle {
  uint32_t index = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return index != UINT32_MAX; }
};

template <class Payload>
class TimerWheel {
 public:
  static constexpr int kShift0 = 20;  // level-0 slot width: 2^20 ns = 1.048576 ms
  static constexpr int kBits = 6;     // 64 slots per level
  static constexpr int kLevels = 6;   // range 2^(20+36) ns
  static constexpr int kSlots = 1 << kBits;

  TimerWheel() { heads_.fill(kNil); }

  // Arms a timer at `time` with the caller's tie-break `seq`.  `time` may be in the past of the
  // wheel's cursor (then it is due at once).
  TimerHandle arm(Time time, uint64_t seq, const Payload& payload) {
    const uint32_t i = alloc();
    Node& n = nodes_[i];
    n.time = time;
    n.seq = seq;
    n.payload = payload;
    place(i);
    ++armed_;
    return TimerHandle{i, n.generation};
  }

  // Cancels an armed timer.  Returns false for a stale handle (already fired or cancelled).
  bool cancel(TimerHandle h) {
    if (h.index >= nodes_.size()) return false;
    Node& n = nodes_[h.index];
    if (n.generation != h.generation || n.where == kFree || n.where == kCancelled) return false;
    if (n.where == kDue) {
      n.where = kCancelled;  // tombstone: dropped when it reaches the top of the due heap
    } else {
      unlink(h.index);
      release(h.index);
    }
    --armed_;
    return true;
  }

  // Number of armed timers (not fired, not cancelled).
  size_t size() const { return armed_; }

  // Moves timers into the due heap until its top is the earliest armed timer, or no timer can
  // fire at or before `limit`.  After settle(limit): if an armed timer fires at or before
  // `limit`, due_top() is the earliest armed timer.
  void settle(Time limit) {
    while (lower_bound_ <= limit) {
      int level;
      int64_t start;
      if (!next_slot(level, start)) {
        lower_bound_ = Time::max();
        return;
      }
      // Stop as soon as the due heap's top is earlier than any wheel slot: it is then the
      // earliest armed timer, which is all the Scheduler needs.  Settling further would move
      // timers into the due heap long before they fire (and their cancels would leave
      // tombstones there).
      if (Time::from_ns(start) > limit ||
          (due_top() != nullptr && due_.top().time < Time::from_ns(start))) {
        lower_bound_ = Time::from_ns(start);
        return;
      }
      if (level == 0) {
        const auto idx = static_cast<uint32_t>((start >> kShift0) & (kSlots - 1));
        uint32_t i = take_slot(0, idx);
        while (i != kNil) {
          const uint32_t next = nodes_[i].next;
          push_due(i);
          i = next;
        }
        move_cursor(start + (int64_t{1} << kShift0));
      } else {
        move_cursor(start);  // cascades the slot being entered
      }
    }
  }

  // The earliest due timer, or nullptr.  Call settle() first with the horizon you need.
  const HeapEntry<uint32_t>* due_top() {
    while (!due_.empty()) {
      const uint32_t i = due_.top().payload;
      if (nodes_[i].where != kCancelled) return &due_.top();
      due_.pop();
      release(i);
    }
    return nullptr;
  }

  // Removes the due top (which due_top() returned) and hands out its payload.
  Payload pop_due() {
    const uint32_t i = due_.top().payload;
    due_.pop();
    Payload p = nodes_[i].payload;
    release(i);
    --armed_;
    return p;
  }

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  static constexpr uint16_t kDue = kLevels * kSlots;
  static constexpr uint16_t kFree = kDue + 1;
  static constexpr uint16_t kCancelled = kDue + 2;

  struct Node {
    Time time;
    uint64_t seq = 0;
    Payload payload{};
    uint32_t prev = kNil;
    uint32_t next = kNil;
    uint32_t generation = 0;
    uint16_t where = kFree;  // level * 64 + slot, or kDue / kFree / kCancelled
  };

  static constexpr int shift(int level) { return kShift0 + kBits * level; }

  uint32_t alloc() {
    if (!free_.empty()) {
      const uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    nodes_.emplace_back();
    return static_cast<uint32_t>(nodes_.size() - 1);
  }

  void release(uint32_t i) {
    Node& n = nodes_[i];
    n.where = kFree;
    ++n.generation;
    free_.push_back(i);
  }

  void push_due(uint32_t i) {
    Node& n = nodes_[i];
    n.where = kDue;
    due_.push(HeapEntry<uint32_t>{n.time, n.seq, i});
  }

  // Puts node i in the lowest level whose current block holds its time, relative to cur_.
  void place(uint32_t i) {
    const int64_t t = nodes_[i].time.ns();
    // The last level-0 slot [2^63 - 2^20, 2^63) stays out of the wheel: leaving it would move
    // the cursor to 2^63, which int64_t cannot hold.
    if (t < cur_ || t > std::numeric_limits<int64_t>::max() - (int64_t{1} << kShift0)) {
      push_due(i);
      return;
    }
    for (int level = 0; level < kLevels; ++level) {
      if ((t >> shift(level + 1)) == (cur_ >> shift(level + 1))) {
        const auto idx = static_cast<uint32_t>((t >> shift(level)) & (kSlots - 1));
        link(i, level, idx);
        const int64_t start = (t >> shift(level)) << shift(level);
        if (Time::from_ns(start) < lower_bound_) lower_bound_ = Time::from_ns(start);
        return;
      }
    }
    push_due(i);  // beyond the wheel's range (years ahead): rare, ordinary heap cost
  }

  void link(uint32_t i, int level, uint32_t idx) {
    const uint32_t s = static_cast<uint32_t>(level) * kSlots + idx;
    Node& n = nodes_[i];
    n.where = static_cast<uint16_t>(s);
    n.prev = kNil;
    n.next = heads_[s];
    if (n.next != kNil) nodes_[n.next].prev = i;
    heads_[s] = i;
    occupied_[level] |= uint64_t{1} << idx;
  }

  void unlink(uint32_t i) {
    Node& n = nodes_[i];
    const uint32_t s = n.where;
    if (n.prev != kNil) {
      nodes_[n.prev].next = n.next;
    } else {
      heads_[s] = n.next;
    }
    if (n.next != kNil) nodes_[n.next].prev = n.prev;
    if (heads_[s] == kNil) occupied_[s / kSlots] &= ~(uint64_t{1} << (s % kSlots));
  }

  uint32_t take_slot(int level, uint32_t idx) {
    const uint32_t s = static_cast<uint32_t>(level) * kSlots + idx;
    const uint32_t head = heads_[s];
    heads_[s] = kNil;
    occupied_[level] &= ~(uint64_t{1} << idx);
    return head;
  }

  // The first non-empty slot at or after the cursor: the lowest level with one wins, because
  // every lower level's slots lie inside the current slot of the level above.  At level 0 the
  // slot under the cursor is still pending; at higher levels it was cascaded on entry.
  bool next_slot(int& level, int64_t& start) const {
    for (int l = 0; l < kLevels; ++l) {
      const auto cur_idx = static_cast<int>((cur_ >> shift(l)) & (kSlots - 1));
      const int from = l == 0 ? cur_idx : cur_idx + 1;
      if (from >= kSlots) continue;
      const uint64_t bits = occupied_[l] & (~uint64_t{0} << from);
      if (bits != 0) {
        level = l;
        const int j = std::countr_zero(bits);
        start = ((cur_ >> shift(l + 1)) << shift(l + 1)) + (int64_t{j} << shift(l));
        return true;
      }
    }
    return false;
  }

  // Advances the cursor; every higher-level slot entered is cascaded, top level first, so a
  // timer cascaded from level 3 into level 2's current slot moves on down in the same call.
  void move_cursor(int64_t to) {
    const int64_t from = cur_;
    cur_ = to;
    for (int l = kLevels - 1; l >= 1; --l) {
      if ((from >> shift(l)) == (to >> shift(l))) continue;
      const auto idx = static_cast<uint32_t>((to >> shift(l)) & (kSlots - 1));
      uint32_t i = take_slot(l, idx);
      while (i != kNil) {
        const uint32_t next = nodes_[i].next;
        place(i);
        i = next;
      }
    }
  }

  std::vector<Node> nodes_;
  std::vector<uint32_t> free_;
  std::array<uint32_t, kLevels * kSlots> heads_{};
  std::array<uint64_t, kLevels> occupied_{};
  EventHeap<uint32_t> due_;
  int64_t cur_ = 0;                  // start of the first level-0 slot not yet moved to due_
  Time lower_bound_ = Time::max();   // no wheel slot starts before this
  size_t armed_ = 0;
};

}  // namespace meshsim::simcore
