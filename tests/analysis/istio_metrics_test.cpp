// Tests for analysis/istio_metrics.*: Istio's duration buckets, exact and from a Histogram.
//
// Source of truth: Istio's default bucket bounds for istio_request_duration_milliseconds
// (istio.io reference/config/metrics; reference notes section 9) and Prometheus' histogram rule
// that bucket `le` counts the samples <= le, cumulatively, with +Inf holding all of them.
#include "analysis/istio_metrics.h"

#include <catch2/catch.hpp>

#include "analysis/histogram.h"

namespace {

using meshsim::analysis::Histogram;
using meshsim::analysis::istio_bucket_index;
using meshsim::analysis::istio_duration_buckets;
using meshsim::analysis::IstioBucketCounts;
using meshsim::analysis::IstioDurationCounts;
using meshsim::analysis::kIstioDurationBucketsMs;
using meshsim::analysis::kIstioDurationBucketsNs;

TEST_CASE("Istio duration bounds: the ns table equals the ms table Istio documents",
          "[istio_metrics]") {
  REQUIRE(kIstioDurationBucketsMs.size() == 19);
  for (size_t i = 0; i < kIstioDurationBucketsMs.size(); ++i) {
    CHECK(static_cast<double>(kIstioDurationBucketsNs[i]) == kIstioDurationBucketsMs[i] * 1e6);
  }
  CHECK(kIstioDurationBucketsMs.front() == 0.5);
  CHECK(kIstioDurationBucketsMs.back() == 3'600'000);
}

TEST_CASE("Istio bucket index: `le` is inclusive, beyond the last bound is +Inf",
          "[istio_metrics]") {
  CHECK(istio_bucket_index(0) == 0);
  CHECK(istio_bucket_index(500'000) == 0);
  CHECK(istio_bucket_index(500'001) == 1);
  CHECK(istio_bucket_index(1'000'000'000) == 9);  // a 1 s timeout is in le=1000
  CHECK(istio_bucket_index(3'600'000'000'000) == 18);
  CHECK(istio_bucket_index(3'600'000'000'001) == 19);
}

TEST_CASE("Istio buckets of hand-placed latencies, exact and converted from a Histogram",
          "[istio_metrics]") {
  // 0.3 ms, 0.7 ms, 3 ms x2, 40 ms, 2 s, 45 s, 2 h: none near a bound, so the conversion from
  // the log-linear histogram is exact too.
  const std::vector<int64_t> ns{300'000,    700'000,       3'000'000,      3'000'000,
                                40'000'000, 2'000'000'000, 45'000'000'000, 7'200'000'000'000};
  Histogram h;
  IstioDurationCounts exact;
  for (int64_t v : ns) {
    h.record(v);
    exact.record(v);
  }
  //                      .5 1  5  10 25 50 100 250 500 1e3 2.5e3 5e3 1e4 3e4 6e4 3e5
  //                      6e5 1.8e6 3.6e6 +Inf
  const IstioBucketCounts expected{1, 2, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 7, 8};
  CHECK(exact.cumulative() == expected);
  CHECK(istio_duration_buckets(h) == expected);
  CHECK(istio_duration_buckets(Histogram()) == IstioBucketCounts{});
}

TEST_CASE("Istio buckets from a Histogram: a lone sample on a bound is counted in it",
          "[istio_metrics]") {
  // Its bucket's midpoint is clamped to the exact min = max, the sample itself.
  Histogram h;
  h.record(1'000'000'000, 3);  // three 1 s timeouts
  const IstioBucketCounts b = istio_duration_buckets(h);
  CHECK(b[8] == 0);  // le 500
  CHECK(b[9] == 3);  // le 1000
}

TEST_CASE(
    "Istio buckets from a Histogram: a bucket straddling a bound goes to its reported "
    "value's side (documented 1/256 limit); the exact counts do not",
    "[istio_metrics]") {
  // 1.000 ms and 1.001 ms share the log-linear bucket [999424, 1003520) ns, reported at its
  // midpoint 1001472 clamped to max = 1001000 > 1 ms: both land in le=5.
  Histogram h;
  IstioDurationCounts exact;
  for (int64_t v : {1'000'000, 1'001'000}) {
    h.record(v);
    exact.record(v);
  }
  CHECK(istio_duration_buckets(h)[1] == 0);
  CHECK(istio_duration_buckets(h)[2] == 2);
  CHECK(exact.cumulative()[1] == 1);
  CHECK(exact.cumulative()[2] == 2);
}

}  // namespace
