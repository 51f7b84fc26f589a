// Parameter validation, samplers and analytic functions for Distribution; see distribution.h.
//
// The analytic side (mean, quantile, cdf) defers to Boost.Math wherever Boost has the
// distribution, so the simulator and its tests share one independent source of truth; the
// samplers are written here because Boost has none that take our Stream without state.
#include "simcore/distribution.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/pareto.hpp>
#include <boost/math/distributions/weibull.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace meshsim::simcore {
namespace {

namespace bm = boost::math;
// quantile(1) of an unbounded distribution is +inf, not an exception.  Doubles are not promoted
// to long double: the inverse branch of normal_truncated calls the normal quantile per sample.
using Policy = bm::policies::policy<bm::policies::overflow_error<bm::policies::ignore_error>,
                                    bm::policies::promote_double<false>>;
using Normal = bm::normal_distribution<double, Policy>;

constexpr double kInf = std::numeric_limits<double>::infinity();
// Below this mu/sigma the mass of N(mu, sigma) on [0, inf) is too close to underflow for its
// pdf/cdf ratio (the truncated mean) to be meaningful.
constexpr double kMinTruncatedZ = -37.0;

// Shortest-ish, locale-independent rendering for messages ("0.1", "-4.60517", "1e+300").
std::string num(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  return std::string(buf, r.ptr);
}

// Index of the first element > x in a sorted vector.
std::size_t first_above(const std::vector<double>& sorted, double x) {
  return static_cast<std::size_t>(std::upper_bound(sorted.begin(), sorted.end(), x) -
                                  sorted.begin());
}

// The empirical inverse CDF at p in [0, 1): probs[0] == 0 <= p < 1 == probs.back(), so the
// segment index i is in [1, size - 1].
double interpolate(const std::vector<double>& probs, const std::vector<double>& values, double p) {
  const std::size_t i = first_above(probs, p);
  const double t = (p - probs[i - 1]) / (probs[i] - probs[i - 1]);
  return values[i - 1] + t * (values[i] - values[i - 1]);
}

void require(bool ok, const std::string& what, const std::string& expected, double got) {
  if (!ok) throw std::invalid_argument(what + " must be " + expected + ", got " + num(got));
}
void require_finite(const std::string& what, double v) {
  require(std::isfinite(v), what, "finite", v);
}
void require_positive(const std::string& what, double v) {
  require(std::isfinite(v) && v > 0, what, "finite and > 0", v);
}

}  // namespace

// ---- factories ------------------------------------------------------------------------------

Distribution Distribution::constant(double v) {
  require_finite("constant: value", v);
  Distribution d(Kind::Constant);
  d.a_ = v;
  return d;
}

Distribution Distribution::uniform(double lo, double hi) {
  require_finite("uniform: lo", lo);
  require_finite("uniform: hi", hi);
  require(lo <= hi, "uniform: hi", ">= lo (" + num(lo) + ")", hi);
  Distribution d(Kind::Uniform);
  d.a_ = lo;
  d.b_ = hi;
  return d;
}

Distribution Distribution::exponential(double mean) {
  require_positive("exponential: mean", mean);
  Distribution d(Kind::Exponential);
  d.a_ = mean;
  return d;
}

Distribution Distribution::normal_truncated(double mu, double sigma) {
  require_finite("normal_truncated: mu", mu);
  require_positive("normal_truncated: sigma", sigma);
  require(mu / sigma > kMinTruncatedZ, "normal_truncated: mu/sigma",
          "> " + num(kMinTruncatedZ) + " (almost no mass at X >= 0)", mu / sigma);
  Distribution d(Kind::NormalTruncated);
  d.a_ = mu;
  d.b_ = sigma;
  const double alpha = -mu / sigma;  // the truncation point in standard units
  d.c_ = bm::cdf(Normal(), alpha);
  d.d_ = bm::cdf(bm::complement(Normal(), alpha));
  // Rejection from the untruncated normal needs 1/d_ <= 2 tries on average; below that the
  // inverse CDF costs one Boost quantile per sample but never loops.
  d.use_rejection_ = d.d_ >= 0.5;
  return d;
}

