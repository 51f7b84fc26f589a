// Holm and Benjamini-Hochberg adjusted p-values (analysis/multiple_testing.h) on the textbook
// list: the 15 p-values of Benjamini and Hochberg (1995), section 4.1, where at 0.05 the
// Bonferroni-type procedures reject 3 hypotheses and BH rejects 4.  The adjusted values were
// computed by hand from the formulas (Wright 1992; the ones R's p.adjust "holm" and "BH" use).
#include "analysis/multiple_testing.h"

#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

using meshsim::analysis::adjust_p_values;
using meshsim::analysis::MultipleTesting;
using meshsim::analysis::parse_multiple_testing;

namespace {

const std::vector<double> kBenjaminiHochberg1995{0.0001, 0.0004, 0.0019, 0.0095, 0.0201,
                                                 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
                                                 0.4262, 0.5719, 0.6528, 0.7590, 1.0000};

size_t rejected(const std::vector<double>& adjusted, double alpha) {
  size_t n = 0;
  for (double p : adjusted) n += p <= alpha ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("Holm: adjusted p-values of Benjamini and Hochberg's 15 p-values", "[multiple]") {
  // (m - i + 1) p(i), made monotone: 15 * 0.0001, 14 * 0.0004, 13 * 0.0019, 12 * 0.0095, ...;
  // 9 * 0.0298 = 0.2682 and 8 * 0.0344 = 0.2752 are lifted to 10 * 0.0278 = 0.278.
  const std::vector<double> expected{0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278,
                                     0.278,  0.3213, 1,      1,     1,      1,     1,  1};
  const auto adj = adjust_p_values(kBenjaminiHochberg1995, MultipleTesting::kHolm);
  REQUIRE(adj.size() == expected.size());
  for (size_t i = 0; i < adj.size(); ++i) {
    INFO(i);
    CHECK(adj[i] == Approx(expected[i]).epsilon(1e-12));
  }
  CHECK(rejected(adj, 0.05) == 3);  // as the paper's Bonferroni-type procedures
}

TEST_CASE("Benjamini-Hochberg: adjusted p-values of the paper's 15 p-values", "[multiple]") {
  // m / i * p(i), made monotone from the top: 15/4 * 0.0095 = 0.035625; 15/7 * 0.0298 =
  // 0.0638571 also caps 15/6 * 0.0278 = 0.0695.
  const std::vector<double> expected{0.0015,   0.003,     0.0095,    0.035625, 0.0603,
                                     0.063857142857142857, 0.063857142857142857, 0.0645,
                                     0.0765,   0.486,     0.58118181818181818, 0.714875,
                                     0.75323076923076923, 0.81321428571428571, 1};
  const auto adj = adjust_p_values(kBenjaminiHochberg1995, MultipleTesting::kBenjaminiHochberg);
  REQUIRE(adj.size() == expected.size());
  for (size_t i = 0; i < adj.size(); ++i) {
    INFO(i);
    CHECK(adj[i] == Approx(expected[i]).epsilon(1e-12));
  }
  CHECK(rejected(adj, 0.05) == 4);  // the paper: "the first four hypotheses are rejected"
}

TEST_CASE("adjusted p-values keep the input order and skip rows without a test", "[multiple]") {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  // Shuffled, with a NaN (a row with no test) that must not count towards m = 3.
  const std::vector<double> p{0.04, nan, 0.01, 0.03};
  const auto holm = adjust_p_values(p, MultipleTesting::kHolm);
  CHECK(holm[2] == Approx(0.03));  // 3 * 0.01
  CHECK(holm[3] == Approx(0.06));  // 2 * 0.03
  CHECK(holm[0] == Approx(0.06));  // 1 * 0.04, lifted to 0.06
  CHECK(std::isnan(holm[1]));
  const auto bh = adjust_p_values(p, MultipleTesting::kBenjaminiHochberg);
  CHECK(bh[2] == Approx(0.03));  // 3/1 * 0.01 = 0.03, min with 0.045 and 0.04
  CHECK(bh[3] == Approx(0.04));  // 3/2 * 0.03 = 0.045, capped by 3/3 * 0.04
  CHECK(bh[0] == Approx(0.04));
  CHECK(std::isnan(bh[1]));
  CHECK(adjust_p_values(std::vector<double>{}, MultipleTesting::kHolm).empty());
  // One test: nothing to adjust.
  CHECK(adjust_p_values(std::vector<double>{0.2}, MultipleTesting::kHolm)[0] == 0.2);
}

TEST_CASE("multiple-testing method names", "[multiple]") {
  CHECK(parse_multiple_testing("holm") == MultipleTesting::kHolm);
  CHECK(parse_multiple_testing("Holm") == MultipleTesting::kHolm);
  CHECK(parse_multiple_testing("bh") == MultipleTesting::kBenjaminiHochberg);
  CHECK(parse_multiple_testing("benjamini-hochberg") == MultipleTesting::kBenjaminiHochberg);
  CHECK_FALSE(parse_multiple_testing("bonferroni"));
  CHECK_FALSE(parse_multiple_testing(""));
}
