// Envoy's consecutive-error outlier detection; see outlier_detector.h.  Function comments name
// the envoy source/common/upstream/outlier_detection_impl.cc function each one mirrors.
#include "policies/outlier_detector.h"

#include <algorithm>
#include <cassert>

namespace meshsim::policies {

namespace {

// Envoy's DetectorConfig defaults (outlier_detection_impl.h).
constexpr simcore::Time kDefaultInterval = simcore::Time::from_ms(10000);
constexpr simcore::Time kDefaultBaseEjectionTime = simcore::Time::from_ms(30000);
constexpr simcore::Time kDefaultMaxEjectionTime = simcore::Time::from_ms(300000);  // 10 * base
constexpr uint32_t kDefaultConsecutive5xx = 5;
constexpr uint32_t kDefaultConsecutiveGatewayFailure = 5;
constexpr uint32_t kDefaultConsecutiveLocalOriginFailure = 5;
constexpr uint32_t kDefaultMaxEjectionPercent = 10;
constexpr uint32_t kDefaultEnforcingConsecutive5xx = 100;
constexpr uint32_t kDefaultEnforcingConsecutiveGatewayFailure = 0;
constexpr uint32_t kDefaultEnforcingConsecutiveLocalOriginFailure = 100;

// Istio: a set counter is passed through; its enforcing is 100 when it is > 0, else 0.
uint32_t enforcing_for(const std::optional<uint32_t>& v, uint32_t envoy_default) {
  if (!v) return envoy_default;
  return *v > 0 ? 100u : 0u;
}

bool is_5xx(uint32_t code) { return code >= 500 && code < 600; }  // Http::CodeUtility::is5xx
bool is_gateway_error(uint32_t code) { return code == 502 || code == 503 || code == 504; }

}  // namespace

OutlierDetectionConfig::OutlierDetectionConfig(const OutlierDetectionSettings& dr)
    : interval_(dr.interval ? *dr.interval : kDefaultInterval),
      base_ejection_time_(dr.base_ejection_time ? *dr.base_ejection_time
                                                : kDefaultBaseEjectionTime),
      // "If max_ejection_time was not specified in the config, apply the default or
      // base_ejection_time whatever is larger" (DetectorConfig).  Istio never specifies it.
      max_ejection_time_(std::max(kDefaultMaxEjectionTime, base_ejection_time_)),
      consecutive_5xx_(dr.consecutive_5xx_errors.value_or(kDefaultConsecutive5xx)),
      enforcing_consecutive_5xx_(
          enforcing_for(dr.consecutive_5xx_errors, kDefaultEnforcingConsecutive5xx)),
      consecutive_gateway_failure_(
          dr.consecutive_gateway_errors.value_or(kDefaultConsecutiveGatewayFailure)),
      enforcing_consecutive_gateway_failure_(
          enforcing_for(dr.consecutive_gateway_errors, kDefaultEnforcingConsecutiveGatewayFailure)),
      split_external_local_origin_errors_(dr.split_external_local_origin_errors),
      // Istio passes consecutiveLocalOriginFailures only in split mode and only when > 0 (then
      // with enforcing 100); otherwise Envoy's 5 at 100 % stands.
      consecutive_local_origin_failure_(dr.split_external_local_origin_errors &&
                                                dr.consecutive_local_origin_failures.value_or(0) > 0
                                            ? *dr.consecutive_local_origin_failures
                                            : kDefaultConsecutiveLocalOriginFailure),
      enforcing_consecutive_local_origin_failure_(kDefaultEnforcingConsecutiveLocalOriginFailure),
      // Istio writes max_ejection_percent only when > 0, so 0 means Envoy's 10; Envoy caps at 100.
      max_ejection_percent_(
          dr.max_ejection_percent > 0
              ? std::min<uint32_t>(100u, static_cast<uint32_t>(dr.max_ejection_percent))
              : kDefaultMaxEjectionPercent),
      // Istio sets healthy_panic_threshold = minHealthPercent whenever it is >= 0, so the default
      // 0 turns panic mode off.  Envoy rounds the Percent and caps it at 100.
      healthy_panic_threshold_(
          dr.min_health_percent >= 0
              ? std::min<uint32_t>(100u, static_cast<uint32_t>(dr.min_health_percent))
              : kEnvoyDefaultHealthyPanicThreshold),
      // Istio: "SuccessRate based outlier detection should be disabled."
      enforcing_success_rate_(0) {
  // Envoy's proto requires both durations > 0; scenarios validate before building this.
  assert(interval_ > simcore::Time::zero());
  assert(base_ejection_time_ > simcore::Time::zero());
  // dr.consecutive_errors is deliberately unused: Istio stopped translating it in 1.7.
}

OutlierDetector::OutlierDetector(const OutlierDetectionConfig& config, uint32_t num_hosts)
    : config_(config), hosts_(num_hosts), present_hosts_(num_hosts) {}

void OutlierDetector::remove_host(uint32_t host) {
  OutlierHostState& h = hosts_[host];
  if (!h.present) return;
  if (h.ejected) --ejections_active_;
  h = OutlierHostState{};
  h.present = false;
  --present_hosts_;
}

void OutlierDetector::add_host(uint32_t host) {
  OutlierHostState& h = hosts_[host];
  if (h.present) return;
  h = OutlierHostState{};
  ++present_hosts_;
}

// DetectorHostMonitorImpl::putResult, dispatching to the split or non-split handler.
bool OutlierDetector::report(uint32_t host, UpstreamResult result, simcore::Time now,
                             simcore::Stream& rng) {
  if (!hosts_[host].present) return false;  // the monitor is gone with the host
  bool ejected = false;
  const bool split = config_.split_external_local_origin_errors();
  switch (result.kind) {
    case UpstreamResult::Kind::HttpResponse:
      put_http_response_code(host, result.http_status, now, rng, ejected);
      break;
    case UpstreamResult::Kind::LocalOriginConnectFailed:
    case UpstreamResult::Kind::LocalOriginTimeout:
      if (split) {
        local_origin_failure(host, now, rng, ejected);
      } else {
        // resultToHttpCode / the router's timeout_response_code_: 503 and 504.
        const uint32_t code = result.kind == UpstreamResult::Kind::LocalOriginTimeout ? 504u : 503u;
        put_http_response_code(host, code, now, rng, ejected);
      }
      break;
  }
  return ejected;
}

// DetectorHostMonitorImpl::putHttpResponseCode.  Both counters are updated first; the gateway
// detection is then handled before the 5xx one, in the order Envoy posts them to the main thread.
void OutlierDetector::put_http_response_code(uint32_t host, uint32_t code, simcore::Time now,
                                             simcore::Stream& rng, bool& ejected) {
  OutlierHostState& h = hosts_[host];
  bool gateway_fired = false;
  bool fivexx_fired = false;
  if (is_5xx(code)) {
    if (is_gateway_error(code)) {
      gateway_fired = ++h.consecutive_gateway_failure == config_.consecutive_gateway_failure();
    } else {
      h.consecutive_gateway_failure = 0;
    }
    fivexx_fired = ++h.consecutive_5xx == config_.consecutive_5xx();
  } else {
    h.consecutive_5xx = 0;
    h.consecutive_gateway_failure = 0;
  }
  if (gateway_fired) {
    ejected |= on_consecutive_error(host, EjectionType::ConsecutiveGatewayFailure, now, rng);
  }
  if (fivexx_fired) ejected |= on_consecutive_error(host, EjectionType::Consecutive5xx, now, rng);
}

// DetectorHostMonitorImpl::localOriginFailure.
void OutlierDetector::local_origin_failure(uint32_t host, simcore::Time now, simcore::Stream& rng,
                                           bool& ejected) {
  OutlierHostState& h = hosts_[host];
  if (++h.consecutive_local_origin_failure == config_.consecutive_local_origin_failure()) {
    ejected |= on_consecutive_error(host, EjectionType::ConsecutiveLocalOriginFailure, now, rng);
  }
}

// DetectorImpl::onConsecutiveErrorWorker.
bool OutlierDetector::on_consecutive_error(uint32_t host, EjectionType type, simcore::Time now,
                                           simcore::Stream& rng) {
  OutlierHostState& h = hosts_[host];
  // An ejected host is ignored outright: no detection stat and NO counter reset, so its counter
  // runs past the threshold and cannot fire again until unejection resets it.
  if (h.ejected) return false;
  switch (type) {
    case EjectionType::Consecutive5xx:
      ++stats_.ejections_detected_consecutive_5xx;
      break;
    case EjectionType::ConsecutiveGatewayFailure:
      ++stats_.ejections_detected_consecutive_gateway_failure;
      break;
    case EjectionType::ConsecutiveLocalOriginFailure:
      ++stats_.ejections_detected_consecutive_local_origin_failure;
      break;
  }
  const bool ejected = eject_host(host, type, now, rng);
  // "reset counters": whether or not the host was ejected.
  switch (type) {
    case EjectionType::Consecutive5xx:
      h.consecutive_5xx = 0;
      break;
    case EjectionType::ConsecutiveGatewayFailure:
      h.consecutive_gateway_failure = 0;
      break;
    case EjectionType::ConsecutiveLocalOriginFailure:
      h.consecutive_local_origin_failure = 0;
      break;
  }
  return ejected;
}

// DetectorImpl::enforceEjection: runtime featureEnabled(key, percent), i.e. random % 100 < percent.
bool OutlierDetector::enforce(EjectionType type, simcore::Stream& rng) const {
  uint32_t percent = 0;
  switch (type) {
    case EjectionType::Consecutive5xx:
      percent = config_.enforcing_consecutive_5xx();
      break;
    case EjectionType::ConsecutiveGatewayFailure:
      percent = config_.enforcing_consecutive_gateway_failure();
      break;
    case EjectionType::ConsecutiveLocalOriginFailure:
      percent = config_.enforcing_consecutive_local_origin_failure();
      break;
  }
  if (percent >= 100) return true;
  if (percent == 0) return false;
  return rng.below(100) < percent;
}

// DetectorImpl::ejectHost.
bool OutlierDetector::eject_host(uint32_t host, EjectionType type, simcore::Time now,
                                 simcore::Stream& rng) {
  // Current Envoy counts the host about to be ejected (PR #27624) and no longer lets the first
  // ejection through regardless (PR #27909).  always_eject_one_host (PR #34796) is not set by
  // Istio.  The total is every host of the cluster, all priorities.
  const double ejected_percent =
      100.0 * static_cast<double>(ejections_active_ + 1) / static_cast<double>(present_hosts_);
  if (!(ejected_percent <= static_cast<double>(config_.max_ejection_percent()))) {
    ++stats_.ejections_overflow;
    return false;
  }
  if (!enforce(type, rng)) return false;  // detected, logged as not enforced
  OutlierHostState& h = hosts_[host];
  ++ejections_active_;
  ++stats_.ejections_enforced_total;
  switch (type) {
    case EjectionType::Consecutive5xx:
      ++stats_.ejections_enforced_consecutive_5xx;
      break;
    case EjectionType::ConsecutiveGatewayFailure:
      ++stats_.ejections_enforced_consecutive_gateway_failure;
      break;
    case EjectionType::ConsecutiveLocalOriginFailure:
      ++stats_.ejections_enforced_consecutive_local_origin_failure;
      break;
  }
  h.ejected = true;
  ++h.num_ejections;
  h.last_ejection_time = now;
  // b grows while b * base < max + base, so the ejection time min(b * base, max) reaches max and
  // b stops one step later.
  if (config_.base_ejection_time() * h.eject_time_backoff <
      config_.max_ejection_time() + config_.base_ejection_time()) {
    ++h.eject_time_backoff;
  }
  return true;
}

// DetectorImpl::unejectHost.
void OutlierDetector::uneject_host(uint32_t host, simcore::Time now) {
  OutlierHostState& h = hosts_[host];
  --ejections_active_;
  h.ejected = false;
  // "Reset the consecutive failure counters to avoid re-ejection on very few new errors."
  h.consecutive_5xx = 0;
  h.consecutive_gateway_failure = 0;
  h.consecutive_local_origin_failure = 0;
  h.last_unejection_time = now;
}

// DetectorImpl::onIntervalTimer (checkHostForUneject, then the backoff decrement).
uint32_t OutlierDetector::on_interval(simcore::Time now) {
  uint32_t unejected = 0;
  for (uint32_t i = 0; i < hosts_.size(); ++i) {
    const OutlierHostState& h = hosts_[i];
    if (!h.ejected) continue;
    const simcore::Time duration =
        std::min(config_.base_ejection_time() * h.eject_time_backoff, config_.max_ejection_time());
    if (duration <= now - *h.last_ejection_time) {
      uneject_host(i, now);
      ++unejected;
    }
  }
  // "Decrement time backoff for all hosts which have not been ejected": a host just returned at
  // this tick has been out of ejection for 0 < interval and keeps its b this time.
  for (OutlierHostState& h : hosts_) {
    if (h.ejected) continue;
    if (h.last_unejection_time && now - *h.last_unejection_time >= config_.interval() &&
        h.eject_time_backoff != 0) {
      --h.eject_time_backoff;
    }
  }
  return unejected;
}

bool panic(uint64_t healthy, uint64_t total, uint32_t healthy_panic_threshold) {
  const uint32_t threshold = std::min<uint32_t>(100u, healthy_panic_threshold);
  const double healthy_percent =
      total == 0 ? 0.0 : 100.0 * static_cast<double>(healthy) / static_cast<double>(total);
  return healthy_percent < static_cast<double>(threshold);
}

}  // namespace meshsim::policies
