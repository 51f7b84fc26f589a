// Tests for analysis/accumulator.h: Welford's running mean and variance and Chan's merge.
//
// Sources of truth: textbook data sets whose moments are known by hand, and a single-pass
// accumulator over the concatenated stream for the merge.
#include "analysis/accumulator.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

using meshsim::analysis::Accumulator;

TEST_CASE(
    "Accumulator: mean, variances, min and max of {2,4,4,4,5,5,7,9} "
    "(truth: by hand, mean 5, sum of squared deviations 32)") {
  Accumulator acc;
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) acc.add(x);
  // deviations -3,-1,-1,-1,0,0,2,4 -> squares 9+1+1+1+0+0+4+16 = 32
  CHECK(acc.count() == 8);
  CHECK(acc.mean() == Approx(5.0).epsilon(1e-15));
  CHECK(acc.population_variance() == Approx(32.0 / 8.0).epsilon(1e-15));  // 4
  CHECK(acc.variance() == Approx(32.0 / 7.0).epsilon(1e-15));
  CHECK(acc.stddev() == Approx(std::sqrt(32.0 / 7.0)).epsilon(1e-15));
  CHECK(acc.standard_error() == Approx(std::sqrt(32.0 / 7.0 / 8.0)).epsilon(1e-15));
  CHECK(acc.min() == 2.0);
  CHECK(acc.max() == 9.0);
}

TEST_CASE(
    "Accumulator: the variance keeps its digits when the mean is 1e9 times the spread "
    "(truth: 1e9 + {4,7,13,16} has mean 1e9+10 and sample variance (36+9+9+36)/3 = 30)") {
  Accumulator acc;
  for (double x : {4.0, 7.0, 13.0, 16.0}) acc.add(1e9 + x);
  CHECK(acc.mean() == Approx(1e9 + 10.0).epsilon(1e-15));
  CHECK(acc.variance() == Approx(30.0).epsilon(1e-9));
}

TEST_CASE(
    "Accumulator: Chan's merge of uneven parts, in any order, equals one pass over the "
    "whole stream (truth: a single accumulator fed every value)") {
  std::mt19937_64 rng(12345);
  std::vector<double> xs;
  for (int i = 0; i < 1000; ++i) {
    xs.push_back(100.0 + static_cast<double>(rng() >> 11) * 0x1.0p-53 * 50.0);
  }
  Accumulator whole, p1, p2, p3;
  for (size_t i = 0; i < xs.size(); ++i) {
    whole.add(xs[i]);
    (i < 1 ? p1 : i < 300 ? p2 : p3).add(xs[i]);
  }
  Accumulator left = p1;  // (p1 + p2) + p3
  left.merge(p2);
  left.merge(p3);
  Accumulator right = p3;  // p3 + (p2 + p1)
  Accumulator p21 = p2;
  p21.merge(p1);
  right.merge(p21);
  for (const Accumulator* m : {&left, &right}) {
    CHECK(m->count() == whole.count());
    CHECK(m->mean() == Approx(whole.mean()).epsilon(1e-13));
    CHECK(m->variance() == Approx(whole.variance()).epsilon(1e-11));
    CHECK(m->min() == whole.min());
    CHECK(m->max() == whole.max());
  }
}

TEST_CASE(
    "Accumulator: merging with an empty accumulator changes nothing, either way "
    "(truth: the non-empty operand)") {
  Accumulator a;
  for (double x : {1.0, 2.0, 6.0}) a.add(x);
  Accumulator empty;
  Accumulator into_empty;
  into_empty.merge(a);
  Accumulator with_empty = a;
  with_empty.merge(empty);
  for (const Accumulator* m : {&into_empty, &with_empty}) {
    CHECK(m->count() == 3);
    CHECK(m->mean() == a.mean());
    CHECK(m->variance() == a.variance());
    CHECK(m->min() == 1.0);
    CHECK(m->max() == 6.0);
  }
}

TEST_CASE(
    "Accumulator: undefined statistics are NaN, not 0: everything when empty, the sample "
    "variance with one value (truth: documented contract)") {
  Accumulator acc;
  CHECK(acc.count() == 0);
  CHECK(std::isnan(acc.mean()));
  CHECK(std::isnan(acc.min()));
  CHECK(std::isnan(acc.max()));
  CHECK(std::isnan(acc.variance()));
  CHECK(std::isnan(acc.population_variance()));
  acc.add(3.5);
  CHECK(acc.mean() == 3.5);
  CHECK(acc.min() == 3.5);
  CHECK(acc.max() == 3.5);
  CHECK(acc.population_variance() == 0.0);
  CHECK(std::isnan(acc.variance()));
  CHECK(std::isnan(acc.standard_error()));
  acc.reset();
  CHECK(acc.count() == 0);
  CHECK(std::isnan(acc.mean()));
}
