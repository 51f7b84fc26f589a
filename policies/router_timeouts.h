// The router's two timers: the route (global) timeout and the per-try timeout, as Envoy computes
// and arms them (envoy source/common/router/router.cc FilterUtility::finalTimeout,
// Filter::onRequestComplete, UpstreamRequest::onPoolReady/setupPerTryTimeout) for routes Istio
// programs (istio/istio pilot/pkg/networking/core/route/route.go setTimeout).
//
//   * Global timer: starts when the router has the complete downstream request (so after any
//     fault-injected delay, which runs in the fault filter before the router) and spans every
//     attempt and every back-off.  Expiry resets whatever is in flight and replies 504
//     "upstream request timeout" with flag UT; it is never retried.  0 means no timer.
//     Istio: the VirtualService `timeout`, default 0 (Envoy's own route default is 15 s).
//   * Per-try timer: one per attempt, started when the connection pool hands the attempt a stream
//     (onPoolReady) - so connection set-up and pool queueing are not counted - or at request
//     completion if that comes later.  Ignored when >= a non-zero global timeout.  Expiry is a
//     reset (retry_state.h ResetReason::PerTryTimeout): retried only under 5xx / gateway-error /
//     reset, otherwise 504 UT.
//   * gRPC: Istio sets max_grpc_timeout = the VS timeout (0 when none), so for gRPC requests the
//     global timeout is the caller's grpc-timeout header, capped at the VS timeout when that is
//     non-zero; with VS timeout 0 the header alone decides (none if absent).  A header of 0 means
//     "no timeout" to Envoy, so it too falls back to the cap.  Expiry is 504 UT as above, which a
//     gRPC caller reads as 200 + grpc-status 14 (policies/grpc_status.h).
// Pure arithmetic on simcore::Time; models/ arms the timers.
#pragma once

#include <optional>

#include "policies/response_flags.h"
#include "simcore/time.h"

namespace meshsim::policies {

// Envoy's route timeout when the route sets none; Istio always sets one (0 unless the VS does).
inline constexpr simcore::Time kEnvoyDefaultRouteTimeout = simcore::Time::from_s(15);

// What a request's router timers are configured to, after finalTimeout().
struct RouteTimeouts {
  // Global (route) timeout; zero = none.  Default zero (Istio's default).
  simcore::Time global = simcore::Time::zero();
  // The retry policy's per_try_timeout; nullopt or zero = none.  Default none.
  std::optional<simcore::Time> per_try;
};

// finalTimeout() for an ordinary (non-gRPC) request on an Istio route.
RouteTimeouts final_timeouts(simcore::Time vs_timeout, std::optional<simcore::Time> per_try);

// finalTimeout() for a gRPC request on an Istio route; `grpc_timeout_header` is the caller's
// grpc-timeout, already decoded (Envoy rounds sub-millisecond units up to whole ms, which
// grpc_global_timeout() repeats).
RouteTimeouts final_timeouts_grpc(simcore::Time vs_timeout, std::optional<simcore::Time> per_try,
                                  std::optional<simcore::Time> grpc_timeout_header);

// The max_grpc_timeout rule: global = header (0 if absent); if max != 0 and (global == 0 or
// global > max) then global = max.  Istio passes max = the VS timeout.
simcore::Time grpc_global_timeout(simcore::Time max_grpc_timeout,
                                  std::optional<simcore::Time> grpc_timeout_header);

// The per-try timeout actually armed; zero = none.  "If it's >= global we just ignore it."
simcore::Time effective_per_try_timeout(const RouteTimeouts& t);

// When the global timer fires for a request whose downstream request completed at
// `request_complete` (after any injected delay); Time::max() if there is no global timeout.
simcore::Time global_deadline(simcore::Time request_complete, const RouteTimeouts& t);

// When an attempt's per-try timer fires, the attempt having been handed its upstream stream at
// `stream_ready`; Time::max() if there is no per-try timeout.  Whichever of this and the global
// deadline comes first wins; they are independent timers.
simcore::Time per_try_deadline(simcore::Time stream_ready, const RouteTimeouts& t);

// The local reply for an expired timer (router.cc onUpstreamTimeoutAbort): 504, flag UT, body
// "upstream request timeout".  Add URX when a per-try timeout could not be retried because the
// retries were exhausted.
inline constexpr uint16_t kTimeoutResponseCode = 504;
inline constexpr uint32_t kTimeoutResponseFlag = kUpstreamRequestTimeout;
inline constexpr const char* kTimeoutResponseBody = "upstream request timeout";

}  // namespace meshsim::policies
