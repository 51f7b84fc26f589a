// Tests for analysis/histogram.*: the log-linear layout's exactness and relative-error bound,
// HdrHistogram's percentile definition, and exact count/sum/min/max/mean and merge.
//
// The source of truth is always independent of the histogram: the recorded value itself, an
// exact sort of the same samples, or exact integer sums.  Samples come from a fixed-seed
// std::mt19937_64 turned into values by our own arithmetic (not a std:: distribution, whose
// output differs between standard libraries), so every run sees the same numbers.
#include "analysis/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "simcore/time.h"

namespace {

using meshsim::analysis::Bucket;
using meshsim::analysis::Histogram;

// True when |reported - truth| <= truth / 256, the bound stated in histogram.h; in integers.
bool within_bound(uint64_t reported, uint64_t truth) {
  const uint64_t diff = reported > truth ? reported - truth : truth - reported;
  return diff * 256 <= truth;
}

// n values log-uniform on [1, 1e12] ns, from a fixed seed.
std::vector<int64_t> log_uniform_samples(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> out;
  out.reserve(n);
  const double log_max = std::log(1e12);
  for (size_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
    out.push_back(static_cast<int64_t>(std::exp(u * log_max)));
  }
  return out;
}

}  // namespace

TEST_CASE(
    "Histogram: every value below 256 is its own bucket, so values below 2^7 are exact "
    "(truth: the recorded value)") {
  Histogram h;
  for (int64_t v = 0; v < 256; ++v) h.record(v);
  const std::vector<Bucket> buckets = h.buckets();
  REQUIRE(buckets.size() == 256);
  for (uint64_t v = 0; v < 256; ++v) {
    INFO("v = " << v);
    CHECK(buckets[v] == Bucket{v, v + 1, 1});
  }
  // The r-th smallest of 0..255 is r - 1; p = 100 r / 256 asks for exactly rank r.
  for (int64_t r = 1; r <= 256; ++r) {
    INFO("rank " << r);
    CHECK(h.value_at_percentile(100.0 * static_cast<double>(r) / 256.0) == r - 1);
  }
}

TEST_CASE(
    "Histogram: a bucket is at most 1/128 of its lower bound wide and its midpoint is "
    "within 1/256 of any value in it, for 1e5 log-spaced values up to 1e12 ns "
    "(truth: the recorded value)") {
  constexpr int kN = 100'000;
  Histogram h;
  int failures = 0;
  int64_t first_failure = -1;
  for (int i = 0; i < kN; ++i) {
    const auto v = static_cast<int64_t>(
        std::llround(std::pow(10.0, 12.0 * static_cast<double>(i) / (kN - 1))));
    h.reset();
    h.record(v);
    const std::vector<Bucket> b = h.buckets();
    const auto u = static_cast<uint64_t>(v);
    const bool ok = b.size() == 1 && b[0].lower <= u && u < b[0].upper_exclusive &&
                    (b[0].upper_exclusive - b[0].lower == 1 ||
                     (b[0].upper_exclusive - b[0].lower) * 128 <= b[0].lower) &&
                    within_bound(b[0].midpoint(), u);
    if (!ok && failures++ == 0) first_failure = v;
  }
  INFO("first failing value: " << first_failure);
  CHECK(failures == 0);
}

TEST_CASE(
    "Histogram: the largest int64 value lands in the top bucket, whose exclusive bound is "
    "2^63 (truth: 2^63 - 1 has bit width 63, shift 55, sub-bucket 255)") {
  Histogram h;
  h.record(std::numeric_limits<int64_t>::max());
  const std::vector<Bucket> b = h.buckets();
  REQUIRE(b.size() == 1);
  CHECK(b[0].lower == uint64_t{255} << 55);
  CHECK(b[0].upper_exclusive == uint64_t{1} << 63);
  CHECK(h.max() == std::numeric_limits<int64_t>::max());
  CHECK(h.value_at_percentile(50.0) == std::numeric_limits<int64_t>::max());  // clamped to max
}

