// Envoy's response flags: why a request ended as it did, as Envoy's access log and Istio's
// `response_flags` metric label spell them (envoy source/common/stream_info/utility.h).
//
// A request may carry several (e.g. "UF,URX"); they are a bit set here and joined with commas
// in Envoy's canonical order when printed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace meshsim::policies {

enum ResponseFlag : uint32_t {
  kNone = 0,
  kFailedLocalHealthCheck = 1u << 0,         // LH
  kNoHealthyUpstream = 1u << 1,              // UH
  kUpstreamRequestTimeout = 1u << 2,         // UT
  kLocalReset = 1u << 3,                     // LR
  kUpstreamRemoteReset = 1u << 4,            // UR
  kUpstreamConnectionFailure = 1u << 5,      // UF
  kUpstreamConnectionTermination = 1u << 6,  // UC
  kUpstreamOverflow = 1u << 7,               // UO
  kNoRouteFound = 1u << 8,                   // NR
  kDelayInjected = 1u << 9,                  // DI
  kFaultInjected = 1u << 10,                 // FI
  kRateLimited = 1u << 11,                   // RL
  kUpstreamRetryLimitExceeded = 1u << 12,    // URX
  kDownstreamConnectionTermination = 1u << 13,  // DC
  kNoClusterFound = 1u << 14,                // NC
  kUpstreamProtocolError = 1u << 15,         // UPE
  kUnauthorizedExternalService = 1u << 16,   // UAEX
};

// "UF,URX" style; "-" for none (as Envoy's access log prints it).
std::string response_flags_string(uint32_t flags);

struct ResponseFlagName {
  uint32_t bit;
  std::string_view name;  // Envoy's short name, "UO"
};
// Every flag meshsim sets, in Envoy's printing order.
std::span<const ResponseFlagName> response_flag_table();
// The bit of one short name ("UO"); 0 for an unknown name.
uint32_t response_flag_from_string(std::string_view name);

}  // namespace meshsim::policies
