// Pins simcore::Time: integer nanoseconds, literals, exact accumulation.
#include <catch2/catch.hpp>

#include "simcore/time.h"

using namespace meshsim::simcore;
using namespace meshsim::simcore::time_literals;

TEST_CASE("Time literals convert to integer nanoseconds") {
  CHECK((1_s).ns() == 1'000'000'000);
  CHECK((2_ms).ns() == 2'000'000);
  CHECK((3_us).ns() == 3'000);
  CHECK((4_ns).ns() == 4);
  CHECK(1_s == 1000_ms);
}

TEST_CASE("Time accumulates without floating-point drift") {
  // A million 1 ms steps must land exactly on 1000 s; a double sum of 0.001 does not.
  Time t;
  for (int i = 0; i < 1'000'000; ++i) t += 1_ms;
  CHECK(t == 1000_s);
}

TEST_CASE("Time::from_seconds rounds to the nearest nanosecond and saturates") {
  CHECK(Time::from_seconds(2.5).ns() == 2'500'000'000);
  CHECK(Time::from_seconds(1e-9 * 0.6).ns() == 1);
  CHECK(Time::from_seconds(1e300) == Time::max());
  CHECK((1_s).to_seconds() == 1.0);
  CHECK((1500_us).to_ms() == 1.5);
}

TEST_CASE("Time::from_seconds rounds half away from zero, exactly, at every magnitude") {
  // Regression: rounding by adding 0.5 rounds twice.  Truth: the nearest integer to s * 1e9 as
  // computed in double, worked out by hand.  4503599.627370497 s * 1e9 is the double
  // 4503599627370497 (odd, above 2^52): exact, no rounding.  4.9999999999999993e-10 s is just
  // under half a nanosecond: 0.
  CHECK(Time::from_seconds(4503599.627370497).ns() == 4503599627370497);
  CHECK(Time::from_seconds(4.9999999999999993e-10).ns() == 0);
  CHECK(Time::from_seconds(0.5e-9).ns() == 1);
  CHECK(Time::from_seconds(-0.5e-9).ns() == -1);
  CHECK(Time::from_seconds(-2.5).ns() == -2'500'000'000);
}

TEST_CASE("Time arithmetic and ordering") {
  CHECK(3_s - 1_s == 2_s);
  CHECK(2_s * 3 == 6_s);
  CHECK(6_s / 3 == 2_s);
  CHECK(6_s / 2_s == 3);
  CHECK(1_ms < 1_s);
  CHECK(Time::max() > 1'000'000_s);
}
