// Fault injection as Istio programs Envoy's fault filter.  Sources: istio
// pilot/pkg/networking/core/route/route.go (TranslateFault, translatePercentToFractionalPercent);
// envoy source/extensions/filters/http/fault/fault_filter.cc and
// source/extensions/filters/common/fault/fault_config.cc.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "policies/fault.h"
#include "policies/response_flags.h"

using namespace meshsim::policies;
using namespace meshsim::simcore::time_literals;
using meshsim::simcore::Stream;
using meshsim::simcore::Time;

namespace {

// Two-sided 99.9 % normal-approximation interval for a binomial count: n p +- z sqrt(n p (1-p)),
// z = 3.2905.  One fixed seed per test; the tolerance is never widened.
struct Interval {
  double lo, hi;
};
Interval binomial_999(double n, double p) {
  const double half = 3.2905 * std::sqrt(n * p * (1.0 - p));
  return {n * p - half, n * p + half};
}

HttpFaultConfig delay_only(Time d, std::optional<double> pct) {
  HttpFaultConfig c;
  c.delay = FaultDelay{d, pct};
  return c;
}

HttpFaultConfig abort_only(uint32_t status, std::optional<double> pct) {
  HttpFaultConfig c;
  FaultAbort a;
  a.http_status = status;
  a.percentage = pct;
  c.abort = a;
  return c;
}

}  // namespace

TEST_CASE("Istio: a fault without percentage injects nothing (TranslateFault: absent = 0 %)",
          "[fault]") {
  // Delay: TranslateFault falls back to the deprecated integer `percent` (default 0).
  // Abort: TranslateFault leaves Envoy's percentage unset, i.e. 0/100.
  HttpFaultConfig c;
  c.delay = FaultDelay{100_ms, std::nullopt};
  FaultAbort a;
  a.http_status = 503;
  c.abort = a;
  CHECK(c.delay->ppm() == 0);
  CHECK(c.abort->ppm() == 0);
  Stream s(1, "fault-test", "absent");
  int fired = 0;
  for (int i = 0; i < 100'000; ++i) {
    const FaultDecision d = decide_fault(c, s);
    fired += (d.delayed() || d.abort) ? 1 : 0;
  }
  CHECK(fired == 0);
  // Extreme random words too.
  CHECK_FALSE(decide_fault(c, 0, 0).abort);
  CHECK_FALSE(decide_fault(c, 0, 0).delayed());
}

