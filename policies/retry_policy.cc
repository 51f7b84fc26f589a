// Istio retry.go / Envoy retry_policy_impl.cc translation.  Configuration time only.
#include "policies/retry_policy.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace meshsim::policies {

namespace {

using simcore::Time;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Go's strconv.Atoi: optional sign, then one or more ASCII digits, nothing else; 64-bit int.
std::optional<int64_t> go_atoi(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (uint64_t{1} << 63) / 10) return std::nullopt;  // out of range: Atoi errors
    v = v * 10 + d;
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  const auto sv = static_cast<int64_t>(v);
  return negative ? -sv : sv;
}

// Calls f(part) for each comma-separated part, untrimmed, empty parts included (Go strings.Split).
template <class F>
void split_commas(std::string_view s, F&& f) {
  for (;;) {
    const size_t comma = s.find(',');
    f(s.substr(0, comma));
    if (comma == std::string_view::npos) return;
    s.remove_prefix(comma + 1);
  }
}

constexpr std::string_view kRetriableStatusCodesToken = "retriable-status-codes";

bool is_whole_ms_at_least_1ms(Time t) { return t >= Time::from_ms(1) && t.ns() % 1'000'000 == 0; }

}  // namespace

std::optional<IstioVersion> IstioVersion::parse(std::string_view text) {
  text = trim(text);
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  auto read_int = [&text](int& out) {
    size_t n = 0;
    int64_t v = 0;
    while (n < text.size() && text[n] >= '0' && text[n] <= '9' && n < 6) {
      v = v * 10 + (text[n] - '0');
      ++n;
    }
    if (n == 0) return false;
    out = static_cast<int>(v);
    text.remove_prefix(n);
    return true;
  };
  IstioVersion v;
  if (!read_int(v.major)) return std::nullopt;
  if (text.empty() || text.front() != '.') return std::nullopt;
  text.remove_prefix(1);
  if (!read_int(v.minor)) return std::nullopt;
  // Optional ".patch", then an optional pre-release/build suffix starting with '-' or '+'.
  if (!text.empty() && text.front() == '.') {
    text.remove_prefix(1);
    int patch = 0;
    if (!read_int(patch)) return std::nullopt;
  }
  if (!text.empty() && text.front() != '-' && text.front() != '+') return std::nullopt;
  return v;
}

uint32_t retry_on_bit(std::string_view token) {
  for (const auto& t : kRetryOnTokens) {
    if (t.name == token) return t.bit;
  }
  return 0;
}

bool is_go_known_http_status(int64_t c) {
  // Go net/http status.go, StatusText.
  return (c >= 100 && c <= 103) || (c >= 200 && c <= 208) || c == 226 || (c >= 300 && c <= 305) ||
         c == 307 || c == 308 || (c >= 400 && c <= 418) || (c >= 421 && c <= 426) || c == 428 ||
         c == 429 || c == 431 || c == 451 || (c >= 500 && c <= 508) || c == 510 || c == 511;
}

ParsedRetryOn parse_retry_on(std::string_view retry_on) {
  ParsedRetryOn out;
  bool token_mentions_status_codes = false;
  split_commas(retry_on, [&](std::string_view part) {
    part = trim(part);  // retry.go: strings.TrimSpace, then skip empty parts
    if (part.empty()) return;
    if (const auto code = go_atoi(part); code && is_go_known_http_status(*code)) {
      out.retriable_status_codes.push_back(static_cast<uint32_t>(*code));
      return;
    }
    // retry.go appends retriable-status-codes unless the joined tokens already *contain* it.
    if (part.find(kRetriableStatusCodesToken) != std::string_view::npos) {
      token_mentions_status_codes = true;
    }
    // Envoy: RetryPolicyImpl ORs parseRetryOn and parseRetryGrpcOn over the same string and
    // silently ignores what neither knows.
    if (const uint32_t bit = retry_on_bit(part); bit != 0) {
      out.bits |= bit;
    } else {
      out.all_valid = false;
      out.invalid_tokens.emplace_back(part);
    }
  });
  if (!out.retriable_status_codes.empty() && !token_mentions_status_codes) {
    out.bits |= kRetryOnRetriableStatusCodes;
  }
  return out;
}

bool RetryPolicy::has_retriable_status_code(uint32_t code) const {
  return std::find(retriable_status_codes.begin(), retriable_status_codes.end(), code) !=
         retriable_status_codes.end();
}

RetryPolicy istio_default_retry_policy(IstioVersion version, bool consistent_hash_destination) {
  RetryPolicy p;
  p.num_retries = 2;
  p.retry_on = kRetryOnConnectFailure | kRetryOnRefusedStream | kRetryOnGrpcUnavailable |
               kRetryOnGrpcCancelled | kRetryOnRetriableStatusCodes;
  if (!version.at_least(1, 24)) p.retriable_status_codes = {503};
  p.previous_hosts = !consistent_hash_destination;
  p.host_selection_retry_max_attempts = kIstioHostSelectionRetryMaxAttempts;
  return p;
}

RetryPolicy retry_policy_from_istio(const IstioHttpRetry& in, IstioVersion version,
                                    bool consistent_hash_destination) {
  const int32_t attempts = in.attempts.value_or(0);
  if (attempts <= 0) return RetryPolicy{};  // "Configuration is explicitly disabling ..."

  RetryPolicy out = istio_default_retry_policy(version, consistent_hash_destination);
  out.num_retries = static_cast<uint32_t>(attempts);
  if (!in.retry_on.empty()) {
    ParsedRetryOn parsed = parse_retry_on(in.retry_on);
    out.retry_on = parsed.bits;
    out.retriable_status_codes = std::move(parsed.retriable_status_codes);
  }
  if (in.per_try_timeout) out.per_try_timeout = *in.per_try_timeout;
  if (version.at_least(1, 26) && in.retry_ignore_previous_hosts) {
    out.previous_hosts = *in.retry_ignore_previous_hosts;
  }
  if (in.retry_remote_localities.value_or(false)) out.retry_remote_localities = true;
  if (version.at_least(1, 26) && in.backoff) out.backoff = BackoffConfig::from(*in.backoff);
  return out;
}

IstioRetryValidation validate_istio_retries(const IstioHttpRetry& in) {
  IstioRetryValidation v;
  const int32_t attempts = in.attempts.value_or(0);
  if (attempts < 0) v.errors.emplace_back("attempts cannot be negative");
  if (attempts == 0 &&
      (in.per_try_timeout || !in.retry_on.empty() || in.retry_remote_localities.has_value())) {
    v.errors.emplace_back("http retry policy configured when attempts are set to 0 (disabled)");
  }
  auto check_duration = [&v](Time t) {
    if (t < Time::from_ms(1)) {
      v.errors.emplace_back("duration must be greater than 1ms");
    } else if (!is_whole_ms_at_least_1ms(t)) {
      v.errors.emplace_back("only durations to ms precision are supported");
    }
  };
  if (in.per_try_timeout) check_duration(*in.per_try_timeout);
  if (!in.retry_on.empty()) {
    split_commas(in.retry_on, [&v](std::string_view part) {
      const auto code = go_atoi(part);  // untrimmed, as the webhook does
      if (!(code && is_go_known_http_status(*code)) && retry_on_bit(part) == 0) {
        // (Built with append: GCC 12 raises a false -Wrestrict on "literal" + std::string.)
        std::string msg(1, '"');
        msg.append(part).append("\" is not a valid retryOn policy");
        v.errors.push_back(std::move(msg));
      }
    });
  }
  if (in.backoff) check_duration(*in.backoff);
  return v;
}

}  // namespace meshsim::policies
