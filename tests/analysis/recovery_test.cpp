// The recovery verdict (analysis/recovery.h).  Truths: hand-built interval figures whose verdict
// follows from the definitions, and the retry-storm example's own documented outcomes (its
// header: with 2 retries the mesh recovers once the ledger is healthy; with 5 it stays in a
// retry storm: a metastable failure).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "analysis/recovery.h"
#include "analysis/runner.h"
#include "mesh_fixture.h"
#include "scenarios/scenario.h"

using namespace meshsim::analysis;
using meshsim::models::TimelineRecord;
namespace t = meshsim::testing;
using Verdict = RecoveryAssessment::Verdict;
using meshsim::simcore::Time;

namespace {

// 1 s intervals, 60 s; 10 root requests per second (client -> productpage), 5 ms each; in the
// seconds listed in `bad` half of them fail (503); a trigger from 20 s to `trigger_end_s`.
MeshMetrics run(std::vector<int> bad, int trigger_end_s, bool with_timeline = true) {
  MeshMetrics m;
  m.begin(t::bookinfo_catalog(), Time::from_s(1));
  std::vector<meshsim::models::CallRecord> calls;
  for (int s = 0; s < 60; ++s) {
    const bool failing = std::find(bad.begin(), bad.end(), s) != bad.end();
    for (int i = 0; i < 10; ++i) {
      const uint16_t code = failing && i % 2 ? 503 : 200;
      calls.push_back(t::call(meshsim::models::Reporter::kClient, meshsim::models::kNoWorkload,
                              t::kProductpage, t::kProductpageV1, code, 0, 1000 * s + 50 + 90 * i,
                              5'000));
    }
  }
  m.calls(calls);
  if (with_timeline) {
    m.timeline(TimelineRecord{Time::from_s(20), "inject errors", false});
    m.timeline(TimelineRecord{Time::from_s(trigger_end_s), "inject errors", true});
  }
  m.finish(Time::from_s(60), 1);
  return m;
}

RecoveryAssessment storm(int attempts) {
  meshsim::scenarios::LoadOptions o;
  o.overrides = {"VirtualService/ledger.spec.http[0].retries.attempts=" + std::to_string(attempts)};
  const auto s = meshsim::scenarios::load_scenario({std::string(MESHSIM_SOURCE_DIR) +
                                                    "/scenarios/examples/retry-storm"}, o);
  const RunOutput out = run_one({&s.mesh, 1}, {});
  return assess_recovery(*out.metrics);
}

}  // namespace

TEST_CASE("recovery: hand-built intervals", "[recovery]") {
  SECTION("errors during the trigger and 5 s after it: recovered 5 s after its end") {
    const auto a = assess_recovery(run({20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34}, 30));
    CHECK(a.verdict == Verdict::kRecovered);
    CHECK(a.baseline_success_pct == 100.0);
    CHECK(a.recovery_s == 5.0);
    CHECK(a.recovered_at == Time::from_s(35));
    CHECK(a.worst_success_pct == 50.0);
    CHECK(a.worst_at == Time::from_s(20));
  }
  SECTION("healthy from the trigger's end on: recovered at once") {
    const auto a = assess_recovery(run({20, 21, 22}, 23));
    CHECK(a.verdict == Verdict::kRecovered);
    CHECK(a.recovery_s == 0.0);
  }
  SECTION("errors to the end: did not recover") {
    std::vector<int> bad;
    for (int s = 20; s < 60; ++s) bad.push_back(s);
    const auto a = assess_recovery(run(bad, 30));
    CHECK(a.verdict == Verdict::kDidNotRecover);
    CHECK(a.last_success_pct == 50.0);
  }
  SECTION("healthy again only 5 s before the end: too short to tell (tail < 10 s)") {
    std::vector<int> bad;
    for (int s = 20; s < 55; ++s) bad.push_back(s);
    const auto a = assess_recovery(run(bad, 30));
    CHECK(a.verdict == Verdict::kTooShort);
    CHECK(a.recovered_at == Time::from_s(55));
  }
  SECTION("no error at all: unaffected; no timeline: no trigger; too close to the end") {
    CHECK(assess_recovery(run({}, 30)).verdict == Verdict::kUnaffected);
    CHECK(assess_recovery(run({25}, 30, false)).verdict == Verdict::kNoTrigger);
    CHECK(assess_recovery(run({52, 53}, 55)).verdict == Verdict::kTooShort);
  }
  SECTION("a 1 pp drop is still healthy, more is not") {
    // Half failing in one interval is a 50 pp drop: unhealthy by default (then 19 s of healthy
    // tail: recovered), healthy under criteria that allow 50 pp.
    RecoveryCriteria lax;
    lax.max_success_drop_pp = 50.0;
    CHECK(assess_recovery(run({20, 40}, 30), lax).verdict == Verdict::kUnaffected);
    CHECK(assess_recovery(run({20, 40}, 30)).verdict == Verdict::kRecovered);
  }
}

TEST_CASE("recovery: the retry-storm example recovers with 2 retries and not with 5",
          "[recovery]") {
  const auto two = storm(2);
  INFO(to_string(two.verdict));
  CHECK(two.verdict == Verdict::kRecovered);
  CHECK(two.trigger_start == Time::from_s(60));
  CHECK(two.trigger_end == Time::from_s(80));
  CHECK(two.recovery_s < 30.0);  // its expectations: healthy from 110 s
  const auto five = storm(5);
  CHECK(five.verdict == Verdict::kDidNotRecover);
  REQUIRE_FALSE(five.edges.empty());
  CHECK(five.edges.front().amplification() > 2.5);  // payments -> ledger, most tries
}

TEST_CASE("recovery: wasted work is the abandoned requests' share of the time in the service",
          "[recovery]") {
  // After the trigger (20 s): at the reviews sidecar, 2 requests of 100 ms whose caller gave up
  // (DC) and 8 answered in 10 ms: 200 / (200 + 80) = 71.4 %.  Before it, an abandoned request
  // that does not count; ratings has none, so it is left out.
  MeshMetrics m = run({}, 30);
  MeshMetrics w;
  w.begin(t::bookinfo_catalog(), Time::from_s(1));
  const uint32_t dc = meshsim::policies::ResponseFlag::kDownstreamConnectionTermination;
  using meshsim::models::Reporter;
  std::vector<meshsim::models::CallRecord> calls = {
      t::call(Reporter::kDestination, t::kProductpageV1, t::kReviews, t::kReviewsV1, 0, dc, 10'000, 100'000)};
  for (int i = 0; i < 2; ++i)
    calls.push_back(t::call(Reporter::kDestination, t::kProductpageV1, t::kReviews, t::kReviewsV1, 0, dc, 25'000 + i, 100'000));
  for (int i = 0; i < 8; ++i)
    calls.push_back(t::call(Reporter::kDestination, t::kProductpageV1, t::kReviews, t::kReviewsV1, 200, 0, 26'000 + i, 10'000));
  calls.push_back(t::call(Reporter::kDestination, t::kProductpageV1, t::kRatings, t::kRatingsV1, 200, 0, 26'000, 10'000));
  w.calls(calls);
  w.timeline(TimelineRecord{Time::from_s(20), "trigger", false});
  w.finish(Time::from_s(60), 1);
  const auto a = assess_recovery(w);
  REQUIRE(a.wasted.size() == 1);
  CHECK(a.wasted[0].destination_service == t::kReviews);
  CHECK(a.wasted[0].abandoned == 2);
  CHECK(a.wasted[0].requests == 10);
  CHECK(a.wasted[0].share() == Approx(200.0 / 280.0));
  CHECK(assess_recovery(m).wasted.empty());
}

TEST_CASE("recovery: in the retry storm nearly all of the ledger's work is wasted", "[recovery]") {
  const auto five = storm(5);
  REQUIRE_FALSE(five.wasted.empty());
  CHECK(five.wasted.front().share() > 0.95);  // every try times out, and the ledger serves it anyway
}
