// Envoy admission control; see admission_control.h.
#include "policies/admission_control.h"

#include <algorithm>
#include <cmath>

#include "policies/grpc_status.h"

namespace meshsim::policies {

double admission_reject_probability(double requests, double successes, const AdmissionControlConfig& c) {
  double p = (requests - successes / c.success_rate_threshold) / (requests + 1);
  if (p <= 0) return 0.0;  // Envoy: a negative p (NaN after pow) never rejects
  const double aggression = std::max(1.0, c.aggression);
  if (aggression != 1.0) p = std::pow(p, 1.0 / aggression);
  return std::min(p, c.max_rejection_probability);
}

bool admission_http_success(uint32_t status) { return status < 500; }

bool admission_grpc_success(uint8_t s) {
  switch (s) {
    case kGrpcOk:
    case kGrpcCancelled:
    case kGrpcUnknown:
    case kGrpcInvalidArgument:
    case kGrpcNotFound:
    case kGrpcAlreadyExists:
    case kGrpcPermissionDenied:
    case kGrpcFailedPrecondition:
    case kGrpcOutOfRange:
    case kGrpcUnimplemented:
    case kGrpcUnauthenticated:
      return true;
    default:
      return false;
  }
}

void AdmissionWindow::update(simcore::Time now) {
  while (!buckets_.empty() && now - buckets_.front().start >= window_) {
    total_.requests -= buckets_.front().counts.requests;
    total_.successes -= buckets_.front().counts.successes;
    buckets_.pop_front();
  }
  if (buckets_.empty() || now - buckets_.back().start >= simcore::Time::from_s(1))
    buckets_.push_back({now, {}});
}

bool admission_success(const AdmissionControlConfig& c, uint32_t http_status, bool grpc, uint8_t grpc_status) {
  if (grpc) {
    if (c.grpc_success.empty()) return admission_grpc_success(grpc_status);
    return std::find(c.grpc_success.begin(), c.grpc_success.end(), grpc_status) != c.grpc_success.end();
  }
  if (c.http_success.empty()) return admission_http_success(http_status);
  return std::any_of(c.http_success.begin(), c.http_success.end(),
                     [&](const auto& r) { return r.first <= http_status && http_status < r.second; });
}

void AdmissionWindow::add(simcore::Time now, uint64_t requests, uint64_t successes) {
  update(now);
  buckets_.back().counts.requests += requests;
  buckets_.back().counts.successes += successes;
  total_.requests += requests;
  total_.successes += successes;
}

AdmissionWindow::Counts AdmissionWindow::counts(simcore::Time now) {
  update(now);
  return total_;
}

uint32_t AdmissionWindow::average_rps(simcore::Time now) {
  update(now);
  if (buckets_.empty() || total_.requests == 0) return 0;
  // Whole seconds: max(window, age of the oldest bucket), as std::chrono::seconds truncates.
  const int64_t age_s = (now - buckets_.front().start).ns() / 1'000'000'000;
  const int64_t window_s = window_.ns() / 1'000'000'000;
  const int64_t secs = std::max<int64_t>(1, std::max(window_s, age_s));
  return static_cast<uint32_t>(total_.requests / static_cast<uint64_t>(secs));
}

bool admission_should_reject(AdmissionWindow& window, simcore::Time now, const AdmissionControlConfig& c,
                             uint64_t random_word) {
  if (window.average_rps(now) < c.rps_threshold) return false;
  const AdmissionWindow::Counts n = window.counts(now);
  return admission_rejects(
      admission_reject_probability(static_cast<double>(n.requests), static_cast<double>(n.successes), c),
      random_word);
}

}  // namespace meshsim::policies
