// Pins policies/outlier_detector.* against its sources of truth:
//   istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection,
//   envoy source/common/upstream/outlier_detection_impl.h (DetectorConfig defaults) and
//     outlier_detection_impl.cc (putHttpResponseCode, putResultWithLocalExternalSplit,
//     onConsecutiveErrorWorker, ejectHost, checkHostForUneject, onIntervalTimer),
//   envoyproxy/envoy PRs #27624 and #27909 (strict max_ejection_percent, mid-2023),
//   envoy load_balancer_impl.cc LoadBalancerBase::isHostSetInPanic.
#include <catch2/catch.hpp>

#include <cstdint>

#include "policies/outlier_detector.h"

using meshsim::policies::OutlierDetectionConfig;
using meshsim::policies::OutlierDetectionSettings;
using meshsim::policies::OutlierDetector;
using meshsim::policies::panic;
using meshsim::policies::UpstreamResult;
using meshsim::simcore::Stream;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {

OutlierDetectionSettings all_may_be_ejected() {
  OutlierDetectionSettings dr;
  dr.max_ejection_percent = 100;
  return dr;
}

// `n` results for `host` at time `now`; returns whether any of them ejected it.
bool report_n(OutlierDetector& d, uint32_t host, UpstreamResult r, int n, Time now, Stream& rng) {
  bool ejected = false;
  for (int i = 0; i < n; ++i) ejected |= d.report(host, r, now, rng);
  return ejected;
}

// Runs interval ticks at k * interval from `first_tick` until `host` is back; returns that tick.
Time tick_until_unejected(OutlierDetector& d, uint32_t host, Time first_tick) {
  Time t = first_tick;
  for (int guard = 0; guard < 1000; ++guard, t += d.config().interval()) {
    d.on_interval(t);
    if (!d.ejected(host)) return t;
  }
  FAIL("never unejected");
  return t;
}

}  // namespace

// --- configuration ----------------------------------------------------------------------------

TEST_CASE(
    "An empty outlierDetection gives Envoy's defaults with Istio's overrides "
    "(applyOutlierDetection; DetectorConfig)") {
  const OutlierDetectionConfig c;
  CHECK(c.consecutive_5xx() == 5);
  CHECK(c.enforcing_consecutive_5xx() == 100);
  CHECK(c.consecutive_gateway_failure() == 5);
  CHECK(c.enforcing_consecutive_gateway_failure() == 0);  // detected, never enforced
  CHECK(c.interval() == 10_s);
  CHECK(c.base_ejection_time() == 30_s);
  CHECK(c.max_ejection_time() == 300_s);
  CHECK(c.max_ejection_percent() == 10);
  CHECK(c.healthy_panic_threshold() == 0);  // Istio: minHealthPercent, default 0 = panic off
  CHECK(c.enforcing_success_rate() == 0);   // Istio disables success-rate ejection
  CHECK_FALSE(c.split_external_local_origin_errors());
}

TEST_CASE(
    "consecutive5xxErrors 0 turns 5xx detection off; consecutiveGatewayErrors N enforces "
    "at 100 % (applyOutlierDetection)") {
  OutlierDetectionSettings dr;
  dr.consecutive_5xx_errors = 0;
  dr.consecutive_gateway_errors = 3;
  const OutlierDetectionConfig c(dr);
  CHECK(c.consecutive_5xx() == 0);
  CHECK(c.enforcing_consecutive_5xx() == 0);
  CHECK(c.consecutive_gateway_failure() == 3);
  CHECK(c.enforcing_consecutive_gateway_failure() == 100);
}

TEST_CASE("maxEjectionPercent 0 is 'unset' to Istio, so Envoy's 10 % applies") {
  OutlierDetectionSettings dr;
  dr.max_ejection_percent = 0;
  CHECK(OutlierDetectionConfig(dr).max_ejection_percent() == 10);
  dr.max_ejection_percent = 100;
  CHECK(OutlierDetectionConfig(dr).max_ejection_percent() == 100);
}

