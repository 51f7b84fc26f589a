// VirtualService reference checks.  Sources of truth: Istio's host rule (pilot/pkg/model/
// config.go ResolveShortnameToFQDN: a short name gets the manifest's namespace, a name with a
// dot is taken as written; ServiceEntry hosts and wildcards), Istio's analyzer IST0101
// (pkg/config/analysis/analyzers/virtualservice/destinationhosts.go: "Referenced host not
// found", an error, also for mirror hosts) and Istio's validation (several destinations all
// weighing 0 are rejected; a single destination takes all traffic whatever its weight).
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;

const std::string kBase = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: reviews, namespace: books}, {name: db}]
  workloads:
  - {name: reviews-v1, service: reviews, namespace: books}
  - {name: db-v1, service: db}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: books}
spec:
  host: reviews.books.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external}
spec:
  hosts: [api.example.com, "*.wikipedia.org"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: books}
spec:
)";

std::vector<std::string> codes(const std::string& spec) {
  std::vector<std::string> out;
  for (const auto& d : errors_of_text(kBase + spec)) out.push_back(d.code);
  return out;
}

TEST_CASE("istio: hosts as short names, FQDN (any namespace) and ServiceEntry hosts are known") {
  const std::string spec = R"(  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 60}
    - {destination: {host: db.default.svc.cluster.local}, weight: 40}
  - route: [{destination: {host: db.default.svc.cluster.local}, weight: 0}]
  - route: [{destination: {host: api.example.com}}]
  - route: [{destination: {host: en.wikipedia.org}}]
  tcp:
  - route: [{destination: {host: reviews.books.svc.cluster.local, port: {number: 9080}}}]
)";
  const auto e = errors_of_text(kBase + spec);
  INFO(dump(e));
  CHECK(e.empty());
}

TEST_CASE("istio: unknown hosts and subsets in http, tcp and tls routes, and bad weights") {
  // db is in default, the VirtualService in books: the short name does not reach it.
  CHECK(codes("  http:\n  - route: [{destination: {host: db}}]\n") ==
        std::vector<std::string>{"MSH0301"});
  CHECK(codes("  tcp:\n  - route: [{destination: {host: api.example.org}}]\n") ==
        std::vector<std::string>{"MSH0301"});
  CHECK(codes("  tls:\n  - route: [{destination: {host: reviews, subset: v2}}]\n") ==
        std::vector<std::string>{"MSH0302"});
  // No DestinationRule for db at all.
  CHECK(codes("  http:\n  - route: [{destination: {host: db.default.svc.cluster.local, subset: "
              "v1}}]\n") == std::vector<std::string>{"MSH0302"});
  CHECK(codes("  http:\n  - route:\n    - {destination: {host: reviews}, weight: -10}\n"
              "    - {destination: {host: reviews}, weight: 110}\n") ==
        std::vector<std::string>{"MSH0304"});
  CHECK(codes("  http:\n  - route:\n    - {destination: {host: reviews}}\n"
              "    - {destination: {host: reviews}}\n") == std::vector<std::string>{"MSH0303"});
}

TEST_CASE("istio IST0101: a name with a dot is taken as written, so name.ns names no service") {
  // ResolveShortnameToFQDN("db.default") = "db.default": not db.default.svc.cluster.local.
  const auto e = errors_of_text(kBase + "  http:\n  - route: [{destination: {host: db.default}}]\n");
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0301");
  CHECK(e[0].level == Level::kError);
  CHECK(e[0].where.line == 28);
  CHECK(e[0].where.column == 34);
  CHECK(e[0].message ==
        "VirtualService 'vs': Referenced host not found: \"db.default\" (a name with a dot is "
        "taken as written); did you mean 'db.default.svc.cluster.local'?");
  CHECK(codes("  http:\n  - route: [{destination: {host: reviews.books.svc}}]\n") ==
        std::vector<std::string>{"MSH0301"});
}

TEST_CASE("istio IST0101: mirror hosts are checked like destinations ('mirror host')") {
  const auto e = errors_of_text(kBase + R"(  http:
  - route: [{destination: {host: reviews}}]
    mirror: {host: reviews.books}
  - route: [{destination: {host: reviews}}]
    mirrors: [{destination: {host: rating}}]
)");
  INFO(dump(e));
  REQUIRE(e.size() == 2);
  CHECK(e[0].code == "MSH0301");
  CHECK(e[0].message.starts_with(
      "VirtualService 'vs': Referenced mirror host not found: \"reviews.books\""));
  CHECK(e[1].code == "MSH0301");
  CHECK(e[1].message.find("\"rating\"") != std::string::npos);
}

TEST_CASE("istio: a sidecar VirtualService whose own host names no service is a warning "
          "(MSH0313), a gateway-only one is not") {
  const Scenario s = load_scenario_text(kBase + R"(  hosts: [reviews.books, reviews, "*.example.com"]
  http:
  - route: [{destination: {host: reviews}}]
)",
                                        "vs.yaml");
  std::vector<Diagnostic> w;
  for (const Diagnostic& d : s.warnings) {
    if (d.code == "MSH0313") w.push_back(d);
  }
  INFO(dump(s.warnings));
  REQUIRE(w.size() == 2);
  CHECK(w[0].level == Level::kWarning);
  CHECK(w[0].where.line == 27);
  CHECK(w[0].where.column == 11);
  CHECK(w[0].message ==
        "VirtualService 'vs': host 'reviews.books' (resolved as 'reviews.books') names no "
        "service, so this VirtualService applies to no call; did you mean "
        "'reviews.books.svc.cluster.local'?");
  CHECK(w[1].message.find("host '*.example.com'") != std::string::npos);

  const Scenario g = load_scenario_text(kBase + R"(  hosts: [bookinfo.example.com]
  gateways: [bookinfo-gateway]
  http:
  - route: [{destination: {host: reviews}}]
)",
                                        "vs.yaml");
  for (const Diagnostic& d : g.warnings) CHECK(d.code != "MSH0313");
}

}  // namespace
