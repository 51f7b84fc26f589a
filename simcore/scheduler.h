// The simulation clock and its pending events: what a model schedules and what the run loop pops.
//
// A Scheduler owns the clock, a 4-ary event heap for ordinary events and a timing wheel for
// timers (events that are usually cancelled).  It knows nothing of the domain: the event is a
// small trivially-copyable Payload chosen by the model (an enum and an index or two), and the
// model's run loop dispatches it with a switch, so there is no virtual call and no allocation
// per event.  Several Schedulers can live side by side in one process (threads, Python): there
// is no global state.
//
// Order (the contract every model relies on): events run in increasing time; events at equal
// times run in the order they were scheduled (FIFO), timers and ordinary events alike, because
// both draw their tie-break from one sequence counter.  The order therefore depends only on what
// the model does, never on the data structures: the timer wheel changes costs, not results.
//
// Deferred pop: pop() leaves the popped entry at the heap's top, marked consumed; if the next
// call is a schedule(), the new entry replaces the consumed top in a single sift-down.  This is
// the "hold" pattern of a DES loop (an event's handler schedules its successor) at the cost of
// one sift instead of two.
//
// Costs: schedule O(log_4 n); arm/cancel a timer O(1); pop O(log_4 n).
// Thread safety: none; one Scheduler per thread.
#pragma once

#include <cassert>
#include <cstdint>

#include "simcore/event_heap.h"
#include "simcore/time.h"
#include "simcore/timer_wheel.h"

namespace meshsim::simcore {

template <class Payload>
struct Event {
  Time time;
  Payload payload;
};

template <class Payload>
class Scheduler {
 public:
  Time now() const { return now_; }

  // Schedules `payload` at absolute time t >= now().
  void schedule_at(Time t, const Payload& payload) {
    assert(t >= now_);
    const HeapEntry<Payload> e{t, seq_++, payload};
    if (top_consumed_) {
      top_consumed_ = false;
      heap_.replace_top(e);
    } else {
      heap_.push(e);
    }
  }
  void schedule_in(Time delay, const Payload& payload) { schedule_at(now_ + delay, payload); }

  // Arms a cancellable timer at absolute time t >= now().
  TimerHandle arm_at(Time t, const Payload& payload) {
    assert(t >= now_);
    return wheel_.arm(t, seq_++, payload);
  }
  TimerHandle arm_in(Time delay, const Payload& payload) { return arm_at(now_ + delay, payload); }

  // O(1).  Returns false if the timer already fired or was cancelled (harmless).
  bool cancel(TimerHandle h) { return wheel_.cancel(h); }

  // Pops the next event if its time is <= limit, advancing now() to it; otherwise returns false
  // and leaves the clock where it is.
  bool pop_until(Time limit, Event<Payload>& out) {
    if (top_consumed_) {
      top_consumed_ = false;
      heap_.pop();
    }
    const bool have_heap = !heap_.empty();
    wheel_.settle(have_heap && heap_.top().time < limit ? heap_.top().time : limit);
    const HeapEntry<uint32_t>* due = wheel_.due_top();
    if (due != nullptr &&
        (!have_heap || due->time < heap_.top().time ||
         (due->time == heap_.top().time && due->seq < heap_.top().seq))) {
      if (due->time > limit) return false;
      out.time = now_ = due->time;
      out.payload = wheel_.pop_due();
      ++executed_;
      return true;
    }
    if (!have_heap || heap_.top().time > limit) return false;
    out.time = now_ = heap_.top().time;
    out.payload = heap_.top().payload;
    top_consumed_ = true;
    ++executed_;
    return true;
  }
  bool pop(Event<Payload>& out) { return pop_until(Time::max(), out); }

  // Runs handler(const Event&) for every event with time <= end, then sets now() to end.
  template <class Handler>
  void run_until(Time end, Handler&& handler) {
    Event<Payload> ev;
    while (pop_until(end, ev)) handler(ev);
    if (end > now_ && end != Time::max()) now_ = end;
  }

  // Events and armed timers not yet run.
  size_t pending() const { return heap_.size() - (top_consumed_ ? 1 : 0) + wheel_.size(); }
  size_t pending_timers() const { return wheel_.size(); }
  // Events popped so far (timers included).
  uint64_t executed() const { return executed_; }
  void reserve(size_t n) { heap_.reserve(n); }

 private:
  Time now_ = Time::zero();
  uint64_t seq_ = 0;
  uint64_t executed_ = 0;
  bool top_consumed_ = false;
  EventHeap<Payload> heap_;
  TimerWheel<Payload> wheel_;
};

}  // namespace meshsim::simcore
