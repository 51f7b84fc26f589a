// Tests for simcore::Count against Boost.Math's distributions (the independent truth): a
// chi-squared goodness-of-fit at the 0.999 quantile with one fixed seed, and the contract.
#include "simcore/count.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <catch2/catch.hpp>

namespace {

using meshsim::simcore::Count;
using meshsim::simcore::Stream;
namespace bm = boost::math;

constexpr std::size_t kN = 100000;

// Pearson's statistic over cells {0}, {1}, ..., {last - 1}, {last, ...}.
template <class Pmf, class Tail>
double chi_squared(const Count& c, std::size_t last, Pmf pmf, Tail tail_from_last) {
  Stream s(7, "count-test", "draws");
  std::vector<double> observed(last + 1, 0.0);
  for (std::size_t i = 0; i < kN; ++i) {
    const uint64_t k = c.sample(s);
    ++observed[k < last ? k : last];
  }
  double stat = 0;
  for (std::size_t k = 0; k <= last; ++k) {
    const double expected = kN * (k < last ? pmf(k) : tail_from_last);
    stat += (observed[k] - expected) * (observed[k] - expected) / expected;
  }
  return stat;
}

TEST_CASE("Count::poisson matches Boost's Poisson pmf (chi-squared, 0.999)") {
  for (double mean : {0.5, 3.0, 20.0}) {
    const bm::poisson truth(mean);
    // Cells up to a point where the expected count of the tail cell is still large.
    const auto last = static_cast<std::size_t>(mean + 4 * std::sqrt(mean) + 1);
    const double stat = chi_squared(Count::poisson(mean), last,
                                    [&](std::size_t k) { return bm::pdf(truth, static_cast<double>(k)); },
                                    bm::cdf(bm::complement(truth, static_cast<double>(last) - 1)));
    const double critical = bm::quantile(bm::chi_squared(static_cast<double>(last)), 0.999);
    INFO("mean " << mean << ": chi2 " << stat << " critical " << critical);
    CHECK(stat < critical);
  }
}

TEST_CASE("Count::uniform is uniform on {lo..hi} inclusive (chi-squared, 0.999)") {
  const Count c = Count::uniform(2, 6);  // five values
  Stream s(7, "count-test", "uniform");
  std::vector<double> observed(5, 0.0);
  for (std::size_t i = 0; i < kN; ++i) {
    const uint64_t k = c.sample(s);
    REQUIRE(k >= 2);
    REQUIRE(k <= 6);
    ++observed[k - 2];
  }
  double stat = 0;
  for (double o : observed) stat += (o - kN / 5.0) * (o - kN / 5.0) / (kN / 5.0);
  CHECK(stat < bm::quantile(bm::chi_squared(4), 0.999));
  CHECK(c.mean() == 4.0);
}

TEST_CASE("Count::constant draws nothing and returns n") {
  Stream s(7, "count-test", "constant");
  const uint64_t before = s.draws();
  CHECK(Count::constant(3).sample(s) == 3);
  CHECK(Count::constant(0).sample(s) == 0);
  CHECK(s.draws() == before);
}

TEST_CASE("Count rejects what it cannot draw") {
  CHECK_THROWS_AS(Count::uniform(5, 4), std::invalid_argument);
  CHECK_THROWS_AS(Count::poisson(0), std::invalid_argument);
  CHECK_THROWS_AS(Count::poisson(Count::kMaxPoissonMean * 2), std::invalid_argument);
  CHECK_THROWS_AS(Count::constant(Count::kMaxCount + 1), std::invalid_argument);
}

}  // namespace