TEST_CASE("max_ejection_time is max(300 s, baseEjectionTime) (DetectorConfig)") {
  OutlierDetectionSettings dr;
  dr.base_ejection_time = 400_s;
  CHECK(OutlierDetectionConfig(dr).max_ejection_time() == 400_s);
  dr.base_ejection_time = 5_s;
  CHECK(OutlierDetectionConfig(dr).max_ejection_time() == 300_s);
}

TEST_CASE(
    "Local-origin threshold: passed through only in split mode and when > 0, else Envoy's "
    "5 at 100 %; consecutiveErrors (deprecated) is ignored") {
  OutlierDetectionSettings dr;
  dr.consecutive_local_origin_failures = 7;
  dr.consecutive_errors = 1;
  CHECK(OutlierDetectionConfig(dr).consecutive_local_origin_failure() == 5);
  CHECK(OutlierDetectionConfig(dr).consecutive_5xx() == 5);
  dr.split_external_local_origin_errors = true;
  CHECK(OutlierDetectionConfig(dr).consecutive_local_origin_failure() == 7);
  dr.consecutive_local_origin_failures = 0;
  CHECK(OutlierDetectionConfig(dr).consecutive_local_origin_failure() == 5);
  CHECK(OutlierDetectionConfig(dr).enforcing_consecutive_local_origin_failure() == 100);
}

TEST_CASE("minHealthPercent becomes healthy_panic_threshold") {
  OutlierDetectionSettings dr;
  dr.min_health_percent = 30;
  CHECK(OutlierDetectionConfig(dr).healthy_panic_threshold() == 30);
}

// --- max ejection percent ---------------------------------------------------------------------

TEST_CASE(
    "At the default maxEjectionPercent a cluster with fewer than 10 endpoints never ejects: "
    "eject only if 100*(ejected+1)/total <= max (ejectHost, Envoy PR #27909)") {
  Stream rng(1, "test", "outlier");
  for (uint32_t hosts = 1; hosts < 10; ++hosts) {
    OutlierDetector d{OutlierDetectionConfig{}, hosts};
    CHECK_FALSE(report_n(d, 0, UpstreamResult::response(500), 50, 0_s, rng));
    CHECK(d.ejections_active() == 0);
    CHECK(d.stats().ejections_detected_consecutive_5xx == 10);  // every 5th error is detected
    CHECK(d.stats().ejections_overflow == 10);
  }
}

TEST_CASE("With 10 endpoints exactly one may be ejected at the default 10 %") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{}, 10};
  CHECK(report_n(d, 0, UpstreamResult::response(500), 5, 0_s, rng));
  CHECK_FALSE(report_n(d, 1, UpstreamResult::response(500), 5, 0_s, rng));  // 20 % > 10 %
  CHECK(d.ejections_active() == 1);
  CHECK(d.stats().ejections_overflow == 1);
}

TEST_CASE(
    "A 503 streak also fires the gateway detector, so at 9 hosts five 503s count two "
    "overflows (putHttpResponseCode; the gateway check runs first)") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{}, 9};
  report_n(d, 0, UpstreamResult::response(503), 5, 0_s, rng);
  CHECK(d.stats().ejections_detected_consecutive_gateway_failure == 1);
  CHECK(d.stats().ejections_detected_consecutive_5xx == 1);
  CHECK(d.stats().ejections_overflow == 2);
}

TEST_CASE(
    "maxEjectionPercent 100 allows ejecting every host; with minHealthPercent 0 there is "
    "no panic, so the caller answers 503 UH") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{all_may_be_ejected()}, 3};
  for (uint32_t h = 0; h < 3; ++h)
    CHECK(report_n(d, h, UpstreamResult::response(500), 5, 0_s, rng));
  CHECK(d.ejections_active() == 3);
  CHECK(d.healthy_hosts() == 0);
  CHECK_FALSE(panic(d.healthy_hosts(), d.num_hosts(), d.config().healthy_panic_threshold()));
}

