// Istio's protocol selection for a Service port; see protocol.h.
#include "policies/protocol.h"

#include <array>
#include <cctype>
#include <string>

namespace meshsim::policies {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

struct Named {
  std::string_view parse_name;  // what Parse accepts
  std::string_view istio_name;  // the Instance's value
  Protocol protocol;
};

constexpr std::array<Named, 12> kParsed{{
    {"tcp", "TCP", Protocol::kTcp},
    {"udp", "UDP", Protocol::kUdp},
    {"grpc", "GRPC", Protocol::kGrpc},
    {"grpc-web", "GRPC-Web", Protocol::kGrpcWeb},
    {"http", "HTTP", Protocol::kHttp},
    {"http_proxy", "HTTP_PROXY", Protocol::kHttpProxy},
    {"http2", "HTTP2", Protocol::kHttp2},
    {"https", "HTTPS", Protocol::kHttps},
    {"tls", "TLS", Protocol::kTls},
    {"mongo", "Mongo", Protocol::kMongo},
    {"redis", "Redis", Protocol::kRedis},
    {"mysql", "MySQL", Protocol::kMysql},
}};

// conversion.go wellKnownPorts: SMTP, DNS, MySQL, MongoDB.
constexpr std::array<uint32_t, 4> kWellKnownTcpPorts{25, 53, 3306, 27017};

}  // namespace

std::string_view protocol_name(Protocol p) {
  for (const Named& n : kParsed)
    if (n.protocol == p) return n.istio_name;
  return "UnsupportedProtocol";
}

Protocol parse_protocol(std::string_view name) {
  for (const Named& n : kParsed)
    if (iequals(name, n.parse_name)) return n.protocol;
  return Protocol::kAuto;
}

Protocol convert_protocol(uint32_t port, std::string_view name, std::string_view kube_protocol,
                          std::optional<std::string_view> app_protocol, IstioVersion version) {
  if (iequals(kube_protocol, "UDP")) return Protocol::kUdp;
  std::string_view n = name;
  if (app_protocol) {
    // Kubernetes' own appProtocol values (pkg/config/protocol/instance.go, the kubernetes.io/
    // cases): h2c since they exist; ws and wss only since Istio 1.24 (sniffed before).
    if (*app_protocol == "kubernetes.io/h2c") return Protocol::kHttp2;
    if (version.at_least(1, 24)) {
      if (*app_protocol == "kubernetes.io/ws") return Protocol::kHttp;
      if (*app_protocol == "kubernetes.io/wss") return Protocol::kHttps;
    }
    n = *app_protocol;
  }
  constexpr std::string_view kGrpcWeb = "grpc-web";
  if (n.size() >= kGrpcWeb.size() && iequals(n.substr(0, kGrpcWeb.size()), kGrpcWeb))
    return Protocol::kGrpcWeb;
  if (const size_t dash = n.find('-'); dash != std::string_view::npos) n = n.substr(0, dash);
  const Protocol p = parse_protocol(n);
  if (p == Protocol::kAuto) {
    for (uint32_t wk : kWellKnownTcpPorts)
      if (port == wk) return Protocol::kTcp;
  }
  return p;
}

bool is_http_family(Protocol p) {
  switch (p) {
    case Protocol::kHttp:
    case Protocol::kHttp2:
    case Protocol::kHttpProxy:
    case Protocol::kGrpc:
    case Protocol::kGrpcWeb:
    case Protocol::kAuto:
      return true;
    case Protocol::kHttps:
    case Protocol::kTcp:
    case Protocol::kTls:
    case Protocol::kMongo:
    case Protocol::kMysql:
    case Protocol::kRedis:
    case Protocol::kUdp:
      return false;
  }
  return false;
}

}  // namespace meshsim::policies
