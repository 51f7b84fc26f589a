// Printing response flags in Envoy's order; see response_flags.h.
#include "policies/response_flags.h"

#include <array>
#include <utility>

namespace meshsim::policies {

namespace {

constexpr std::array<ResponseFlagName, 17> kNames{{
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

}  // namespace

std::span<const ResponseFlagName> response_flag_table() { return kNames; }

uint32_t response_flag_from_string(std::string_view name) {
  for (const auto& f : kNames) {
    if (f.name == name) return f.bit;
  }
  return 0;
}

std::string response_flags_string(uint32_t flags) {
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((flags & bit) == 0) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out.empty() ? "-" : out;
}

}  // namespace meshsim::policies
