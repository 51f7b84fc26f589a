// Istio vocabulary and bucket conversion; see istio_metrics.h.
#include "analysis/istio_metrics.h"

#include <algorithm>

namespace meshsim::analysis {

std::string_view reporter_label(models::Reporter reporter) {
  switch (reporter) {
    case models::Reporter::kSource:
      return "source";
    case models::Reporter::kDestination:
      return "destination";
    case models::Reporter::kClient:
      return "client";
  }
  return kUnknown;
}

size_t istio_bucket_index(int64_t ns) {
  const auto it =
      std::lower_bound(kIstioDurationBucketsNs.begin(), kIstioDurationBucketsNs.end(), ns);
  return static_cast<size_t>(it - kIstioDurationBucketsNs.begin());
}

void IstioDurationCounts::merge(const IstioDurationCounts& other) {
  for (size_t i = 0; i < per_bucket.size(); ++i) per_bucket[i] += other.per_bucket[i];
}

IstioBucketCounts IstioDurationCounts::cumulative() const {
  IstioBucketCounts out = per_bucket;
  for (size_t i = 1; i < out.size(); ++i) out[i] += out[i - 1];
  return out;
}

IstioBucketCounts istio_duration_buckets(const Histogram& h) {
  IstioBucketCounts out{};
  if (h.count() == 0) return out;
  const uint64_t lo = static_cast<uint64_t>(h.min());
  const uint64_t hi = static_cast<uint64_t>(h.max());
  // Non-cumulative first: each log-linear bucket lands in the first Istio bucket whose bound is
  // >= its representative value; then a running sum makes the counts cumulative.
  for (const Bucket& b : h.buckets()) {
    out[istio_bucket_index(static_cast<int64_t>(std::clamp(b.midpoint(), lo, hi)))] += b.count;
  }
  for (size_t i = 1; i < out.size(); ++i) out[i] += out[i - 1];
  return out;
}

}  // namespace meshsim::analysis
