// Tests for simcore::Distribution: its samples against analytic truth, and its contract.
//
// The source of truth is Boost.Math's distributions (or, where Boost has none, a closed form
// written out here), never the code under test.  Every statistical check uses one fixed seed and
// a tolerance derived from a confidence interval at 4.5 standard errors (two-sided false-alarm
// probability ~7e-6 per check), so a failure means a bug, not bad luck; tolerances are never
// widened to make a test pass, and nothing is retried.
#include "simcore/distribution.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/pareto.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <boost/math/distributions/weibull.hpp>
#include <boost/math/tools/roots.hpp>
#include <catch2/catch.hpp>

namespace {

using meshsim::simcore::Distribution;
using meshsim::simcore::Stream;
using meshsim::simcore::Time;
namespace bm = boost::math;

constexpr std::size_t kN = 200000;
constexpr double kZ = 4.5;  // standard errors in every statistical tolerance
constexpr uint64_t kSeed = 12345;
constexpr double kInf = std::numeric_limits<double>::infinity();

// The analytic description of a distribution, from an independent source.
struct Truth {
  double mean;
  double variance;  // +inf: the CLT does not apply and the mean check is skipped
  std::function<double(double)> quantile;
  std::function<double(double)> cdf;
};

template <class BoostDist>
Truth boost_truth(const BoostDist& d) {
  return Truth{bm::mean(d), bm::variance(d), [d](double p) { return bm::quantile(d, p); },
               [d](double x) { return bm::cdf(d, x); }};
}

std::vector<double> draw(const Distribution& d, const std::string& purpose) {
  Stream s(kSeed, "dist-test", purpose);
  std::vector<double> xs(kN);
  for (auto& x : xs) x = d.sample(s);
  return xs;
}

// The Distribution's own analytic functions agree with the truth.
void check_analytic(const Distribution& d, const Truth& t) {
  INFO(d.describe());
  CHECK(d.mean() == Approx(t.mean).epsilon(1e-12));
  for (const double p : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999}) {
    INFO("p = " << p);
    CHECK(d.quantile(p) == Approx(t.quantile(p)).epsilon(1e-10));
    CHECK(d.cdf(t.quantile(p)) == Approx(p).epsilon(1e-10));
  }
}

// CLT: the mean of n iid draws is ~N(mean, variance / n), so it must lie within 4.5 standard
// errors, the standard error computed from the analytic variance.
void check_sample_mean(const std::vector<double>& xs, const Truth& t) {
  double sum = 0;
  for (const double x : xs) sum += x;
  const double m = sum / static_cast<double>(xs.size());
  const double se = std::sqrt(t.variance / static_cast<double>(xs.size()));
  INFO("sample mean " << m << ", analytic " << t.mean << ", standard error " << se);
  CHECK(std::abs(m - t.mean) <= kZ * se);
}

// The sample p-quantile is the order statistic X_(k), k = ceil(n p).  The number of draws at or
// below the true quantile q(p') is Binomial(n, p'), so X_(k) lies in [q(p - delta), q(p + delta)]
// with delta = 4.5 * sqrt(p (1 - p) / n) (normal approximation to the binomial CI).
void check_sample_quantiles(std::vector<double> xs, const Truth& t) {
  const double n = static_cast<double>(xs.size());
  for (const double p : {0.5, 0.9, 0.99}) {
    const auto k = static_cast<std::size_t>(std::ceil(n * p)) - 1;
    std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k), xs.end());
    const double delta = kZ * std::sqrt(p * (1 - p) / n);
    const double lo = t.quantile(p - delta);
    const double hi = t.quantile(p + delta);
    INFO("p = " << p << ": sample " << xs[k] << ", allowed [" << lo << ", " << hi << "]");
    CHECK(xs[k] >= lo);
    CHECK(xs[k] <= hi);
  }
}

void check_all(const Distribution& d, const Truth& t, const std::string& purpose) {
  INFO(d.describe());
  check_analytic(d, t);
  const auto xs = draw(d, purpose);
  if (std::isfinite(t.variance)) check_sample_mean(xs, t);
  check_sample_quantiles(xs, t);
}

