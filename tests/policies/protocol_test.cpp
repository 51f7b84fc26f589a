// Istio's protocol selection for Service ports.  Sources: istio pkg/config/kube/conversion.go
// (ConvertProtocol), pkg/config/protocol/instance.go (Parse, IsHTTP, IsTCP), and the examples of
// istio.io ops/configuration/traffic-management/protocol-selection.
#include <catch2/catch.hpp>

#include "policies/protocol.h"

using namespace meshsim::policies;

namespace {
Protocol by_name(std::string_view name, uint32_t port = 8080) {
  return convert_protocol(port, name, "", std::nullopt);
}
}  // namespace

TEST_CASE("Istio: the port name's prefix before the first '-' names the protocol, case-insensitive",
          "[protocol]") {
  CHECK(by_name("http-api") == Protocol::kHttp);
  CHECK(by_name("HTTP") == Protocol::kHttp);
  CHECK(by_name("grpc") == Protocol::kGrpc);
  CHECK(by_name("gRPC-inventory") == Protocol::kGrpc);
  CHECK(by_name("http2-x") == Protocol::kHttp2);
  CHECK(by_name("https") == Protocol::kHttps);
  CHECK(by_name("tcp-db") == Protocol::kTcp);
  CHECK(by_name("tls-x") == Protocol::kTls);
  CHECK(by_name("mongo") == Protocol::kMongo);
  CHECK(by_name("mysql-main") == Protocol::kMysql);
  CHECK(by_name("redis-cache") == Protocol::kRedis);
  CHECK(by_name("udp-x") == Protocol::kUdp);
  CHECK(by_name("http_proxy") == Protocol::kHttpProxy);
}

TEST_CASE("Istio: 'grpc-web' is checked as a prefix before the '-' split", "[protocol]") {
  CHECK(by_name("grpc-web") == Protocol::kGrpcWeb);
  CHECK(by_name("GRPC-Web-ui") == Protocol::kGrpcWeb);
  CHECK(by_name("grpc-webby") == Protocol::kGrpcWeb);  // a raw prefix, as conversion.go has it
  CHECK(by_name("grpc-other") == Protocol::kGrpc);
}

TEST_CASE("Istio: names that do not match are sniffed (UnsupportedProtocol)", "[protocol]") {
  CHECK(by_name("httpapi") == Protocol::kAuto);
  CHECK(by_name("web") == Protocol::kAuto);
  CHECK(by_name("") == Protocol::kAuto);
  CHECK(by_name("foo-http") == Protocol::kAuto);  // istio.io IST0118 example
  CHECK(protocol_name(Protocol::kAuto) == "UnsupportedProtocol");
}

TEST_CASE("Istio: unnamed or unknown ports 25, 53, 3306 and 27017 are TCP (wellKnownPorts)",
          "[protocol]") {
  for (uint32_t p : {25u, 53u, 3306u, 27017u}) {
    CHECK(by_name("", p) == Protocol::kTcp);
    CHECK(by_name("web", p) == Protocol::kTcp);
  }
  CHECK(by_name("http", 3306) == Protocol::kHttp);  // a name that matches still wins
  CHECK(by_name("", 3307) == Protocol::kAuto);
}

TEST_CASE("Istio: appProtocol replaces the port name; an unknown one is sniffed", "[protocol]") {
  CHECK(convert_protocol(80, "http", "", "grpc") == Protocol::kGrpc);
  CHECK(convert_protocol(80, "grpc", "", "http") == Protocol::kHttp);
  CHECK(convert_protocol(80, "http", "", "kubernetes.io/h2c") == Protocol::kHttp2);
  CHECK(convert_protocol(80, "http", "", "custom") == Protocol::kAuto);
  CHECK(convert_protocol(3306, "http", "", "custom") == Protocol::kTcp);
}

TEST_CASE("Istio: kubernetes.io/ws and wss are HTTP and HTTPS only since 1.24", "[protocol]") {
  const IstioVersion v123{1, 23}, v124{1, 24};
  CHECK(convert_protocol(80, "x", "", "kubernetes.io/ws", v124) == Protocol::kHttp);
  CHECK(convert_protocol(80, "x", "", "kubernetes.io/wss", v124) == Protocol::kHttps);
  CHECK(convert_protocol(80, "x", "", "kubernetes.io/ws", v123) == Protocol::kAuto);
  CHECK(convert_protocol(80, "x", "", "kubernetes.io/wss", v123) == Protocol::kAuto);
}

TEST_CASE("Istio: a UDP Service port is UDP whatever its name", "[protocol]") {
  CHECK(convert_protocol(53, "http", "UDP", std::nullopt) == Protocol::kUdp);
  CHECK(convert_protocol(80, "grpc", "TCP", std::nullopt) == Protocol::kGrpc);
}

TEST_CASE("Istio IsHTTP: the HTTP family runs the HTTP filter chain; TCP ones tcp_proxy",
          "[protocol]") {
  for (Protocol p : {Protocol::kHttp, Protocol::kHttp2, Protocol::kHttpProxy, Protocol::kGrpc,
                     Protocol::kGrpcWeb, Protocol::kAuto})
    CHECK(is_http_family(p));
  for (Protocol p : {Protocol::kHttps, Protocol::kTcp, Protocol::kTls, Protocol::kMongo,
                     Protocol::kMysql, Protocol::kRedis, Protocol::kUdp})
    CHECK_FALSE(is_http_family(p));
  CHECK(is_grpc(Protocol::kGrpc));
  CHECK(is_grpc(Protocol::kGrpcWeb));
  CHECK_FALSE(is_grpc(Protocol::kHttp2));
  CHECK(is_http2(Protocol::kGrpc));
  CHECK_FALSE(is_http2(Protocol::kAuto));
}
