// Envoy's per-request retry decision (envoy source/common/router/retry_state_impl.cc
// wouldRetryFromHeaders / wouldRetryFromReset / shouldRetry, driven by router.cc), the retry
// circuit breaker (source/common/upstream/resource_manager_impl.h RetryBudgetImpl) and the hosts
// a request attempted (previous_hosts.cc), with Istio's policies.  The re-pick loop over those
// hosts (load_balancer_impl.cc chooseHost) is tested in load_balancer_test.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "policies/response_flags.h"
#include "policies/retry_policy.h"
#include "policies/local_reply.h"
#include "policies/retry_state.h"
#include "simcore/rng.h"
#include "simcore/time.h"

using namespace meshsim::policies;
using meshsim::simcore::Stream;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {

using R = ResetReason;

// A response from an upstream Envoy that set x-envoy-ratelimited (nothing in the mesh sends one
// yet; the retryOn token envoy-ratelimited is still Istio config a user can write).
AttemptOutcome ratelimited(uint16_t status) {
  AttemptOutcome o = AttemptOutcome::response(status);
  o.envoy_ratelimited = true;
  return o;
}

RetryPolicy policy_with(uint32_t retry_on, uint32_t num_retries = 2) {
  RetryPolicy p;
  p.retry_on = retry_on;
  p.num_retries = num_retries;
  p.retriable_status_codes = {503};
  return p;
}

uint32_t all_tokens() {
  uint32_t bits = 0;
  for (const auto& t : kRetryOnTokens) bits |= t.bit;
  return bits;
}

// A cluster whose retry circuit breaker never trips (Istio's default thresholds).
RetryCircuitBreaker open_breaker() {
  RetryCircuitBreaker b;
  b.config.max_retries = kIstioDefaultMaxRetries;
  return b;
}

constexpr uint32_t k5xx = kRetryOn5xx;
constexpr uint32_t kGw = kRetryOnGatewayError;
constexpr uint32_t kReset = kRetryOnReset;
constexpr uint32_t kRbr = kRetryOnResetBeforeRequest;
constexpr uint32_t kCf = kRetryOnConnectFailure;
constexpr uint32_t kRs = kRetryOnRefusedStream;
constexpr uint32_t kResets = k5xx | kGw | kReset;  // what any retriable reset is retried under

}  // namespace

