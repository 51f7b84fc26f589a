// Simulated time: a strong type over integer nanoseconds.
//
// Time is both an instant (nanoseconds since the start of the run) and a duration; the two are
// not split into separate types because the simulator only ever adds durations to instants and
// subtracts instants, and one type keeps the event queue's key a single int64.  Integer
// nanoseconds mean no floating-point accumulation anywhere: a million 1 ms steps land exactly on
// 1000 s.  The range is +-292 years.
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>

namespace meshsim::simcore {

class Time {
 public:
  constexpr Time() = default;

  static constexpr Time from_ns(int64_t ns) { return Time(ns); }
  static constexpr Time from_us(int64_t us) { return Time(us * 1'000); }
  static constexpr Time from_ms(int64_t ms) { return Time(ms * 1'000'000); }
  static constexpr Time from_s(int64_t s) { return Time(s * 1'000'000'000); }
  // Rounds to the nearest nanosecond; used where a duration comes from a distribution or from
  // user input such as "2.5s".  Saturates at max() for huge or infinite values.
  // (Rounding is written out, half away from zero: std::round is an out-of-line libm call and
  // this sits on the hot path of every sampled latency.)
  static Time from_seconds(double s) {
    const double ns = s * 1e9;
    if (!(ns < 9.2e18)) return max();  // also catches NaN
    if (ns < -9.2e18) return Time(std::numeric_limits<int64_t>::min());
    // From 2^52 on every double is an integer.  Below, truncate and look at the fraction,
    // which is exact (ns + 0.5 would round twice and be 1 ns off in some cases).
    if (ns >= 0x1p52 || ns <= -0x1p52) return Time(static_cast<int64_t>(ns));
    const auto i = static_cast<int64_t>(ns);
    const double frac = ns - static_cast<double>(i);
    return Time(frac >= 0.5 ? i + 1 : frac <= -0.5 ? i - 1 : i);
  }
  static constexpr Time zero() { return Time(0); }
  // "Never": the largest representable time; used for "no deadline".
  static constexpr Time max() { return Time(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t ns() const { return ns_; }
  constexpr double to_seconds() const { return static_cast<double>(ns_) * 1e-9; }
  constexpr double to_ms() const { return static_cast<double>(ns_) * 1e-6; }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Time o) const { return Time(ns_ + o.ns_); }
  constexpr Time operator-(Time o) const { return Time(ns_ - o.ns_); }
  constexpr Time& operator+=(Time o) { ns_ += o.ns_; return *this; }
  constexpr Time& operator-=(Time o) { ns_ -= o.ns_; return *this; }
  constexpr Time operator*(int64_t k) const { return Time(ns_ * k); }
  constexpr Time operator/(int64_t k) const { return Time(ns_ / k); }
  constexpr int64_t operator/(Time o) const { return ns_ / o.ns_; }

 private:
  constexpr explicit Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

namespace time_literals {
constexpr Time operator""_ns(unsigned long long v) { return Time::from_ns(static_cast<int64_t>(v)); }
constexpr Time operator""_us(unsigned long long v) { return Time::from_us(static_cast<int64_t>(v)); }
constexpr Time operator""_ms(unsigned long long v) { return Time::from_ms(static_cast<int64_t>(v)); }
constexpr Time operator""_s(unsigned long long v) { return Time::from_s(static_cast<int64_t>(v)); }
}  // namespace time_literals

}  // namespace meshsim::simcore