Distribution Distribution::lognormal(double mu, double sigma) {
  require_finite("lognormal: mu", mu);
  require_positive("lognormal: sigma", sigma);
  Distribution d(Kind::Lognormal);
  d.a_ = mu;
  d.b_ = sigma;
  return d;
}

Distribution Distribution::lognormal_median_p99(double median, double p99) {
  require_positive("lognormal_median_p99: median", median);
  require(std::isfinite(p99) && p99 > median, "lognormal_median_p99: p99",
          "finite and > median (" + num(median) + ")", p99);
  const double z99 = bm::quantile(Normal(), 0.99);
  const double mu = std::log(median);
  return lognormal(mu, (std::log(p99) - mu) / z99);
}

Distribution Distribution::gamma(double shape, double scale) {
  require_positive("gamma: shape", shape);
  require_positive("gamma: scale", scale);
  Distribution d(Kind::Gamma);
  d.a_ = shape;
  d.b_ = scale;
  // Marsaglia & Tsang (2000) need shape >= 1; smaller shapes sample G(shape + 1) and boost it.
  const double a = shape < 1 ? shape + 1 : shape;
  d.c_ = a - 1.0 / 3.0;
  d.d_ = 1.0 / std::sqrt(9.0 * d.c_);
  return d;
}

Distribution Distribution::weibull(double shape, double scale) {
  require_positive("weibull: shape", shape);
  require_positive("weibull: scale", scale);
  Distribution d(Kind::Weibull);
  d.a_ = shape;
  d.b_ = scale;
  return d;
}

Distribution Distribution::pareto(double scale_xm, double alpha) {
  require_positive("pareto: scale_xm", scale_xm);
  require_positive("pareto: alpha", alpha);
  Distribution d(Kind::Pareto);
  d.a_ = scale_xm;
  d.b_ = alpha;
  return d;
}

Distribution Distribution::empirical(std::vector<std::pair<double, double>> percentile_table) {
  if (percentile_table.size() < 2) {
    throw std::invalid_argument(
        "empirical: the percentile table must have at least two rows (percentile 0 and 100), "
        "got " +
        std::to_string(percentile_table.size()));
  }
  const auto& first = percentile_table.front();
  const auto& last = percentile_table.back();
  require(first.first == 0, "empirical: the first percentile", "0", first.first);
  require(last.first == 100, "empirical: the last percentile", "100", last.first);
  Distribution d(Kind::Empirical);
  d.probs_.reserve(percentile_table.size());
  d.values_.reserve(percentile_table.size());
  for (std::size_t i = 0; i < percentile_table.size(); ++i) {
    const auto [pct, value] = percentile_table[i];
    const std::string row = "empirical: row " + std::to_string(i) + ": ";
    require_finite(row + "value", value);
    if (i > 0) {
      const auto [prev_pct, prev_value] = percentile_table[i - 1];
      require(pct > prev_pct, row + "percentile",
              "> the previous row's (" + num(prev_pct) + ") (strictly increasing)", pct);
      require(value >= prev_value, row + "value",
              ">= the previous row's (" + num(prev_value) + ") (non-decreasing)", value);
    }
    d.probs_.push_back(pct / 100.0);
    d.values_.push_back(value);
  }
  d.probs_.back() = 1.0;  // exact, whatever 100/100 rounds to
  return d;
}

Distribution Distribution::mixture(std::vector<std::pair<double, Distribution>> weighted) {
  if (weighted.empty()) {
    throw std::invalid_argument("mixture: must have at least one (weight, component) pair");
  }
  double total = 0;
  for (std::size_t i = 0; i < weighted.size(); ++i) {
    require_positive("mixture: weight " + std::to_string(i), weighted[i].first);
    total += weighted[i].first;
  }
  require_positive("mixture: the sum of the weights", total);
  Distribution d(Kind::Mixture);
  d.probs_.reserve(weighted.size());
  d.values_.reserve(weighted.size());
  d.components_.reserve(weighted.size());
  double cum = 0;
  for (auto& [w, component] : weighted) {
    cum += w;
    d.values_.push_back(w / total);
    d.probs_.push_back(cum / total);
    d.components_.push_back(std::move(component));
  }
  d.probs_.back() = 1.0;  // sample() relies on u < probs_.back() for every u in [0, 1)
  return d;
}

