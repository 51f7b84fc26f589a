// Fault injection: the decision Envoy's HTTP fault filter makes for one request, as Istio
// programs it from a VirtualService route's `fault` block.
//
// Sources: istio pilot/pkg/networking/core/route/route.go (TranslateFault,
// translatePercentToFractionalPercent); envoy source/extensions/filters/http/fault/fault_filter.cc
// (decodeHeaders -> maybeSetupDelay -> postDelayInjection -> maybeDoAbort) and
// source/extensions/filters/common/fault/fault_config.cc (FaultDelayConfig, FaultAbortConfig).
//
// What the caller (models/) must do with a FaultDecision, because this file owns no timers:
//   * The fault filter sits before the router in the client sidecar, after route selection
//     (it reads the chosen route's per-filter config), so the route and its weighted
//     destination are picked first.
//   * delay > 0: hold the request for `delay`, flag DI, then continue.  The router starts the
//     route timeout and per-try timers only when it receives the request, i.e. after the delay,
//     so a route timeout never cuts an injected delay.
//   * abort: answer locally with `status` (body "fault filter abort"), flag FI.  With a delay
//     too, the abort comes after the delay and the request carries both flags ("DI,FI").  An
//     abort never reaches the router: no retry, no load-balancer pick, no connection pool or
//     circuit-breaker accounting, nothing reported to outlier detection, no upstream metrics.
//   * gRPC abort: HTTP :status 200 with grpc-status = grpc_status (Envoy abortStatus()).
// Not modelled, because Istio never sets them: header-controlled faults (x-envoy-fault-*),
// max_active_faults (unlimited), downstream_nodes, upstream_cluster, response rate limits,
// runtime overrides.  Exponential delays are dropped by TranslateFault ("not yet supported").
//
// Thread safety: the config structs are immutable values; decide_fault only reads them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "policies/grpc_status.h"
#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::policies {

// Envoy's FractionalPercent with denominator MILLION: a percentage is stored as parts per
// million, so 0.0001 % (1 ppm) is the finest representable step.
inline constexpr uint32_t kMillion = 1'000'000;

// Istio's translatePercentToFractionalPercent: `uint32(p.Value * 10000)`, i.e. the double
// product truncated toward zero.  Truncation makes some decimal inputs lose a step: 0.57 % ->
// 5699 ppm and 0.0003 % -> 2 ppm (0.57 * 10000 = 5699.999...).  Out-of-range input (negative,
// NaN, > 100 %, all rejected by Istio validation) is clamped to [0, 1'000'000] instead of Go's
// unspecified conversion.
uint32_t percent_to_ppm(double percent);

// Envoy's ProtobufPercentHelper::evaluateFractionalPercent for denominator MILLION:
// enabled iff random_value % 1'000'000 < ppm.
constexpr bool ppm_enabled(uint32_t ppm, uint64_t random_value) {
  return random_value % kMillion < ppm;
}

struct FaultDelay {
  // Istio `fixedDelay` (required; validation wants >= 1 ms, whole milliseconds).
  // Envoy reads it as whole milliseconds (PROTOBUF_GET_MS_REQUIRED truncates) and injects no
  // delay at all when that is 0 ms (delayDuration: "Delay only if the duration is >0ms").
  simcore::Time fixed_delay;  // Default: none (required field)
  // Istio `percentage.value`, in percent (0..100).
  // Default: absent = 0 %: TranslateFault falls back to the deprecated integer `percent`,
  // whose default is 0, so a delay without a percentage never fires.
  std::optional<double> percentage;

  uint32_t ppm() const { return percentage ? percent_to_ppm(*percentage) : 0; }
  // The delay Envoy actually injects when the draw fires (whole ms; zero = no delay).
  simcore::Time effective_delay() const;
};

struct FaultAbort {
  // Exactly one of http_status / grpc_status, as Istio's `errorType` oneof.
  // Istio `httpStatus` (validation: 200..600).  Default: none.
  uint32_t http_status = 0;
  // Istio `grpcStatus` ("UNAVAILABLE" etc., see grpc_status_code()); set `grpc` = true.
  uint32_t grpc_status = 0;  // Default: none
  bool grpc = false;         // Default: false (an HTTP abort)
  // Istio `percentage.value`, in percent.  Default: absent = 0 % (TranslateFault leaves
  // Envoy's FaultAbort.percentage unset, and an unset FractionalPercent is 0/100).
  std::optional<double> percentage;

  uint32_t ppm() const { return percentage ? percent_to_ppm(*percentage) : 0; }
};

// Istio HTTPFaultInjection.  Either part may be absent.
struct HttpFaultConfig {
  std::optional<FaultDelay> delay;  // Default: absent (no delay)
  std::optional<FaultAbort> abort;  // Default: absent (no abort)
};

struct FaultDecision {
  simcore::Time delay;       // zero when no delay is injected
  bool abort = false;        // answer locally after the delay
  uint32_t status = 0;       // HTTP :status of the local reply (200 for a gRPC abort)
  uint32_t grpc_status = 0;  // grpc-status of a gRPC abort
  bool grpc = false;         // the abort is a gRPC abort

  bool delayed() const { return delay > simcore::Time::zero(); }
  // DI and/or FI as response flag bits (policies/response_flags.h).
  uint32_t response_flags() const;
};

// The fault filter's two independent draws for one request, delay first, then abort (Envoy
// draws the abort only after the delay timer fires; the draws are independent either way, so
// deciding both now gives the same joint distribution).  Consumes exactly two 64-bit words of
// `stream` per call whatever the config, so that changing a percentage in one scenario does not
// shift later draws of the same stream (common random numbers).
FaultDecision decide_fault(const HttpFaultConfig& config, simcore::Stream& stream);
// The same with the two random words given (for tests and for callers that draw elsewhere).
FaultDecision decide_fault(const HttpFaultConfig& config, uint64_t delay_random,
                           uint64_t abort_random);

// The gRPC status names Istio accepts for grpcStatus: policies/grpc_status.h.

}  // namespace meshsim::policies
