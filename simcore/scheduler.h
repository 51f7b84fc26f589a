// The simulation clock and its pending events: what a model schedules and what the run loop pops.
//
// A Scheduler owns the clock, a radix heap for ordinary events and a timing wheel for
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
// Costs: schedule O(1); arm/cancel a timer O(1); pop amortised O(log of the time spread) for
// events (radix_heap.h) and O(log d) for timers that come due (timer_wheel.h).
// Thread safety: none; one Scheduler per thread.
#pragma once

#include <cassert>
#include <cstdint>

#include "simcore/radix_heap.h"
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
    heap_.push(HeapEntry<Payload>{t, seq_++, payload});
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
    const HeapEntry<Payload>* top = heap_.empty() ? nullptr : &heap_.top();
    wheel_.settle(top != nullptr && top->time < limit ? top->time : limit);
    const HeapEntry<uint32_t>* due = wheel_.due_top();
    if (due != nullptr && (top == nullptr || due->time < top->time ||
                           (due->time == top->time && due->seq < top->seq))) {
      if (due->time > limit) return false;
      out.time = now_ = due->time;
      out.payload = wheel_.pop_due();
      ++executed_;
      return true;
    }
    if (top == nullptr || top->time > limit) return false;
    out.time = now_ = top->time;
    out.payload = top->payload;
    heap_.pop();
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
  size_t pending() const { return heap_.size() + wheel_.size(); }
  size_t pending_timers() const { return wheel_.size(); }
  // Events popped so far (timers included).
  uint64_t executed() const { return executed_; }

 private:
  Time now_ = Time::zero();
  uint64_t seq_ = 0;
  uint64_t executed_ = 0;
  RadixHeap<Payload> heap_;
  TimerWheel<Payload> wheel_;
};

}  // namespace meshsim::simcore