// ---- sampling -------------------------------------------------------------------------------

double Distribution::sample_standard_normal(Stream& s) const {
  // Box-Muller, using one of the two outputs: caching the other would make a const Distribution
  // stateful, and it would tie one stream's draws to another's.  Fixed two words per draw.
  const double r = std::sqrt(-2.0 * std::log(s.uniform_pos()));
  return r * std::cos(2.0 * std::numbers::pi * s.uniform());
}

double Distribution::sample_gamma_unit_scale(Stream& s) const {
  // Marsaglia & Tsang, "A simple method for generating gamma variables" (2000); c_ and d_ are
  // their d and c for max(shape, shape + 1).
  const double mt_d = c_;
  const double mt_c = d_;
  double g = 0;
  for (;;) {
    double x = 0;
    double v = 0;
    do {
      x = sample_standard_normal(s);
      v = 1.0 + mt_c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = s.uniform_pos();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + mt_d * (1.0 - v + std::log(v))) {
      g = mt_d * v;
      break;
    }
  }
  // Shape < 1: G(a) = G(a + 1) * U^(1/a) (same paper, section 6).
  if (a_ < 1) g *= std::pow(s.uniform_pos(), 1.0 / a_);
  return g;
}

double Distribution::sample(Stream& s) const {
  switch (kind_) {
    case Kind::Constant:
      return a_;
    case Kind::Uniform:
      return a_ + (b_ - a_) * s.uniform();
    case Kind::Exponential:
      return -a_ * std::log(s.uniform_pos());
    case Kind::NormalTruncated: {
      if (use_rejection_) {
        for (;;) {
          const double x = a_ + b_ * sample_standard_normal(s);
          if (x >= 0) return x;
        }
      }
      // Inverse CDF on the upper tail, written with the complement so that a tiny accepted mass
      // d_ keeps its precision: P(Z > z) = v * d_ with v in (0, 1] gives z in [alpha, inf).
      const double z = bm::quantile(bm::complement(Normal(), s.uniform_pos() * d_));
      return std::max(0.0, a_ + b_ * z);
    }
    case Kind::Lognormal:
      return std::exp(a_ + b_ * sample_standard_normal(s));
    case Kind::Gamma:
      return b_ * sample_gamma_unit_scale(s);
    case Kind::Weibull:
      return b_ * std::pow(-std::log(s.uniform_pos()), 1.0 / a_);
    case Kind::Pareto:
      return a_ * std::pow(s.uniform_pos(), -1.0 / b_);
    case Kind::Empirical:
      return interpolate(probs_, values_, s.uniform());
    case Kind::Mixture:
      // u < 1 == probs_.back(), so the index is always a component.
      return components_[first_above(probs_, s.uniform())].sample(s);
  }
  return 0;  // unreachable: the switch covers every Kind
}

Time Distribution::sample_time(Stream& s) const {
  const double x = sample(s);
  return Time::from_seconds(x > 0 ? x : 0.0);
}

// ---- analytic functions ---------------------------------------------------------------------

