// Istio's translation of VirtualService retries into Envoy's route retry policy
// (istio/istio pilot/pkg/networking/core/route/retry/retry.go; validation in
// pkg/config/validation validateHTTPRetry) and Envoy's retry_on tokens
// (envoy source/common/router/retry_state_impl.cc parseRetryOn/parseRetryGrpcOn).
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/retry_policy.h"
#include "simcore/time.h"

using namespace meshsim::policies;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {

constexpr uint32_t kIstioDefaultRetryOn = kRetryOnConnectFailure | kRetryOnRefusedStream |
                                          kRetryOnGrpcUnavailable | kRetryOnGrpcCancelled |
                                          kRetryOnRetriableStatusCodes;

IstioHttpRetry with_attempts(int32_t attempts) {
  IstioHttpRetry r;
  r.attempts = attempts;
  return r;
}

}  // namespace

TEST_CASE(
    "Every Envoy retry_on token parses to its own bit "
    "(retry_state_impl.cc parseRetryOn + parseRetryGrpcOn over one string)") {
  auto [token, bit] = GENERATE(table<std::string_view, uint32_t>({
      {"5xx", kRetryOn5xx},
      {"gateway-error", kRetryOnGatewayError},
      {"reset", kRetryOnReset},
      {"reset-before-request", kRetryOnResetBeforeRequest},
      {"connect-failure", kRetryOnConnectFailure},
      {"envoy-ratelimited", kRetryOnEnvoyRateLimited},
      {"retriable-4xx", kRetryOnRetriable4xx},
      {"refused-stream", kRetryOnRefusedStream},
      {"retriable-status-codes", kRetryOnRetriableStatusCodes},
      {"retriable-headers", kRetryOnRetriableHeaders},
      {"http3-post-connect-failure", kRetryOnHttp3PostConnectFailure},
      {"cancelled", kRetryOnGrpcCancelled},
      {"deadline-exceeded", kRetryOnGrpcDeadlineExceeded},
      {"internal", kRetryOnGrpcInternal},
      {"resource-exhausted", kRetryOnGrpcResourceExhausted},
      {"unavailable", kRetryOnGrpcUnavailable},
  }));
  INFO(token);
  const ParsedRetryOn p = parse_retry_on(token);
  CHECK(p.bits == bit);
  CHECK(p.all_valid);
  CHECK(p.retriable_status_codes.empty());
  CHECK(retry_on_bit(token) == bit);
}

TEST_CASE(
    "Integers in retryOn become retriable status codes and add retriable-status-codes; "
    "non-status integers stay bad tokens (retry.go parseRetryOn: Atoi + http.StatusText)") {
  struct Row {
    std::string_view retry_on;
    uint32_t bits;
    std::vector<uint32_t> codes;
    std::vector<std::string> invalid;
  };
  auto row = GENERATE(values<Row>({
      {"503", kRetryOnRetriableStatusCodes, {503}, {}},
      {"5xx,503,429", kRetryOn5xx | kRetryOnRetriableStatusCodes, {503, 429}, {}},
      {"retriable-status-codes,503", kRetryOnRetriableStatusCodes, {503}, {}},
      {"gateway-error, 503 ,connect-failure,",
       kRetryOnGatewayError | kRetryOnConnectFailure | kRetryOnRetriableStatusCodes,
       {503},
       {}},
      {"+503", kRetryOnRetriableStatusCodes, {503}, {}},          // Go Atoi takes a sign
      {"418,425", kRetryOnRetriableStatusCodes, {418, 425}, {}},  // Go knows these
      {"599", 0, {}, {"599"}},                                    // StatusText(599) == ""
      {"5xx,419", kRetryOn5xx, {}, {"419"}},
      {"5XX", 0, {}, {"5XX"}},  // tokens are case-sensitive
      {"foo,reset", kRetryOnReset, {}, {"foo"}},
      {"", 0, {}, {}},
      {" , ,", 0, {}, {}},
  }));
  INFO("retryOn \"" << row.retry_on << "\"");
  const ParsedRetryOn p = parse_retry_on(row.retry_on);
  CHECK(p.bits == row.bits);
  CHECK(p.retriable_status_codes == row.codes);
  CHECK(p.invalid_tokens == row.invalid);
  CHECK(p.all_valid == row.invalid.empty());
}

TEST_CASE("Go's StatusText set decides what counts as a status code (net/http status.go)") {
  auto [code, known] = GENERATE(table<int64_t, bool>(
      {{100, true},  {103, true},  {104, false}, {200, true},  {208, true},  {209, false},
       {226, true},  {306, false}, {308, true},  {409, true},  {418, true},  {419, false},
       {420, false}, {421, true},  {426, true},  {427, false}, {428, true},  {429, true},
       {430, false}, {431, true},  {451, true},  {500, true},  {508, true},  {509, false},
       {510, true},  {511, true},  {599, false}, {0, false},   {-503, false}}));
  INFO(code);
  CHECK(is_go_known_http_status(code) == known);
}

