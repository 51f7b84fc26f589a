// VirtualService tcp routes; see tcp_route.h.
#include "policies/tcp_route.h"

#include <algorithm>

namespace meshsim::policies {

bool tcp_match_applies(const L4Match& m, const Labels& proxy_labels, std::string_view proxy_namespace,
                       uint32_t port) {
  const bool gateway = m.gateways.empty() ||
                       std::find(m.gateways.begin(), m.gateways.end(), kMeshGateway) != m.gateways.end();
  bool labels = true;
  for (const auto& [k, v] : m.source_labels) {
    const auto it = proxy_labels.find(k);
    if (it == proxy_labels.end() || it->second != v) labels = false;
  }
  const bool port_ok = m.port == 0 || m.port == port;
  const bool ns = m.source_namespace.empty() || m.source_namespace == proxy_namespace;
  return gateway && labels && port_ok && ns;
}

const TcpRoute* tcp_route_for_source(const VirtualServiceConfig& vs, const Labels& proxy_labels,
                                     std::string_view proxy_namespace, uint32_t port) {
  if (!vs.gateways.empty() &&
      std::find(vs.gateways.begin(), vs.gateways.end(), kMeshGateway) == vs.gateways.end())
    return nullptr;
  for (const TcpRoute& r : vs.tcp) {
    if (r.matches.empty()) return &r;
    for (const L4Match& m : r.matches)
      if (tcp_match_applies(m, proxy_labels, proxy_namespace, port) && m.destination_subnets.empty()) return &r;
  }
  return nullptr;
}

size_t pick_tcp_destination(const TcpRoute& route, uint64_t random_value) {
  return pick_destination(std::span<const RouteDestination>(route.destinations), random_value);
}

}  // namespace meshsim::policies
