// The protocol a call or Load reaches: meshsim runs the HTTP family only (policies/protocol.h).
#include "policies/protocol.h"
#include "scenarios/internal/checker.h"

namespace meshsim::scenarios::internal {

// A port Istio proxies as TCP (or does not capture, UDP) must not run silently as HTTP: Envoy's
// tcp_proxy has no HTTP routing, retries, timeouts, faults or L7 metrics.  When TCP proxying is
// modelled, this is where it hooks in.
void Checker::check_port_protocol(const models::ServiceConfig& s, uint32_t port, const SourceLocation& where) {
  for (const models::PortConfig& p : s.ports) {
    if (p.number != port) continue;
    if (policies::is_http_family(p.protocol)) return;
    const std::string kind = p.protocol == models::Protocol::kUdp ? "UDP, which the sidecars do not capture"
                                                                   : "TCP (Istio protocol " +
                                                                         std::string(policies::protocol_name(p.protocol)) + ")";
    diag_.report(Code::kCallToTcpPort, where,
                 {std::to_string(port), p.name.empty() ? "unnamed" : p.name, s.name, kind});
    return;
  }
}

// grpc-timeout is a gRPC header: a deadline on a call that is not gRPC would silently do nothing.
void Checker::check_grpc_deadline(const models::ServiceConfig& s, const models::CallStep& c,
                                  const SourceLocation& where) {
  if (c.deadline == simcore::Time::max() && !c.propagate_deadline) return;
  for (const models::PortConfig& p : s.ports) {
    if (p.number != c.port || policies::is_grpc(p.protocol)) continue;
    diag_.report(Code::kConflictingFields, where,
                 {c.deadline != simcore::Time::max() ? "deadline" : "propagateDeadline",
                  "a call to port " + std::to_string(p.number) + " (" + (p.name.empty() ? "unnamed" : p.name) +
                      ") of service '" + s.name + "', which is not gRPC (the deadline travels as grpc-timeout)"});
  }
}

}  // namespace meshsim::scenarios::internal