TEST_CASE(
    "Istio's default retry policy: 2 retries on connect-failure, refused-stream, "
    "unavailable, cancelled, retriable-status-codes; codes [503] only up to 1.23 "
    "(retry.go DefaultPolicy; istio.io 1.24 change notes, EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY)") {
  auto [version, codes] =
      GENERATE(table<std::string_view, std::vector<uint32_t>>({{"1.20", {503}},
                                                               {"1.22", {503}},
                                                               {"1.23", {503}},
                                                               {"1.23.6", {503}},
                                                               {"1.24", {}},
                                                               {"1.26", {}},
                                                               {"1.31", {}}}));
  INFO("Istio " << version);
  const RetryPolicy p = istio_default_retry_policy(*IstioVersion::parse(version));
  CHECK(p.num_retries == 2);
  CHECK(p.retry_on == kIstioDefaultRetryOn);
  CHECK(
      p.retry_on ==
      parse_retry_on("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
          .bits);
  CHECK(p.retriable_status_codes == codes);
  CHECK(p.previous_hosts);
  CHECK(p.host_selection_retry_max_attempts == 5);
  CHECK_FALSE(p.per_try_timeout.has_value());
  CHECK(p.backoff == BackoffConfig{});
  CHECK(p.backoff.base() == 25_ms);
  CHECK(p.backoff.max() == 250_ms);
  CHECK_FALSE(p.retry_remote_localities);
}

TEST_CASE(
    "Consistent-hash destinations get the default policy without previous_hosts "
    "(retry.go DefaultConsistentHashPolicy)") {
  CHECK_FALSE(istio_default_retry_policy(IstioVersion::current(), true).previous_hosts);
  CHECK_FALSE(
      retry_policy_from_istio(with_attempts(3), IstioVersion::current(), true).previous_hosts);
  CHECK(retry_policy_from_istio(with_attempts(3), IstioVersion::current(), false).previous_hosts);
}

TEST_CASE(
    "attempts: 0 (or absent, or negative) disables retries: Istio emits no retry policy "
    "(retry.go ConvertPolicy: in.Attempts <= 0 returns nil)") {
  auto attempts = GENERATE(as<std::optional<int32_t>>{}, std::nullopt, 0, -1);
  IstioHttpRetry in;
  in.attempts = attempts;
  in.per_try_timeout = 2_s;  // dropped with the policy
  in.retry_on = "5xx";
  const RetryPolicy p = retry_policy_from_istio(in, IstioVersion::current());
  CHECK_FALSE(p.enabled());
  CHECK(p.retry_on == 0);
  CHECK_FALSE(p.per_try_timeout.has_value());
  CHECK_FALSE(p.previous_hosts);
}

TEST_CASE("A retries block overrides the default field by field (retry.go ConvertPolicy)") {
  SECTION("attempts only: the default retryOn and codes stay") {
    const RetryPolicy old = retry_policy_from_istio(with_attempts(3), *IstioVersion::parse("1.23"));
    CHECK(old.num_retries == 3);
    CHECK(old.retry_on == kIstioDefaultRetryOn);
    CHECK(old.retriable_status_codes == std::vector<uint32_t>{503});
    const RetryPolicy now = retry_policy_from_istio(with_attempts(3), IstioVersion::current());
    CHECK(now.retriable_status_codes.empty());
  }
  SECTION("retryOn replaces both retry_on and the codes, even a pre-1.24 default [503]") {
    IstioHttpRetry in = with_attempts(2);
    in.retry_on = "5xx";
    const RetryPolicy p = retry_policy_from_istio(in, *IstioVersion::parse("1.23"));
    CHECK(p.retry_on == kRetryOn5xx);
    CHECK(p.retriable_status_codes.empty());
  }
  SECTION("integer codes in retryOn") {
    IstioHttpRetry in = with_attempts(4);
    in.retry_on = "gateway-error,connect-failure,refused-stream,429";
    const RetryPolicy p = retry_policy_from_istio(in);
    CHECK(p.num_retries == 4);
    CHECK(p.retry_on == (kRetryOnGatewayError | kRetryOnConnectFailure | kRetryOnRefusedStream |
                         kRetryOnRetriableStatusCodes));
    CHECK(p.retriable_status_codes == std::vector<uint32_t>{429});
  }
  SECTION("perTryTimeout and retryRemoteLocalities") {
    IstioHttpRetry in = with_attempts(2);
    in.per_try_timeout = 500_ms;
    in.retry_remote_localities = true;
    const RetryPolicy p = retry_policy_from_istio(in);
    CHECK(p.per_try_timeout == std::optional<Time>(500_ms));
    CHECK(p.retry_remote_localities);
    CHECK(RetryPolicy::kPreviousPrioritiesUpdateFrequency == 2);
    in.retry_remote_localities = false;
    CHECK_FALSE(retry_policy_from_istio(in).retry_remote_localities);
  }
}

TEST_CASE(
    "backoff and retryIgnorePreviousHosts take effect from Istio 1.26 "
    "(istio.io 1.26 change notes; retry.go ConvertPolicy)") {
  IstioHttpRetry in = with_attempts(2);
  in.backoff = 100_ms;
  in.retry_ignore_previous_hosts = false;
  const RetryPolicy v125 = retry_policy_from_istio(in, *IstioVersion::parse("1.25"));
  CHECK(v125.backoff == BackoffConfig{});
  CHECK(v125.previous_hosts);
  const RetryPolicy v126 = retry_policy_from_istio(in, *IstioVersion::parse("1.26"));
  CHECK(v126.backoff.base() == 100_ms);
  CHECK(v126.backoff.max() == 1000_ms);  // Istio sets only the base; Envoy caps at 10 x base
  CHECK_FALSE(v126.previous_hosts);
  // true re-adds previous_hosts even where consistent hashing dropped it.
  in.retry_ignore_previous_hosts = true;
  CHECK(retry_policy_from_istio(in, *IstioVersion::parse("1.26"), true).previous_hosts);
}

TEST_CASE("An Envoy route without a retry policy retries nothing (RetryStateImpl::create)") {
  const RetryPolicy none;
  CHECK_FALSE(none.enabled());
  CHECK(none.num_retries == 1);
  CHECK(none.host_selection_retry_max_attempts == 1);
}

TEST_CASE("IstioVersion parses release names") {
  auto [text, major, minor] = GENERATE(table<std::string_view, int, int>({{"1.27", 1, 27},
                                                                          {"1.27.3", 1, 27},
                                                                          {"v1.24.0", 1, 24},
                                                                          {"1.31.0-rc.1", 1, 31},
                                                                          {" 1.9 ", 1, 9}}));
  INFO(text);
  const auto v = IstioVersion::parse(text);
  REQUIRE(v.has_value());
  CHECK(v->major == major);
  CHECK(v->minor == minor);
}

TEST_CASE("IstioVersion rejects what is not a release name") {
  auto bad = GENERATE(as<std::string_view>{}, "", "1", "1.", "x.y", "1.27x", "1..2", "1.27.");
  INFO("bad: \"" << bad << "\"");
  CHECK_FALSE(IstioVersion::parse(bad).has_value());
}

TEST_CASE("IstioVersion orders releases; current() is 1.31") {
  CHECK(IstioVersion::current() == IstioVersion{1, 31});
  CHECK(IstioVersion{1, 9} < IstioVersion{1, 23});
  CHECK(IstioVersion{1, 24}.at_least(1, 24));
  CHECK_FALSE(IstioVersion{1, 23}.at_least(1, 24));
  CHECK(IstioVersion{2, 0}.at_least(1, 99));
}

TEST_CASE(
    "The admission webhook rejects bad retries blocks "
    "(pkg/config/validation validateHTTPRetry)") {
  struct Row {
    std::string_view name;
    IstioHttpRetry in;
    std::vector<std::string> errors;
  };
  auto make = [](std::optional<int32_t> attempts, std::string retry_on,
                 std::optional<Time> per_try = std::nullopt,
                 std::optional<bool> remote = std::nullopt) {
    IstioHttpRetry r;
    r.attempts = attempts;
    r.retry_on = std::move(retry_on);
    r.per_try_timeout = per_try;
    r.retry_remote_localities = remote;
    return r;
  };
  auto row = GENERATE_REF(values<Row>({
      {"fine", make(3, "5xx,503,reset-before-request"), {}},
      {"attempts only", make(0, ""), {}},
      {"negative", make(-1, ""), {"attempts cannot be negative"}},
      {"perTryTimeout without attempts",
       make(std::nullopt, "", 2_s),
       {"http retry policy configured when attempts are set to 0 (disabled)"}},
      {"retryOn with attempts 0",
       make(0, "5xx"),
       {"http retry policy configured when attempts are set to 0 (disabled)"}},
      {"retryRemoteLocalities false with attempts 0",
       make(0, "", std::nullopt, false),
       {"http retry policy configured when attempts are set to 0 (disabled)"}},
      {"unknown token", make(2, "5xx,bogus"), {"\"bogus\" is not a valid retryOn policy"}},
      {"space after comma is not trimmed",
       make(2, "5xx, reset"),
       {"\" reset\" is not a valid retryOn policy"}},
      {"trailing comma", make(2, "5xx,"), {"\"\" is not a valid retryOn policy"}},
      {"599 is no status code", make(2, "599"), {"\"599\" is not a valid retryOn policy"}},
      {"sub-ms perTryTimeout",
       make(2, "", Time::from_us(500)),
       {"duration must be greater than 1ms"}},
      {"perTryTimeout not whole ms",
       make(2, "", Time::from_us(1500)),
       {"only durations to ms precision are supported"}},
  }));
  INFO(row.name);
  CHECK(validate_istio_retries(row.in).errors == row.errors);
  CHECK(validate_istio_retries(row.in).ok() == row.errors.empty());
}
