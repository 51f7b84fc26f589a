// Envoy's admission control filter (envoy.filters.http.admission_control): client-side
// throttling on the success rate the filter itself observed.  Sources: envoy
// api/envoy/extensions/filters/http/admission_control/v3/admission_control.proto and
// source/extensions/filters/http/admission_control/{admission_control,thread_local_controller,
// evaluators/success_criteria_evaluator}.cc; shared/reference/chaos-and-overload.md §3.
//
//   p = (n - s / sr_threshold) / (n + 1), then p^(1/aggression) when aggression != 1, then
//   min(p, max_rejection_probability); reject when 10^4 x max(p, 0) > r mod 10^4 for a random
//   integer r.  n, s: requests and successes recorded over the sampling window; nothing is
//   rejected while the window's average rps (requests / window seconds, integer) is below
//   rps_threshold.  A rejected request gets a local 503 and is not recorded.
//   Success, by default: HTTP status < 500; gRPC OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT,
//   NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, FAILED_PRECONDITION, OUT_OF_RANGE,
//   UNIMPLEMENTED, UNAUTHENTICATED.
//   The window is kept in 1 s buckets: a bucket older than the window (its start at least a
//   window ago) is dropped when the filter next records or decides.
// Envoy keeps one controller per worker thread; meshsim keeps one per sidecar (as a sidecar with
// one worker thread, Istio's default concurrency for a sidecar is 2).
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "simcore/time.h"

namespace meshsim::policies {

struct AdmissionControlConfig {
  simcore::Time sampling_window = simcore::Time::from_s(30);  // default 30 s
  double success_rate_threshold = 0.95;    // sr_threshold: percent / 100, at most 1; default 95 %
  double aggression = 1.0;                 // values below 1 are 1; default 1.0
  uint32_t rps_threshold = 0;              // default 0
  double max_rejection_probability = 0.8;  // percent / 100; default 80 %
  // success_criteria: HTTP statuses in any [start, end) range; gRPC codes listed.  Empty: the
  // defaults below.
  std::vector<std::pair<uint32_t, uint32_t>> http_success;
  std::vector<uint8_t> grpc_success;
};

// The rejection probability for n requests and s successes in the window (shouldRejectRequest,
// before the draw); 0 when the formula is negative.
double admission_reject_probability(double requests, double successes, const AdmissionControlConfig& c);
// The draw: Envoy compares with 4 significant figures.
inline bool admission_rejects(double probability, uint64_t random_word) {
  return 10000.0 * (probability > 0 ? probability : 0.0) > static_cast<double>(random_word % 10000);
}

bool admission_http_success(uint32_t status);  // the default success criteria
bool admission_grpc_success(uint8_t grpc_status);
// A response's outcome under the filter's criteria (gRPC when it carries a grpc-status).
bool admission_success(const AdmissionControlConfig& c, uint32_t http_status, bool grpc, uint8_t grpc_status);

// The sliding window of 1 s buckets (ThreadLocalControllerImpl).
class AdmissionWindow {
 public:
  explicit AdmissionWindow(simcore::Time window) : window_(window) {}
  void record(simcore::Time now, bool success) { add(now, 1, success ? 1 : 0); }
  void add(simcore::Time now, uint64_t requests, uint64_t successes);
  struct Counts {
    uint64_t requests = 0;
    uint64_t successes = 0;
  };
  Counts counts(simcore::Time now);
  uint32_t average_rps(simcore::Time now);

 private:
  void update(simcore::Time now);
  struct Bucket {
    simcore::Time start;
    Counts counts;
  };
  simcore::Time window_;
  std::deque<Bucket> buckets_;
  Counts total_;
};

// The filter's decision for one request (decodeHeaders): true = answer 503 locally.
bool admission_should_reject(AdmissionWindow& window, simcore::Time now, const AdmissionControlConfig& c,
                             uint64_t random_word);

}  // namespace meshsim::policies