TEST_CASE(
    "Truth table: every retryOn token against every attempt outcome "
    "(retry_state_impl.cc wouldRetryFromHeaders/wouldRetryFromReset; policy codes [503])") {
  // Each row: an outcome and the set of tokens that retry it.  Every token is then checked alone.
  auto [name, outcome, retried_by] = GENERATE(table<std::string_view, AttemptOutcome, uint32_t>({
      {"200", AttemptOutcome::response(200), 0},
      {"404", AttemptOutcome::response(404), 0},
      {"409", AttemptOutcome::response(409), kRetryOnRetriable4xx},
      {"429", AttemptOutcome::response(429), 0},
      {"500", AttemptOutcome::response(500), k5xx},
      {"501", AttemptOutcome::response(501), k5xx},
      {"502", AttemptOutcome::response(502), k5xx | kGw},
      {"503", AttemptOutcome::response(503), k5xx | kGw | kRetryOnRetriableStatusCodes},
      {"504", AttemptOutcome::response(504), k5xx | kGw},
      {"599", AttemptOutcome::response(599), k5xx},
      {"grpc 1 cancelled", AttemptOutcome::response(200, 1), kRetryOnGrpcCancelled},
      {"grpc 4 deadline", AttemptOutcome::response(200, 4), kRetryOnGrpcDeadlineExceeded},
      {"grpc 8 exhausted", AttemptOutcome::response(200, 8), kRetryOnGrpcResourceExhausted},
      {"grpc 13 internal", AttemptOutcome::response(200, 13), kRetryOnGrpcInternal},
      {"grpc 14 unavailable", AttemptOutcome::response(200, 14), kRetryOnGrpcUnavailable},
      {"grpc 2 unknown", AttemptOutcome::response(200, 2), 0},
      {"grpc 0 ok", AttemptOutcome::response(200, 0), 0},
      {"503 + grpc 14", AttemptOutcome::response(503, 14),
       k5xx | kGw | kRetryOnRetriableStatusCodes | kRetryOnGrpcUnavailable},
      // x-envoy-ratelimited overrides every status check.
      {"429 ratelimited", ratelimited(429), kRetryOnEnvoyRateLimited},
      {"503 ratelimited", ratelimited(503), kRetryOnEnvoyRateLimited},
      {"connect failure", AttemptOutcome::reset(R::ConnectFailure), kResets | kCf | kRbr},
      {"refused stream", AttemptOutcome::reset(R::RefusedStream), kResets | kRs},
      {"refused stream, nothing sent", AttemptOutcome::reset(R::RefusedStream, false),
       kResets | kRs | kRbr},
      {"reset before request", AttemptOutcome::reset(R::ResetBeforeRequestSent), kResets | kRbr},
      {"reset after request", AttemptOutcome::reset(R::ResetAfterRequestSent), kResets},
      {"per-try timeout", AttemptOutcome::reset(R::PerTryTimeout), kResets},
      {"overflow", AttemptOutcome::reset(R::Overflow), 0},
      {"no healthy upstream", AttemptOutcome::reset(R::NoHealthyUpstream), 0},
      {"global timeout", AttemptOutcome::reset(R::GlobalTimeout), 0},
      {"fault abort", AttemptOutcome::reset(R::FaultAbort), 0},
  }));
  for (const auto& token : kRetryOnTokens) {
    INFO("outcome " << name << ", retryOn " << token.name);
    CHECK(would_retry(policy_with(token.bit), outcome) == ((retried_by & token.bit) != 0));
  }
  // And all tokens together retry exactly the rows some token retries.
  INFO("outcome " << name << ", every token");
  CHECK(would_retry(policy_with(all_tokens()), outcome) == (retried_by != 0));
}

TEST_CASE(
    "A perTryTimeout alone does not retry under Istio's default retryOn: 504 UT at once "
    "(default retry_on has no 5xx/gateway-error/reset; maintainer advice istio/istio#17613)") {
  IstioHttpRetry in;
  in.attempts = 3;
  in.per_try_timeout = 1_s;
  const RetryPolicy p = retry_policy_from_istio(in);
  RetryState state = RetryState::start(p);
  RetryCircuitBreaker breaker = open_breaker();
  Stream stream(1, "retry_state_test", "per-try");
  Time backoff = Time::zero();
  const RetryStatus status =
      should_retry(state, p, AttemptOutcome::reset(R::PerTryTimeout), breaker, stream, backoff);
  CHECK(status == RetryStatus::No);
  CHECK(response_flag(status) == kNone);
  const LocalReplySpec reply = local_reply(local_reply_for(R::PerTryTimeout));
  CHECK(reply.status == 504);
  CHECK(response_flags_string(reply.flag | response_flag(status)) == "UT");

  // Adding gateway-error (or 5xx, or reset) makes it retriable.
  auto token = GENERATE(as<std::string>{}, "gateway-error", "5xx", "reset");
  IstioHttpRetry fixed = in;
  fixed.retry_on = "connect-failure,refused-stream," + token;
  CHECK(would_retry(retry_policy_from_istio(fixed), AttemptOutcome::reset(R::PerTryTimeout)));
}

TEST_CASE(
    "Overflow, no healthy upstream, global timeouts and fault aborts are never retried, "
    "whatever retryOn says (wouldRetryFromReset; router.cc; fault filter runs first)") {
  auto reason = GENERATE(R::Overflow, R::NoHealthyUpstream, R::GlobalTimeout, R::FaultAbort);
  const RetryPolicy p = policy_with(all_tokens(), 5);
  RetryState state = RetryState::start(p);
  RetryCircuitBreaker breaker = open_breaker();
  Stream stream(2, "retry_state_test", "never");
  Time backoff = 7_ms;
  for (bool sent : {false, true}) {
    INFO("request_sent " << sent);
    const auto outcome = AttemptOutcome::reset(reason, sent);
    CHECK_FALSE(would_retry(p, outcome));
    CHECK(should_retry(state, p, outcome, breaker, stream, backoff) == RetryStatus::No);
  }
  CHECK(state.retries_remaining == 5);  // not a retry attempt: nothing consumed
  CHECK(backoff == 7_ms);               // untouched
  CHECK(breaker.retries_open == 0);
}

