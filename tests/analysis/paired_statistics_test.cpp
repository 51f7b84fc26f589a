// Paired statistics for `meshsim compare` against independent answers: hand-computed t
// intervals, scipy.stats.mannwhitneyu's U, brute-force pair counts, plain Histogram merges, and
// the jackknife's identity with the t interval for a mean.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "analysis/paired_statistics.h"

using meshsim::analysis::Histogram;
using meshsim::analysis::paired_t_interval;
using meshsim::analysis::WeightedHistograms;

namespace {

Histogram of(const std::vector<int64_t>& values) {
  Histogram h;
  for (int64_t v : values) h.record(v);
  return h;
}

// #(x > y) + #(x == y) / 2 over all pairs, the definition of Mann-Whitney's U.
double brute_u(const std::vector<int64_t>& x, const std::vector<int64_t>& y) {
  double u = 0;
  for (int64_t a : x)
    for (int64_t b : y) u += a > b ? 1.0 : a == b ? 0.5 : 0.0;
  return u;
}

}  // namespace

TEST_CASE("paired t interval: hand-computed differences", "[paired]") {
  // Differences 1, 2, 3, 4: mean 2.5, s = sqrt(5/3) = 1.29099, se = s / 2 = 0.645497;
  // t(0.975, 3) = 3.182446 (scipy.stats.t.ppf), half width 2.054290.
  const std::vector<double> base{10, 20, 30, 40};
  const std::vector<double> cand{11, 22, 33, 44};
  const auto ci = paired_t_interval(base, cand, 0.95);
  CHECK(ci.estimate == Approx(2.5));
  CHECK(ci.half_width == Approx(3.182446305284263 * std::sqrt(5.0 / 3.0) / 2).epsilon(1e-9));
  // Pairing matters: unpaired the spread of the levels (10..40) would swamp the difference.
  CHECK(ci.lower() > 0);
}

TEST_CASE("paired t interval: equal runs give a zero-width interval at zero", "[paired]") {
  const std::vector<double> v{0.91, 0.93, 0.95};
  const auto ci = paired_t_interval(v, v, 0.95);
  CHECK(ci.estimate == 0);
  CHECK(ci.half_width == 0);
}

// U / (n m) of one replication against another, as compare's P(slower) computes it.
double probability_greater(const Histogram& x, const Histogram& y) {
  const WeightedHistograms wx(std::vector<Histogram>{x}), wy(std::vector<Histogram>{y});
  const std::vector<uint32_t> one{1};
  return wx.probability_greater(one, wy, one);
}

TEST_CASE("Mann-Whitney U / (n m) matches scipy on small integer samples with ties", "[paired]") {
  // Values below 256 ns have exact histogram buckets, so ties are exact ties as in scipy.
  // scipy.stats.mannwhitneyu(x, y, alternative='two-sided') gives U = 46 and 21 (scipy 1.10,
  // Debian 12), the U of x: #(x > y) + #(x == y) / 2.
  struct Case {
    std::vector<int64_t> x, y;
    double u;
  };
  const std::vector<Case> cases{
      {{3, 5, 5, 7, 9, 12, 12, 12, 20}, {1, 4, 5, 6, 6, 8, 10, 15}, 46.0},
      {{100, 100, 101, 140, 180}, {90, 100, 100, 100, 120, 130, 200}, 21.0},
  };
  for (const Case& c : cases) {
    const double nm = static_cast<double>(c.x.size() * c.y.size());
    CHECK(probability_greater(of(c.x), of(c.y)) == Approx(c.u / nm));
    CHECK(probability_greater(of(c.x), of(c.y)) == Approx(brute_u(c.x, c.y) / nm));
    // U_x + U_y = n m.
    CHECK(probability_greater(of(c.y), of(c.x)) == Approx(1 - c.u / nm));
  }
}

TEST_CASE("Mann-Whitney: a sample against itself is an even match", "[paired]") {
  const Histogram h = of({5, 9, 9, 30, 1000, 123456});
  CHECK(probability_greater(h, h) == Approx(0.5));
  CHECK(std::isnan(probability_greater(h, Histogram{})));
}

