// Check verdicts and paired comparisons (analysis/check.h) on hand-made replications whose
// intervals are computed by hand: t(0.975, 2) = 4.302653 (scipy.stats.t.ppf).
#include "analysis/check.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using meshsim::analysis::Change;
using meshsim::analysis::compare_runs;
using meshsim::analysis::evaluate_check;
using meshsim::analysis::Replication;
using meshsim::analysis::ServiceSample;
using meshsim::analysis::Verdict;
using meshsim::models::ExpectationConfig;
using Bound = ExpectationConfig::Bound;

ExpectationConfig at_least(double x) {
  ExpectationConfig e;
  e.service = "web";
  e.metric = ExpectationConfig::Metric::kSuccessRate;
  e.bound = Bound::kAtLeast;
  e.threshold = x;
  return e;
}

ExpectationConfig at_most(double x) {
  ExpectationConfig e = at_least(x);
  e.metric = ExpectationConfig::Metric::kLatency;
  e.bound = Bound::kAtMost;
  return e;
}

// Replications whose single expectation measured `values`.
std::vector<Replication> measured(const std::vector<double>& values) {
  std::vector<Replication> out;
  uint64_t seed = 1;
  for (double v : values) {
    Replication r;
    r.seed = seed++;
    r.expectation_values = {v};
    r.expectation_requests = {100};
    out.push_back(r);
  }
  return out;
}

Verdict verdict_of(const ExpectationConfig& e, const std::vector<double>& values) {
  meshsim::models::ExperimentConfig x;
  x.expectations = {e};
  x.check.confidence = 0.95;
  return evaluate_check(x, measured(values)).expectations.at(0).verdict;
}

}  // namespace

TEST_CASE("check verdicts: pass, marginal, fail and no data", "[check]") {
  // 0.995, 0.996, 0.997: mean 0.996, s = 0.001, half width 4.302653 * 0.001 / sqrt(3) = 0.002484,
  // so the interval is [0.993516, 0.998484].
  const std::vector<double> v{0.995, 0.996, 0.997};
  CHECK(verdict_of(at_least(0.99), v) == Verdict::kPass);       // 0.9935 >= 0.99
  CHECK(verdict_of(at_least(0.9935), v) == Verdict::kPass);     // 0.993516 >= 0.9935
  CHECK(verdict_of(at_least(0.9936), v) == Verdict::kMarginal);  // mean holds, lower does not
  CHECK(verdict_of(at_least(0.996), v) == Verdict::kMarginal);   // the mean itself is the bound
  CHECK(verdict_of(at_least(0.9961), v) == Verdict::kFail);
  CHECK(verdict_of(at_most(0.9985), v) == Verdict::kPass);      // 0.998484 <= 0.9985
  CHECK(verdict_of(at_most(0.998), v) == Verdict::kMarginal);
  CHECK(verdict_of(at_most(0.995), v) == Verdict::kFail);
  CHECK(verdict_of(at_least(0.5), {0.9, NAN, 0.9}) == Verdict::kNoData);
  // One replication has no interval: never better than marginal.
  CHECK(verdict_of(at_least(0.5), {0.9}) == Verdict::kMarginal);

  meshsim::models::ExperimentConfig x;
  x.expectations = {at_least(0.9936), at_least(0.99)};
  auto reps = measured(v);
  for (auto& r : reps) {  // both expectations measured the same values
    r.expectation_values.push_back(r.expectation_values[0]);
    r.expectation_requests.push_back(100);
  }
  const auto result = evaluate_check(x, reps);
  CHECK(result.expectations[0].interval.half_width ==
        Approx(4.302652729911275 * 0.001 / std::sqrt(3.0)).epsilon(1e-6));
  CHECK_FALSE(result.failed(false));
  CHECK(result.failed(true));  // --strict: marginal fails
  CHECK(result.seeds == std::vector<uint64_t>{1, 2, 3});
}

TEST_CASE("check intervals are cut to the values a metric can take", "[check]") {
  // 0.998, 1, 1: mean 0.999333, s = 0.0011547, half width 4.302653 * s / sqrt(3) = 0.002868:
  // the t interval reaches 1.0022, which no success rate can; reports and verdicts use 1.
  meshsim::models::ExperimentConfig x;
  x.expectations = {at_least(0.99)};
  const auto r = evaluate_check(x, measured({0.998, 1.0, 1.0})).expectations.at(0);
  CHECK(r.interval.upper() > 1.0);
  CHECK(r.upper == 1.0);
  CHECK(r.lower == Approx(r.interval.lower()));
  CHECK(r.verdict == Verdict::kPass);
}

