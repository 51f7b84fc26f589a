// Tests for analysis/tcp_metrics.*, fed through MeshMetrics::tcp() as the mesh feeds it: Istio's
// four TCP counters per interval and per label set, the warm-up, whole-run totals, and the
// per-service figures the CLI prints.
//
// Source of truth: the hand-made records of tcp_fixture.h (figures computed there by hand);
// Istio's standard metrics (istio.io "Istio Standard Metrics": istio_tcp_connections_opened_total,
// _closed_total, istio_tcp_sent_bytes_total = bytes sent during response, _received_bytes_total
// = bytes received during request); models/observation.h's TcpRecord contract.
#include "analysis/tcp_metrics.h"

#include <algorithm>
#include <map>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/mesh_metrics.h"
#include "tcp_fixture.h"

namespace {

using meshsim::analysis::MeshMetrics;
using meshsim::analysis::TcpKey;
using meshsim::analysis::TcpServiceStats;
using meshsim::analysis::TcpStats;
using meshsim::models::Reporter;
using meshsim::models::TcpRecord;
using meshsim::simcore::Time;
namespace t = meshsim::testing;
namespace p = meshsim::policies;

constexpr uint32_t kNo = meshsim::models::kNoWorkload;

MeshMetrics tcp_run() {
  MeshMetrics m(Time::from_s(10));
  t::feed_tcp_only(m);
  return m;
}

TcpKey key(Reporter reporter, uint32_t source, uint32_t service, uint32_t destination,
           uint32_t flags = 0) {
  return {reporter, source, service, destination, flags};
}

TcpStats stats(uint64_t opened, uint64_t closed, uint64_t sent, uint64_t received) {
  return {opened, closed, sent, received};
}

using IntervalRows = std::vector<std::tuple<int64_t, TcpKey, TcpStats>>;

IntervalRows interval_rows(const MeshMetrics& m) {
  IntervalRows out;
  m.tcp_metrics().for_each_interval(
      [&](int64_t k, const TcpKey& key, const TcpStats& s) { out.emplace_back(k, key, s); });
  return out;
}

std::vector<std::pair<TcpKey, TcpStats>> totals(const MeshMetrics& m) {
  std::vector<std::pair<TcpKey, TcpStats>> out;
  m.tcp_metrics().for_each_total(
      [&](const TcpKey& key, const TcpStats& s) { out.emplace_back(key, s); });
  return out;
}

TEST_CASE("TCP: the four Istio counters per interval and label set, in key order",
          "[tcp_metrics]") {
  const MeshMetrics m = tcp_run();
  const uint32_t uf_urx = p::kUpstreamConnectionFailure | p::kUpstreamRetryLimitExceeded;
  const IntervalRows expected{
      {2, key(Reporter::kSource, t::kProductpageV1, t::kReviews, t::kReviewsV1),
       stats(1, 0, 1500, 150)},
      {2, key(Reporter::kSource, t::kProductpageV1, t::kRatings, t::kRatingsV1), stats(0, 1, 0, 0)},
      {2, key(Reporter::kDestination, t::kProductpageV1, t::kReviews, t::kReviewsV1),
       stats(1, 0, 1000, 100)},
      {3, key(Reporter::kSource, t::kProductpageV1, t::kReviews, t::kReviewsV1), stats(0, 1, 0, 0)},
      {3, key(Reporter::kSource, t::kProductpageV1, t::kReviews, kNo), stats(1, 0, 0, 0)},
      {3, key(Reporter::kSource, t::kProductpageV1, t::kReviews, kNo, uf_urx), stats(0, 1, 0, 0)},
      {3, key(Reporter::kDestination, t::kProductpageV1, t::kReviews, t::kReviewsV1),
       stats(0, 1, 0, 0)},
      {4, key(Reporter::kSource, t::kProductpageV1, t::kReviews, kNo), stats(1, 0, 0, 0)},
      {4, key(Reporter::kSource, t::kProductpageV1, t::kReviews, kNo, p::kUpstreamOverflow),
       stats(0, 1, 0, 0)},
      {5, key(Reporter::kDestination, kNo, t::kProductpage, t::kProductpageV1),
       stats(1, 0, 20, 10)},
  };
  CHECK(interval_rows(m) == expected);
}

TEST_CASE("TCP: whole-run totals per label set over the measured window", "[tcp_metrics]") {
  const MeshMetrics m = tcp_run();
  const uint32_t uf_urx = p::kUpstreamConnectionFailure | p::kUpstreamRetryLimitExceeded;
  const std::vector<std::pair<TcpKey, TcpStats>> expected{
      {key(Reporter::kSource, t::kProductpageV1, t::kReviews, t::kReviewsV1),
       stats(1, 1, 1500, 150)},
      {key(Reporter::kSource, t::kProductpageV1, t::kReviews, kNo), stats(2, 0, 0, 0)},
      // Flags by their bits: UO (1 << 7) before UF,URX (1 << 5 | 1 << 12).
      {key(Reporter::kSource, t::kProductpageV1, t::kReviews, kNo, p::kUpstreamOverflow),
       stats(0, 1, 0, 0)},
      {key(Reporter::kSource, t::kProductpageV1, t::kReviews, kNo, uf_urx), stats(0, 1, 0, 0)},
      {key(Reporter::kSource, t::kProductpageV1, t::kRatings, t::kRatingsV1), stats(0, 1, 0, 0)},
      // The edge client (unknown) sorts after every workload.
      {key(Reporter::kDestination, t::kProductpageV1, t::kReviews, t::kReviewsV1),
       stats(1, 1, 1000, 100)},
      {key(Reporter::kDestination, kNo, t::kProductpage, t::kProductpageV1), stats(1, 0, 20, 10)},
  };
  CHECK(totals(m) == expected);
  CHECK(m.tcp_metrics().recorded() == 14);
  CHECK(m.tcp_metrics().dropped() == 1);
  // TCP records are not calls: the request counters are untouched.
  CHECK(m.recorded() == 0);
  CHECK(m.dropped() == 0);
  CHECK(m.total_series() == 0);
}

TEST_CASE(
    "TCP: records before the warm-up are dropped by their own time, like calls by their end; "
    "a record exactly at the warm-up is kept",
    "[tcp_metrics]") {
  MeshMetrics m(Time::from_s(10));
  m.begin(t::bookinfo_catalog(), Time::from_s(5));
  const std::vector<TcpRecord> records{
      t::tcp(TcpRecord::kOpened, Reporter::kSource, t::kReviewsV1, t::kRatings, t::kRatingsV1,
             9'999),
      t::tcp(TcpRecord::kBytes, Reporter::kSource, t::kReviewsV1, t::kRatings, t::kRatingsV1, 9'999,
             0, 7, 70),
      t::tcp(TcpRecord::kBytes, Reporter::kSource, t::kReviewsV1, t::kRatings, t::kRatingsV1,
             10'000, 0, 3, 30),
      t::tcp(TcpRecord::kClosed, Reporter::kSource, t::kReviewsV1, t::kRatings, t::kRatingsV1,
             10'001),
  };
  m.tcp(records);
  m.finish(Time::from_s(20), 4);
  CHECK(m.tcp_metrics().dropped() == 2);
  CHECK(m.tcp_metrics().recorded() == 2);
  const auto rows = totals(m);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].second == stats(0, 1, 30, 3));
  CHECK(std::get<0>(interval_rows(m).at(0)) == 2);  // 10 s opens interval 2 ([10 s, 15 s))
}

TEST_CASE("TCP: a run whose TCP records all fall in the warm-up keeps nothing", "[tcp_metrics]") {
  MeshMetrics m(Time::from_s(10));
  m.begin(t::bookinfo_catalog(), Time::from_s(5));
  const std::vector<TcpRecord> records{t::tcp(TcpRecord::kOpened, Reporter::kSource, t::kReviewsV1,
                                              t::kRatings, t::kRatingsV1, 1'000)};
  m.tcp(records);
  m.finish(Time::from_s(20), 1);
  CHECK(m.tcp_metrics().empty());
  CHECK(m.tcp_metrics().services().empty());
  CHECK(interval_rows(m).empty());
}

TEST_CASE("TCP: the counters do not depend on the order or batching of records", "[tcp_metrics]") {
  const MeshMetrics reference = tcp_run();
  auto records = t::bookinfo_tcp_records();
  std::mt19937 shuffle(3);  // a fixed permutation, not a statistical draw
  std::shuffle(records.begin(), records.end(), shuffle);
  MeshMetrics m(Time::from_s(10));
  m.begin(t::bookinfo_catalog(), Time::from_s(5));
  for (const TcpRecord& r : records) m.tcp(std::span<const TcpRecord>(&r, 1));
  m.finish(Time::from_s(30), 1'000);
  CHECK(interval_rows(m) == interval_rows(reference));
  CHECK(totals(m) == totals(reference));
}

TEST_CASE(
    "TCP per service: reporter=source when the service has source records, else destination; "
    "failed = closed with UF or UO, by flag string",
    "[tcp_metrics]") {
  const std::vector<TcpServiceStats> s = tcp_run().tcp_metrics().services();
  REQUIRE(s.size() == 3);  // productpage, reviews, ratings: service-index order

  CHECK(s[0].destination_service == t::kProductpage);
  CHECK(s[0].reporter == Reporter::kDestination);  // the edge client has no sidecar
  CHECK(s[0].stats == stats(1, 0, 20, 10));
  CHECK(s[0].failed.empty());

  // reviews: a, b and c as the caller's sidecar saw them; a's destination records not added.
  CHECK(s[1].destination_service == t::kReviews);
  CHECK(s[1].reporter == Reporter::kSource);
  CHECK(s[1].stats == stats(3, 3, 1500, 150));
  CHECK(s[1].failed ==
        std::vector<std::pair<std::string, uint64_t>>{{"UF,URX", 1}, {"UO", 1}});  // tie: by name
  CHECK(s[1].failed_total() == 2);

  CHECK(s[2].destination_service == t::kRatings);
  CHECK(s[2].reporter == Reporter::kSource);
  CHECK(s[2].stats == stats(0, 1, 0, 0));
  CHECK(s[2].failed_total() == 0);
}

TEST_CASE("TCP: a run without TCP records has no TCP series", "[tcp_metrics]") {
  MeshMetrics m(Time::from_s(10));
  t::feed_bookinfo(m);
  CHECK(m.tcp_metrics().empty());
  CHECK(m.tcp_metrics().recorded() == 0);
  CHECK(m.tcp_metrics().services().empty());
}

}  // namespace
