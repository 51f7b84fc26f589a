// The protocol a call or Load reaches: the HTTP family through the HTTP connection manager, TCP
// through tcp_proxy (models/tcp/tcp.h), UDP not at all (policies/protocol.h).
#include "policies/protocol.h"
#include "scenarios/internal/checker.h"

namespace meshsim::scenarios::internal {

namespace {
const models::PortConfig* port_of(const models::ServiceConfig& s, uint32_t port) {
  for (const models::PortConfig& p : s.ports)
    if (p.number == port) return &p;
  return nullptr;
}
std::string port_name(const models::PortConfig& p) { return p.name.empty() ? "unnamed" : p.name; }
}  // namespace

// A handler's call may go to a TCP port (a request on a pooled connection); a Load may not (its
// clients speak HTTP or gRPC); nothing may go to a UDP port, which the sidecars do not capture.
void Checker::check_port_protocol(const models::ServiceConfig& s, uint32_t port, const SourceLocation& where,
                                  bool load) {
  const models::PortConfig* p = port_of(s, port);
  if (p == nullptr || policies::is_http_family(p->protocol)) return;
  if (p->protocol == models::Protocol::kUdp) {
    diag_.report(Code::kCallToTcpPort, where,
                 {load ? "a Load" : "a call", std::to_string(port), port_name(*p), s.name,
                  "UDP, which the sidecars do not capture and meshsim does not model"});
  } else if (load) {
    diag_.report(Code::kCallToTcpPort, where,
                 {"a Load", std::to_string(port), port_name(*p), s.name,
                  "TCP (Istio protocol " + std::string(policies::protocol_name(p->protocol)) +
                      "); a Load's clients speak HTTP or gRPC: call it from a workload's handler"});
  }
}

void Checker::check_call_fields(const models::ServiceConfig& s, uint32_t port, const CallSite& site) {
  const models::PortConfig* p = port_of(s, port);
  if (p == nullptr || p->protocol == models::Protocol::kUdp) return;
  const std::string target = "port " + std::to_string(port) + " (" + port_name(*p) + ") of service '" + s.name + "'";
  if (policies::is_http_family(p->protocol)) {
    if (site.where_tcp_client)
      diag_.report(Code::kCallFieldIgnored, *site.where_tcp_client,
                   {"tcpClient", target, "HTTP: the sidecars pool its connections (DestinationRule connectionPool)"});
    return;
  }
  for (const auto& [field, where] : site.http_fields)
    diag_.report(Code::kCallFieldIgnored, where,
                 {field, target, "TCP (Istio protocol " + std::string(policies::protocol_name(p->protocol)) +
                                     "): a request on a connection has no " + field});
}

// grpc-timeout is a gRPC header: a deadline on a call that is not gRPC would silently do nothing.
void Checker::check_grpc_deadline(const models::ServiceConfig& s, const models::CallStep& c,
                                  const SourceLocation& where) {
  if (c.deadline == simcore::Time::max() && !c.propagate_deadline && !c.retry_throttling) return;
  for (const models::PortConfig& p : s.ports) {
    if (p.number != c.port || policies::is_grpc(p.protocol)) continue;
    if (c.retry_throttling)
      diag_.report(Code::kConflictingFields, where,
                   {"retryThrottling", "a call to port " + std::to_string(p.number) + " of service '" + s.name +
                                           "', which is not gRPC (retry throttling is gRPC's service config)"});
    if (c.deadline == simcore::Time::max() && !c.propagate_deadline) continue;
    diag_.report(Code::kConflictingFields, where,
                 {c.deadline != simcore::Time::max() ? "deadline" : "propagateDeadline",
                  "a call to port " + std::to_string(p.number) + " (" + (p.name.empty() ? "unnamed" : p.name) +
                      ") of service '" + s.name + "', which is not gRPC (the deadline travels as grpc-timeout)"});
  }
}

}  // namespace meshsim::scenarios::internal