TEST_CASE("weighted histograms: weights 1 equal the plain merge, weights k repeat a run",
          "[paired]") {
  const std::vector<Histogram> runs{of({1000, 2000, 3000, 400000}), of({1500, 2500, 9000000}),
                                    of({10, 20, 30, 40, 50})};
  const WeightedHistograms w(runs);
  Histogram all;
  for (const auto& h : runs) all.merge(h);
  const std::vector<uint32_t> ones{1, 1, 1};
  for (double p : {1.0, 25.0, 50.0, 90.0, 99.0, 99.9}) {
    CHECK(w.percentile(ones, p) == static_cast<double>(all.value_at_percentile(p)));
  }
  CHECK(w.mean(ones) == Approx(all.mean()));

  // weights (2, 0, 1): run 0 twice and run 2 once.
  Histogram picked;
  picked.merge(runs[0]);
  picked.merge(runs[0]);
  picked.merge(runs[2]);
  const std::vector<uint32_t> w201{2, 0, 1};
  for (double p : {10.0, 50.0, 75.0, 99.0}) {
    CHECK(w.percentile(w201, p) == static_cast<double>(picked.value_at_percentile(p)));
  }
  CHECK(w.mean(w201) == Approx(picked.mean()));
  CHECK(std::isnan(w.percentile(std::vector<uint32_t>{0, 0, 0}, 50)));
}

TEST_CASE("weighted histograms: P(X > Y) equals the brute-force pair count", "[paired]") {
  const std::vector<int64_t> x0{3, 5, 5, 7}, x1{9, 12, 12, 12, 20};
  const std::vector<int64_t> y0{1, 4, 5, 6}, y1{6, 8, 10, 15};
  const WeightedHistograms x(std::vector<Histogram>{of(x0), of(x1)});
  const WeightedHistograms y(std::vector<Histogram>{of(y0), of(y1)});
  std::vector<int64_t> xs = x0, ys = y0;
  xs.insert(xs.end(), x1.begin(), x1.end());
  ys.insert(ys.end(), y1.begin(), y1.end());
  const std::vector<uint32_t> ones{1, 1};
  CHECK(x.probability_greater(ones, y, ones) ==
        Approx(brute_u(xs, ys) / static_cast<double>(xs.size() * ys.size())));
  // Weights (0, 2) against (2, 0): x1 twice against y0 twice; pairs scale by 4 on both sides.
  const std::vector<uint32_t> w02{0, 2}, w20{2, 0};
  CHECK(x.probability_greater(w02, y, w20) ==
        Approx(brute_u(x1, y0) / static_cast<double>(x1.size() * y0.size())));
}

TEST_CASE("paired jackknife: for a mean it is exactly the t interval", "[paired]") {
  // The jackknife standard error of a sample mean is s / sqrt(n) (Efron & Tibshirani, ch. 11),
  // so with the t quantile the interval must equal the t interval of the same values.  The
  // statistic sees weights: 0 leaves a replication out.
  const std::vector<double> v{1.0, 4.0, 10.0, 2.5, 7.0};
  auto mean_of = [&](std::span<const uint32_t> w) {
    double sum = 0, n = 0;
    for (size_t i = 0; i < v.size(); ++i) sum += w[i] * v[i], n += w[i];
    return sum / n;
  };
  const auto jk = meshsim::analysis::paired_jackknife(v.size(), mean_of, 0.95);
  meshsim::analysis::Accumulator acc;
  for (double x : v) acc.add(x);
  const auto t = meshsim::analysis::t_interval(acc, 0.95);
  CHECK(jk.estimate == Approx(t.estimate));
  CHECK(jk.half_width == Approx(t.half_width).epsilon(1e-12));
}

TEST_CASE("paired jackknife: two replications, a constant statistic, an infinite one",
          "[paired]") {
  // n = 2, statistic = mean: theta = (v1, v0), SE = |v0 - v1| / 2, t(0.975, 1) = 12.706205.
  const auto jk = meshsim::analysis::paired_jackknife(
      2, [](std::span<const uint32_t> w) { return (w[0] * 3.0 + w[1] * 5.0) / (w[0] + w[1]); },
      0.95);
  CHECK(jk.estimate == Approx(4.0));
  CHECK(jk.half_width == Approx(12.706204736432095).epsilon(1e-9));
  const auto flat =
      meshsim::analysis::paired_jackknife(3, [](std::span<const uint32_t>) { return 0.25; }, 0.9);
  CHECK(flat.half_width == 0);
  const auto inf = meshsim::analysis::paired_jackknife(
      3, [](std::span<const uint32_t>) { return std::numeric_limits<double>::infinity(); }, 0.9);
  CHECK(std::isnan(inf.half_width));
}