TEST_CASE("EDS membership: a removed host no longer counts towards the max-ejection total and its "
          "results are ignored; one that comes back starts afresh (Envoy makes a new host monitor)") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{}, 10};
  d.remove_host(9);
  CHECK(d.num_hosts() == 9);
  CHECK_FALSE(report_n(d, 0, UpstreamResult::response(500), 5, 0_s, rng));  // 1/9 > 10 %
  CHECK_FALSE(d.report(9, UpstreamResult::response(500), 0_s, rng));
  CHECK(d.host(9).consecutive_5xx == 0);
  d.add_host(9);
  CHECK(d.num_hosts() == 10);
  CHECK(report_n(d, 0, UpstreamResult::response(500), 5, 0_s, rng));  // 1/10 again
  // An ejected host that leaves takes its ejection with it.
  d.remove_host(0);
  CHECK(d.ejections_active() == 0);
  d.add_host(0);
  CHECK_FALSE(d.ejected(0));
  CHECK(d.host(0).num_ejections == 0);
}

// --- consecutive counters ---------------------------------------------------------------------

TEST_CASE(
    "Ejection is immediate when the counter reaches exactly N, with no interval tick "
    "(putHttpResponseCode `++consecutive_5xx_ == N`)") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{all_may_be_ejected()}, 2};
  CHECK_FALSE(report_n(d, 0, UpstreamResult::response(500), 4, 1_s, rng));
  CHECK(d.report(0, UpstreamResult::response(500), 1_s, rng));
  CHECK(d.ejected(0));
  CHECK(d.host(0).last_ejection_time == 1_s);
  CHECK(d.stats().ejections_enforced_consecutive_5xx == 1);
  CHECK(d.stats().ejections_enforced_total == 1);
}

TEST_CASE("A success in between resets the streak (non-5xx resets both counters)") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{all_may_be_ejected()}, 2};
  report_n(d, 0, UpstreamResult::response(500), 4, 0_s, rng);
  CHECK_FALSE(d.report(0, UpstreamResult::response(200), 0_s, rng));
  CHECK_FALSE(report_n(d, 0, UpstreamResult::response(500), 4, 0_s, rng));
  CHECK_FALSE(d.ejected(0));
  CHECK(d.report(0, UpstreamResult::response(500), 0_s, rng));
  // 4xx are successes to the detector.
  report_n(d, 1, UpstreamResult::response(503), 4, 0_s, rng);
  d.report(1, UpstreamResult::response(404), 0_s, rng);
  CHECK(d.host(1).consecutive_5xx == 0);
  CHECK(d.host(1).consecutive_gateway_failure == 0);
}

TEST_CASE(
    "The counter resets after a detection even when the ejection was refused "
    "(onConsecutiveErrorWorker resets after ejectHost)") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{}, 9};  // every ejection refused
  report_n(d, 0, UpstreamResult::response(500), 5, 0_s, rng);
  CHECK(d.host(0).consecutive_5xx == 0);
  report_n(d, 0, UpstreamResult::response(500), 4, 0_s, rng);
  CHECK(d.stats().ejections_detected_consecutive_5xx == 1);
  d.report(0, UpstreamResult::response(500), 0_s, rng);
  CHECK(d.stats().ejections_detected_consecutive_5xx == 2);
}

TEST_CASE(
    "Gateway errors are not enforced unless consecutiveGatewayErrors is set "
    "(Envoy enforcing_consecutive_gateway_failure defaults to 0)") {
  Stream rng(1, "test", "outlier");
  OutlierDetectionSettings dr = all_may_be_ejected();
  dr.consecutive_5xx_errors = 0;  // isolate the gateway detector
  {
    OutlierDetector d{OutlierDetectionConfig{dr}, 2};
    CHECK_FALSE(report_n(d, 0, UpstreamResult::response(503), 20, 0_s, rng));
    CHECK(d.stats().ejections_detected_consecutive_gateway_failure == 4);
    CHECK(d.stats().ejections_enforced_consecutive_gateway_failure == 0);
  }
  dr.consecutive_gateway_errors = 3;
  {
    OutlierDetector d{OutlierDetectionConfig{dr}, 2};
    CHECK_FALSE(report_n(d, 0, UpstreamResult::response(502), 2, 0_s, rng));
    CHECK(d.report(0, UpstreamResult::response(504), 0_s, rng));
    CHECK(d.stats().ejections_enforced_consecutive_gateway_failure == 1);
    // A non-gateway 5xx resets the gateway streak only.
    report_n(d, 1, UpstreamResult::response(503), 2, 0_s, rng);
    d.report(1, UpstreamResult::response(500), 0_s, rng);
    CHECK(d.host(1).consecutive_gateway_failure == 0);
    CHECK(d.host(1).consecutive_5xx == 3);
    CHECK_FALSE(report_n(d, 1, UpstreamResult::response(503), 2, 0_s, rng));
  }
}

