// A route's retry policy, as Istio programs it into Envoy and as Envoy holds it.
//
// Three layers, mirroring the real pipeline:
//   * `RetryOn` tokens and `parse_retry_on()`: the `retryOn` string, split the way Istio's
//     retry.go parseRetryOn() splits it (trimmed, empty parts skipped, integers that are HTTP
//     status codes become retriable status codes and auto-add `retriable-status-codes`), then
//     mapped to Envoy's bits the way RetryStateImpl::parseRetryOn/parseRetryGrpcOn map them (envoy
//     source/common/router/retry_state_impl.cc; unknown tokens are ignored by Envoy).
//   * `RetryPolicy`: Envoy's runtime RetryPolicy (router/retry_policy_impl.cc), built once per
//     route and only read afterwards.
//   * `istio_default_retry_policy()` / `retry_policy_from_istio()`: istio/istio
//     pilot/pkg/networking/core/route/retry/retry.go (DefaultPolicy, ConvertPolicy), with the
//     version-dependent parts keyed by `IstioVersion`; `validate_istio_retries()` is the admission
//     webhook's check (pkg/config/validation validateHTTPRetry).
// Everything here runs at configuration time; strings are allowed.  The per-request decisions that
// read a RetryPolicy live in retry_state.h.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/backoff.h"
#include "simcore/time.h"

namespace meshsim::policies {

// An Istio minor release.  Behaviour that changed between releases is keyed on this.
struct IstioVersion {
  int major = 1;
  int minor = 31;

  // "1.27", "1.27.3", "v1.27.0", "1.31.0-rc.1" (patch and pre-release suffixes are ignored).
  static std::optional<IstioVersion> parse(std::string_view text);
  // The release we treat as current: 1.31 (istio/istio main as of Aug 2026 carries 1.31 tags;
  // istio.io publishes 1.31.0 change notes).  Used when a scenario names no version.
  static constexpr IstioVersion current() { return IstioVersion{1, 31}; }

