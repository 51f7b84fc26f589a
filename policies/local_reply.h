// Envoy's local replies: the answers a sidecar makes itself, without (or instead of) an
// upstream response, each with its HTTP status and its response flag.  One table, so the status
// and flag of a reply are written down once (Envoy: source/common/router/router.cc and
// source/common/http/conn_manager_impl.cc send them; the flags are documented under "Access
// logging: response flags").
#pragma once

#include <cstdint>

#include "policies/response_flags.h"
#include "policies/retry_state.h"

namespace meshsim::policies {

enum class LocalReply : uint8_t {
  kNoRouteFound,       // no route matches:                           404 NR
  kNoClusterFound,     // the route's cluster does not exist:         503 NC
  kNoHealthyUpstream,  // no healthy host in the cluster:             503 UH
  kUpstreamOverflow,   // a circuit breaker / pool limit overflowed:  503 UO
  kRouteTimeout,       // the route (global) timeout fired:           504 UT
  kPerTryTimeout,      // an attempt's per-try timeout fired:         504 UT
  kConnectFailure,     // the upstream connection could not be made: 503 UF
  kUpstreamConnectionTermination,  // the connection closed under the request: 503 UC
  kUpstreamRemoteReset,            // the upstream reset the stream:           503 UR
  kFaultAbort,         // the fault filter aborts: the fault's own status (0 here), FI
  kRedirect,           // a redirect route (Envoy's default code):    301, no flag
};

struct LocalReplySpec {
  uint16_t status;
  uint32_t flag;  // ResponseFlag bits
};

constexpr LocalReplySpec local_reply(LocalReply r) {
  switch (r) {
    case LocalReply::kNoRouteFound: return {404, ResponseFlag::kNoRouteFound};
    case LocalReply::kNoClusterFound: return {503, ResponseFlag::kNoClusterFound};
    case LocalReply::kNoHealthyUpstream: return {503, ResponseFlag::kNoHealthyUpstream};
    case LocalReply::kUpstreamOverflow: return {503, ResponseFlag::kUpstreamOverflow};
    case LocalReply::kRouteTimeout: return {504, ResponseFlag::kUpstreamRequestTimeout};
    case LocalReply::kPerTryTimeout: return {504, ResponseFlag::kUpstreamRequestTimeout};
    case LocalReply::kConnectFailure: return {503, ResponseFlag::kUpstreamConnectionFailure};
    case LocalReply::kUpstreamConnectionTermination: return {503, ResponseFlag::kUpstreamConnectionTermination};
    case LocalReply::kUpstreamRemoteReset: return {503, ResponseFlag::kUpstreamRemoteReset};
    case LocalReply::kFaultAbort: return {0, ResponseFlag::kFaultInjected};
    case LocalReply::kRedirect: return {301, 0};
  }
  return {500, 0};
}

// The local reply Envoy sends when a reset outcome is final (router.cc onUpstreamReset,
// onPerTryTimeoutCommon, onResponseTimeout, sendNoHealthyUpstreamResponse; fault_filter.cc).
// Combine its flag with response_flag(status) of the retry decision.
constexpr LocalReply local_reply_for(ResetReason reason) {
  switch (reason) {
    case ResetReason::ConnectFailure: return LocalReply::kConnectFailure;
    case ResetReason::RefusedStream: return LocalReply::kUpstreamRemoteReset;
    case ResetReason::ResetBeforeRequestSent: return LocalReply::kUpstreamConnectionTermination;
    case ResetReason::ResetAfterRequestSent: return LocalReply::kUpstreamRemoteReset;
    case ResetReason::Overflow: return LocalReply::kUpstreamOverflow;
    case ResetReason::NoHealthyUpstream: return LocalReply::kNoHealthyUpstream;
    case ResetReason::PerTryTimeout: return LocalReply::kPerTryTimeout;
    case ResetReason::GlobalTimeout: return LocalReply::kRouteTimeout;
    case ResetReason::FaultAbort: return LocalReply::kFaultAbort;
  }
  return LocalReply::kUpstreamRemoteReset;
}

}  // namespace meshsim::policies