TEST_CASE(
    "A 503 response is retried by Istio's default policy only up to 1.23 "
    "(retry.go: RetriableStatusCodes [503] until EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY)") {
  auto [version, retried] = GENERATE(table<std::string_view, bool>(
      {{"1.21", true}, {"1.23", true}, {"1.24", false}, {"1.27", false}, {"1.31", false}}));
  INFO("Istio " << version);
  const RetryPolicy p = istio_default_retry_policy(*IstioVersion::parse(version));
  CHECK(would_retry(p, AttemptOutcome::response(503)) == retried);
  CHECK_FALSE(would_retry(p, AttemptOutcome::response(502)));
  CHECK_FALSE(would_retry(p, AttemptOutcome::response(500)));
  // What the default does retry, in every version:
  CHECK(would_retry(p, AttemptOutcome::reset(R::ConnectFailure)));
  CHECK(would_retry(p, AttemptOutcome::reset(R::RefusedStream)));
  CHECK(would_retry(p, AttemptOutcome::response(200, kGrpcUnavailable)));
  CHECK(would_retry(p, AttemptOutcome::response(200, kGrpcCancelled)));
  CHECK_FALSE(would_retry(p, AttemptOutcome::response(200, kGrpcDeadlineExceeded)));
  CHECK_FALSE(would_retry(p, AttemptOutcome::reset(R::ResetAfterRequestSent)));
  CHECK_FALSE(would_retry(p, AttemptOutcome::reset(R::PerTryTimeout)));
}

TEST_CASE(
    "Integer codes in retryOn retry exactly those responses; a locally generated 503 (a "
    "reset) does not match a status list (retry.go parseRetryOn; wouldRetryFromReset)") {
  IstioHttpRetry in;
  in.attempts = 2;
  in.retry_on = "429,503";
  const RetryPolicy p = retry_policy_from_istio(in);
  CHECK(would_retry(p, AttemptOutcome::response(503)));
  CHECK(would_retry(p, AttemptOutcome::response(429)));
  CHECK_FALSE(would_retry(p, AttemptOutcome::response(500)));
  CHECK_FALSE(would_retry(p, AttemptOutcome::reset(R::ResetAfterRequestSent)));
  CHECK_FALSE(would_retry(p, AttemptOutcome::reset(R::ConnectFailure)));  // no connect-failure

  // retriable-status-codes with no codes listed retries nothing.
  in.retry_on = "retriable-status-codes";
  CHECK_FALSE(would_retry(retry_policy_from_istio(in), AttemptOutcome::response(503)));
}

TEST_CASE(
    "attempts: 0 disables retries: a connect failure is final and carries no URX "
    "(retry.go returns nil; Envoy creates no retry state)") {
  IstioHttpRetry in;
  in.attempts = 0;
  const RetryPolicy p = retry_policy_from_istio(in);
  RetryState state = RetryState::start(p);
  RetryCircuitBreaker breaker = open_breaker();
  Stream stream(3, "retry_state_test", "disabled");
  Time backoff = Time::zero();
  const RetryStatus s =
      should_retry(state, p, AttemptOutcome::reset(R::ConnectFailure), breaker, stream, backoff);
  CHECK(s == RetryStatus::No);
  CHECK(response_flags_string(local_reply(local_reply_for(R::ConnectFailure)).flag | response_flag(s)) == "UF");
}

