// Envoy's outlier detector (consecutive-error ejection) as Istio's DestinationRule
// `trafficPolicy.outlierDetection` programs it, and Envoy's panic-threshold test.
//
//   * `OutlierDetectionConfig`: built once from the DR's raw fields the way istio/istio
//     pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection() writes Envoy's
//     OutlierDetection, with Envoy's defaults for whatever Istio leaves unset
//     (envoy source/common/upstream/outlier_detection_impl.h DetectorConfig).
//   * `OutlierDetector`: one per client sidecar per cluster (Envoy's DetectorImpl), holding one
//     `OutlierHostState` per host (DetectorHostMonitorImpl).  `report` takes each upstream
//     attempt's result; `on_interval` is the sweep the model runs every `interval()` from the
//     cluster's creation.  The logic follows outlier_detection_impl.cc function by function.
//
// Simplifications, each harmless for what Istio configures:
//   * Envoy posts a consecutive-error detection from the worker to the main thread, so a few more
//     results can land before the ejection; here it is immediate, inside `report`.
//   * Success-rate and failure-percentage detection are not modelled: Istio sets
//     enforcing_success_rate 0 (and enforcing_local_origin_success_rate 0 in split mode) and never
//     enables failure percentage.  max_ejection_time_jitter is 0 (Istio does not set it).
// Not modelled, because the runtime has no caller for it (it would change its behaviour):
//   * LOCAL_ORIGIN_CONNECT_SUCCESS (upstream_request onPoolReady), which in split mode resets the
//     local-origin counter at every attach; without it, resets after a connection was obtained
//     count as consecutive local-origin failures.
// EDS membership: host indices are the cluster's pods, fixed; a host that leaves the EDS set is
// removed (its monitor goes, so it stops counting towards the max-ejection total and its results
// are ignored) and one that comes back starts afresh, as Envoy makes a new host and monitor
// (outlier_detection_impl.cc addHostMonitor / the member-update callback).
//
// What the CALLER must not report (Envoy never gets here for them): pool overflows (UO, router.cc
// skips `dropped` resets, envoyproxy/envoy#25487), no healthy upstream (UH, no host), and fault
// filter aborts (FI, the request never reaches the router).
// Thread safety: none.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::policies {

// Envoy's default healthy_panic_threshold, which applies to clusters without outlierDetection
// (Istio sets the threshold only inside applyOutlierDetection).
inline constexpr uint32_t kEnvoyDefaultHealthyPanicThreshold = 50;

// The DR's `outlierDetection` fields as written.  Istio distinguishes absent from 0 only for the
// two wrapped counters (UInt32Value); for the plain ints 0 means unset.
struct OutlierDetectionSettings {
  std::optional<uint32_t> consecutive_5xx_errors;      // consecutive5xxErrors
  std::optional<uint32_t> consecutive_gateway_errors;  // consecutiveGatewayErrors
  std::optional<uint32_t> consecutive_errors;          // deprecated consecutiveErrors: ignored
  bool split_external_local_origin_errors = false;     // splitExternalLocalOriginErrors
  std::optional<uint32_t> consecutive_local_origin_failures;  // consecutiveLocalOriginFailures
  std::optional<simcore::Time> interval;                      // interval
  std::optional<simcore::Time> base_ejection_time;            // baseEjectionTime
  int32_t max_ejection_percent = 0;  // maxEjectionPercent (0 = unset -> 10)
  int32_t min_health_percent = 0;    // minHealthPercent
};

// Envoy's OutlierEjectionType values that can occur here.
enum class EjectionType : uint8_t {
  Consecutive5xx,
  ConsecutiveGatewayFailure,
  ConsecutiveLocalOriginFailure,
};

// The cluster's OutlierDetection, parsed once and then only read (Envoy's DetectorConfig: every
// field const).  Counter thresholds of 0 never fire (Envoy compares `++counter == threshold`).
class OutlierDetectionConfig {
 public:
  explicit OutlierDetectionConfig(const OutlierDetectionSettings& dr = {});