namespace {

// One service "web" per replication: `requests` requests of which `ok` succeeded, with
// `attempts` attempts, latencies `latency_ns` each recorded once.
Replication run(uint64_t seed, uint64_t requests, uint64_t ok, uint64_t attempts,
                const std::vector<int64_t>& latency_ns) {
  Replication r;
  r.seed = seed;
  r.fingerprint = seed * 1000 + ok;
  ServiceSample s;
  s.name = "web";
  s.namespace_ = "default";
  s.requests = requests;
  s.successes = ok;
  s.attempts = attempts;
  for (int64_t v : latency_ns) s.latency.record(v);
  r.services.push_back(s);
  return r;
}

std::vector<int64_t> latencies(int64_t scale, int shift) {
  std::vector<int64_t> v;
  for (int i = 1; i <= 200; ++i) v.push_back(scale * (i + shift));
  return v;
}

const meshsim::analysis::MetricComparison& metric(const meshsim::analysis::CompareResult& r,
                                                  const std::string& name) {
  for (const auto& m : r.metrics)
    if (m.metric == name) return m;
  FAIL("no metric " << name);
  return r.metrics.front();
}

}  // namespace

TEST_CASE("compare: identical variants show no change anywhere", "[check][compare]") {
  std::vector<Replication> base;
  for (uint64_t s = 1; s <= 4; ++s)
    base.push_back(run(s, 1000, 990 + s, 1000 + 10 * s, latencies(1000, static_cast<int>(s))));
  const auto r = compare_runs(base, base, {});
  CHECK(r.base_fingerprint == r.candidate_fingerprint);
  REQUIRE(r.metrics.size() == 7);  // success, amplification, mean, p50, p90, p99, P(slower)
  for (const auto& m : r.metrics) {
    INFO(m.metric);
    CHECK(m.change == Change::kNone);
  }
  CHECK(metric(r, "P(slower)").candidate == Approx(0.5));
  CHECK(metric(r, "P(slower)").difference == Approx(0).margin(1e-12));  // candidate - base
  for (const auto& m : r.metrics) {
    INFO(m.metric);
    CHECK(m.p_value == 1.0);
    CHECK(m.adjusted_p_value == 1.0);
  }
  CHECK(r.tests == 7);
  CHECK(r.multiple_testing == meshsim::analysis::MultipleTesting::kHolm);
  CHECK(r.alpha == Approx(0.05));
  CHECK_FALSE(r.regressed());
}

TEST_CASE("compare: a consistent drop in success rate is a regression beyond the threshold",
          "[check][compare]") {
  // Per-replication success 99.1..99.4 % in the base, exactly 1 point lower in the candidate:
  // the paired differences are all -0.01, so the interval is [-0.01, -0.01] however noisy the
  // levels are (the point of pairing).
  std::vector<Replication> base, cand;
  for (uint64_t s = 1; s <= 4; ++s) {
    base.push_back(run(s, 1000, 990 + s, 1000, latencies(1000, 0)));
    cand.push_back(run(s, 1000, 980 + s, 1000, latencies(1000, 0)));
  }
  meshsim::models::CheckConfig settings;  // max_success_drop 0.1 percentage point
  auto r = compare_runs(base, cand, settings);
  const auto& success = metric(r, "success rate");
  CHECK(success.difference == Approx(-0.01));
  CHECK(success.difference == Approx(success.candidate - success.base));
  CHECK(success.relative == Approx(-0.01 / success.base));
  CHECK(success.lower == Approx(-0.01));
  CHECK(success.upper == Approx(-0.01));
  CHECK(success.change == Change::kRegression);
  CHECK(r.regressed());
  settings.max_success_drop = 0.02;  // a 2-point budget: significant, but within it
  r = compare_runs(base, cand, settings);
  CHECK(metric(r, "success rate").change == Change::kWorse);
  CHECK_FALSE(r.regressed());
  r = compare_runs(cand, base, settings);  // the other way round it is an improvement
  CHECK(metric(r, "success rate").change == Change::kImprovement);
}