TEST_CASE(
    "Retries stop at num_retries: the next retriable failure returns NoRetryLimitExceeded "
    "and the reply carries URX, e.g. UF,URX (shouldRetry; router.cc maybeRetryReset)") {
  const RetryPolicy p = istio_default_retry_policy();  // 2 retries
  RetryState state = RetryState::start(p);
  RetryCircuitBreaker breaker = open_breaker();
  Stream stream(4, "retry_state_test", "limit");
  Time backoff = Time::zero();
  const auto failure = AttemptOutcome::reset(R::ConnectFailure);

  CHECK(should_retry(state, p, failure, breaker, stream, backoff) == RetryStatus::Yes);
  CHECK(backoff < 25_ms);
  CHECK(should_retry(state, p, failure, breaker, stream, backoff) == RetryStatus::Yes);
  CHECK(backoff < 50_ms);
  CHECK(state.retries_remaining == 0);
  CHECK(state.retries_granted == 2);
  const RetryStatus last = should_retry(state, p, failure, breaker, stream, backoff);
  CHECK(last == RetryStatus::NoRetryLimitExceeded);
  CHECK(response_flag(last) == kUpstreamRetryLimitExceeded);
  CHECK(response_flags_string(local_reply(local_reply_for(R::ConnectFailure)).flag | response_flag(last)) ==
        "UF,URX");
  CHECK(breaker.retries_open == 0);  // the last retry's slot went back when its outcome came in

  // A retriable *response* past the limit is passed downstream with URX (onUpstreamHeaders).
  RetryState s2 = RetryState::start(policy_with(k5xx, 0));
  CHECK(should_retry(s2, policy_with(k5xx, 0), AttemptOutcome::response(503), breaker, stream,
                     backoff) == RetryStatus::NoRetryLimitExceeded);
}

TEST_CASE(
    "A full retry circuit breaker returns NoOverflow (flag UO) and still uses up a retry "
    "(shouldRetry decrements before retries().canCreate())") {
  const RetryPolicy p = policy_with(kCf, 3);
  RetryCircuitBreaker breaker;
  breaker.config.max_retries = 1;
  Stream stream(5, "retry_state_test", "overflow");
  Time backoff = Time::zero();

  RetryState a = RetryState::start(p);
  RetryState b = RetryState::start(p);
  const auto failure = AttemptOutcome::reset(R::ConnectFailure);
  CHECK(should_retry(a, p, failure, breaker, stream, backoff) == RetryStatus::Yes);
  CHECK(breaker.retries_open == 1);
  const RetryStatus sb = should_retry(b, p, failure, breaker, stream, backoff);
  CHECK(sb == RetryStatus::NoOverflow);
  CHECK(b.retries_remaining == 2);
  CHECK_FALSE(b.holds_retry_slot);
  CHECK(response_flags_string(local_reply(local_reply_for(R::ConnectFailure)).flag | response_flag(sb)) == "UF,UO");

  // Once a's retried attempt is decided (here: it succeeds), the slot is free again.
  CHECK(should_retry(a, p, AttemptOutcome::response(200), breaker, stream, backoff) ==
        RetryStatus::No);
  CHECK(breaker.retries_open == 0);
  CHECK(should_retry(b, p, failure, breaker, stream, backoff) == RetryStatus::Yes);
}

TEST_CASE(
    "A granted retry holds one slot through its back-off and attempt; release() gives it "
    "back when the request ends another way (RetryStateImpl::resetRetry, ~RetryStateImpl)") {
  const RetryPolicy p = policy_with(kCf, 2);
  RetryCircuitBreaker breaker = open_breaker();
  RetryState state = RetryState::start(p);
  Stream stream(6, "retry_state_test", "slot");
  Time backoff = Time::zero();
  REQUIRE(should_retry(state, p, AttemptOutcome::reset(R::ConnectFailure), breaker, stream,
                       backoff) == RetryStatus::Yes);
  CHECK(state.holds_retry_slot);
  CHECK(breaker.retries_open == 1);
  // The request hits its global timeout while the retry is in flight.
  release(state, breaker);
  CHECK(breaker.retries_open == 0);
  CHECK_FALSE(state.holds_retry_slot);
  release(state, breaker);  // idempotent
  CHECK(breaker.retries_open == 0);
}