double Distribution::mean() const {
  switch (kind_) {
    case Kind::Constant:
      return a_;
    case Kind::Uniform:
      return 0.5 * (a_ + b_);
    case Kind::Exponential:
      return a_;
    case Kind::NormalTruncated: {
      // E[X | X >= 0] = mu + sigma * phi(alpha) / (1 - Phi(alpha)).
      const double alpha = -a_ / b_;
      return a_ + b_ * bm::pdf(Normal(), alpha) / d_;
    }
    case Kind::Lognormal:
      return bm::mean(bm::lognormal_distribution<double, Policy>(a_, b_));
    case Kind::Gamma:
      return bm::mean(bm::gamma_distribution<double, Policy>(a_, b_));
    case Kind::Weibull:
      return bm::mean(bm::weibull_distribution<double, Policy>(a_, b_));
    case Kind::Pareto:
      // Boost reports alpha <= 1 as a domain error; the mean is simply infinite.
      if (b_ <= 1) return kInf;
      return bm::mean(bm::pareto_distribution<double, Policy>(a_, b_));
    case Kind::Empirical: {
      // Between two rows X is uniform on [v0, v1] with mass p1 - p0.
      double m = 0;
      for (std::size_t i = 1; i < probs_.size(); ++i) {
        m += (probs_[i] - probs_[i - 1]) * 0.5 * (values_[i - 1] + values_[i]);
      }
      return m;
    }
    case Kind::Mixture: {
      double m = 0;
      for (std::size_t i = 0; i < components_.size(); ++i) m += values_[i] * components_[i].mean();
      return m;
    }
  }
  return 0;  // unreachable
}

double Distribution::lower_support() const {
  switch (kind_) {
    case Kind::Constant:
    case Kind::Uniform:
    case Kind::Pareto:
      return a_;
    case Kind::Empirical:
      return values_.front();
    case Kind::Exponential:
    case Kind::NormalTruncated:
    case Kind::Lognormal:
    case Kind::Gamma:
    case Kind::Weibull:
      return 0;
    case Kind::Mixture: {
      double lo = kInf;
      for (const auto& c : components_) lo = std::min(lo, c.lower_support());
      return lo;
    }
  }
  return 0;  // unreachable
}

double Distribution::quantile(double p) const {
  if (!(p >= 0 && p <= 1)) {
    throw std::invalid_argument("quantile: p must be in [0, 1], got " + num(p));
  }
  switch (kind_) {
    case Kind::Constant:
      return a_;
    case Kind::Uniform:
      return a_ + p * (b_ - a_);
    case Kind::Exponential:
      return bm::quantile(bm::exponential_distribution<double, Policy>(1.0 / a_), p);
    case Kind::NormalTruncated: {
      // Phi(z) = c_ + p * d_; take whichever of Phi and its complement is below 1/2, so the
      // argument Boost inverts is never close to 1.
      const double lower = c_ + p * d_;
      const double z = lower <= 0.5 ? bm::quantile(Normal(), lower)
                                    : bm::quantile(bm::complement(Normal(), (1 - p) * d_));
      return std::max(0.0, a_ + b_ * z);
    }
    case Kind::Lognormal:
      return bm::quantile(bm::lognormal_distribution<double, Policy>(a_, b_), p);
    case Kind::Gamma:
      return bm::quantile(bm::gamma_distribution<double, Policy>(a_, b_), p);
    case Kind::Weibull:
      return bm::quantile(bm::weibull_distribution<double, Policy>(a_, b_), p);
    case Kind::Pareto:
      return bm::quantile(bm::pareto_distribution<double, Policy>(a_, b_), p);
    case Kind::Empirical:
      return p >= 1 ? values_.back() : interpolate(probs_, values_, p);
    case Kind::Mixture: {
      // Every component has F_i(x) >= p at x = max_i Q_i(p) and F_i(x) < p below min_i Q_i(p),
      // so the mixture's quantile is bracketed by them.
      double lo = kInf;
      double hi = -kInf;
      for (const auto& c : components_) {
        const double q = c.quantile(p);
        lo = std::min(lo, q);
        hi = std::max(hi, q);
      }
      if (p == 0 || lo == hi || cdf(lo) >= p) return lo;
      if (std::isinf(hi)) return hi;  // only at p == 1
      // Bisection rather than TOMS 748: the mixed CDF may have steps (constant or empirical
      // components), and bisection keeps cdf(lo) < p <= cdf(hi) exactly; it stops when the
      // bracket is one ulp wide, so the answer is the smallest double with cdf >= p.
      for (int iter = 0; iter < 2200; ++iter) {
        const double mid = lo + 0.5 * (hi - lo);
        if (mid <= lo || mid >= hi) break;
        if (cdf(mid) >= p) {
          hi = mid;
        } else {
          lo = mid;
        }
      }
      return hi;
    }
  }
  return 0;  // unreachable
}