  constexpr bool at_least(int maj, int min) const {
    return major > maj || (major == maj && minor >= min);
  }
  friend constexpr auto operator<=>(const IstioVersion&, const IstioVersion&) = default;
};

// Envoy's retry_on bits, one per `x-envoy-retry-on` / `x-envoy-retry-grpc-on` token
// (envoy/router/router.h RetryPolicy::RETRY_ON_*).  A route's policy ORs them into a uint32_t.
enum RetryOn : uint32_t {
  kRetryOn5xx = 1u << 0,                       // "5xx"
  kRetryOnGatewayError = 1u << 1,              // "gateway-error"
  kRetryOnConnectFailure = 1u << 2,            // "connect-failure"
  kRetryOnRetriable4xx = 1u << 3,              // "retriable-4xx"
  kRetryOnRefusedStream = 1u << 4,             // "refused-stream"
  kRetryOnRetriableStatusCodes = 1u << 5,      // "retriable-status-codes"
  kRetryOnRetriableHeaders = 1u << 6,          // "retriable-headers"
  kRetryOnReset = 1u << 7,                     // "reset"
  kRetryOnResetBeforeRequest = 1u << 8,        // "reset-before-request"
  kRetryOnEnvoyRateLimited = 1u << 9,          // "envoy-ratelimited"
  kRetryOnHttp3PostConnectFailure = 1u << 10,  // "http3-post-connect-failure"
  kRetryOnGrpcCancelled = 1u << 11,            // "cancelled"          (grpc-status 1)
  kRetryOnGrpcDeadlineExceeded = 1u << 12,     // "deadline-exceeded"  (grpc-status 4)
  kRetryOnGrpcResourceExhausted = 1u << 13,    // "resource-exhausted" (grpc-status 8)
  kRetryOnGrpcInternal = 1u << 14,             // "internal"           (grpc-status 13)
  kRetryOnGrpcUnavailable = 1u << 15,          // "unavailable"        (grpc-status 14)
};

struct RetryOnToken {
  std::string_view name;
  uint32_t bit;
};
// Every token Envoy accepts in a route's retry_on, in Envoy's parse order (HTTP, then gRPC).
inline constexpr std::array<RetryOnToken, 16> kRetryOnTokens{{
    {"5xx", kRetryOn5xx},
    {"gateway-error", kRetryOnGatewayError},
    {"connect-failure", kRetryOnConnectFailure},
    {"envoy-ratelimited", kRetryOnEnvoyRateLimited},
    {"retriable-4xx", kRetryOnRetriable4xx},
    {"refused-stream", kRetryOnRefusedStream},
    {"retriable-status-codes", kRetryOnRetriableStatusCodes},
    {"retriable-headers", kRetryOnRetriableHeaders},
    {"reset", kRetryOnReset},
    {"reset-before-request", kRetryOnResetBeforeRequest},
    {"http3-post-connect-failure", kRetryOnHttp3PostConnectFailure},
    {"cancelled", kRetryOnGrpcCancelled},
    {"deadline-exceeded", kRetryOnGrpcDeadlineExceeded},
    {"internal", kRetryOnGrpcInternal},
    {"resource-exhausted", kRetryOnGrpcResourceExhausted},
    {"unavailable", kRetryOnGrpcUnavailable},
}};

// The bit for one token, or 0 if Envoy does not know it.
uint32_t retry_on_bit(std::string_view token);
// Whether Go's net/http.StatusText(code) is non-empty: the test Istio uses to decide that an
// integer in `retryOn` is a status code (retry.go parseRetryOn, validation validateHTTPRetry).
// 100-103, 200-208, 226, 300-305, 307, 308, 400-418, 421-426, 428, 429, 431, 451, 500-508,
// 510, 511.  So "599" is not a code: it stays a (bad) token.
bool is_go_known_http_status(int64_t code);

struct ParsedRetryOn {
  uint32_t bits = 0;
  std::vector<uint32_t> retriable_status_codes;  // in the order written, duplicates kept
  bool all_valid = true;                         // every non-code token is an Envoy token
  std::vector<std::string> invalid_tokens;       // trimmed, in the order written
};
// Istio's parseRetryOn followed by Envoy's token mapping, as described at the top of this file.
ParsedRetryOn parse_retry_on(std::string_view retry_on);

// Envoy's runtime retry policy for one route (router/retry_policy_impl.cc).  Built once by the
// functions below (or by hand in tests) and then only read.  A default-constructed policy is
// Envoy's route without a retry policy: retry_on empty, so nothing is ever retried.
// Istio writes host_selection_retry_max_attempts: 5 next to previous_hosts
// (pilot/pkg/networking/core/route/retry/retry.go).
inline constexpr uint32_t kIstioHostSelectionRetryMaxAttempts = 5;

struct RetryPolicy {
  // num_retries.  Envoy default when unset: 1.  Istio: 2, or VirtualService `attempts`.
  uint32_t num_retries = 1;
  // OR of RetryOn bits.  Default 0: no retry state is created and nothing is retried.
  uint32_t retry_on = 0;
  // retriable_status_codes, consulted only under kRetryOnRetriableStatusCodes.  Default empty.
  std::vector<uint32_t> retriable_status_codes;
  // per_try_timeout.  Default none.  See router_timeouts.h for how it combines with the route's.
  std::optional<simcore::Time> per_try_timeout;
  // retry_back_off.  Default base 25 ms, max 250 ms.
  BackoffConfig backoff;
  // retry_host_predicate envoy.retry_host_predicates.previous_hosts.  Default off (Envoy);
  // Istio turns it on except for consistent-hash destinations.
  bool previous_hosts = false;
  // host_selection_retry_max_attempts.  Envoy default 1; Istio 5
  // (kIstioHostSelectionRetryMaxAttempts).  On a retry the load balancer picks up to this many
  // + 1 times looking for a host the predicate accepts.
  uint32_t host_selection_retry_max_attempts = 1;
  // retry_priority envoy.retry_priorities.previous_priorities (Istio retryRemoteLocalities).
  // Default off.  Its update frequency is always kPreviousPrioritiesUpdateFrequency.
  bool retry_remote_localities = false;
  static constexpr uint32_t kPreviousPrioritiesUpdateFrequency = 2;  // retry.go