TEST_CASE(
    "Retry budget: allowed = max(floor(percent/100 x (active + pending)), "
    "min_retry_concurrency), replacing max_retries (resource_manager_impl.h RetryBudgetImpl)") {
  auto [percent, min_conc, active, pending, allowed] =
      GENERATE(table<double, uint32_t, uint64_t, uint64_t, uint64_t>({
          {20.0, 3, 0, 0, 3},
          {20.0, 3, 10, 0, 3},  // 2 < 3
          {20.0, 3, 14, 0, 3},  // 2.8 -> 2 < 3
          {20.0, 3, 16, 4, 4},  // pending counts too
          {20.0, 3, 24, 0, 4},  // 4.8 truncates to 4
          {20.0, 3, 100, 0, 20},
          {20.0, 3, 101, 4, 21},
          {50.0, 0, 7, 0, 3},  // 3.5 -> 3
          {100.0, 1, 0, 0, 1},
          {0.0, 5, 1000, 0, 5},
      }));
  RetryCircuitBreaker b;
  b.config.max_retries = 0;  // ignored once a budget is configured
  b.config.retry_budget = RetryBudget{percent, min_conc};
  b.requests_active = active;
  b.requests_pending = pending;
  INFO(percent << "% of " << active << "+" << pending << ", min " << min_conc);
  CHECK(b.max() == allowed);
  b.retries_open = allowed - 1;
  CHECK(b.can_create());
  b.retries_open = allowed;
  CHECK_FALSE(b.can_create());
}

TEST_CASE(
    "Without a budget the retry breaker is max_retries concurrent retries; Envoy's default "
    "is 3, Istio writes 2^32-1 (resource_manager_impl.h; cluster_traffic_policy.go)") {
  RetryCircuitBreaker b;
  CHECK(b.max() == 3);
  b.requests_active = 1000;  // irrelevant without a budget
  CHECK(b.max() == 3);
  b.config.retry_budget = RetryBudget{};  // defaults 20 % / 3
  CHECK(b.max() == 200);
  CHECK(open_breaker().max() == kIstioDefaultMaxRetries);
}

TEST_CASE(
    "Istio's default retryBudget percent: 0.2 % (its 0.2 on Envoy's 0-100 scale) until 1.30, "
    "then the documented 20 % (istio/istio#59504, #59505)") {
  CHECK(istio_retry_budget_default_percent(*IstioVersion::parse("1.27")) == 0.2);
  CHECK(istio_retry_budget_default_percent(*IstioVersion::parse("1.29.2")) == 0.2);
  CHECK(istio_retry_budget_default_percent(*IstioVersion::parse("1.30.0")) == 20.0);
  CHECK(istio_retry_budget_default_percent(IstioVersion::current()) == 20.0);
  // What it means: a DR with only minRetryConcurrency: 3, at 100 active requests, allows 3
  // concurrent retries before the fix (0.2 % of 100 truncates to 0) and 20 after it.
  RetryCircuitBreaker before, after;
  before.config.retry_budget = RetryBudget{istio_retry_budget_default_percent({1, 29}), 3};
  after.config.retry_budget = RetryBudget{istio_retry_budget_default_percent({1, 30}), 3};
  before.requests_active = after.requests_active = 100;
  CHECK(before.max() == 3);
  CHECK(after.max() == 20);
  before.requests_active = 1500;  // 0.2 % of 1500 = 3: the budget first matters here
  before.requests_pending = 500;
  CHECK(before.max() == 4);
}

TEST_CASE(
    "reset-before-request: once a reset attempt of the request had sent bytes, later resets "
    "are no longer 'before request' (router.cc maybeRetryReset: upstream_request_started_ |=)") {
  const RetryPolicy p = policy_with(kRbr | kRs | kRetryOnRetriableStatusCodes, 5);
  Stream stream(8, "retry_state_test", "sticky");
  Time backoff = Time::zero();
  RetryCircuitBreaker breaker = open_breaker();

  SECTION("after a refused stream (headers had gone out)") {
    RetryState state = RetryState::start(p);
    CHECK(should_retry(state, p, AttemptOutcome::reset(R::RefusedStream), breaker, stream,
                       backoff) == RetryStatus::Yes);
    CHECK(state.upstream_request_started);
    CHECK(should_retry(state, p, AttemptOutcome::reset(R::ResetBeforeRequestSent), breaker, stream,
                       backoff) == RetryStatus::No);
  }
  SECTION("a fresh request retries the same reset") {
    RetryState state = RetryState::start(p);
    CHECK(should_retry(state, p, AttemptOutcome::reset(R::ResetBeforeRequestSent), breaker, stream,
                       backoff) == RetryStatus::Yes);
  }
  SECTION("responses do not set the flag (only the reset path updates it)") {
    RetryState state = RetryState::start(p);
    CHECK(should_retry(state, p, AttemptOutcome::response(503), breaker, stream, backoff) ==
          RetryStatus::Yes);
    CHECK_FALSE(state.upstream_request_started);
    CHECK(should_retry(state, p, AttemptOutcome::reset(R::ResetBeforeRequestSent), breaker, stream,
                       backoff) == RetryStatus::Yes);
  }
}

