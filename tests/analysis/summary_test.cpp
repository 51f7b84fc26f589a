// Tests for analysis/summary.*: the text `meshsim run` prints.
//
// Source of truth: the hand-made run of mesh_fixture.h (its figures are computed by hand there
// and checked in mesh_metrics_test.cpp; percentiles carry the histogram's 1/256) and the layout
// promised in summary.h.  The whole text is pinned so that any change to it shows up as a diff.
#include "analysis/summary.h"

#include <string>

#include <catch2/catch.hpp>

#include "mesh_fixture.h"
#include "tcp_fixture.h"

namespace {

using meshsim::analysis::format_summary;
using meshsim::analysis::MeshMetrics;
using meshsim::analysis::SummaryOptions;
using meshsim::simcore::Time;
namespace t = meshsim::testing;

MeshMetrics bookinfo() {
  MeshMetrics m(Time::from_s(10));
  t::feed_bookinfo(m);
  return m;
}

// The text of the hand-made run, pinned whole.
const std::string kExpected =
    "Run: 30.000 s simulated, warm-up 10.000 s, measured 20.000 s, interval 5.000 s, 123456 "
    "events\n"
    "\n"
    "Services (as their callers saw them: reporter=source, or client for edge traffic)\n"
    "service      requests   rps  success %  p50 ms  p90 ms  p99 ms  retries  timeouts  errors\n"
    "-----------  --------  ----  ---------  ------  ------  ------  -------  --------  "
    "---------------------\n"
    "productpage        10  0.50     100.00    5.00    9.01    9.99        0         0  -\n"
    "reviews             6  0.30      66.67    2.00   29.95   29.95        2         1  503×1 "
    "504×1 UO×1 UT×1\n"
    "ratings             4  0.20      75.00    1.00    5.00    5.00        1         0  0×1 "
    "UC×1\n"
    "\n"
    "Edges (caller -> destination service)\n"
    "source          destination  requests   rps  success %  p50 ms  p90 ms  p99 ms  retries  "
    "timeouts  errors\n"
    "--------------  -----------  --------  ----  ---------  ------  ------  ------  -------  "
    "--------  ---------------------\n"
    "client          productpage        10  0.50     100.00    5.00    9.01    9.99        0     "
    "    0  -\n"
    "productpage-v1  reviews             6  0.30      66.67    2.00   29.95   29.95        2     "
    "    1  503×1 504×1 UO×1 UT×1\n"
    "reviews-v1      ratings             1  0.05     100.00    1.00    1.00    1.00        0     "
    "    0  -\n"
    "reviews-v2      ratings             3  0.15      66.67    3.01    5.00    5.00        1     "
    "    0  0×1 UC×1\n"
    "\n"
    "Timeline\n"
    "  12.000 s  inject 503 into ratings\n"
    "  15.000 s  kill 1 pod(s) of reviews-v3 (zone-a): reviews-v3-0\n"
    "  22.000 s  end: inject 503 into ratings\n";

TEST_CASE("Summary: service table, edge table and timeline, aligned and deterministic",
          "[summary]") {
  CHECK(format_summary(bookinfo()) == kExpected);
}

TEST_CASE("Summary: the text does not depend on the order records arrived in", "[summary]") {
  // Truth: mesh_metrics.h ("records may arrive in any order") and summary.h ("same metrics,
  // same text"): the fixture's calls one at a time in reverse order, and its timeline records in
  // another order, must print the text pinned above, byte for byte.
  MeshMetrics m(Time::from_s(10));
  m.begin(t::bookinfo_catalog(), Time::from_s(5));
  const auto calls = t::bookinfo_calls();
  for (auto it = calls.rbegin(); it != calls.rend(); ++it) m.calls({&*it, 1});
  m.timeline({Time::from_s(22), "inject 503 into ratings", true});
  m.timeline({Time::from_s(12), "inject 503 into ratings", false});
  m.timeline({Time::from_s(15), "kill 1 pod(s) of reviews-v3 (zone-a): reviews-v3-0", false});
  m.finish(Time::from_s(30), 123'456);
  CHECK(format_summary(m) == kExpected);
}

TEST_CASE("Summary: top_codes/top_flags limit the errors column", "[summary]") {
  SummaryOptions options;
  options.top_codes = 1;
  options.top_flags = 0;
  const std::string text = format_summary(bookinfo(), options);
  CHECK(text.find("503×1 ") == std::string::npos);
  CHECK(text.find("  503×1\n") != std::string::npos);
  CHECK(text.find("UO×1") == std::string::npos);
}

TEST_CASE(
    "Summary: idle services are listed with dashes unless switched off; several "
    "namespaces give name.namespace",
    "[summary]") {
  auto catalog = t::bookinfo_catalog();
  catalog.services.push_back({"details", "shop"});
  MeshMetrics m(Time::from_s(10));
  m.begin(catalog, Time::from_s(5));
  const auto calls = t::bookinfo_calls();
  m.calls(calls);
  m.finish(Time::from_s(30), 1);

  const std::string text = format_summary(m);
  INFO(text);
  const size_t at = text.find("\ndetails.shop ");
  REQUIRE(at != std::string::npos);
  const std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  // A dash in each of the eight figure columns (rps .. errors) after a request count of 0.
  CHECK(line.substr(line.find("  0  ")) ==
        "  0     -          -       -       -       -        -         -  -");
  CHECK(text.find("\nreviews.default ") != std::string::npos);
  CHECK(text.find("Timeline\n  (none)\n") != std::string::npos);

  SummaryOptions options;
  options.idle_services = false;
  CHECK(format_summary(m, options).find("details") == std::string::npos);
}

TEST_CASE("Summary: no TCP section when the run kept no TCP connection records", "[summary]") {
  // The pinned text above has none; neither has a run whose TCP records all fell in the warm-up.
  MeshMetrics m(Time::from_s(10));
  m.begin(t::bookinfo_catalog(), Time::from_s(5));
  const std::vector<meshsim::models::TcpRecord> early{t::tcp(meshsim::models::TcpRecord::kOpened,
                                                             t::Reporter::kSource, t::kReviewsV1,
                                                             t::kRatings, t::kRatingsV1, 1'000)};
  m.tcp(early);
  m.finish(Time::from_s(30), 1);
  CHECK(format_summary(m).find("TCP") == std::string::npos);
}

TEST_CASE(
    "Summary: a TCP section per destination service, reporter=source preferred, failed "
    "connections by flags, before the timeline",
    "[summary]") {
  MeshMetrics m(Time::from_s(10));
  t::feed_tcp_only(m);
  const std::string text = format_summary(m);
  INFO(text);
  const size_t at = text.find("\nTCP connections");
  REQUIRE(at != std::string::npos);
  const size_t end = text.find("\nTimeline\n");
  REQUIRE(end != std::string::npos);
  CHECK(text.substr(at + 1, end - at - 1) ==
        "TCP connections (reporter=source if the service has any, else destination)\n"
        "service      reporter     opened  closed  failed  sent bytes  received bytes  "
        "failures\n"
        "-----------  -----------  ------  ------  ------  ----------  --------------  "
        "-------------\n"
        "productpage  destination       1       0       0          20              10  -\n"
        "reviews      source            3       3       2        1500             150  "
        "UF,URX×1 UO×1\n"
        "ratings      source            0       1       0           0               0  -\n");

  SummaryOptions options;
  options.top_flags = 1;
  CHECK(format_summary(m, options).find("  UF,URX×1\n") != std::string::npos);
}

}  // namespace
