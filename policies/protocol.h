// Which protocol Istio gives a Service port: Istio's protocol.Instance and the rule that picks it
// (istio pkg/config/kube/conversion.go ConvertProtocol, pkg/config/protocol/instance.go Parse,
// IsHTTP / IsTCP), and what meshsim does with each.
//
// The rule, in Istio's order:
//   1. a Service port with `protocol: UDP` is UDP (not captured by the sidecar);
//   2. a set `appProtocol` replaces the port name ("kubernetes.io/h2c" -> HTTP2;
//      "kubernetes.io/ws" -> HTTP and "kubernetes.io/wss" -> HTTPS since Istio 1.24, sniffed
//      before; anything unknown -> sniffed, whatever the name);
//   3. case-insensitive: a name starting with "grpc-web" is GRPC-Web (checked first, because the
//      prefix holds a '-'); otherwise the text before the first '-' must be exactly one of
//      http http2 https grpc tcp tls udp mongo mysql redis http_proxy
//      ("http-api", "HTTP", "grpc" match; "httpapi", "web", "" do not);
//   4. no match -> UnsupportedProtocol, which the sidecars sniff (kAuto here), except on the
//      well-known ports 25, 53, 3306 and 27017, which are TCP (server-first protocols would hang
//      a sniffer waiting for the client's first bytes).
//
// What meshsim runs: the HTTP family (HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web) through the
// sidecars' HTTP filter chain; kAuto as HTTP too, because meshsim's applications speak HTTP and
// Envoy's sniffer finds HTTP/1.1 or h2c in their first bytes.  Everything else goes through
// Envoy's tcp_proxy (no L7 routing, retries, faults or L7 metrics), which meshsim does not model
// yet: is_http_family() is the one test the scenario checks and the run use, so that TCP
// proxying can hook in there.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "policies/retry_policy.h"

namespace meshsim::policies {

enum class Protocol : uint8_t {
  kHttp,
  kHttp2,
  kHttpProxy,
  kGrpc,
  kGrpcWeb,
  kHttps,
  kTcp,
  kTls,
  kMongo,
  kMysql,
  kRedis,
  kUdp,
  kAuto,  // Istio's UnsupportedProtocol: the sidecars sniff the protocol
};

// Istio's spelling of the instance ("HTTP", "GRPC-Web", "UnsupportedProtocol" for kAuto).
std::string_view protocol_name(Protocol p);

// Istio's protocol.Parse: one of the names in the file comment, case-insensitive (plus
// "grpc-web"); kAuto for anything else.
Protocol parse_protocol(std::string_view name);

// Istio's ConvertProtocol for a Service port.  `kube_protocol` is the port's `protocol` field
// ("TCP", "UDP", "SCTP"; empty = TCP); `app_protocol` its `appProtocol` (nullopt = absent).
Protocol convert_protocol(uint32_t port, std::string_view name, std::string_view kube_protocol,
                          std::optional<std::string_view> app_protocol,
                          IstioVersion version = IstioVersion::current());

// The sidecars run the HTTP connection manager for it (Istio's IsHTTP), or sniff it (kAuto,
// which meshsim's HTTP applications are sniffed as).  False: tcp_proxy, or not captured (UDP).
bool is_http_family(Protocol p);

// A request on such a port is a gRPC request (content-type application/grpc): its responses
// carry a grpc-status, and Envoy's local replies to it are trailers-only (policies/grpc_status.h).
// GRPC-Web counts too: the sidecars' grpc_web filter turns it into gRPC before the router.
constexpr bool is_grpc(Protocol p) { return p == Protocol::kGrpc || p == Protocol::kGrpcWeb; }

// The upstream connection speaks HTTP/2 (Istio's IsHTTP2: HTTP2, GRPC, GRPC-Web).  kAuto keeps
// the downstream protocol, which is HTTP/1.1 for meshsim's applications.
constexpr bool is_http2(Protocol p) {
  return p == Protocol::kHttp2 || p == Protocol::kGrpc || p == Protocol::kGrpcWeb;
}

}  // namespace meshsim::policies