TEST_CASE("Envoy: a 100 % fault always fires", "[fault]") {
  HttpFaultConfig c = delay_only(7_ms, 100.0);
  FaultAbort a;
  a.http_status = 503;
  a.percentage = 100.0;
  c.abort = a;
  Stream s(2, "fault-test", "always");
  for (int i = 0; i < 10'000; ++i) {
    const FaultDecision d = decide_fault(c, s);
    REQUIRE(d.delay == 7_ms);
    REQUIRE(d.abort);
    REQUIRE(d.status == 503);
  }
  // random % 1e6 is at most 999999 < 1'000'000.
  CHECK(decide_fault(c, std::numeric_limits<uint64_t>::max(), 999'999).abort);
}

TEST_CASE("Envoy: a 50 % fault fires within the binomial 99.9 % interval", "[fault]") {
  // n = 100000, p = 0.5: interval 50000 +- 520.3 = [49479.7, 50520.3].
  constexpr int kN = 100'000;
  const Interval ci = binomial_999(kN, 0.5);
  SECTION("delay") {
    const HttpFaultConfig c = delay_only(10_ms, 50.0);
    Stream s(3, "fault-test", "delay-50");
    int delayed = 0;
    for (int i = 0; i < kN; ++i) delayed += decide_fault(c, s).delayed() ? 1 : 0;
    CHECK(delayed > ci.lo);
    CHECK(delayed < ci.hi);
  }
  SECTION("abort") {
    const HttpFaultConfig c = abort_only(503, 50.0);
    Stream s(3, "fault-test", "abort-50");
    int aborted = 0;
    for (int i = 0; i < kN; ++i) aborted += decide_fault(c, s).abort ? 1 : 0;
    CHECK(aborted > ci.lo);
    CHECK(aborted < ci.hi);
  }
}

TEST_CASE("Envoy: delay and abort are independent draws - abort follows the delay",
          "[fault]") {
  // fault_filter.cc: "Delays and aborts are independent events. One can inject a delay followed
  // by an abort" -- the abort is drawn in postDelayInjection after the delay timer.
  HttpFaultConfig c = delay_only(5_ms, 50.0);
  FaultAbort a;
  a.http_status = 500;
  a.percentage = 50.0;
  c.abort = a;

  // Deterministic: each fires on its own random word.
  CHECK(decide_fault(c, 0, 999'999).delayed());
  CHECK_FALSE(decide_fault(c, 0, 999'999).abort);
  CHECK_FALSE(decide_fault(c, 999'999, 0).delayed());
  CHECK(decide_fault(c, 999'999, 0).abort);

  // Statistical: P(both) = 0.25.  n = 100000: 25000 +- 450.6 = [24549.4, 25450.6].
  constexpr int kN = 100'000;
  Stream s(4, "fault-test", "independent");
  int both = 0, delay_n = 0, abort_n = 0;
  for (int i = 0; i < kN; ++i) {
    const FaultDecision d = decide_fault(c, s);
    both += (d.delayed() && d.abort) ? 1 : 0;
    delay_n += d.delayed() ? 1 : 0;
    abort_n += d.abort ? 1 : 0;
  }
  const Interval ci_both = binomial_999(kN, 0.25);
  CHECK(both > ci_both.lo);
  CHECK(both < ci_both.hi);
  const Interval ci_half = binomial_999(kN, 0.5);
  CHECK(delay_n > ci_half.lo);
  CHECK(delay_n < ci_half.hi);
  CHECK(abort_n > ci_half.lo);
  CHECK(abort_n < ci_half.hi);

  // A delayed-then-aborted request carries both flags.
  const FaultDecision d = decide_fault(c, 0, 0);
  CHECK(d.response_flags() == (kDelayInjected | kFaultInjected));
  CHECK(response_flags_string(d.response_flags()) == "DI,FI");
}

TEST_CASE("Envoy: percentages are parts per million - 0.0001 % is one step", "[fault]") {
  // translatePercentToFractionalPercent: Numerator uint32(p * 10000), Denominator MILLION;
  // evaluateFractionalPercent: random % 1e6 < numerator.
  CHECK(percent_to_ppm(0.0001) == 1);
  CHECK(percent_to_ppm(0.001) == 10);
  CHECK(percent_to_ppm(12.34) == 123'400);
  CHECK(percent_to_ppm(50.0) == 500'000);
  CHECK(percent_to_ppm(100.0) == kMillion);
  CHECK(ppm_enabled(1, 0));
  CHECK_FALSE(ppm_enabled(1, 1));
  CHECK(ppm_enabled(1, 1'000'000));  // the draw wraps modulo a million
  CHECK_FALSE(ppm_enabled(1, 999'999));
  CHECK_FALSE(ppm_enabled(0, 0));

  const HttpFaultConfig c = abort_only(503, 0.0001);
  CHECK(decide_fault(c, 0, 0).abort);
  CHECK(decide_fault(c, 0, 7'000'000).abort);
  CHECK_FALSE(decide_fault(c, 0, 1).abort);
}

TEST_CASE("Istio: percent -> ppm truncates like Go's uint32(float64)", "[fault]") {
  // 0.57 * 10000 = 5699.999999999999 and 0.0003 * 10000 = 2.9999999999999996 in IEEE doubles;
  // Go's conversion truncates, so Envoy receives one ppm less than written.
  CHECK(percent_to_ppm(0.57) == 5699);
  CHECK(percent_to_ppm(0.0003) == 2);
  CHECK(percent_to_ppm(0.29) == 2900);
  // Below the 0.0001 step (rejected by Istio validation) rounds down to never.
  CHECK(percent_to_ppm(0.00005) == 0);
  // Out-of-range input, rejected by validation, is clamped rather than undefined.
  CHECK(percent_to_ppm(-1.0) == 0);
  CHECK(percent_to_ppm(std::numeric_limits<double>::quiet_NaN()) == 0);
  CHECK(percent_to_ppm(250.0) == kMillion);
}

TEST_CASE("Envoy: fixedDelay counts in whole milliseconds - under 1 ms injects no delay",
          "[fault]") {
  // fault_config.cc FaultDelayConfig: PROTOBUF_GET_MS_REQUIRED(fixed_delay);
  // fault_filter.cc delayDuration: "Delay only if the duration is >0ms".
  CHECK(FaultDelay{Time::from_us(1'900), 100.0}.effective_delay() == 1_ms);
  CHECK(FaultDelay{2_s, 100.0}.effective_delay() == 2_s);
  const FaultDecision d = decide_fault(delay_only(Time::from_us(500), 100.0), 0, 0);
  CHECK_FALSE(d.delayed());
  CHECK(d.delay == Time::zero());
  CHECK(d.response_flags() == kNone);  // no DI either
}

TEST_CASE("Envoy: an HTTP abort replies with its status and flag FI", "[fault]") {
  const FaultDecision d = decide_fault(abort_only(503, 100.0), 0, 0);
  CHECK(d.abort);
  CHECK_FALSE(d.grpc);
  CHECK(d.status == 503);
  CHECK(d.response_flags() == kFaultInjected);
  CHECK(response_flags_string(d.response_flags()) == "FI");
}

TEST_CASE("Envoy: a gRPC abort is HTTP 200 with grpc-status (fault_filter.cc abortStatus)",
          "[fault]") {
  HttpFaultConfig c;
  FaultAbort a;
  a.grpc = true;
  a.grpc_status = *grpc_status_code("UNAVAILABLE");
  a.percentage = 100.0;
  c.abort = a;
  const FaultDecision d = decide_fault(c, 0, 0);
  CHECK(d.abort);
  CHECK(d.grpc);
  CHECK(d.status == 200);
  CHECK(d.grpc_status == 14);
}

TEST_CASE("decide_fault consumes exactly two words whatever the config (common random numbers)",
          "[fault]") {
  const HttpFaultConfig none;
  const HttpFaultConfig delay = delay_only(1_ms, 30.0);
  const HttpFaultConfig abort = abort_only(500, 30.0);
  for (const HttpFaultConfig* c : {&none, &delay, &abort}) {
    Stream s(5, "fault-test", "draws");
    for (int i = 0; i < 10; ++i) decide_fault(*c, s);
    CHECK(s.draws() == 20);
  }
}