  // Envoy creates no retry state for a route whose retry_on is empty (RetryStateImpl::create).
  bool enabled() const { return retry_on != 0; }
  bool has_retriable_status_code(uint32_t code) const;
};

// istio/istio retry.go DefaultPolicy(): what a route gets when its VirtualService has no `retries`
// (and MeshConfig sets no defaultHttpRetryPolicy), and the base a `retries` block overrides.
//   num_retries 2; retry_on connect-failure,refused-stream,unavailable,cancelled,
//   retriable-status-codes; retriable codes [503] up to 1.23, empty from 1.24 (feature flag
//   EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY, default true in 1.24; the 1.23 compatibility profile
//   turns it off - istio.io 1.24 change and upgrade notes, istio/istio#50506); previous_hosts
//   (dropped when the destination uses consistent hashing: DefaultConsistentHashPolicy);
//   host_selection_retry_max_attempts 5; no per-try timeout; Envoy's default back-off 25/250 ms.
RetryPolicy istio_default_retry_policy(IstioVersion version = IstioVersion::current(),
                                       bool consistent_hash_destination = false);

// A VirtualService `http[].retries` block (istio/api HTTPRetry) as written.  Absent fields are
// nullopt / empty.  `attempts` is a plain int32 in the proto: absent reads as 0.
struct IstioHttpRetry {
  std::optional<int32_t> attempts;
  std::optional<simcore::Time> per_try_timeout;
  std::string retry_on;  // "" = not set
  std::optional<bool> retry_remote_localities;
  std::optional<bool> retry_ignore_previous_hosts;  // 1.26+
  std::optional<simcore::Time> backoff;             // 1.26+: base interval only
};

// istio/istio retry.go ConvertPolicy(in, hashPolicy) for a present `retries` block (also used for
// MeshConfig defaultHttpRetryPolicy, which Istio converts the same way):
//   * attempts <= 0 (or absent) disables retries: Istio emits no retry policy at all, so this
//     returns a default RetryPolicy{} (retry_on empty: no retries, no per-try timeout);
//   * otherwise start from istio_default_retry_policy(version, consistent_hash_destination) and
//     override num_retries = attempts; if retryOn is non-empty, retry_on AND the retriable codes
//     are replaced by parse_retry_on(retryOn) (so "5xx" alone drops a pre-1.24 default [503]);
//     perTryTimeout if set; retryRemoteLocalities if true;
//   * 1.26+: retryIgnorePreviousHosts, when set, decides previous_hosts (true re-adds it even for a
//     consistent-hash destination); backoff sets the base interval (max stays 10 x base).
// `consistent_hash_destination`: the route has exactly one destination and its DestinationRule
// uses consistentHash.  Istio only checks single-destination routes (route.go
// applyHTTPRouteDestination), and the no-VirtualService default route always passes false
// (BuildDefaultHTTPOutboundRoute), so callers must pass false in those cases.
RetryPolicy retry_policy_from_istio(const IstioHttpRetry& retries,
                                    IstioVersion version = IstioVersion::current(),
                                    bool consistent_hash_destination = false);

// The admission webhook's verdict on a `retries` block (istio/istio pkg/config/validation
// validateHTTPRetry): attempts < 0; attempts == 0 together with perTryTimeout, retryOn or
// retryRemoteLocalities ("configured when attempts are set to 0 (disabled)"); durations below
// 1 ms or not whole milliseconds; any comma-separated part of retryOn that is neither a known HTTP
// status code nor a supported token.  Note the webhook does NOT trim: "5xx, reset" is rejected
// (" reset") although the translation would trim it, and a trailing comma is an error too.
struct IstioRetryValidation {
  std::vector<std::string> errors;  // the webhook's messages
  bool ok() const { return errors.empty(); }
};
IstioRetryValidation validate_istio_retries(const IstioHttpRetry& retries);

}  // namespace meshsim::policies