  simcore::Time interval() const { return interval_; }
  simcore::Time base_ejection_time() const { return base_ejection_time_; }
  // Not exposed by Istio: Envoy's max(300 s, base_ejection_time).
  simcore::Time max_ejection_time() const { return max_ejection_time_; }
  uint32_t consecutive_5xx() const { return consecutive_5xx_; }
  uint32_t enforcing_consecutive_5xx() const { return enforcing_consecutive_5xx_; }
  uint32_t consecutive_gateway_failure() const { return consecutive_gateway_failure_; }
  uint32_t enforcing_consecutive_gateway_failure() const {
    return enforcing_consecutive_gateway_failure_;
  }
  bool split_external_local_origin_errors() const { return split_external_local_origin_errors_; }
  uint32_t consecutive_local_origin_failure() const { return consecutive_local_origin_failure_; }
  uint32_t enforcing_consecutive_local_origin_failure() const {
    return enforcing_consecutive_local_origin_failure_;
  }
  uint32_t max_ejection_percent() const { return max_ejection_percent_; }
  // The cluster's common_lb_config.healthy_panic_threshold, for `panic()`.
  uint32_t healthy_panic_threshold() const { return healthy_panic_threshold_; }
  uint32_t enforcing_success_rate() const { return enforcing_success_rate_; }

 private:
  const simcore::Time interval_;
  const simcore::Time base_ejection_time_;
  const simcore::Time max_ejection_time_;
  const uint32_t consecutive_5xx_;
  const uint32_t enforcing_consecutive_5xx_;
  const uint32_t consecutive_gateway_failure_;
  const uint32_t enforcing_consecutive_gateway_failure_;
  const bool split_external_local_origin_errors_;
  const uint32_t consecutive_local_origin_failure_;
  const uint32_t enforcing_consecutive_local_origin_failure_;
  const uint32_t max_ejection_percent_;
  const uint32_t healthy_panic_threshold_;
  const uint32_t enforcing_success_rate_;
};

// What an upstream attempt produced, in Envoy's Outlier::Result vocabulary
// (envoy/upstream/outlier_detection.h) plus the HTTP status the router reports.
struct UpstreamResult {
  enum class Kind : uint8_t {
    // Response headers arrived (router onUpstreamHeaders -> putHttpResponseCode).  For gRPC the
    // caller maps a grpc-status in the headers to HTTP first (Grpc::Utility::grpcToHttpStatus).
    HttpResponse,
    // Any reset other than overflow: connect failure, connect TIMEOUT (it arrives as a reset),
    // remote reset or disconnect before headers (router onUpstreamReset).  Non-split: a 503.
    LocalOriginConnectFailed,
    // A per-try or global request timeout (router onPerTryTimeout / onResponseTimeout): a 504.
    LocalOriginTimeout,
  };
  Kind kind = Kind::HttpResponse;
  uint32_t http_status = 0;  // HttpResponse only; the local-origin kinds count as 503 / 504

  static constexpr UpstreamResult response(uint32_t status) {
    return UpstreamResult{Kind::HttpResponse, status};
  }
  static constexpr UpstreamResult reset() {
    return UpstreamResult{Kind::LocalOriginConnectFailed, 503};
  }
  static constexpr UpstreamResult timeout() {
    return UpstreamResult{Kind::LocalOriginTimeout, 504};
  }
};

// Per-host state (DetectorHostMonitorImpl).
struct OutlierHostState {
  uint32_t consecutive_5xx = 0;
  uint32_t consecutive_gateway_failure = 0;
  uint32_t consecutive_local_origin_failure = 0;
  bool ejected = false;             // Host::HealthFlag::FAILED_OUTLIER_CHECK
  bool present = true;              // false while the host is out of the EDS set
  uint32_t eject_time_backoff = 0;  // the multiplier b of base_ejection_time
  uint32_t num_ejections = 0;
  std::optional<simcore::Time> last_ejection_time;
  std::optional<simcore::Time> last_unejection_time;
};