// Pearson's chi-squared on 20 bins equiprobable under the true CDF; 19 degrees of freedom.
void check_chi_squared(const Distribution& d, const Truth& t, const std::string& purpose) {
  constexpr int kBins = 20;
  const auto xs = draw(d, purpose);
  std::vector<double> observed(kBins, 0.0);
  for (const double x : xs) {
    const int bin = std::min(kBins - 1, static_cast<int>(t.cdf(x) * kBins));
    observed[static_cast<std::size_t>(bin)] += 1;
  }
  const double expected = static_cast<double>(xs.size()) / kBins;
  double stat = 0;
  for (const double o : observed) stat += (o - expected) * (o - expected) / expected;
  const double critical = bm::quantile(bm::chi_squared(kBins - 1), 0.999);
  INFO(d.describe() << ": chi2 = " << stat << ", critical(0.999, 19 dof) = " << critical);
  CHECK(stat < critical);
}

// N(mu, sigma) conditioned on X >= 0, from the untruncated normal (Johnson, Kotz &
// Balakrishnan, "Continuous Univariate Distributions" vol. 1, sec. 13.10).
Truth truncated_normal_truth(double mu, double sigma) {
  const bm::normal n01;
  const double alpha = -mu / sigma;
  const double mass = bm::cdf(bm::complement(n01, alpha));
  const double lambda = bm::pdf(n01, alpha) / mass;
  const double phi_alpha = bm::cdf(n01, alpha);
  return Truth{mu + sigma * lambda, sigma * sigma * (1 + alpha * lambda - lambda * lambda),
               [=](double p) { return mu + sigma * bm::quantile(n01, phi_alpha + p * mass); },
               [=](double x) { return (bm::cdf(n01, (x - mu) / sigma) - phi_alpha) / mass; }};
}

}  // namespace

// ---- every kind against its analytic mean and quantiles --------------------------------------

TEST_CASE("constant: every draw is the value (degenerate: zero variance, exact mean)",
          "[distribution]") {
  const auto d = Distribution::constant(2.5);
  CHECK(d.kind() == Distribution::Kind::Constant);
  CHECK(d.mean() == 2.5);
  CHECK(d.quantile(0.3) == 2.5);
  CHECK(d.cdf(2.4) == 0.0);
  CHECK(d.cdf(2.5) == 1.0);
  // Zero variance: the sum of 2.5s is exact, so the CLT tolerance of zero is met exactly.
  const Truth t{2.5, 0.0, [](double) { return 2.5; },
                [](double x) { return x >= 2.5 ? 1.0 : 0.0; }};
  const auto xs = draw(d, "constant");
  check_sample_mean(xs, t);
  check_sample_quantiles(xs, t);
}

TEST_CASE("uniform: sample mean and p50/p90/p99 match Boost.Math uniform", "[distribution]") {
  const auto d = Distribution::uniform(0.001, 0.005);
  CHECK(d.kind() == Distribution::Kind::Uniform);
  check_all(d, boost_truth(bm::uniform(0.001, 0.005)), "uniform");
}

TEST_CASE("exponential: sample mean and p50/p90/p99 match Boost.Math exponential",
          "[distribution]") {
  const auto d = Distribution::exponential(0.05);
  CHECK(d.kind() == Distribution::Kind::Exponential);
  check_all(d, boost_truth(bm::exponential(1 / 0.05)), "exponential");
}

TEST_CASE("normal_truncated, mostly positive (rejection branch): matches the truncated normal",
          "[distribution]") {
  const auto d = Distribution::normal_truncated(0.01, 0.004);
  CHECK(d.kind() == Distribution::Kind::NormalTruncated);
  check_all(d, truncated_normal_truth(0.01, 0.004), "normal_truncated");
}

TEST_CASE("normal_truncated, mostly negative (inverse-CDF branch): matches the truncated normal",
          "[distribution]") {
  // P(X >= 0) = 1 - Phi(1) ~ 0.16 < 0.5 selects the inverse-CDF sampler.
  const auto d = Distribution::normal_truncated(-0.01, 0.01);
  check_all(d, truncated_normal_truth(-0.01, 0.01), "normal_truncated-inverse");
}

TEST_CASE("lognormal: sample mean and p50/p90/p99 match Boost.Math lognormal", "[distribution]") {
  const auto d = Distribution::lognormal(-4.6, 0.5);
  CHECK(d.kind() == Distribution::Kind::Lognormal);
  check_all(d, boost_truth(bm::lognormal(-4.6, 0.5)), "lognormal");
}