TEST_CASE("compare: slower latencies are regressions of the percentiles and of P(slower)",
          "[check][compare]") {
  // Candidate latencies are the base's times 1.5 (values 1..200 us -> 1.5..300 us), so every
  // percentile is 50 % higher (to the histogram's 1/256) and P(candidate slower) is the share
  // of pairs (1.5 i > j) + ties / 2 over i, j in 1..200 -- computed here by brute force.
  std::vector<Replication> base, cand;
  for (uint64_t s = 1; s <= 5; ++s) {
    base.push_back(run(s, 200, 200, 200, latencies(1000, 0)));
    cand.push_back(run(s, 200, 200, 200, latencies(1500, 0)));
  }
  const auto r = compare_runs(base, cand, {});
  for (const char* name : {"p50 latency", "p90 latency", "p99 latency", "mean latency"}) {
    INFO(name);
    const auto& m = metric(r, name);
    // difference: candidate - base in seconds; relative: difference / base.  Each percentile is
    // interpolated within a bucket up to 1/128 of its value wide: allow that on each side.
    CHECK(m.difference == Approx(m.candidate - m.base));
    CHECK(m.relative == Approx(0.5).margin(2.0 / 128));
    CHECK(m.change == Change::kRegression);
  }
  double u = 0;
  for (int i = 1; i <= 200; ++i)
    for (int j = 1; j <= 200; ++j) u += 1500 * i > 1000 * j ? 1 : 1500 * i == 1000 * j ? 0.5 : 0;
  const auto& slower = metric(r, "P(slower)");
  // Values above 256 ns share buckets of up to 1/128 width, so a few pairs tie that the exact
  // values do not: allow 1 %.
  CHECK(slower.candidate == Approx(u / 40000).epsilon(0.01));
  CHECK(slower.difference == Approx(slower.candidate - 0.5));
  CHECK(slower.change == Change::kRegression);
  // Identical replications: the jackknife cannot vary, so each interval is one point.
  CHECK(slower.lower == Approx(slower.upper));
  CHECK(metric(r, "success rate").change == Change::kNone);
  CHECK(metric(r, "retry amplification").change == Change::kNone);
}

TEST_CASE("compare: a latency up from exactly zero is a regression, not 'no change'",
          "[check][compare]") {
  // A relative change from 0 is infinite; it must fail, not vanish as NaN.
  std::vector<Replication> base, cand;
  for (uint64_t s = 1; s <= 3; ++s) {
    base.push_back(run(s, 3, 3, 3, {0, 0, 0}));
    cand.push_back(run(s, 3, 3, 3, {500, 500, 500}));
  }
  const auto r = compare_runs(base, cand, {});
  for (const char* name : {"mean latency", "p50 latency", "p99 latency"}) {
    INFO(name);
    CHECK(metric(r, name).difference == Approx(500e-9));  // 500 ns, in seconds
    CHECK(std::isinf(metric(r, name).relative));
    CHECK(metric(r, name).change == Change::kRegression);
  }
  const auto same = compare_runs(base, base, {});
  CHECK(metric(same, "p99 latency").difference == 0);
  CHECK(metric(same, "p99 latency").relative == 0);
  CHECK(metric(same, "p99 latency").change == Change::kNone);
}

TEST_CASE("compare: services only one side carries are listed, not compared", "[check][compare]") {
  std::vector<Replication> base{run(1, 10, 10, 10, {1000}), run(2, 10, 10, 10, {1000})};
  std::vector<Replication> cand = base;
  for (auto& r : cand) {
    ServiceSample extra;
    extra.name = "cache";
    extra.namespace_ = "default";
    extra.requests = 5;
    extra.successes = 5;
    extra.attempts = 5;
    extra.latency.record(100);
    r.services.push_back(extra);
  }
  for (auto& r : base) {
    ServiceSample idle;
    idle.name = "cache";
    idle.namespace_ = "default";
    r.services.push_back(idle);
  }
  const auto r = compare_runs(base, cand, {});
  CHECK(r.only_in_candidate == std::vector<std::string>{"cache"});
  CHECK(r.only_in_base.empty());
  for (const auto& m : r.metrics) CHECK(m.service == "web");
  // The other way round, the cache stops carrying traffic: a "requests" row, worse (shown in
  // every report), not a regression.
  const auto gone = compare_runs(cand, base, {});
  CHECK(gone.only_in_base == std::vector<std::string>{"cache"});
  const auto& row = gone.metrics.back();
  CHECK(row.service == "cache");
  CHECK(row.metric == "requests");
  CHECK(row.base == 10);
  CHECK(row.candidate == 0);
  CHECK(row.difference == -10);
  CHECK(row.relative == -1);
  CHECK(std::isnan(row.p_value));  // seen, not estimated: no part of the family
  CHECK(gone.tests == 7);
  CHECK(row.change == Change::kWorse);
  CHECK_FALSE(gone.regressed());
}

