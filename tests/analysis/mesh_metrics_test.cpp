// Tests for analysis/mesh_metrics.*: Istio-style series (interval filing by end time, warm-up
// dropping, which reporter counts where) and the per-service / per-edge figures of the CLI.
//
// Source of truth: the hand-made run in mesh_fixture.h, whose figures are computed by hand in the
// comments here; Istio's counting rules (reference notes section 9: one reporter=source sample
// per request with its final outcome, reporter=destination per attempt); the definitions stated
// in mesh_metrics.h.
#include "analysis/mesh_metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "mesh_fixture.h"

namespace {

using meshsim::analysis::MeshMetrics;
using meshsim::analysis::SeriesKey;
using meshsim::analysis::SeriesStats;
using meshsim::analysis::TrafficStats;
using meshsim::models::Reporter;
using meshsim::simcore::Time;
namespace t = meshsim::testing;

constexpr double kRel = 1.0 / 256;  // the histogram's relative error bound (histogram.h)

MeshMetrics bookinfo() {
  MeshMetrics m(Time::from_s(10));
  t::feed_bookinfo(m);
  return m;
}

// (interval, key) -> (count, attempts) over the per-interval series.
std::map<std::pair<int64_t, SeriesKey>, std::pair<uint64_t, uint64_t>> interval_counts(
    const MeshMetrics& m) {
  std::map<std::pair<int64_t, SeriesKey>, std::pair<uint64_t, uint64_t>> out;
  m.for_each_interval_series([&](int64_t k, const SeriesKey& key, const SeriesStats& s) {
    out[{k, key}] = {s.count, s.attempts};
  });
  return out;
}

TEST_CASE("MeshMetrics drops records that end before the warm-up, keeps those that start before it",
          "[mesh_metrics]") {
  MeshMetrics m(Time::from_s(10));
  m.begin(t::bookinfo_catalog(), Time::from_s(5));
  const std::vector<meshsim::models::CallRecord> calls{
      t::call(Reporter::kClient, meshsim::models::kNoWorkload, t::kProductpage, t::kProductpageV1,
              200, 0, 9'999, 1'000),  // ends 1 ms before the warm-up: dropped
      t::call(Reporter::kClient, meshsim::models::kNoWorkload, t::kProductpage, t::kProductpageV1,
              200, 0, 10'000, 2'000),  // ends exactly at the warm-up: kept
      t::call(Reporter::kClient, meshsim::models::kNoWorkload, t::kProductpage, t::kProductpageV1,
              200, 0, 10'001, 5'000)};  // started before the warm-up: kept (filed by its end)
  m.calls(calls);
  m.finish(Time::from_s(20), 1);
  CHECK(m.dropped() == 1);
  CHECK(m.recorded() == 2);
  uint64_t total = 0;
  m.for_each_total([&](const SeriesKey&, const SeriesStats& s) { total += s.count; });
  CHECK(total == 2);
  CHECK(m.measured() == Time::from_s(10));
}

TEST_CASE("MeshMetrics files each record under the interval holding its end time",
          "[mesh_metrics]") {
  // Intervals are [5k, 5k+5) s.  The 504 starts at 19.98 s and ends at 20.01 s: interval 4.
  const MeshMetrics m = bookinfo();
  const auto counts = interval_counts(m);
  std::map<int64_t, uint64_t> per_interval;
  for (const auto& [where, c] : counts) per_interval[where.first] += c.first;
  CHECK(per_interval == std::map<int64_t, uint64_t>{{2, 10}, {3, 5}, {4, 4}, {5, 4}});

  SeriesKey timeout{Reporter::kSource,
                    t::kProductpageV1,
                    t::kReviews,
                    t::kReviewsV2,
                    504,
                    meshsim::policies::kUpstreamRequestTimeout,
                    0};
  REQUIRE(counts.count({4, timeout}) == 1);
  CHECK(counts.at({4, timeout}) == std::pair<uint64_t, uint64_t>{1, 3});
  CHECK(counts.count({3, timeout}) == 0);
}

TEST_CASE("MeshMetrics keeps one series per label combination, per interval and in total",
          "[mesh_metrics]") {
  const MeshMetrics m = bookinfo();
  // Distinct label sets: client->pp 200; pp->reviews-v1 200, ->reviews-v2 200, ->none 503 UO,
  // ->reviews-v2 504 UT; destination reviews-v2 200; reviews-v1->ratings 200; reviews-v2->ratings
  // 200, reset UC.  Nine.
  CHECK(m.total_series() == 9);
  SeriesKey key{Reporter::kDestination, t::kProductpageV1, t::kReviews, t::kReviewsV2, 200, 0, 0};
  bool seen = false;
  m.for_each_total([&](const SeriesKey& k, const SeriesStats& s) {
    if (k != key) return;
    seen = true;
    CHECK(s.count == 3);
    CHECK(s.latency.min() == 9'000'000);
    CHECK(s.latency.max() == 9'000'000);
    CHECK(s.latency.sum() == 27'000'000.0L);
  });
  CHECK(seen);

  // Totals come out in SeriesKey order.
  std::vector<SeriesKey> order;
  m.for_each_total([&](const SeriesKey& k, const SeriesStats&) { order.push_back(k); });
  CHECK(std::is_sorted(order.begin(), order.end()));
}

TEST_CASE("MeshMetrics per-service figures count each request once, where its caller saw it",
          "[mesh_metrics]") {
  // Istio: reporter=source gives the request's final outcome; the 3 reporter=destination
  // records of reviews must not be counted again.
  const MeshMetrics m = bookinfo();
  const std::vector<TrafficStats> s = m.services();
  REQUIRE(s.size() == 3);

  const TrafficStats& pp = s[t::kProductpage];
  CHECK(pp.destination_service == t::kProductpage);
  CHECK(pp.requests == 10);
  CHECK(pp.rps == Approx(0.5));  // 10 requests / 20 s measured
  CHECK(pp.success_percent() == Approx(100.0));
  CHECK(pp.retries == 0);
  CHECK(pp.timeouts == 0);
  CHECK(pp.error_codes.empty());
  CHECK(pp.flags.empty());
  // 1..10 ms: p50 = 5th value, p90 = 9th, p99 = ceil(9.9) = 10th (HdrHistogram's rank).
  CHECK(pp.percentile_ms(50) == Approx(5.0).epsilon(kRel));
  CHECK(pp.percentile_ms(90) == Approx(9.0).epsilon(kRel));
  CHECK(pp.percentile_ms(99) == Approx(10.0).epsilon(kRel));
  CHECK(pp.latency.mean() == Approx(5.5e6));

  const TrafficStats& reviews = s[t::kReviews];
  CHECK(reviews.requests == 6);
  CHECK(reviews.successes == 4);  // 503 and 504 fail
  CHECK(reviews.success_percent() == Approx(400.0 / 6));
  CHECK(reviews.rps == Approx(0.3));
  CHECK(reviews.retries == 2);   // the 504 took 3 attempts
  CHECK(reviews.timeouts == 1);  // UT / 504
  CHECK(reviews.error_codes ==
        std::vector<std::pair<uint16_t, uint64_t>>{{503, 1}, {504, 1}});  // tie: by code
  CHECK(reviews.flags == std::vector<std::pair<std::string, uint64_t>>{{"UO", 1}, {"UT", 1}});
  CHECK(reviews.latency.max() == 30'000'000);
  CHECK(reviews.latency.min() == 100'000);

  const TrafficStats& ratings = s[t::kRatings];
  CHECK(ratings.requests == 4);
  CHECK(ratings.successes == 3);  // the reset (code 0) is a failure
  CHECK(ratings.retries == 1);
  CHECK(ratings.timeouts == 0);
  CHECK(ratings.error_codes == std::vector<std::pair<uint16_t, uint64_t>>{{0, 1}});
  CHECK(ratings.flags == std::vector<std::pair<std::string, uint64_t>>{{"UC", 1}});
  // 1, 1, 3, 5 ms: p50 = 2nd value.
  CHECK(ratings.percentile_ms(50) == Approx(1.0).epsilon(kRel));
}

TEST_CASE("MeshMetrics per-edge figures: the edge client first, then callers in catalog order",
          "[mesh_metrics]") {
  const MeshMetrics m = bookinfo();
  const std::vector<TrafficStats> e = m.edges();
  REQUIRE(e.size() == 4);
  std::vector<std::tuple<std::string, std::string, uint64_t, uint64_t, uint64_t>> got;
  for (const auto& x : e) {
    got.emplace_back(std::string(m.edge_source_name(x.source_workload)),
                     std::string(m.service_name(x.destination_service)), x.requests, x.successes,
                     x.retries);
  }
  CHECK(got == decltype(got){{"client", "productpage", 10, 10, 0},
                             {"productpage-v1", "reviews", 6, 4, 2},
                             {"reviews-v1", "ratings", 1, 1, 0},
                             {"reviews-v2", "ratings", 3, 2, 1}});
  CHECK(e[3].success_percent() == Approx(200.0 / 3));
  CHECK(e[3].rps == Approx(0.15));
}

TEST_CASE("MeshMetrics exact Istio bucket counts include a sample lying exactly on a bound",
          "[mesh_metrics]") {
  // Prometheus' `le` is inclusive: the 1 ms client request is in le=1, the 10 ms one in le=10.
  const MeshMetrics m = bookinfo();
  SeriesKey key{Reporter::kClient,
                meshsim::models::kNoWorkload,
                t::kProductpage,
                t::kProductpageV1,
                200,
                0,
                0};
  bool seen = false;
  m.for_each_total([&](const SeriesKey& k, const SeriesStats& s) {
    if (k != key) return;
    seen = true;
    const auto b = s.istio_buckets.cumulative();
    CHECK(b[0] == 0);   // le 0.5
    CHECK(b[1] == 1);   // le 1: 1 ms
    CHECK(b[2] == 5);   // le 5: 1..5 ms
    CHECK(b[3] == 10);  // le 10
    CHECK(b.back() == 10);
  });
  CHECK(seen);
}

TEST_CASE("MeshMetrics gives the same series whatever the order and batching of records",
          "[mesh_metrics]") {
  // Closed intervals are packed; a late record must reopen its cell without changing anything.
  const MeshMetrics in_order = bookinfo();

  auto calls = t::bookinfo_calls();
  std::reverse(calls.begin(), calls.end());
  MeshMetrics reversed(Time::from_s(10));
  reversed.begin(t::bookinfo_catalog(), Time::from_s(5));
  for (const auto& c : calls) reversed.calls({&c, 1});
  reversed.finish(Time::from_s(30), 123'456);

  std::vector<std::tuple<int64_t, SeriesKey, uint64_t, uint64_t>> a, b;
  std::vector<meshsim::analysis::Histogram> ha, hb;
  in_order.for_each_interval_series([&](int64_t k, const SeriesKey& key, const SeriesStats& s) {
    a.emplace_back(k, key, s.count, s.attempts);
    ha.push_back(s.latency);
  });
  reversed.for_each_interval_series([&](int64_t k, const SeriesKey& key, const SeriesStats& s) {
    b.emplace_back(k, key, s.count, s.attempts);
    hb.push_back(s.latency);
  });
  CHECK(a == b);
  CHECK(ha == hb);
}

TEST_CASE("MeshMetrics packed interval cells keep their histograms exactly", "[mesh_metrics]") {
  // Many random latencies per interval over 50 intervals, fed in order, so all but the last two
  // intervals are packed; every interval's histogram must equal one recorded directly.
  std::mt19937_64 rng(42);
  MeshMetrics m;
  m.begin(t::bookinfo_catalog(), Time::from_s(1));
  std::vector<meshsim::analysis::Histogram> expected(50);
  for (int64_t k = 0; k < 50; ++k) {
    std::vector<meshsim::models::CallRecord> batch;
    for (int i = 0; i < 200; ++i) {
      const int64_t latency_ns = static_cast<int64_t>(rng() % 50'000'000) + 1;
      auto r = t::call(Reporter::kSource, t::kReviewsV1, t::kRatings, t::kRatingsV1, 200, 0, 0, 0);
      r.end = Time::from_ns(k * 1'000'000'000 + static_cast<int64_t>(rng() % 1'000'000'000));
      r.start = r.end - Time::from_ns(std::min(latency_ns, r.end.ns()));
      expected[static_cast<size_t>(k)].record(r.end - r.start);
      batch.push_back(r);
    }
    m.calls(batch);
  }
  m.finish(Time::from_s(50), 1);
  size_t n = 0;
  m.for_each_interval_series([&](int64_t k, const SeriesKey&, const SeriesStats& s) {
    CHECK(s.latency == expected[static_cast<size_t>(k)]);
    ++n;
  });
  CHECK(n == 50);
}

TEST_CASE("MeshMetrics names catalog indices with Istio's label values", "[mesh_metrics]") {
  const MeshMetrics m = bookinfo();
  CHECK(m.service_fqdn(t::kReviews) == "reviews.default.svc.cluster.local");
  CHECK(m.service_name(t::kReviews) == "reviews");
  CHECK(m.workload_version(t::kReviewsV2) == "v2");
  CHECK(m.workload_name(meshsim::models::kNoWorkload) == "unknown");
  CHECK(m.edge_source_name(meshsim::models::kNoWorkload) == "client");
  CHECK(m.load_name(0) == "users");
  CHECK(m.load_name(meshsim::analysis::kNoLoad) == "unknown");
  CHECK(m.span_records().size() == 2);
  CHECK(m.timeline_records().size() == 3);
  CHECK(m.events() == 123'456);
}

}  // namespace

TEST_CASE("An in-mesh load generator's requests count once in services(), not twice") {
  // Regression: a load generator with a sidecar produces a client record and a reporter=source
  // record (source workload unknown) for every request; services() counted both (406 rps for a
  // 200 rps load).  Truth: one request, counted once.
  using namespace meshsim;
  analysis::MeshMetrics m;
  models::MeshCatalog cat;
  cat.services.push_back({"web", "default"});
  cat.workloads.push_back({"web-v1", "web", "default", "v1", "web"});
  cat.loads.push_back("users");
  m.begin(cat, simcore::Time::from_s(1));
  std::vector<models::CallRecord> recs(2);
  for (auto& r : recs) {
    r.start = simcore::Time::from_ms(100);
    r.end = simcore::Time::from_ms(120);
    r.destination_service = 0;
    r.destination_workload = 0;
    r.load = 0;
    r.response_code = 200;
  }
  recs[0].reporter = models::Reporter::kClient;
  recs[1].reporter = models::Reporter::kSource;  // the generator's own sidecar
  recs[1].attempts = 3;                          // ... which retried twice
  m.calls(recs);
  m.finish(simcore::Time::from_s(1), 10);
  const auto services = m.services();
  REQUIRE(services.size() == 1);
  CHECK(services[0].requests == 1);
  // The sidecar's retries are counted (only there are they seen), the request once.
  CHECK(services[0].retries == 2);
  const auto edges = m.edges();
  REQUIRE(edges.size() == 1);
  CHECK(edges[0].source_workload == models::kNoWorkload);
  CHECK(edges[0].requests == 1);
  CHECK(edges[0].retries == 2);
}

TEST_CASE("gRPC: a non-OK grpc_response_status is an error although response_code is 200; the "
          "series keep request_protocol and grpc_response_status apart") {
  // Istio: response_code is 200 for nearly every gRPC call (trailers-only local replies);
  // grpc_response_status carries the outcome (istio_stats; Kiali counts gRPC errors by it).
  using namespace meshsim;
  analysis::MeshMetrics m;
  models::MeshCatalog cat;
  cat.services.push_back({"inventory", "default"});
  cat.workloads.push_back({"web-v1", "web", "default", "v1", "web"});
  cat.loads.push_back("users");
  m.begin(cat, simcore::Time::from_s(1));
  std::vector<models::CallRecord> recs(4);
  for (auto& r : recs) {
    r.start = simcore::Time::from_ms(100);
    r.end = simcore::Time::from_ms(120);
    r.source_workload = 0;
    r.destination_service = 0;
    r.load = 0;
    r.response_code = 200;
    r.reporter = models::Reporter::kSource;
    r.grpc = true;
    r.grpc_response_status = 0;
  }
  recs[1].grpc_response_status = 14;
  recs[2].grpc_response_status = 14;
  recs[3].grpc = false;  // an HTTP 200 alongside
  recs[3].grpc_response_status = models::kNoGrpcResponseStatus;
  m.calls(recs);
  m.finish(simcore::Time::from_s(1), 10);
  const auto services = m.services();
  REQUIRE(services.size() == 1);
  CHECK(services[0].requests == 4);
  CHECK(services[0].successes == 2);
  REQUIRE(services[0].grpc_errors.size() == 1);
  CHECK(services[0].grpc_errors[0] == std::pair<uint8_t, uint64_t>{14, 2});
  CHECK(m.total_series() == 3);
}

TEST_CASE("MeshMetrics: a response flag counts among the errors only on a failed request (an "
          "injected delay that then succeeded is not an error)",
          "[mesh_metrics]") {
  using namespace meshsim::policies;
  MeshMetrics m;
  m.begin(t::bookinfo_catalog(), Time::from_s(5));
  const std::vector<meshsim::models::CallRecord> calls{
      t::call(Reporter::kSource, t::kProductpageV1, t::kReviews, t::kReviewsV1, 200, kDelayInjected, 1'000, 7'000),
      t::call(Reporter::kSource, t::kProductpageV1, t::kReviews, t::kReviewsV1, 200, kDelayInjected, 2'000, 7'000),
      t::call(Reporter::kSource, t::kProductpageV1, t::kReviews, t::kReviewsV1, 504,
              kDelayInjected | kUpstreamRequestTimeout, 3'000, 7'000)};
  m.calls(calls);
  m.finish(Time::from_s(10), 0);
  const std::vector<TrafficStats> services = m.services();  // by value: hold it while reading
  const TrafficStats& reviews = services[t::kReviews];
  CHECK(reviews.requests == 3);
  CHECK(reviews.successes == 2);
  CHECK(reviews.flags == std::vector<std::pair<std::string, uint64_t>>{{"UT,DI", 1}});
}