TEST_CASE("gamma, shape >= 1 (Marsaglia-Tsang): matches Boost.Math gamma", "[distribution]") {
  const auto d = Distribution::gamma(2.5, 0.01);
  CHECK(d.kind() == Distribution::Kind::Gamma);
  check_all(d, boost_truth(bm::gamma_distribution<>(2.5, 0.01)), "gamma");
}

TEST_CASE("gamma, shape < 1 (boosted from shape + 1): matches Boost.Math gamma", "[distribution]") {
  const auto d = Distribution::gamma(0.5, 0.02);
  check_all(d, boost_truth(bm::gamma_distribution<>(0.5, 0.02)), "gamma-small-shape");
}

TEST_CASE("weibull: sample mean and p50/p90/p99 match Boost.Math weibull", "[distribution]") {
  const auto d = Distribution::weibull(1.5, 0.02);
  CHECK(d.kind() == Distribution::Kind::Weibull);
  check_all(d, boost_truth(bm::weibull(1.5, 0.02)), "weibull");
}

TEST_CASE("pareto, alpha > 2 (finite variance): matches Boost.Math pareto", "[distribution]") {
  const auto d = Distribution::pareto(0.01, 3.0);
  CHECK(d.kind() == Distribution::Kind::Pareto);
  check_all(d, boost_truth(bm::pareto(0.01, 3.0)), "pareto");
}

TEST_CASE("pareto, 1 < alpha <= 2 (infinite variance): quantiles match Boost.Math pareto",
          "[distribution]") {
  // The CLT does not hold, so only the quantiles are tested.
  const auto d = Distribution::pareto(0.01, 1.5);
  const bm::pareto truth(0.01, 1.5);
  check_all(d,
            Truth{bm::mean(truth), kInf, [=](double p) { return bm::quantile(truth, p); },
                  [=](double x) { return bm::cdf(truth, x); }},
            "pareto-heavy");
}

TEST_CASE("pareto, alpha <= 1: the mean is +inf and quantiles match Boost.Math pareto",
          "[distribution]") {
  const auto d = Distribution::pareto(0.01, 0.8);
  CHECK(d.mean() == kInf);
  const bm::pareto truth(0.01, 0.8);
  const auto xs = draw(d, "pareto-infinite-mean");
  check_sample_quantiles(xs, Truth{kInf, kInf, [=](double p) { return bm::quantile(truth, p); },
                                   [=](double x) { return bm::cdf(truth, x); }});
}

TEST_CASE("empirical: samples match the table's piecewise-linear inverse CDF", "[distribution]") {
  // A latency table as a load test reports it.  Truth by hand: between rows the draw is uniform
  // on [v0, v1] with mass p1 - p0, so E[X] = sum dp (v0 + v1) / 2 and
  // E[X^2] = sum dp (v0^2 + v0 v1 + v1^2) / 3.
  const std::vector<std::pair<double, double>> table = {
      {0, 0.001}, {50, 0.005}, {90, 0.02}, {99, 0.1}, {100, 0.5}};
  const auto d = Distribution::empirical(table);
  CHECK(d.kind() == Distribution::Kind::Empirical);
  double m1 = 0;
  double m2 = 0;
  for (std::size_t i = 1; i < table.size(); ++i) {
    const double dp = (table[i].first - table[i - 1].first) / 100;
    const double a = table[i - 1].second;
    const double b = table[i].second;
    m1 += dp * (a + b) / 2;
    m2 += dp * (a * a + a * b + b * b) / 3;
  }
  auto quantile = [table](double p) {
    for (std::size_t i = 1; i < table.size(); ++i) {
      const double p0 = table[i - 1].first / 100;
      const double p1 = table[i].first / 100;
      if (p <= p1) {
        return table[i - 1].second + (p - p0) / (p1 - p0) * (table[i].second - table[i - 1].second);
      }
    }
    return table.back().second;
  };
  auto cdf = [table](double x) {
    for (std::size_t i = 1; i < table.size(); ++i) {
      const double v0 = table[i - 1].second;
      const double v1 = table[i].second;
      if (x < v1) {
        return (table[i - 1].first + (x - v0) / (v1 - v0) * (table[i].first - table[i - 1].first)) /
               100;
      }
    }
    return 1.0;
  };
  check_all(d, Truth{m1, m2 - m1 * m1, quantile, cdf}, "empirical");
}