TEST_CASE("compare: one row at p = 0.03 among seven is not significant after Holm or BH",
          "[check][compare]") {
  // Success rates whose paired differences are 1, 2, 3, 4 (x 0.001): t = 3.873 with 3 degrees
  // of freedom, raw p = 0.030466 (scipy), so its own 95 % interval excludes 0.  Every other row
  // is identical (p = 1).  Over the 7 rows Holm adjusts it to 7 p = 0.213 and BH to 7/1 p too:
  // no longer significant.  Tested at 5 % each, 7 no-op rows would flag something in up to
  // 1 - 0.95^7 = 30 % of comparisons; that is what the adjustment prevents.
  std::vector<Replication> base, cand;
  for (uint64_t s = 1; s <= 4; ++s) {
    base.push_back(run(s, 1000, 990, 1000, latencies(1000, 0)));
    cand.push_back(run(s, 1000, 990 + s, 1000, latencies(1000, 0)));
  }
  for (auto method : {meshsim::analysis::MultipleTesting::kHolm,
                      meshsim::analysis::MultipleTesting::kBenjaminiHochberg}) {
    const auto r = compare_runs(base, cand, {}, {method, false});
    const auto& success = metric(r, "success rate");
    CHECK(success.p_value == Approx(0.030466291662170977).epsilon(1e-6));
    CHECK(success.lower > 0);  // the row's own interval excludes 0
    CHECK(success.adjusted_p_value == Approx(7 * 0.030466291662170977).epsilon(1e-6));
    CHECK(success.change == Change::kNone);
    CHECK(r.multiple_testing == method);
  }
  // Without an option the base's spec.check.multipleTesting decides (Holm by default).
  meshsim::models::CheckConfig settings;
  CHECK(compare_runs(base, cand, settings, {}).multiple_testing ==
        meshsim::analysis::MultipleTesting::kHolm);
  settings.false_discovery_rate = true;
  CHECK(compare_runs(base, cand, settings, {}).multiple_testing ==
        meshsim::analysis::MultipleTesting::kBenjaminiHochberg);
  CHECK(compare_runs(base, cand, settings, {meshsim::analysis::MultipleTesting::kHolm, false})
            .multiple_testing == meshsim::analysis::MultipleTesting::kHolm);  // the option wins
}

TEST_CASE("compare: percentile intervals are never narrower than the histogram's resolution",
          "[check][compare]") {
  // Identical replications give the jackknife nothing to vary, yet a percentile is known only
  // to its bucket: every percentile interval is at least half a bucket on each side.  Candidate
  // latencies are the base's + 5 ns, under one bucket (8 ns at ~100 us / 128 = 780 ns; 4-8 ns
  // here at 1-2 us): with bucket midpoints the medians could land in different buckets and be
  // called significant with a zero-width interval; interpolated and floored they are not.
  std::vector<Replication> base, cand;
  std::vector<int64_t> b, c;
  for (int k = 0; k < 200; ++k) b.push_back(1000 + 4 * k), c.push_back(1005 + 4 * k);
  for (uint64_t s = 1; s <= 5; ++s) {
    base.push_back(run(s, 200, 200, 200, b));
    cand.push_back(run(s, 200, 200, 200, c));
  }
  for (const auto& [x, y] : {std::pair{&base, &base}, std::pair{&base, &cand}}) {
    const auto r = compare_runs(*x, *y, {});
    for (const char* name : {"p50 latency", "p90 latency", "p99 latency"}) {
      INFO(name);
      const auto& m = metric(r, name);
      CHECK(m.upper - m.lower >= 4e-9);  // the narrowest bucket on this range is 4 ns wide
      CHECK(m.change == Change::kNone);
    }
  }
}

TEST_CASE("compare: independent streams offset the candidate's seeds by 2^63",
          "[check][compare]") {
  const std::vector<uint64_t> seeds{1, 2, 3};
  CHECK(meshsim::analysis::candidate_seeds(seeds, false) == seeds);
  const auto other = meshsim::analysis::candidate_seeds(seeds, true);
  CHECK(other == std::vector<uint64_t>{(uint64_t{1} << 63) + 1, (uint64_t{1} << 63) + 2,
                                       (uint64_t{1} << 63) + 3});
}
