// VirtualService destination checks.  Source of truth: reference/istio-envoy-semantics.md §1
// (hosts: short names expand with the manifest's namespace; FQDN; ServiceEntry hosts and
// wildcards) and Istio's validation (several destinations all weighing 0 are rejected; a single
// destination takes all traffic whatever its weight).
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

TEST_CASE("istio: hosts as short names, name.ns, FQDN and ServiceEntry hosts are known") {
  const std::string spec = R"(  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 60}
    - {destination: {host: db.default}, weight: 40}
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
  CHECK(codes("  http:\n  - route: [{destination: {host: db.default, subset: v1}}]\n") ==
        std::vector<std::string>{"MSH0302"});
  CHECK(codes("  http:\n  - route:\n    - {destination: {host: reviews}, weight: -10}\n"
              "    - {destination: {host: reviews}, weight: 110}\n") ==
        std::vector<std::string>{"MSH0304"});
  CHECK(codes("  http:\n  - route:\n    - {destination: {host: reviews}}\n"
              "    - {destination: {host: reviews}}\n") == std::vector<std::string>{"MSH0303"});
}

}  // namespace
