// How many times something happens: a distribution over non-negative integers, for a handler's
// repeated steps ("look up each item of the cart": a fixed number, a uniform range, or a
// Poisson number of items).
//
// Draws come from the caller's Stream; one uniform per draw for constant (none) and uniform,
// and for Poisson the inversion method (Devroye, "Non-Uniform Random Variate Generation",
// X.3.2: sequential search from 0), one uniform per draw, O(mean) steps.  The mean is capped at
// kMaxPoissonMean so that the search stays short and exp(-mean) stays a normal double.
#pragma once

#include <cstdint>

#include "simcore/rng.h"

namespace meshsim::simcore {

class Count {
 public:
  static constexpr double kMaxPoissonMean = 100.0;
  static constexpr uint64_t kMaxCount = 1'000'000;

  // Always n.
  static Count constant(uint64_t n);
  // Uniform on {lo, ..., hi}, lo <= hi.
  static Count uniform(uint64_t lo, uint64_t hi);
  // Poisson with this mean, 0 < mean <= kMaxPoissonMean.
  static Count poisson(double mean);

  uint64_t sample(Stream& s) const;
  double mean() const;

 private:
  enum class Kind : uint8_t { kConstant, kUniform, kPoisson };
  Count(Kind k, uint64_t a, uint64_t b, double mean) : kind_(k), a_(a), b_(b), mean_(mean) {}

  Kind kind_;
  uint64_t a_, b_;
  double mean_;
};

}  // namespace meshsim::simcore