TEST_CASE(
    "With the default consecutive5xxErrors, gateway errors still eject, through the 5xx "
    "detector") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{all_may_be_ejected()}, 2};
  CHECK(report_n(d, 0, UpstreamResult::response(503), 5, 0_s, rng));
  CHECK(d.stats().ejections_detected_consecutive_gateway_failure == 1);
  CHECK(d.stats().ejections_enforced_consecutive_gateway_failure == 0);
  CHECK(d.stats().ejections_enforced_consecutive_5xx == 1);
}

TEST_CASE(
    "When the gateway detector ejects first, the simultaneous 5xx detection is ignored and "
    "its counter is NOT reset (onConsecutiveErrorWorker returns early for ejected hosts)") {
  Stream rng(1, "test", "outlier");
  OutlierDetectionSettings dr = all_may_be_ejected();
  dr.consecutive_gateway_errors = 5;
  OutlierDetector d{OutlierDetectionConfig{dr}, 2};
  CHECK(report_n(d, 0, UpstreamResult::response(503), 5, 0_s, rng));
  CHECK(d.stats().ejections_enforced_consecutive_gateway_failure == 1);
  CHECK(d.stats().ejections_detected_consecutive_5xx == 0);
  CHECK(d.host(0).consecutive_5xx == 5);
  // More errors from in-flight requests run the counter past 5; nothing fires again.
  report_n(d, 0, UpstreamResult::response(500), 3, 0_s, rng);
  CHECK(d.host(0).consecutive_5xx == 8);
  CHECK(d.stats().ejections_detected_consecutive_5xx == 0);
  // Unejection resets every counter (unejectHost).
  tick_until_unejected(d, 0, 10_s);
  CHECK(d.host(0).consecutive_5xx == 0);
}

TEST_CASE(
    "Non-split mode: a reset or connect failure counts as 503 and a request timeout as 504 "
    "(putResultNoLocalExternalSplit; router.cc onUpstreamReset / onPerTryTimeout)") {
  Stream rng(1, "test", "outlier");
  OutlierDetectionSettings dr = all_may_be_ejected();
  dr.consecutive_5xx_errors = 0;
  dr.consecutive_gateway_errors = 4;
  OutlierDetector d{OutlierDetectionConfig{dr}, 2};
  d.report(0, UpstreamResult::reset(), 0_s, rng);
  d.report(0, UpstreamResult::timeout(), 0_s, rng);
  CHECK(d.host(0).consecutive_gateway_failure == 2);
  d.report(0, UpstreamResult::reset(), 0_s, rng);
  CHECK(d.report(0, UpstreamResult::timeout(), 0_s, rng));
}

TEST_CASE(
    "Split mode: local-origin failures feed only their own counter, and HTTP 5xx still feed "
    "the 5xx counter (putResultWithLocalExternalSplit)") {
  Stream rng(1, "test", "outlier");
  OutlierDetectionSettings dr = all_may_be_ejected();
  dr.split_external_local_origin_errors = true;
  OutlierDetector d{OutlierDetectionConfig{dr}, 2};
  report_n(d, 0, UpstreamResult::reset(), 4, 0_s, rng);
  CHECK(d.host(0).consecutive_local_origin_failure == 4);
  CHECK(d.host(0).consecutive_5xx == 0);
  report_n(d, 0, UpstreamResult::response(503), 4, 0_s, rng);
  CHECK(d.host(0).consecutive_5xx == 4);
  CHECK(d.host(0).consecutive_local_origin_failure == 4);
  CHECK(d.report(0, UpstreamResult::timeout(), 0_s, rng));  // Envoy's default 5, enforced
  CHECK(d.stats().ejections_enforced_consecutive_local_origin_failure == 1);
}

