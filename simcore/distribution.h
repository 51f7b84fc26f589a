// Probability distributions for service times, delays and payload sizes.
//
// A Distribution is a small immutable value: a scenario is validated once into Distributions
// (bad parameters throw std::invalid_argument here, and the scenario loader adds the source
// location), and the hot path only calls sample().  Sampling dispatches on a kind enum rather
// than through virtual calls, draws only from the Stream it is given, keeps no state between
// draws and never allocates, so one const Distribution can be shared by every entity that uses
// it and every draw is reproducible from its stream.  mean(), quantile() and cdf() are the
// analytic values (Boost.Math where it has the distribution); analysis and the tests use them as
// the source of truth, so they are deliberately not computed from samples.
//
// Thread safety: all member functions are const and touch no shared state; a Distribution can be
// read from many threads at once (each with its own Stream).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::simcore {

class Distribution {
 public:
  enum class Kind {
    Constant,
    Uniform,
    Exponential,
    NormalTruncated,
    Lognormal,
    Gamma,
    Weibull,
    Pareto,
    Empirical,
    Mixture
  };

  // Factories.  Every parameter must be finite; each factory throws std::invalid_argument with a
  // message naming the parameter and the accepted range otherwise.
  static Distribution constant(double v);
  // Uniform on [lo, hi); lo == hi is allowed and behaves as constant(lo).
  static Distribution uniform(double lo, double hi);
  // mean > 0.
  static Distribution exponential(double mean);
  // N(mu, sigma) conditioned on X >= 0; sigma > 0 and P(X >= 0) must be representable
  // (mu/sigma > -37), otherwise the distribution is an underflow, not a latency.
  static Distribution normal_truncated(double mu, double sigma);
  // ln X ~ N(mu, sigma), sigma > 0.
  static Distribution lognormal(double mu, double sigma);
  // The lognormal with the given median and 99th percentile, 0 < median < p99: the usual way a
  // latency SLO is written down.
  static Distribution lognormal_median_p99(double median, double p99);
  // shape > 0, scale > 0 (mean = shape * scale).
  static Distribution gamma(double shape, double scale);
  // shape > 0, scale > 0; CDF 1 - exp(-(x/scale)^shape).
  static Distribution weibull(double shape, double scale);
  // Pareto type I on [scale_xm, inf): scale_xm > 0, alpha > 0.  alpha <= 1 has an infinite mean.
  static Distribution pareto(double scale_xm, double alpha);
  // A measured latency table: (percentile in [0, 100], value) pairs, at least two, starting at
  // percentile 0 and ending at 100, percentiles strictly increasing, values non-decreasing.
  // The inverse CDF is piecewise linear between the points (equal neighbouring values make an
  // atom).
  static Distribution empirical(std::vector<std::pair<double, double>> percentile_table);
  // (weight, component) pairs; weights > 0 and relative (they need not sum to 1).
  static Distribution mixture(std::vector<std::pair<double, Distribution>> weighted);

  // One draw.  Never throws.  The number of words drawn from the stream per call is fixed for
  // constant, uniform, exponential, lognormal (two), Weibull, Pareto, empirical and the inverse
  // branch of normal_truncated; rejection samplers (gamma, the rejection branch of
  // normal_truncated) draw a variable number.
  double sample(Stream& s) const;
  // sample() read as seconds, rounded to the nearest ns, clamped at >= 0 (and saturating at
  // Time::max() for huge draws), because a negative delay would schedule into the past.
  Time sample_time(Stream& s) const;

  // Analytic mean; +inf for Pareto with alpha <= 1 (and for a mixture containing one).
  double mean() const;
  // Analytic inverse CDF: the smallest x with cdf(x) >= p, for p in [0, 1] (throws
  // std::invalid_argument otherwise).  quantile(1) is +inf for unbounded support; quantile(0)
  // is the lower end of the support.  Mixture: numeric inversion of the mixed CDF by bisection,
  // so it costs ~100 CDF evaluations per component; not for the hot path.
  double quantile(double p) const;
  // P(X <= x).  NaN in, NaN out.
  double cdf(double x) const;

  Kind kind() const { return kind_; }
  // Human-readable parameters, e.g. "lognormal(mu=-4.6, sigma=0.5)"; for messages and reports.
  std::string describe() const;

 private:
  explicit Distribution(Kind kind) : kind_(kind) {}
  double sample_standard_normal(Stream& s) const;
  double sample_gamma_unit_scale(Stream& s) const;
  double lower_support() const;

  Kind kind_;
  // The user's parameters, meaning by kind: (v), (lo, hi), (mean), (mu, sigma),
  // (mu, sigma), (shape, scale), (shape, scale), (xm, alpha).
  double a_ = 0;
  double b_ = 0;
  // Precomputed at construction so sample() does no setup work:
  //   NormalTruncated: c_ = Phi(-mu/sigma), d_ = 1 - c_ (the accepted mass), computed
  //     separately so neither loses precision; use_rejection_ when d_ >= 0.5.
  //   Gamma: Marsaglia-Tsang's d and c for max(shape, shape + 1).
  double c_ = 0;
  double d_ = 0;
  bool use_rejection_ = false;
  // Empirical: percentiles as probabilities in [0, 1], and the values.
  // Mixture: cumulative normalised weights (last exactly 1), the normalised weights, and the
  // components.
  std::vector<double> probs_;
  std::vector<double> values_;
  std::vector<Distribution> components_;
};

}  // namespace meshsim::simcore
