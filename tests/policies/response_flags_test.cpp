// Envoy prints response flags comma-joined in its own order, "-" for none
// (envoy source/common/stream_info/utility.h; Istio's response_flags label shows the same).
#include <catch2/catch.hpp>

#include "policies/response_flags.h"

using namespace meshsim::policies;

TEST_CASE("Response flags print as Envoy's access log prints them") {
  CHECK(response_flags_string(0) == "-");
  CHECK(response_flags_string(kUpstreamOverflow) == "UO");
  CHECK(response_flags_string(kUpstreamConnectionFailure | kUpstreamRetryLimitExceeded) == "UF,URX");
  CHECK(response_flags_string(kUpstreamRetryLimitExceeded | kUpstreamRequestTimeout) == "UT,URX");
}