TEST_CASE(
    "Histogram: value_at_percentile is HdrHistogram's rank ceil(p/100 n) to within 1/256, "
    "p0 = min and p100 = max exactly (truth: exact sort of 1e5 fixed-seed samples)") {
  constexpr size_t kN = 100'000;
  std::vector<int64_t> samples = log_uniform_samples(kN, 20240917);
  Histogram h;
  for (int64_t v : samples) h.record(v);
  std::sort(samples.begin(), samples.end());

  CHECK(h.value_at_percentile(0.0) == samples.front());
  CHECK(h.value_at_percentile(100.0) == samples.back());

  // p = k / 10^4 percent, so the exact rank ceil(k n / 10^6) is computed in integers.
  std::vector<uint64_t> ks = {0, 1, 10, 1'000, 999'000, 999'900, 999'990, 1'000'000};
  for (uint64_t k = 10'000; k <= 990'000; k += 10'000) ks.push_back(k);
  for (uint64_t k : ks) {
    const uint64_t rank = std::max<uint64_t>(1, (k * kN + 999'999) / 1'000'000);
    const auto truth = static_cast<uint64_t>(samples[rank - 1]);
    const auto got = static_cast<uint64_t>(h.value_at_percentile(static_cast<double>(k) / 1e4));
    INFO("p = " << static_cast<double>(k) / 1e4 << " %, rank " << rank << ", truth " << truth
                << ", got " << got);
    CHECK(within_bound(got, truth));
  }
}

TEST_CASE(
    "Histogram: count, sum, mean, min and max are exact, not bucketed "
    "(truth: integer sum and extremes of the samples)") {
  const std::vector<int64_t> samples = log_uniform_samples(100'000, 7);
  Histogram h;
  uint64_t exact_sum = 0;  // <= 1e5 * 1e12 < 2^64
  for (int64_t v : samples) {
    h.record(v);
    exact_sum += static_cast<uint64_t>(v);
  }
  CHECK(h.count() == samples.size());
  CHECK(h.sum() == static_cast<long double>(exact_sum));
  CHECK(h.min() == *std::min_element(samples.begin(), samples.end()));
  CHECK(h.max() == *std::max_element(samples.begin(), samples.end()));
  const double exact_mean = static_cast<double>(exact_sum) / static_cast<double>(samples.size());
  CHECK(h.mean() == Approx(exact_mean).epsilon(1e-15));  // exact up to rounding to double
}

TEST_CASE(
    "Histogram: merge(a, b) equals recording all of a's and b's values, in either order "
    "and with empty operands (truth: a histogram fed both streams)") {
  const std::vector<int64_t> small = {0, 3, 127, 128, 300, 5'000};
  const std::vector<int64_t> large = log_uniform_samples(10'000, 99);  // forces growth in merge
  Histogram a, b, both;
  for (int64_t v : small) {
    a.record(v);
    both.record(v);
  }
  for (int64_t v : large) {
    b.record(v);
    both.record(v);
  }
  Histogram ab = a;
  ab.merge(b);
  Histogram ba = b;
  ba.merge(a);
  CHECK(ab == both);
  CHECK(ba == both);
  CHECK(ab.buckets() == both.buckets());
  CHECK(ab.value_at_percentile(99.0) == both.value_at_percentile(99.0));

  Histogram empty;
  Histogram into_empty;
  into_empty.merge(both);
  CHECK(into_empty == both);
  Histogram with_empty = both;
  with_empty.merge(empty);
  CHECK(with_empty == both);
}

TEST_CASE(
    "Histogram: record(v, n) equals n calls of record(v), and record(Time) records "
    "Time::ns() (truth: the equivalent single records)") {
  using namespace meshsim::simcore::time_literals;
  Histogram counted, repeated, timed;
  counted.record(1'500'000, 3);
  counted.record(42, 0);  // a zero count records nothing, not even a min
  for (int i = 0; i < 3; ++i) repeated.record(1'500'000);
  timed.record(1500_us, 3);
  CHECK(counted == repeated);
  CHECK(timed == repeated);
  CHECK(counted.min() == 1'500'000);
}

TEST_CASE(
    "Histogram: an empty histogram reports 0 for every statistic and has no buckets, as "
    "HdrHistogram does; reset() returns to that state (truth: documented contract)") {
  Histogram h;
  auto check_empty = [](const Histogram& e) {
    CHECK(e.count() == 0);
    CHECK(e.sum() == 0.0L);
    CHECK(e.mean() == 0.0);
    CHECK(e.min() == 0);
    CHECK(e.max() == 0);
    CHECK(e.value_at_percentile(0.0) == 0);
    CHECK(e.value_at_percentile(50.0) == 0);
    CHECK(e.value_at_percentile(100.0) == 0);
    CHECK(e.buckets().empty());
  };
  check_empty(h);
  h.record(1'000'000'000'000);
  h.record(5);
  h.reset();
  check_empty(h);
  CHECK(h == Histogram());  // storage kept by reset() does not affect equality
  h.record(7);
  CHECK(h.min() == 7);  // the first value after reset sets min and max afresh
  CHECK(h.max() == 7);
}

TEST_CASE(
    "Histogram: histograms differing in one count, or only in exact min/max within a "
    "bucket, are unequal (truth: documented equality)") {
  Histogram a, b;
  a.record(1'000'000);
  b.record(1'000'001);  // same bucket (width 2^12 at 1e6), different exact value
  CHECK(a.buckets() == b.buckets());
  CHECK_FALSE(a == b);
  Histogram c = a;
  c.record(1'000'000);
  CHECK_FALSE(a == c);
}

TEST_CASE(
    "Histogram: from_parts(buckets(), min(), max(), sum()) rebuilds an equal histogram, "
    "percentiles included (truth: the original, 1e4 fixed-seed samples)") {
  Histogram h;
  for (int64_t v : log_uniform_samples(10'000, 7)) h.record(v);
  const std::vector<Bucket> parts = h.buckets();
  const Histogram rebuilt = Histogram::from_parts(parts, h.min(), h.max(), h.sum());
  CHECK(rebuilt == h);
  for (double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    INFO("p = " << p);
    CHECK(rebuilt.value_at_percentile(p) == h.value_at_percentile(p));
  }
  CHECK(Histogram::from_parts({}, 0, 0, 0) == Histogram());
}
