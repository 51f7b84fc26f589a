// VirtualService `tcp:` routes: which destination a client sidecar's tcp_proxy sends a new
// connection to, as Istio programs the outbound TCP filter chains of a service port.
//
// Config time, per client proxy and service port (istio pilot/pkg/networking/core
// listener_tcp.go buildSidecarOutboundTCPFilterChainOpts and matchTCP):
//   * the VirtualServices of the host are taken in order, each one's `tcp` routes in order;
//   * a route without `match` is the terminal route;
//   * otherwise a match entry applies when its gateways are empty or list "mesh", its
//     sourceLabels are a subset of the proxy's labels, its port is 0 or the service port, and its
//     sourceNamespace is empty or the proxy's (all four: unlike HTTP's sourceMatchHTTP, listed
//     gateways do not bypass the label check).  An applying entry with no destinationSubnets is
//     the terminal route;
//   * an applying entry with destinationSubnets only adds a filter chain matched on the
//     connection's destination address.  meshsim gives Services no addresses, so such a chain
//     never matches a Service's VIP here (the scenario layer warns, MSH0226);
//   * no terminal route: the service's default cluster (outbound|port||host), no subset.
// Connection time: the weighted destination is picked once per connection (Envoy tcp_proxy
// WeightedClusterEntry, a random value modulo the total weight), with the same rule as HTTP's
// pick_destination.  TCP routes have no retries, timeouts, faults or mirrors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policies/virtual_service.h"

namespace meshsim::policies {

// L4Match and TcpRoute (Istio L4MatchAttributes, TCPRoute) are in virtual_service.h, whose
// VirtualServiceConfig holds them.

// Does `m` apply to a sidecar with these labels and namespace, for connections to `port`?
// (Istio matchTCP with gateways = {"mesh"}.)
bool tcp_match_applies(const L4Match& m, const Labels& proxy_labels, std::string_view proxy_namespace, uint32_t port);

// The terminal TCP route of `vs` for such a proxy, or nullptr when the VirtualService gives it
// none (no tcp routes, or none that apply without a destinationSubnets condition).  A
// VirtualService whose gateways do not include "mesh" gives sidecars nothing.
const TcpRoute* tcp_route_for_source(const VirtualServiceConfig& vs, const Labels& proxy_labels,
                                     std::string_view proxy_namespace, uint32_t port);

// Index into route.destinations of a new connection's destination (pick_destination's rule:
// one destination always; several by weight, weight 0 never; all 0: kNoDestination).
size_t pick_tcp_destination(const TcpRoute& route, uint64_t random_value);

}  // namespace meshsim::policies
