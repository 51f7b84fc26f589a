// The router's global and per-try timers (envoy source/common/router/router.cc
// FilterUtility::finalTimeout, onRequestComplete, upstream_request.cc onPoolReady) on routes
// Istio programs (istio/istio pilot/pkg/networking/core/route/route.go setTimeout).
#include <catch2/catch.hpp>

#include <optional>
#include <string_view>

#include "policies/response_flags.h"
#include "policies/router_timeouts.h"
#include "simcore/time.h"

using namespace meshsim::policies;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {
using OptTime = std::optional<Time>;
}

TEST_CASE(
    "A per-try timeout >= a non-zero global timeout is ignored "
    "(router.cc finalTimeout: \"If it's >= global we just ignore it\")") {
  auto [global, per_try, effective] = GENERATE(table<Time, OptTime, Time>({
      {Time::zero(), std::nullopt, Time::zero()},
      {Time::zero(), OptTime(2_s), 2_s},  // no global timeout: the per-try one stands
      {3_s, OptTime(2_s), 2_s},
      {3_s, OptTime(3_s), Time::zero()},  // equal: ignored
      {3_s, OptTime(5_s), Time::zero()},
      {3_s, std::nullopt, Time::zero()},
      {3_s, OptTime(Time::zero()), Time::zero()},
  }));
  INFO("global " << global.to_ms() << " ms");
  const RouteTimeouts t = final_timeouts(global, per_try);
  CHECK(effective_per_try_timeout(t) == effective);
  CHECK(per_try_deadline(10_s, t) == (effective == Time::zero() ? Time::max() : 10_s + effective));
}

TEST_CASE(
    "The global timer starts when the downstream request is complete - after an injected "
    "delay, which it therefore never cuts - and spans all attempts and back-offs "
    "(router.cc onRequestComplete; fault filter runs before the router)") {
  const RouteTimeouts t = final_timeouts(1_s, std::nullopt);
  const Time arrival = 100_ms;
  const Time injected_delay = 2_s;
  const Time request_complete = arrival + injected_delay;
  CHECK(global_deadline(request_complete, t) == 3100_ms);
  // One deadline for the whole request, however many attempts start after it.
  CHECK(global_deadline(request_complete, t) - request_complete == 1_s);
  // No route timeout (Istio's default): no timer at all.
  CHECK(global_deadline(request_complete, final_timeouts(Time::zero(), std::nullopt)) ==
        Time::max());
}

TEST_CASE(
    "The per-try timer of each attempt starts when the attempt gets its upstream stream, "
    "so connection set-up is not counted (upstream_request.cc onPoolReady -> "
    "setupPerTryTimeout)") {
  const RouteTimeouts t = final_timeouts(Time::zero(), OptTime(500_ms));
  const Time attempt_start = 1_s;
  const Time connected = attempt_start + 30_ms;  // new connection handshake
  CHECK(per_try_deadline(connected, t) == 1530_ms);
}

TEST_CASE(
    "gRPC: VS timeout 0 lets the caller's grpc-timeout decide; VS timeout T caps it at T "
    "(route.go setTimeout: MaxGrpcTimeout = Timeout; router.cc finalTimeout)") {
  auto [vs_timeout, header, global] = GENERATE(table<Time, OptTime, Time>({
      {Time::zero(), std::nullopt, Time::zero()},  // no header, no VS timeout: none
      {Time::zero(), OptTime(5_s), 5_s},
      {2_s, std::nullopt, 2_s},
      {2_s, OptTime(5_s), 2_s},
      {2_s, OptTime(1_s), 1_s},
      {2_s, OptTime(Time::zero()), 2_s},  // grpc-timeout 0 means infinite -> the cap
      {Time::zero(), OptTime(Time::zero()), Time::zero()},
      // Sub-millisecond units round up to whole ms (Grpc::Common::getGrpcTimeout).
      {Time::zero(), OptTime(Time::from_us(1500)), 2_ms},
      {Time::zero(), OptTime(Time::from_ns(1)), 1_ms},
  }));
  INFO("VS timeout " << vs_timeout.to_ms() << " ms");
  CHECK(grpc_global_timeout(vs_timeout, header) == global);
  CHECK(final_timeouts_grpc(vs_timeout, std::nullopt, header).global == global);
}

TEST_CASE(
    "gRPC: the per-try timeout is compared with the header-derived global timeout "
    "(router.cc finalTimeout order)") {
  const RouteTimeouts t = final_timeouts_grpc(Time::zero(), OptTime(2_s), OptTime(1_s));
  CHECK(t.global == 1_s);
  CHECK(effective_per_try_timeout(t) == Time::zero());
  const RouteTimeouts u = final_timeouts_grpc(Time::zero(), OptTime(2_s), std::nullopt);
  CHECK(effective_per_try_timeout(u) == 2_s);
}

TEST_CASE(
    "An expired timer replies 504 \"upstream request timeout\" with flag UT "
    "(router.cc onUpstreamTimeoutAbort); Envoy's own route default is 15 s") {
  CHECK(kTimeoutResponseCode == 504);
  CHECK(response_flags_string(kTimeoutResponseFlag) == "UT");
  CHECK(std::string_view(kTimeoutResponseBody) == "upstream request timeout");
  CHECK(response_flags_string(kTimeoutResponseFlag | kUpstreamRetryLimitExceeded) == "UT,URX");
  CHECK(kEnvoyDefaultRouteTimeout == 15_s);
  CHECK(RouteTimeouts{}.global == Time::zero());  // Istio's default: no route timeout
}
