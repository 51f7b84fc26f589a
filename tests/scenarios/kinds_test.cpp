// Never silence about kinds (issue #14, item 5): a misspelt kind or an apiVersion the API group
// does not have is an error naming it (the API server would refuse the document; istioctl
// validate says the same), and a kind meshsim knows but does not simulate is one warning per kind
// saying what the run does without it.  On Istio's own Bookinfo manifests and copies of its task
// files with one word changed.
#include <catch2/catch.hpp>

#include "scenarios/scenario.h"
#include "tests/scenarios/test_support.h"

using namespace meshsim::scenarios;
using namespace meshsim::scenarios::testing;

namespace {
std::vector<Diagnostic> with_code(const std::vector<Diagnostic>& ds, const std::string& code) {
  std::vector<Diagnostic> out;
  for (const Diagnostic& d : ds)
    if (d.code == code) out.push_back(d);
  return out;
}
}  // namespace

TEST_CASE("kinds: 'VirtualSevice' is an error at its line:column, with the kind it resembles") {
  const std::string file = bad("virtual-service-reviews-v3-kind-typo.yaml");
  const auto e = errors_of({examples("bookinfo/meshsim.yaml"), file});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].to_string() == file + ":2:7: error MSH0011: unknown kind 'VirtualSevice' in networking.istio.io/v1; "
                                   "did you mean 'VirtualService'?");
}

TEST_CASE("kinds: networking.istio.io/v2 is an error naming the versions meshsim reads") {
  const std::string file = bad("virtual-service-reviews-v3-api-v2.yaml");
  const auto e = errors_of({examples("bookinfo/meshsim.yaml"), file});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].to_string() == file + ":1:13: error MSH0012: apiVersion 'networking.istio.io/v2' is not one "
                                   "meshsim reads; it reads networking.istio.io/v1, networking.istio.io/v1beta1, "
                                   "networking.istio.io/v1alpha3");
}

TEST_CASE("kinds: a core Kubernetes kind spelt 'Sevice' is an error, not an ignored document") {
  const std::string file = bad("bookinfo-service-kind-typo.yaml");
  const auto e = errors_of({examples("bookinfo/meshsim.yaml"), file});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].to_string() == file + ":2:7: error MSH0011: unknown kind 'Sevice' in v1; did you mean 'Service'?");
}

TEST_CASE("kinds: each known kind that is not simulated is one warning, with its count and what is "
          "not simulated; the run goes on") {
  const std::string file = (repo_root() / "tests/scenarios/kinds/not-simulated.yaml").generic_string();
  const Scenario s = load_scenario({examples("bookinfo/meshsim.yaml"), file});
  const auto w = with_code(s.warnings, "MSH0013");
  INFO(dump(s.warnings));
  // Bookinfo's own ServiceAccounts, two AuthorizationPolicies (one warning), a PeerAuthentication,
  // a StatefulSet and an HPA of a group meshsim does not read.
  REQUIRE(w.size() == 5);
  auto find = [&](const std::string& kind) -> const Diagnostic* {
    for (const Diagnostic& d : w)
      if (d.message.rfind(kind + " (", 0) == 0) return &d;
    return nullptr;
  };
  const Diagnostic* sa = find("ServiceAccount");
  REQUIRE(sa != nullptr);
  CHECK(sa->message.find("(4 document(s))") != std::string::npos);
  const Diagnostic* authz = find("AuthorizationPolicy");
  REQUIRE(authz != nullptr);
  CHECK(authz->to_string() == file + ":3:7: warning MSH0013: AuthorizationPolicy (2 document(s)) is not simulated: "
                                     "security policies are not simulated yet: every request is allowed, as if it "
                                     "were absent");
  REQUIRE(find("PeerAuthentication") != nullptr);
  REQUIRE(find("StatefulSet") != nullptr);
  const Diagnostic* hpa = find("HorizontalPodAutoscaler");
  REQUIRE(hpa != nullptr);
  CHECK(hpa->message.find("the autoscaling API group is not simulated") != std::string::npos);
  // The run's list of what it ignored says the same.
  CHECK(std::find(s.ignored_kinds.begin(), s.ignored_kinds.end(), "AuthorizationPolicy (2)") != s.ignored_kinds.end());
}

TEST_CASE("kinds: Istio's own Bookinfo manifests load with the kinds meshsim reads and no error") {
  const Scenario s = load_scenario({examples("bookinfo/meshsim.yaml")});
  CHECK(s.mesh.services.size() == 4);
  CHECK(s.mesh.traffic.virtual_services.size() == 4);
  CHECK(s.mesh.traffic.destination_rules.size() == 4);
  CHECK(with_code(s.warnings, "MSH0011").empty());
}