TEST_CASE("mixture: sample mean and quantiles match the mixed CDF inverted by TOMS 748",
          "[distribution]") {
  // 70% fast lognormal path, 30% slow exponential path.  Mean and variance of a mixture by the
  // law of total variance; the quantile by root-finding on the weighted Boost CDFs.
  const auto d = Distribution::mixture(
      {{0.7, Distribution::lognormal(-4.6, 0.5)}, {0.3, Distribution::exponential(0.05)}});
  CHECK(d.kind() == Distribution::Kind::Mixture);
  const bm::lognormal fast(-4.6, 0.5);
  const bm::exponential slow(1 / 0.05);
  const double mean = 0.7 * bm::mean(fast) + 0.3 * bm::mean(slow);
  const double second = 0.7 * (bm::variance(fast) + bm::mean(fast) * bm::mean(fast)) +
                        0.3 * (bm::variance(slow) + bm::mean(slow) * bm::mean(slow));
  auto cdf = [=](double x) { return 0.7 * bm::cdf(fast, x) + 0.3 * bm::cdf(slow, x); };
  auto quantile = [=](double p) {
    std::uintmax_t max_iter = 200;
    const auto r = bm::tools::toms748_solve([&](double x) { return cdf(x) - p; }, 0.0, 100.0,
                                            bm::tools::eps_tolerance<double>(50), max_iter);
    return 0.5 * (r.first + r.second);
  };
  check_all(d, Truth{mean, second - mean * mean, quantile, cdf}, "mixture");
}

// ---- goodness of fit ----------------------------------------------------------------------------

TEST_CASE(
    "exponential, lognormal, gamma: chi-squared on 20 equiprobable bins below chi2(19) "
    "0.999 quantile (Boost.Math CDFs)",
    "[distribution]") {
  check_chi_squared(Distribution::exponential(0.05), boost_truth(bm::exponential(1 / 0.05)),
                    "exponential");
  check_chi_squared(Distribution::lognormal(-4.6, 0.5), boost_truth(bm::lognormal(-4.6, 0.5)),
                    "lognormal");
  check_chi_squared(Distribution::gamma(2.5, 0.01),
                    boost_truth(bm::gamma_distribution<>(2.5, 0.01)), "gamma");
  check_chi_squared(Distribution::gamma(0.5, 0.02),
                    boost_truth(bm::gamma_distribution<>(0.5, 0.02)), "gamma-small-shape");
}

// ---- hand computations ----------------------------------------------------------------------

TEST_CASE("mixture of constants: weighted mean, step CDF and smallest-x quantile by hand",
          "[distribution]") {
  const auto d =
      Distribution::mixture({{1.0, Distribution::constant(1)}, {1.0, Distribution::constant(3)}});
  CHECK(d.mean() == 2.0);
  CHECK(d.cdf(0.5) == 0.0);
  CHECK(d.cdf(1.0) == 0.5);
  CHECK(d.cdf(2.0) == 0.5);
  CHECK(d.cdf(3.0) == 1.0);
  CHECK(d.quantile(0.25) == 1.0);
  CHECK(d.quantile(0.5) == 1.0);  // the smallest x with cdf(x) >= 0.5
  CHECK(d.quantile(0.75) == 3.0);
  CHECK(d.quantile(1.0) == 3.0);

  // Weights are relative: 3:1 puts 3/4 of the mass on the first component.
  const auto skewed =
      Distribution::mixture({{3.0, Distribution::constant(1)}, {1.0, Distribution::constant(3)}});
  CHECK(skewed.mean() == 1.5);
  CHECK(skewed.cdf(2.0) == 0.75);
}

TEST_CASE("mixture quantile: bisection finds a point inside a continuous component",
          "[distribution]") {
  // 50/50 uniform(0, 1) and uniform(2, 3): F(x) = x / 2 on [0, 1], so quantile(0.3) = 0.6, and
  // F(x) = 0.5 + (x - 2) / 2 on [2, 3], so quantile(0.8) = 2.6.
  const auto d = Distribution::mixture(
      {{1.0, Distribution::uniform(0, 1)}, {1.0, Distribution::uniform(2, 3)}});
  CHECK(d.quantile(0.3) == Approx(0.6).epsilon(1e-14));
  CHECK(d.quantile(0.8) == Approx(2.6).epsilon(1e-14));
  CHECK(d.quantile(0.5) == Approx(1.0).epsilon(1e-14));
}

