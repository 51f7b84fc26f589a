// Envoy's local replies: status and response flag of each, from one table (policies/local_reply.h).
// Truth: Envoy's router (router.cc: sendNoHealthyUpstreamResponse 503 UH, onResponseTimeout and
// onPerTryTimeout 504 UT, pool overflow 503 UO, no cluster 503 NC), the connection manager (no
// route: 404 NR), a redirect's default 301, and the response-flag table of Envoy's access-log
// documentation.
#include <catch2/catch.hpp>

#include <string>

#include "policies/local_reply.h"

using namespace meshsim::policies;

TEST_CASE("Each local reply has Envoy's status and response flag") {
  auto [reply, status, flags] = GENERATE(table<LocalReply, uint16_t, std::string>({
      {LocalReply::kNoRouteFound, 404, "NR"},
      {LocalReply::kNoClusterFound, 503, "NC"},
      {LocalReply::kNoHealthyUpstream, 503, "UH"},
      {LocalReply::kUpstreamOverflow, 503, "UO"},
      {LocalReply::kRouteTimeout, 504, "UT"},
      {LocalReply::kPerTryTimeout, 504, "UT"},
      {LocalReply::kConnectFailure, 503, "UF"},
      {LocalReply::kUpstreamConnectionTermination, 503, "UC"},
      {LocalReply::kUpstreamRemoteReset, 503, "UR"},
      {LocalReply::kFaultAbort, 0, "FI"},
      {LocalReply::kRedirect, 301, "-"},
  }));
  const LocalReplySpec r = local_reply(reply);
  CHECK(r.status == status);
  CHECK(response_flags_string(r.flag) == flags);
}
