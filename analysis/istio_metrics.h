// Istio's standard-metrics vocabulary: metric and label names, label values, and the default
// buckets of istio_request_duration_milliseconds, so that every output of meshsim (summary
// table, HDF5 file, Python) names things exactly as a Prometheus query against a real mesh would.
//
// Source: istio.io reference/config/metrics, and the Envoy default histogram buckets Istio uses
// unless `sidecar.istio.io/statsHistogramBuckets` overrides them (reference notes, section 9).
// Thread safety: constants and pure functions only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "analysis/histogram.h"
#include "models/observation.h"

namespace meshsim::analysis {

inline constexpr std::string_view kRequestsTotal = "istio_requests_total";
inline constexpr std::string_view kRequestDuration = "istio_request_duration_milliseconds";

// Label names, as Istio spells them.
inline constexpr std::string_view kLabelReporter = "reporter";
inline constexpr std::string_view kLabelSourceWorkload = "source_workload";
inline constexpr std::string_view kLabelSourceVersion = "source_version";
inline constexpr std::string_view kLabelDestinationService = "destination_service";  // the FQDN
inline constexpr std::string_view kLabelDestinationServiceName = "destination_service_name";
inline constexpr std::string_view kLabelDestinationServiceNamespace =
    "destination_service_namespace";
inline constexpr std::string_view kLabelDestinationWorkload = "destination_workload";
inline constexpr std::string_view kLabelDestinationVersion = "destination_version";
inline constexpr std::string_view kLabelResponseCode = "response_code";
inline constexpr std::string_view kLabelResponseFlags = "response_flags";
inline constexpr std::string_view kLabelRequestProtocol = "request_protocol";          // "http", "grpc"
inline constexpr std::string_view kLabelGrpcResponseStatus = "grpc_response_status";  // "" or "14"

// Istio's value for a label it cannot fill (e.g. source_workload of traffic from outside the mesh).
inline constexpr std::string_view kUnknown = "unknown";

// "source", "destination", or "client" (meshsim's edge load generator, which Istio would not see).
std::string_view reporter_label(models::Reporter reporter);

// Upper bounds (`le`, milliseconds) of istio_request_duration_milliseconds, without +Inf.
inline constexpr std::array<double, 19> kIstioDurationBucketsMs{
    0.5,  1,    5,     10,    25,    50,     100,    250,     500,    1000,
    2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000};

// The same bounds in integer nanoseconds (all exact).
inline constexpr std::array<int64_t, 19> kIstioDurationBucketsNs{
    500'000,         1'000'000,       5'000'000,         10'000'000,       25'000'000,
    50'000'000,      100'000'000,     250'000'000,       500'000'000,      1'000'000'000,
    2'500'000'000,   5'000'000'000,   10'000'000'000,    30'000'000'000,   60'000'000'000,
    300'000'000'000, 600'000'000'000, 1'800'000'000'000, 3'600'000'000'000};

// Cumulative Prometheus-style bucket counts: element i counts the samples <= kIstioDuration-
// BucketsMs[i]; the last element is the +Inf bucket (all samples).
using IstioBucketCounts = std::array<uint64_t, kIstioDurationBucketsMs.size() + 1>;

// Index of the Istio bucket holding a latency of `ns`: the first bound >= ns (`le` is
// inclusive, as in Prometheus), or kIstioDurationBucketsNs.size() for +Inf.
size_t istio_bucket_index(int64_t ns);

// Exact per-bucket counts, recorded sample by sample as Envoy's histogram does: unlike the
// conversion from a Histogram below, a sample exactly on a bound (a 1 s timeout) is counted
// in that bound's bucket.
struct IstioDurationCounts {
  IstioBucketCounts per_bucket{};  // element i: samples in (bound i-1, bound i]; not cumulative

  void record(int64_t ns, uint64_t count = 1) { per_bucket[istio_bucket_index(ns)] += count; }
  void merge(const IstioDurationCounts& other);
  IstioBucketCounts cumulative() const;
  bool operator==(const IstioDurationCounts&) const = default;
};

// Converts a latency histogram (values in ns) into Istio's buckets, for when only the histogram
// is at hand (e.g. rebuilt from a results file's /totals/histograms).  Exact whenever no log-linear
// bucket of `h` straddles an Istio bound; a straddling bucket's samples all go to the side of the
// value the histogram reports for them (its midpoint clamped to [min, max]), so a sample within
// 1/256 of a bound may be counted on the wrong side of it, never further off.  O(buckets of h).
IstioBucketCounts istio_duration_buckets(const Histogram& h);

}  // namespace meshsim::analysis
