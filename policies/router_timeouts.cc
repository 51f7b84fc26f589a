// Envoy router.cc FilterUtility::finalTimeout and the timer start points, for Istio's routes.
#include "policies/router_timeouts.h"

namespace meshsim::policies {

using simcore::Time;

namespace {

// Grpc::Common::getGrpcTimeout yields whole milliseconds, rounding sub-millisecond units (u, n)
// up; the coarser units (m, S, M, H) are exact.
Time ceil_to_ms(Time t) {
  const int64_t ns = t.ns();
  const int64_t ms = ns / 1'000'000 + (ns % 1'000'000 > 0 ? 1 : 0);
  return Time::from_ms(ms);
}

}  // namespace

Time grpc_global_timeout(Time max_grpc_timeout, std::optional<Time> grpc_timeout_header) {
  Time grpc_timeout = grpc_timeout_header ? ceil_to_ms(*grpc_timeout_header) : Time::zero();
  // "Cap gRPC timeout to the configured maximum considering that 0 means infinity."
  if (max_grpc_timeout != Time::zero() &&
      (grpc_timeout == Time::zero() || grpc_timeout > max_grpc_timeout)) {
    grpc_timeout = max_grpc_timeout;
  }
  return grpc_timeout;
}

RouteTimeouts final_timeouts(Time vs_timeout, std::optional<Time> per_try) {
  return RouteTimeouts{vs_timeout, per_try};
}

RouteTimeouts final_timeouts_grpc(Time vs_timeout, std::optional<Time> per_try,
                                  std::optional<Time> grpc_timeout_header) {
  // route.go setTimeout: MaxGrpcTimeout = Timeout (0 when the VS sets none), for sidecars.
  return RouteTimeouts{grpc_global_timeout(vs_timeout, grpc_timeout_header), per_try};
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