// The detector's stats under Envoy's names (cluster.<name>.outlier_detection.<stat>).  "detected"
// counts detections even when refused; "overflow" counts refusals by max_ejection_percent;
// "enforced" counts actual ejections.  Deprecated ejections_total & co. are left out.
struct OutlierDetectionStats {
  uint64_t ejections_enforced_total = 0;
  uint64_t ejections_overflow = 0;
  uint64_t ejections_detected_consecutive_5xx = 0;
  uint64_t ejections_enforced_consecutive_5xx = 0;
  uint64_t ejections_detected_consecutive_gateway_failure = 0;
  uint64_t ejections_enforced_consecutive_gateway_failure = 0;
  uint64_t ejections_detected_consecutive_local_origin_failure = 0;
  uint64_t ejections_enforced_consecutive_local_origin_failure = 0;
};

class OutlierDetector {
 public:
  OutlierDetector(const OutlierDetectionConfig& config, uint32_t num_hosts);

  // EDS membership: the host leaves the set (its monitor and any ejection go), or comes back
  // with a fresh monitor.
  void remove_host(uint32_t host);
  void add_host(uint32_t host);

  // One attempt's result for `host`; returns true if this call ejected it.  Ejection happens the
  // moment a counter reaches its threshold exactly; the counter is then reset whether or not the
  // ejection was allowed.  `rng` is drawn from only when an enforcing percentage is strictly
  // between 0 and 100 (never with Istio, which writes 0 or 100).
  bool report(uint32_t host, UpstreamResult result, simcore::Time now, simcore::Stream& rng);

  // The interval sweep (DetectorImpl::onIntervalTimer) at time `now`: returns hosts to service
  // whose ejection has lasted min(b * base, max_ejection_time), then lowers b by one for every
  // host that is not ejected and was last unejected at least one interval ago.  Returns how many
  // hosts were unejected.
  uint32_t on_interval(simcore::Time now);

  bool ejected(uint32_t host) const { return hosts_[host].ejected; }
  const OutlierHostState& host(uint32_t host) const { return hosts_[host]; }
  uint32_t num_hosts() const { return present_hosts_; }  // present hosts only
  uint32_t healthy_hosts() const { return present_hosts_ - ejections_active_; }
  uint32_t ejections_active() const { return ejections_active_; }
  const OutlierDetectionStats& stats() const { return stats_; }
  const OutlierDetectionConfig& config() const { return config_; }

 private:
  void put_http_response_code(uint32_t host, uint32_t code, simcore::Time now, simcore::Stream& rng,
                              bool& ejected);
  void local_origin_failure(uint32_t host, simcore::Time now, simcore::Stream& rng, bool& ejected);
  bool on_consecutive_error(uint32_t host, EjectionType type, simcore::Time now,
                            simcore::Stream& rng);
  bool eject_host(uint32_t host, EjectionType type, simcore::Time now, simcore::Stream& rng);
  bool enforce(EjectionType type, simcore::Stream& rng) const;
  void uneject_host(uint32_t host, simcore::Time now);

  OutlierDetectionConfig config_;
  std::vector<OutlierHostState> hosts_;
  uint32_t present_hosts_ = 0;
  uint32_t ejections_active_ = 0;
  OutlierDetectionStats stats_;
};

// LoadBalancerBase::isHostSetInPanic for one priority: the LB ignores health (uses all hosts)
// when healthy% < threshold.  healthy counts healthy and degraded hosts; total excludes excluded
// hosts; an empty set is 0 % healthy.  Threshold 0 (Istio's default with outlierDetection) never
// panics, so with every host ejected the request gets 503 UH.
bool panic(uint64_t healthy, uint64_t total, uint32_t healthy_panic_threshold);

}  // namespace meshsim::policies
