// Envoy router.cc FilterUtility::finalTimeout and the timer start points, for Istio's routes.
#include "policies/router_timeouts.h"

namespace meshsim::policies {

using simcore::Time;

RouteTimeouts final_timeouts(Time vs_timeout, std::optional<Time> per_try) {
  return RouteTimeouts{vs_timeout, per_try};
}

Time effective_per_try_timeout(const RouteTimeouts& t) {
  const Time per_try = t.per_try.value_or(Time::zero());
  if (per_try >= t.global && t.global != Time::zero()) return Time::zero();
  return per_try;
}

Time global_deadline(Time request_complete, const RouteTimeouts& t) {
  return t.global == Time::zero() ? Time::max() : request_complete + t.global;
}

Time per_try_deadline(Time stream_ready, const RouteTimeouts& t) {
  const Time per_try = effective_per_try_timeout(t);
  return per_try == Time::zero() ? Time::max() : stream_ready + per_try;
}

}  // namespace meshsim::policies
