// istiod's push debounce (istio pilot/pkg/xds/discovery.go `debounce`), as a small state
// machine over times: it owns no timer.  The control plane arms the timer it asks for and calls
// on_timer when it fires.
//
// Istio's loop: the first event of a batch arms a timer at +debounceAfter and records the start;
// later events only move the "last event" time (they do not re-arm).  When the timer fires, it
// pushes if the batch has been quiet for at least debounceAfter or started at least debounceMax
// ago; otherwise it re-arms for the rest of the quiet period (debounceAfter - quiet).  So one
// event alone is pushed debounceAfter later, continuous churn at most about debounceMax after
// its start (at the first timer firing past it).
//
// Not modelled: istiod handles one debounced push at a time (the next batch waits until the
// previous one is handed to the push queue, `free` in discovery.go); handing over is taken as
// instantaneous.  PILOT_ENABLE_EDS_DEBOUNCE=false (push endpoint changes at once) is not offered.
#pragma once

#include <cstdint>

#include "simcore/time.h"

namespace meshsim::models {

class Debouncer {
 public:
  Debouncer(simcore::Time after, simcore::Time max) : after_(after), max_(max) {}

  // An event (an endpoint change) at `now`.  Returns true when the caller must arm a timer at
  // timer_at() (the first event of a batch); otherwise the armed timer stands.
  bool on_event(simcore::Time now) {
    last_ = now;
    if (events_++ > 0) return false;
    start_ = now;
    timer_ = now + after_;
    return true;
  }

  // The armed timer fired at `now`.  Returns true to push now (the batch is closed); false
  // means re-arm at timer_at().
  bool on_timer(simcore::Time now) {
    const simcore::Time quiet = now - last_;
    if (now - start_ >= max_ || quiet >= after_) {
      events_ = 0;
      return true;
    }
    timer_ = now + (after_ - quiet);
    return false;
  }

  simcore::Time timer_at() const { return timer_; }
  uint32_t pending_events() const { return events_; }

 private:
  simcore::Time after_, max_;
  simcore::Time start_, last_, timer_;
  uint32_t events_ = 0;
};

}  // namespace meshsim::models
