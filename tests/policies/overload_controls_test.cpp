// Overload controls against their closed forms, each number worked by hand from the source's
// formula (policies/admission_control.h, adaptive_concurrency.h, client_throttling.h; sources
// cited there and in shared/reference/chaos-and-overload.md §3).
#include <catch2/catch.hpp>

#include "policies/adaptive_concurrency.h"
#include "policies/admission_control.h"
#include "policies/client_throttling.h"
#include "policies/grpc_status.h"

namespace {

using namespace meshsim::policies;
using meshsim::simcore::Stream;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

// ---- Envoy admission control

TEST_CASE("admission control: p = (n - s / sr) / (n + 1), ^(1/aggression), capped") {
  AdmissionControlConfig c;  // sr 95 %, aggression 1, cap 80 %
  // n = 100, s = 90: (100 - 94.7368) / 101 = 0.0521105
  CHECK(admission_reject_probability(100, 90, c) == Approx(5.263158 / 101).epsilon(1e-6));
  c.aggression = 2.0;  // sqrt
  CHECK(admission_reject_probability(100, 90, c) == Approx(std::sqrt(5.263158 / 101)).epsilon(1e-6));
  c.aggression = 0.5;  // below 1 is 1
  CHECK(admission_reject_probability(100, 90, c) == Approx(5.263158 / 101).epsilon(1e-6));
  c.aggression = 1.0;
  CHECK(admission_reject_probability(100, 0, c) == 0.8);   // 100/101 capped at 80 %
  CHECK(admission_reject_probability(100, 96, c) == 0.0);  // 96 / 0.95 > 100: negative, none
  CHECK(admission_reject_probability(0, 0, c) == 0.0);
  c.success_rate_threshold = 1.0;
  CHECK(admission_reject_probability(9, 4, c) == Approx(0.5));  // (9 - 4) / 10
}

TEST_CASE("admission control: the draw keeps 4 significant figures") {
  // Reject when 10^4 p > r mod 10^4: for p = 0.0521105, r mod 10^4 in 0..521, 522 of 10^4.
  const double p = 5.263158 / 101;
  int rejected = 0;
  for (uint64_t r = 0; r < 10000; ++r) rejected += admission_rejects(p, r + 10000 * 7) ? 1 : 0;
  CHECK(rejected == 522);
  CHECK(admission_rejects(0.25, 2499));
  CHECK_FALSE(admission_rejects(0.25, 2500));
  CHECK_FALSE(admission_rejects(0.0, 0));
}

TEST_CASE("admission control: default success criteria (success_criteria_evaluator.cc)") {
  CHECK(admission_http_success(200));
  CHECK(admission_http_success(499));
  CHECK_FALSE(admission_http_success(500));
  CHECK_FALSE(admission_http_success(503));
  for (uint8_t ok : {kGrpcOk, kGrpcCancelled, kGrpcUnknown, kGrpcInvalidArgument, kGrpcNotFound,
                     kGrpcAlreadyExists, kGrpcPermissionDenied, kGrpcFailedPrecondition, kGrpcOutOfRange,
                     kGrpcUnimplemented, kGrpcUnauthenticated})
    CHECK(admission_grpc_success(ok));
  for (uint8_t bad : {kGrpcDeadlineExceeded, kGrpcResourceExhausted, kGrpcAborted, kGrpcInternal,
                      kGrpcUnavailable, kGrpcDataLoss})
    CHECK_FALSE(admission_grpc_success(bad));
}

TEST_CASE("admission control: 1 s buckets over the sampling window, and the rps threshold") {
  AdmissionWindow w(30_s);
  for (int i = 0; i < 10; ++i) w.record(500_ms, false);  // bucket from 0.5 s
  for (int i = 0; i < 5; ++i) w.record(1600_ms, true);   // a new bucket: the last is 1.1 s old
  CHECK(w.counts(Time::from_ms(30'499)).requests == 15);  // oldest bucket 29.999 s old: kept
  const auto later = w.counts(Time::from_ms(30'500));    // 30 s old: dropped
  CHECK(later.requests == 5);
  CHECK(later.successes == 5);
  CHECK(w.counts(Time::from_ms(31'600)).requests == 0);

  // rps = requests / 30 s, integer: 89 failures -> 2 rps, below a threshold of 3: no rejection.
  AdmissionControlConfig c;
  c.rps_threshold = 3;
  AdmissionWindow v(30_s);
  for (int i = 0; i < 89; ++i) v.record(Time::from_ms(100 * i), false);
  CHECK(v.average_rps(9_s) == 2);
  CHECK_FALSE(admission_should_reject(v, 9_s, c, 0));
  v.record(9_s, false);  // 90 -> 3 rps: p = 90/91 capped at 0.8
  CHECK(admission_should_reject(v, 9_s, c, 7999));
  CHECK_FALSE(admission_should_reject(v, 9_s, c, 8000));
}

// ---- Envoy adaptive concurrency (gradient controller)

TEST_CASE("adaptive concurrency: calculateNewLimit's closed form") {
  AdaptiveConcurrencyConfig c;  // buffer 25 %, min 3, max 1000
  // minRTT = sampleRTT = 10 ms: gradient 1.25, 100 -> 125 + sqrt(125) = 136.18 -> 136.
  CHECK(gradient_new_limit(10'000, 10'000, 100, c) == 136);
  // sampleRTT 10x minRTT: raw 0.125, clamped to 0.5: 50 + 7.07 -> 57.
  CHECK(gradient_new_limit(10'000, 100'000, 100, c) == 57);
  // sampleRTT far below: gradient 2: 200 + 14.14 -> 214; 900 -> 1800 + 42 capped at 1000.
  CHECK(gradient_new_limit(10'000, 1'000, 100, c) == 214);
  CHECK(gradient_new_limit(10'000, 1'000, 900, c) == 1000);
  // 3 x 0.5 = 1.5 + 1.22 = 2.72 -> 2, raised to min_concurrency 3.
  CHECK(gradient_new_limit(10'000, 100'000, 3, c) == 3);
  // No buffer and equal RTTs: gradient 1: 16 + 4 = 20.
  c.buffer = 0;
  CHECK(gradient_new_limit(5'000, 5'000, 16, c) == 20);
}

TEST_CASE("adaptive concurrency: minRTT window, then updates each interval") {
  AdaptiveConcurrencyConfig c;
  c.concurrency_update_interval = 100_ms;
  GradientController g(c, Time::zero(), Stream(1, "ac", "jitter"));
  CHECK(g.measuring_min_rtt());
  CHECK(g.limit() == 3);  // pinned to min_concurrency while measuring
  CHECK(g.forward());
  CHECK(g.forward());
  CHECK(g.forward());
  CHECK_FALSE(g.forward());  // 3 outstanding: the 4th gets a 503
  for (int i = 0; i < 3; ++i) g.complete(Time::zero(), 10_ms);
  // 47 more at 10 ms each: the 50th sample closes the window, minRTT = 10 ms.
  Time now = 10_ms;
  for (int i = 0; i < 47; ++i) {
    REQUIRE(g.forward());
    g.complete(now, now + 10_ms);
    now += 1_ms;
  }
  CHECK_FALSE(g.measuring_min_rtt());
  CHECK(g.min_rtt_us() == 10'000);
  CHECK(g.limit() == 3);  // back to the limit it had
  // The next minRTT window opens 60 s + [0, 9000) ms later; the next update 100 ms later.
  CHECK(g.next_deadline() == now - 1_ms + 10_ms + 100_ms);
  // Three updates, each seeing one request of 9 ms: sampleRTT 9 ms, gradient 12.5 / 9 = 1.3889.
  for (int i = 0; i < 3; ++i) {
    const Time t = g.next_deadline();
    REQUIRE(g.forward());
    g.complete(t - 10_ms, t - 1_ms);
    g.on_timer(t);
  }
  // With 9 ms samples: 3 x 1.3889 = 4.17 + 2.04 = 6; 6 x 1.3889 = 8.33 + 2.89 = 11; 11 x 1.3889 =
  // 15.28 + 3.91 = 19.
  CHECK(g.limit() == 19);
  CHECK(g.sample_rtt_us() == 9'000);
}

TEST_CASE("adaptive concurrency: 5 updates at the minimum measure minRTT again") {
  AdaptiveConcurrencyConfig c;
  c.min_rtt_request_count = 1;
  c.jitter = 0;
  GradientController g(c, Time::zero(), Stream(1, "ac", "jitter"));
  REQUIRE(g.forward());
  g.complete(Time::zero(), 1_ms);  // minRTT 1 ms
  REQUIRE_FALSE(g.measuring_min_rtt());
  CHECK(g.next_deadline() == 101_ms);  // 1 ms + the update interval; the minRTT timer at 60 s
  // Every update sees 100 ms (100x minRTT): gradient 0.5 keeps the limit at 3.  The window
  // reopens on the 5th update that sets 3 over 3.
  Time t = g.next_deadline();
  for (int i = 1; i <= 5; ++i) {
    REQUIRE(g.forward());
    g.complete(t - 100_ms, t);
    g.on_timer(t);
    CHECK(g.limit() == 3);
    t = g.next_deadline();
    if (i < 5) CHECK_FALSE(g.measuring_min_rtt());
  }
  CHECK(g.next_deadline() <= t);
  g.on_timer(g.next_deadline());
  CHECK(g.measuring_min_rtt());
}

// ---- gRPC retry throttling

TEST_CASE("gRPC retry throttling: tokens in thousandths, retries only above maxTokens / 2") {
  CHECK(grpc_milli_token_ratio(0.1) == 100);
  CHECK(grpc_milli_token_ratio(1.6) == 1600);
  CHECK(grpc_milli_token_ratio(0.1239) == 123);  // a 4th decimal is dropped
  GrpcRetryThrottle t(10, 0.1);                   // A6's example: throttles above ~10 % failures
  CHECK(t.milli_tokens() == 10'000);
  CHECK(t.record_failure());         // 9
  CHECK(t.record_failure());         // 8
  CHECK(t.record_failure());         // 7
  CHECK(t.record_failure());         // 6
  CHECK_FALSE(t.record_failure());   // 5: at the threshold, no retry
  t.record_success();                // 5.1
  CHECK_FALSE(t.record_failure());   // 4.1
  for (int i = 0; i < 20; ++i) t.record_success();  // 6.1
  CHECK(t.milli_tokens() == 6'100);
  CHECK(t.record_failure());         // 5.1: above 5
  for (int i = 0; i < 10; ++i) t.record_failure();
  CHECK(t.milli_tokens() == 0);      // not below 0
  for (int i = 0; i < 200; ++i) t.record_success();
  CHECK(t.milli_tokens() == 10'000);  // not above maxTokens
}

// ---- SRE adaptive throttling

TEST_CASE("SRE adaptive throttling: max(0, (requests - K accepts) / (requests + 1))") {
  CHECK(sre_reject_probability(100, 40, 2) == Approx(20.0 / 101));
  CHECK(sre_reject_probability(100, 50, 2) == 0.0);
  CHECK(sre_reject_probability(100, 10, 1.1) == Approx(89.0 / 101));
  AdaptiveThrottle t({2.0, 120_s});
  // 10 requests, none accepted: the 11th sees p = 10 / 11 = 0.909.
  for (int i = 0; i < 10; ++i) REQUIRE_FALSE(t.should_reject(Time::zero(), 0.999));
  CHECK(t.should_reject(1_s, 0.90));
  // Now 11 requests: 5 accepts make K x accepts = 10: p = 1/12.
  for (int i = 0; i < 5; ++i) t.record_accept(2_s);
  CHECK(t.should_reject(2_s, 1.0 / 12 - 1e-9));
  CHECK(t.should_reject(2_s, 0.15));         // 12 requests: p = 2/13 = 0.1538
  CHECK_FALSE(t.should_reject(2_s, 0.22));   // 13 requests: p = 3/14 = 0.2143
}

}  // namespace