TEST_CASE(
    "Each granted retry draws its back-off from the request's own progression: [0,25) "
    "then [0,50) ms (retry_state_impl.cc enableBackoffTimer)") {
  const RetryPolicy p = policy_with(kCf, 4);
  RetryCircuitBreaker breaker = open_breaker();
  Stream stream(9, "retry_state_test", "backoff");
  for (int request = 0; request < 200; ++request) {
    RetryState state = RetryState::start(p);
    Time backoff = Time::zero();
    for (int64_t window : {25, 50, 100, 200}) {
      REQUIRE(should_retry(state, p, AttemptOutcome::reset(R::ConnectFailure), breaker, stream,
                           backoff) == RetryStatus::Yes);
      CHECK(backoff >= Time::zero());
      CHECK(backoff < Time::from_ms(window));
    }
    release(state, breaker);
  }
  CHECK(breaker.retries_open == 0);
}

TEST_CASE(
    "Local replies for final resets (router.cc onUpstreamReset / onPerTryTimeoutCommon / "
    "onResponseTimeout; fault_filter.cc)") {
  auto [reason, status, flags] = GENERATE(table<ResetReason, uint16_t, std::string_view>({
      {R::ConnectFailure, 503, "UF"},
      {R::RefusedStream, 503, "UR"},
      {R::ResetBeforeRequestSent, 503, "UC"},
      {R::ResetAfterRequestSent, 503, "UR"},
      {R::Overflow, 503, "UO"},
      {R::NoHealthyUpstream, 503, "UH"},
      {R::PerTryTimeout, 504, "UT"},
      {R::GlobalTimeout, 504, "UT"},
      {R::FaultAbort, 0, "FI"},
  }));
  const LocalReplySpec r = local_reply(local_reply_for(reason));
  CHECK(r.status == status);
  CHECK(response_flags_string(r.flag) == flags);
}

TEST_CASE(
    "Every attempt's host is recorded, in order, for the previous_hosts predicate; the "
    "re-pick loop over them is LoadBalancer::choose_host (router.cc onUpstreamHostSelected -> "
    "onHostAttempted)") {
  RetryState state = RetryState::start(istio_default_retry_policy());
  CHECK(state.attempted_hosts.hosts().empty());
  on_host_attempted(state, 1);
  on_host_attempted(state, 4);
  on_host_attempted(state, 1);  // the last pick may be a host already tried
  const std::vector<uint32_t> expected = {1, 4, 1};
  CHECK(std::vector<uint32_t>(state.attempted_hosts.hosts().begin(),
                              state.attempted_hosts.hosts().end()) == expected);
}

TEST_CASE(
    "The attempted-host list keeps every host, beyond its inline capacity too "
    "(previous_hosts.cc keeps all attempted hosts)") {
  AttemptedHosts hosts;
  for (uint32_t h = 100; h < 120; ++h) hosts.add(h);
  CHECK(hosts.size() == 20);
  for (uint32_t h = 100; h < 120; ++h) CHECK(hosts.contains(h));
  // One contiguous list, inline part and spill together, for the load balancer's reject span.
  REQUIRE(hosts.hosts().size() == 20);
  for (uint32_t i = 0; i < 20; ++i) CHECK(hosts.hosts()[i] == 100 + i);
  CHECK_FALSE(hosts.contains(99));
  CHECK_FALSE(hosts.contains(120));
  hosts.clear();
  CHECK_FALSE(hosts.contains(100));
  CHECK(hosts.hosts().empty());
}
