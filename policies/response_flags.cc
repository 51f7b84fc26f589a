// Printing response flags in Envoy's order; see response_flags.h.
#include "policies/response_flags.h"

#include <array>
#include <utility>

namespace meshsim::policies {

std::string response_flags_string(uint32_t flags) {
  static constexpr std::array<std::pair<uint32_t, const char*>, 17> kNames{{
      {kFailedLocalHealthCheck, "LH"},
      {kNoHealthyUpstream, "UH"},
      {kUpstreamRequestTimeout, "UT"},
      {kLocalReset, "LR"},
      {kUpstreamRemoteReset, "UR"},
      {kUpstreamConnectionFailure, "UF"},
      {kUpstreamConnectionTermination, "UC"},
      {kUpstreamOverflow, "UO"},
      {kNoRouteFound, "NR"},
      {kDelayInjected, "DI"},
      {kFaultInjected, "FI"},
      {kRateLimited, "RL"},
      {kUpstreamRetryLimitExceeded, "URX"},
      {kDownstreamConnectionTermination, "DC"},
      {kNoClusterFound, "NC"},
      {kUpstreamProtocolError, "UPE"},
      {kUnauthorizedExternalService, "UAEX"},
  }};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((flags & bit) == 0) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out.empty() ? "-" : out;
}

}  // namespace meshsim::policies