TEST_CASE("empirical (0,0),(50,10),(100,20): quantile(0.25) = 5, mean = 10 by hand",
          "[distribution]") {
  const auto d = Distribution::empirical({{0, 0}, {50, 10}, {100, 20}});
  CHECK(d.quantile(0.25) == 5.0);
  CHECK(d.quantile(0.0) == 0.0);
  CHECK(d.quantile(1.0) == 20.0);
  CHECK(d.mean() == 10.0);
  CHECK(d.cdf(15.0) == 0.75);
  CHECK(d.cdf(-1.0) == 0.0);
  CHECK(d.cdf(25.0) == 1.0);
}

TEST_CASE("empirical: equal neighbouring values are an atom; cdf takes its top", "[distribution]") {
  // 40% of the mass exactly at 5 (e.g. a cache hit); cdf is right-continuous.
  const auto d = Distribution::empirical({{0, 0}, {50, 5}, {90, 5}, {100, 10}});
  CHECK(d.cdf(5.0) == Approx(0.9));
  CHECK(d.cdf(4.999999) < 0.5);
  CHECK(d.quantile(0.7) == 5.0);
}

TEST_CASE("lognormal_median_p99(0.1, 0.5) reproduces the median and p99 through quantile()",
          "[distribution]") {
  // mu = ln(median), sigma = (ln(p99) - mu) / z_0.99 with z_0.99 = 2.3263478740 (Boost.Math).
  const auto d = Distribution::lognormal_median_p99(0.1, 0.5);
  CHECK(d.kind() == Distribution::Kind::Lognormal);
  CHECK(d.quantile(0.5) == Approx(0.1).epsilon(1e-13));
  CHECK(d.quantile(0.99) == Approx(0.5).epsilon(1e-13));
  CHECK(d.cdf(0.1) == Approx(0.5).epsilon(1e-13));
}

// ---- contract -------------------------------------------------------------------------------

TEST_CASE("invalid parameters throw std::invalid_argument naming what was expected",
          "[distribution]") {
  using Catch::Matchers::Contains;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(Distribution::constant(nan), Contains("constant: value must be finite"));
  CHECK_THROWS_WITH(Distribution::uniform(2, 1), Contains("uniform: hi must be >= lo"));
  CHECK_THROWS_AS(Distribution::uniform(0, kInf), std::invalid_argument);
  CHECK_THROWS_WITH(Distribution::exponential(0), Contains("exponential: mean must be"));
  CHECK_THROWS_AS(Distribution::exponential(-1), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::exponential(nan), std::invalid_argument);
  CHECK_THROWS_WITH(Distribution::normal_truncated(0, 0), Contains("sigma must be finite and > 0"));
  CHECK_THROWS_WITH(Distribution::normal_truncated(-100, 1), Contains("mu/sigma"));
  CHECK_THROWS_WITH(Distribution::lognormal(0, -1), Contains("lognormal: sigma"));
  CHECK_THROWS_AS(Distribution::lognormal(nan, 1), std::invalid_argument);
  CHECK_THROWS_WITH(Distribution::lognormal_median_p99(0.1, 0.1), Contains("p99 must be"));
  CHECK_THROWS_AS(Distribution::lognormal_median_p99(0.5, 0.1), std::invalid_argument);
  CHECK_THROWS_WITH(Distribution::lognormal_median_p99(0, 0.1), Contains("median must be"));
  CHECK_THROWS_WITH(Distribution::gamma(0, 1), Contains("gamma: shape"));
  CHECK_THROWS_WITH(Distribution::gamma(1, -1), Contains("gamma: scale"));
  CHECK_THROWS_WITH(Distribution::weibull(-1, 1), Contains("weibull: shape"));
  CHECK_THROWS_WITH(Distribution::weibull(1, 0), Contains("weibull: scale"));
  CHECK_THROWS_WITH(Distribution::pareto(-1, 2), Contains("pareto: scale_xm"));
  CHECK_THROWS_WITH(Distribution::pareto(1, 0), Contains("pareto: alpha"));
  CHECK_THROWS_WITH(Distribution::empirical({}), Contains("at least two rows"));
  CHECK_THROWS_WITH(Distribution::empirical({{1, 0}, {100, 1}}), Contains("first percentile"));
  CHECK_THROWS_WITH(Distribution::empirical({{0, 0}, {99, 1}}), Contains("last percentile"));
  CHECK_THROWS_WITH(Distribution::empirical({{0, 0}, {50, 1}, {50, 2}, {100, 3}}),
                    Contains("strictly increasing"));
  CHECK_THROWS_WITH(Distribution::empirical({{0, 0}, {50, 2}, {100, 1}}),
                    Contains("non-decreasing"));
  CHECK_THROWS_AS(Distribution::empirical({{0, 0}, {50, nan}, {100, 1}}), std::invalid_argument);
  CHECK_THROWS_WITH(Distribution::mixture({}), Contains("at least one"));
  CHECK_THROWS_WITH(Distribution::mixture({{0.0, Distribution::constant(1)}}),
                    Contains("mixture: weight 0 must be finite and > 0"));
  CHECK_THROWS_AS(
      Distribution::mixture({{1.0, Distribution::constant(1)}, {-1.0, Distribution::constant(2)}}),
      std::invalid_argument);
  CHECK_THROWS_WITH(Distribution::exponential(1).quantile(1.5), Contains("p must be in [0, 1]"));
}