TEST_CASE("Istio's enforcing percentages are 0 or 100, so no random draw is ever taken") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{all_may_be_ejected()}, 4};
  report_n(d, 0, UpstreamResult::response(503), 50, 0_s, rng);
  CHECK(rng.draws() == 0);
}

// --- ejection time ----------------------------------------------------------------------------

TEST_CASE(
    "Unejection is quantised to interval ticks (checkHostForUneject runs only in "
    "onIntervalTimer)") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{all_may_be_ejected()}, 1};
  report_n(d, 0, UpstreamResult::response(500), 5, 3_s, rng);  // ejected at t = 3 s
  CHECK(d.on_interval(30_s) == 0);                             // 27 s < 30 s
  CHECK(d.ejected(0));
  CHECK(d.on_interval(40_s) == 1);  // back after 37 s
  CHECK(d.host(0).last_unejection_time == 40_s);
}

TEST_CASE(
    "Repeated ejections last 1x, 2x, 3x ... base, capped at max_ejection_time; b stops one "
    "step past the cap (ejectHost: b++ while b*base < max + base)") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{all_may_be_ejected()}, 1};
  Time now = 0_s;  // a tick time; each re-ejection happens right after the tick that unejected
  for (int64_t k = 1; k <= 13; ++k) {
    REQUIRE(report_n(d, 0, UpstreamResult::response(500), 5, now, rng));
    const Time back = tick_until_unejected(d, 0, now + 10_s);
    INFO("ejection " << k);
    CHECK(back - now == std::min(30_s * k, 300_s));
    CHECK(d.host(0).eject_time_backoff == std::min<uint32_t>(static_cast<uint32_t>(k), 11u));
    now = back;
  }
}

TEST_CASE(
    "While healthy, b drops by one per tick once the host has been back a full interval "
    "(onIntervalTimer)") {
  Stream rng(1, "test", "outlier");
  OutlierDetector d{OutlierDetectionConfig{all_may_be_ejected()}, 2};
  Time now = 0_s;
  for (int k = 0; k < 3; ++k) {  // b = 3
    report_n(d, 0, UpstreamResult::response(500), 5, now, rng);
    now = tick_until_unejected(d, 0, now + 10_s);
  }
  REQUIRE(now == 180_s);                       // 30 + 60 + 90
  REQUIRE(d.host(0).eject_time_backoff == 3);  // the tick that returned it left b alone
  d.on_interval(190_s);
  CHECK(d.host(0).eject_time_backoff == 2);
  d.on_interval(200_s);
  CHECK(d.host(0).eject_time_backoff == 1);
  d.on_interval(210_s);
  CHECK(d.host(0).eject_time_backoff == 0);
  d.on_interval(220_s);
  CHECK(d.host(0).eject_time_backoff == 0);
  CHECK(d.host(1).eject_time_backoff == 0);  // never ejected, never touched
  // The next ejection is back to one base time.
  report_n(d, 0, UpstreamResult::response(500), 5, 220_s, rng);
  CHECK(tick_until_unejected(d, 0, 230_s) == 250_s);
}

// --- panic ------------------------------------------------------------------------------------

TEST_CASE(
    "Panic when healthy% < threshold; threshold 0 never panics; an empty set is 0 % "
    "healthy (isHostSetInPanic)") {
  CHECK(panic(1, 3, 50));
  CHECK_FALSE(panic(2, 4, 50));  // 50 % is not below 50 %
  CHECK_FALSE(panic(0, 3, 0));
  CHECK(panic(0, 0, 50));
  CHECK_FALSE(panic(0, 0, 0));
  CHECK(panic(99, 100, 250));  // capped at 100
}
