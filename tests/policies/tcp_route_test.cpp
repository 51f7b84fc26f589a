// VirtualService tcp routes as Istio builds a sidecar's outbound TCP filter chains (istio
// pilot/pkg/networking/core/listener_tcp.go buildSidecarOutboundTCPFilterChainOpts, matchTCP)
// and Envoy's weighted pick per connection.
#include <catch2/catch.hpp>

#include "policies/tcp_route.h"

using namespace meshsim::policies;

namespace {
VirtualServiceConfig vs_with(std::vector<TcpRoute> routes) {
  VirtualServiceConfig vs;
  vs.name = "redis";
  vs.ns = "default";
  vs.hosts = {"redis"};
  vs.tcp = std::move(routes);
  return vs;
}
TcpRoute to(const std::string& subset, std::vector<L4Match> matches = {}) {
  TcpRoute r;
  r.matches = std::move(matches);
  r.destinations = {{"redis", subset, 0, 0}};
  return r;
}
const Labels kFront{{"app", "front"}, {"version", "v1"}};
}  // namespace

TEST_CASE("matchTCP: every set condition must hold; listed gateways do not bypass sourceLabels", "[tcp_route]") {
  L4Match m;
  CHECK(tcp_match_applies(m, kFront, "default", 6379));
  m.port = 6380;
  CHECK_FALSE(tcp_match_applies(m, kFront, "default", 6379));
  m.port = 6379;
  m.source_labels = {{"app", "front"}};
  CHECK(tcp_match_applies(m, kFront, "default", 6379));
  m.source_labels = {{"app", "batch"}};
  CHECK_FALSE(tcp_match_applies(m, kFront, "default", 6379));
  // Unlike HTTP's sourceMatchHTTP, gateways: [mesh] still needs the labels to hold.
  m.gateways = {"mesh"};
  CHECK_FALSE(tcp_match_applies(m, kFront, "default", 6379));
  m.source_labels.clear();
  CHECK(tcp_match_applies(m, kFront, "default", 6379));
  m.gateways = {"istio-system/ingress"};
  CHECK_FALSE(tcp_match_applies(m, kFront, "default", 6379));
  m.gateways.clear();
  m.source_namespace = "other";
  CHECK_FALSE(tcp_match_applies(m, kFront, "default", 6379));
}

TEST_CASE("The terminal tcp route: the first without match, or the first applying match without "
          "destinationSubnets; a subnets-only match is skipped",
          "[tcp_route]") {
  L4Match batch;
  batch.source_labels = {{"app", "batch"}};
  L4Match subnets;
  subnets.destination_subnets = {"10.0.0.0/8"};
  const auto vs = vs_with({to("a", {batch}), to("b", {subnets}), to("c"), to("d")});
  const TcpRoute* r = tcp_route_for_source(vs, kFront, "default", 6379);
  REQUIRE(r != nullptr);
  CHECK(r->destinations[0].subset == "c");
  const TcpRoute* rb = tcp_route_for_source(vs, {{"app", "batch"}}, "default", 6379);
  REQUIRE(rb != nullptr);
  CHECK(rb->destinations[0].subset == "a");
  // None applies: the service's default cluster (nullptr).
  CHECK(tcp_route_for_source(vs_with({to("a", {batch})}), kFront, "default", 6379) == nullptr);
  // A VirtualService bound to a gateway only gives sidecars nothing.
  auto gw = vs_with({to("c")});
  gw.gateways = {"ingress"};
  CHECK(tcp_route_for_source(gw, kFront, "default", 6379) == nullptr);
}

TEST_CASE("Weighted tcp destinations use HTTP's rule (random modulo the total, weight 0 never)", "[tcp_route]") {
  TcpRoute r;
  r.destinations = {{"redis", "v1", 0, 80}, {"redis", "v2", 0, 0}, {"redis", "v3", 0, 20}};
  CHECK(pick_tcp_destination(r, 0) == 0);
  CHECK(pick_tcp_destination(r, 79) == 0);
  CHECK(pick_tcp_destination(r, 80) == 2);
  CHECK(pick_tcp_destination(r, 199) == 2);
  CHECK(pick_tcp_destination(r, 150) == 0);  // 150 % 100 = 50, in v1's [0, 80)
  r.destinations = {{"redis", "v1", 0, 0}};
  CHECK(pick_tcp_destination(r, 12345) == 0);  // a single destination needs no weight
}