double Distribution::cdf(double x) const {
  if (std::isnan(x)) return x;
  if (kind_ != Kind::Mixture) {
    // Boost treats x outside the support as a domain error; the CDF is simply 0 or 1 there.
    if (x < lower_support()) return 0;
    if (x == kInf) return 1;
  }
  switch (kind_) {
    case Kind::Constant:
      return 1;  // x >= v here
    case Kind::Uniform:
      return x >= b_ ? 1 : (x - a_) / (b_ - a_);
    case Kind::Exponential:
      return bm::cdf(bm::exponential_distribution<double, Policy>(1.0 / a_), x);
    case Kind::NormalTruncated: {
      // (Phi(z) - Phi(alpha)) / (1 - Phi(alpha)) = 1 - Q(z) / Q(alpha), via complements so a
      // small accepted mass keeps its precision.
      const double z = (x - a_) / b_;
      return 1.0 - bm::cdf(bm::complement(Normal(), z)) / d_;
    }
    case Kind::Lognormal:
      return bm::cdf(bm::lognormal_distribution<double, Policy>(a_, b_), x);
    case Kind::Gamma:
      return bm::cdf(bm::gamma_distribution<double, Policy>(a_, b_), x);
    case Kind::Weibull:
      return bm::cdf(bm::weibull_distribution<double, Policy>(a_, b_), x);
    case Kind::Pareto:
      return bm::cdf(bm::pareto_distribution<double, Policy>(a_, b_), x);
    case Kind::Empirical: {
      if (x >= values_.back()) return 1;
      // The last row with value <= x; skipping equal values takes the top of an atom.
      const std::size_t j = first_above(values_, x);
      const std::size_t i = j - 1;  // values_[i] <= x < values_[j]
      const double t = (x - values_[i]) / (values_[j] - values_[i]);
      return probs_[i] + t * (probs_[j] - probs_[i]);
    }
    case Kind::Mixture: {
      double f = 0;
      for (std::size_t i = 0; i < components_.size(); ++i) f += values_[i] * components_[i].cdf(x);
      return std::min(f, 1.0);
    }
  }
  return 0;  // unreachable
}

std::string Distribution::describe() const {
  switch (kind_) {
    case Kind::Constant:
      return "constant(v=" + num(a_) + ")";
    case Kind::Uniform:
      return "uniform(lo=" + num(a_) + ", hi=" + num(b_) + ")";
    case Kind::Exponential:
      return "exponential(mean=" + num(a_) + ")";
    case Kind::NormalTruncated:
      return "normal_truncated(mu=" + num(a_) + ", sigma=" + num(b_) + ")";
    case Kind::Lognormal:
      return "lognormal(mu=" + num(a_) + ", sigma=" + num(b_) + ")";
    case Kind::Gamma:
      return "gamma(shape=" + num(a_) + ", scale=" + num(b_) + ")";
    case Kind::Weibull:
      return "weibull(shape=" + num(a_) + ", scale=" + num(b_) + ")";
    case Kind::Pareto:
      return "pareto(xm=" + num(a_) + ", alpha=" + num(b_) + ")";
    case Kind::Empirical: {
      std::string out = "empirical(";
      for (std::size_t i = 0; i < probs_.size(); ++i) {
        if (i > 0) out += ", ";
        out += "p" + num(100.0 * probs_[i]) + "=" + num(values_[i]);
      }
      return out + ")";
    }
    case Kind::Mixture: {
      std::string out = "mixture(";
      for (std::size_t i = 0; i < components_.size(); ++i) {
        if (i > 0) out += ", ";
        out += num(values_[i]) + "*" + components_[i].describe();
      }
      return out + ")";
    }
  }
  return "?";  // unreachable
}

}  // namespace meshsim::simcore