TEST_CASE("the same seed gives the same sequence; another purpose or seed gives another",
          "[distribution]") {
  // Exercises the variable-draw samplers (rejection, mixture) too: reproducibility must not
  // depend on how many words a sampler happens to consume.
  const auto d = Distribution::mixture({{1.0, Distribution::gamma(0.5, 1)},
                                        {1.0, Distribution::normal_truncated(0.1, 1)},
                                        {1.0, Distribution::empirical({{0, 0}, {100, 1}})}});
  auto run = [&](uint64_t seed, const char* purpose) {
    Stream s(seed, "dist-test", purpose);
    std::vector<double> xs(1000);
    for (auto& x : xs) x = d.sample(s);
    return xs;
  };
  CHECK(run(kSeed, "mixture") == run(kSeed, "mixture"));
  CHECK(run(kSeed, "mixture") != run(kSeed, "mixture-other"));
  CHECK(run(kSeed, "mixture") != run(kSeed + 1, "mixture"));
}

TEST_CASE("sample_time is never negative, rounds to the ns and saturates", "[distribution]") {
  Stream s(kSeed, "dist-test", "sample_time");
  CHECK(Distribution::constant(-1).sample_time(s) == Time::zero());
  CHECK(Distribution::constant(0.0015).sample_time(s) == Time::from_ns(1'500'000));
  const auto straddling = Distribution::uniform(-1, 1);
  bool all_non_negative = true;
  for (int i = 0; i < 10000; ++i) all_non_negative &= straddling.sample_time(s) >= Time::zero();
  CHECK(all_non_negative);
  // alpha = 0.01: draws reach 1e300 s and beyond; they must saturate, not wrap negative.
  const auto heavy = Distribution::pareto(1, 0.01);
  bool none_wrapped = true;
  for (int i = 0; i < 10000; ++i) none_wrapped &= heavy.sample_time(s) >= Time::zero();
  CHECK(none_wrapped);
}

TEST_CASE("describe names the kind and its parameters", "[distribution]") {
  CHECK(Distribution::lognormal(-4.6, 0.5).describe() == "lognormal(mu=-4.6, sigma=0.5)");
  CHECK(Distribution::empirical({{0, 0}, {50, 10}, {100, 20}}).describe() ==
        "empirical(p0=0, p50=10, p100=20)");
  CHECK(
      Distribution::mixture({{1.0, Distribution::constant(1)}, {3.0, Distribution::exponential(2)}})
          .describe() == "mixture(0.25*constant(v=1), 0.75*exponential(mean=2))");
}

TEST_CASE("quantile(0) and quantile(1) are the ends of the support", "[distribution]") {
  CHECK(Distribution::exponential(1).quantile(0) == 0.0);
  CHECK(Distribution::exponential(1).quantile(1) == kInf);
  CHECK(Distribution::pareto(2, 3).quantile(0) == 2.0);
  CHECK(Distribution::normal_truncated(-1, 1).quantile(0) == Approx(0.0).margin(1e-15));
  CHECK(Distribution::normal_truncated(5, 1).quantile(1) == kInf);
  CHECK(Distribution::uniform(1, 2).quantile(1) == 2.0);
}