TEST_CASE("t p-value: the two-sided p that matches the t interval", "[paired]") {
  // Differences 1, 2, 3, 4 (above): t = 2.5 / 0.645497 = 3.872983 with 3 degrees of freedom,
  // p = 2 * scipy.stats.t.sf(3.872983, 3) = 0.030466291662170977.
  const std::vector<double> base{10, 20, 30, 40}, cand{11, 22, 33, 44};
  const auto ci = paired_t_interval(base, cand, 0.95);
  CHECK(meshsim::analysis::t_p_value(ci, 0.0, 3) == Approx(0.030466291662170977).epsilon(1e-9));
  // At the interval's own edge p is 1 - level: the interval excludes x exactly when p < 0.05.
  CHECK(meshsim::analysis::t_p_value(ci, ci.lower(), 3) == Approx(0.05).epsilon(1e-9));
  CHECK(meshsim::analysis::t_p_value(ci, ci.estimate, 3) == 1.0);
  meshsim::analysis::ConfidenceInterval point{0.5, 0, 0.95};  // a zero-width interval
  CHECK(meshsim::analysis::t_p_value(point, 0.5, 4) == 1.0);
  CHECK(meshsim::analysis::t_p_value(point, 0.0, 4) == 0.0);
  meshsim::analysis::ConfidenceInterval none{0.5, std::nan(""), 0.95};
  CHECK(std::isnan(meshsim::analysis::t_p_value(none, 0.0, 4)));
}

TEST_CASE("weighted histograms: quantiles interpolate inside the bucket (grouped-data formula)",
          "[paired]") {
  // 50 values of 1000 ns (bucket [1000, 1004): 4 ns wide below 1024), 25 of 2000 ns (bucket
  // [2000, 2008): 8 ns wide in [1024, 2048)) and 25 of 3000 ns.  L + (pN/100 - F) / f * w:
  //   p25: 1000 + (25 - 0) / 50 * 4 = 1002      p60: 2000 + (60 - 50) / 25 * 8 = 2003.2
  //   p50: 1000 + (50 - 0) / 50 * 4 = 1004 (the top of the first bucket)
  Histogram h;
  h.record(1000, 50);
  h.record(2000, 25);
  h.record(3000, 25);
  const WeightedHistograms w(std::vector<Histogram>{h});
  const std::vector<uint32_t> one{1};
  CHECK(w.quantile(one, 25).value == Approx(1002));
  CHECK(w.quantile(one, 25).width == 4);
  CHECK(w.quantile(one, 50).value == Approx(1004));
  CHECK(w.quantile(one, 60).value == Approx(2003.2));
  CHECK(w.quantile(one, 60).width == 8);
  CHECK(w.quantile(one, 0).value == 1000);  // min and max are exact
  CHECK(w.quantile(one, 100).value == 3000);
  CHECK(w.quantile(one, 100).width == 0);
  // Clamped to the recorded range: one value, every quantile is it.
  Histogram single;
  single.record(1000, 10);
  CHECK(WeightedHistograms(std::vector<Histogram>{single}).quantile(one, 50).value == 1000);
  CHECK(std::isnan(w.quantile(std::vector<uint32_t>{0}, 50).value));
}

TEST_CASE("weighted histograms: leaving a replication out moves an interpolated quantile",
          "[paired]") {
  // Five replications of 101 values: a few below 1970, one in the 8 ns bucket [2000, 2008), the
  // rest above 2030, with 50, 50, 51, 49, 50 values low.  Every leave-one-out merge has its
  // median in [2000, 2008), at position 202 of 404 after 200, 200, 199, 201, 200 lower values:
  // the bucket's midpoint (Histogram's percentile) is the same for all five, so a jackknife of it
  // has zero width (issue #15: 33 of 33 p50 intervals); the interpolated quantile sits at
  // 2000 + (202 - F) / 4 * 8, different for each, so its jackknife does not.
  const int low[5] = {50, 50, 51, 49, 50};
  std::vector<Histogram> runs(5);
  for (int r = 0; r < 5; ++r) {
    runs[r].record(1960 + r, static_cast<uint64_t>(low[r]));
    runs[r].record(2001 + r);
    runs[r].record(2040 + r, static_cast<uint64_t>(100 - low[r]));
  }
  const WeightedHistograms w(runs);
  auto midpoint = [&](std::span<const uint32_t> wt) { return w.percentile(wt, 50); };
  auto interpolated = [&](std::span<const uint32_t> wt) { return w.quantile(wt, 50).value; };
  CHECK(meshsim::analysis::paired_jackknife(5, midpoint, 0.95).half_width == 0);
  CHECK(meshsim::analysis::paired_jackknife(5, interpolated, 0.95).half_width > 0);
}
