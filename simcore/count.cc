// Integer-valued distributions; see count.h.
#include "simcore/count.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace meshsim::simcore {

Count Count::constant(uint64_t n) {
  if (n > kMaxCount) throw std::invalid_argument("a count must be at most " + std::to_string(kMaxCount));
  return Count(Kind::kConstant, n, n, static_cast<double>(n));
}

Count Count::uniform(uint64_t lo, uint64_t hi) {
  if (lo > hi) throw std::invalid_argument("uniform count: min must not exceed max");
  if (hi > kMaxCount) throw std::invalid_argument("a count must be at most " + std::to_string(kMaxCount));
  return Count(Kind::kUniform, lo, hi, (static_cast<double>(lo) + static_cast<double>(hi)) / 2);
}

Count Count::poisson(double mean) {
  if (!(mean > 0) || mean > kMaxPoissonMean) {
    throw std::invalid_argument("poisson count: the mean must be in (0, " +
                                std::to_string(static_cast<int>(kMaxPoissonMean)) + "]");
  }
  return Count(Kind::kPoisson, 0, 0, mean);
}

uint64_t Count::sample(Stream& s) const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return a_ + s.below(b_ - a_ + 1);
    case Kind::kPoisson: {
      // Inversion by sequential search: the smallest k with F(k) > u.
      const double u = s.uniform();
      double p = std::exp(-mean_);
      double cumulative = p;
      uint64_t k = 0;
      while (cumulative <= u && k < kMaxCount) {
        ++k;
        p *= mean_ / static_cast<double>(k);
        cumulative += p;
        if (p == 0.0) break;  // the tail beyond double precision: u was within rounding of 1
      }
      return k;
    }
  }
  return a_;
}

double Count::mean() const { return mean_; }

}  // namespace meshsim::simcore
