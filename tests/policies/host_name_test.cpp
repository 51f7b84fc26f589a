// Istio host resolution and matching.  Sources: istio pilot/pkg/model/config.go
// ResolveShortnameToFQDN and its test table (pilot/pkg/model/config_test.go
// TestResolveShortnameToFQDN, copied below row for row), pkg/config/host/name.go Name.Matches,
// pkg/config/analysis/analyzers/util/service_lookup.go GetDestinationHost (IST0101).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policies/host_name.h"

using namespace meshsim::policies;

TEST_CASE("Istio TestResolveShortnameToFQDN: the table of pilot/pkg/model/config_test.go",
          "[host_name]") {
  struct Row {
    const char* name;
    const char* ns;      // config.Meta.Namespace
    const char* domain;  // config.Meta.Domain
    const char* out;
  };
  const Row rows[] = {
      {"*", "", "", "*"},
      {"*", "default", "cluster.local", "*"},
      {"foo", "default", "cluster.local", "foo.default.svc.cluster.local"},
      {"foo.bar", "default", "cluster.local", "foo.bar"},
      {"foo", "", "cluster.local", "foo.svc.cluster.local"},
      {"foo", "default", "", "foo.default"},
      {"42.185.131.210", "default", "", "42.185.131.210"},
      {"42.185.131.210", "cluster.local", "", "42.185.131.210"},
      {"2a00:4000::614", "default", "", "2a00:4000::614"},
      {"2a00:4000::614", "cluster.local", "", "2a00:4000::614"},
  };
  for (const Row& row : rows) {
    INFO(row.name << " in namespace '" << row.ns << "', domain '" << row.domain << "'");
    CHECK(resolve_shortname_to_fqdn(row.name, row.ns, row.domain) == row.out);
  }
}

TEST_CASE("Istio: a name with a dot is taken as written, wildcards stay as they are",
          "[host_name]") {
  CHECK(resolve_shortname_to_fqdn("reviews", "default") == "reviews.default.svc.cluster.local");
  CHECK(resolve_shortname_to_fqdn("reviews.default", "default") == "reviews.default");
  CHECK(resolve_shortname_to_fqdn("reviews.default.svc", "default") == "reviews.default.svc");
  CHECK(resolve_shortname_to_fqdn("*.example.com", "default") == "*.example.com");
  CHECK(resolve_shortname_to_fqdn("", "default").empty());
  CHECK(service_hostname("reviews", "prod") == "reviews.prod.svc.cluster.local");
}

TEST_CASE("Istio: VirtualService hosts resolve and match services like host.Name.Matches",
          "[host_name]") {
  struct Row {
    const char* vs_host;
    const char* service;
    bool hit;
    const char* why;
  };
  const Row rows[] = {
      {"reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local", true, "FQDN"},
      {"reviews", "reviews.default.svc.cluster.local", true, "short name, VS namespace"},
      {"reviews", "reviews.prod.svc.cluster.local", false, "short name, other namespace"},
      {"reviews.default", "reviews.default.svc.cluster.local", false,
       "a dotted name is taken as an FQDN, not expanded"},
      {"*.default.svc.cluster.local", "reviews.default.svc.cluster.local", true, "wildcard"},
      {"*.svc.cluster.local", "reviews.default.svc.cluster.local", true, "wildcard, deeper"},
      {"*.default.svc.cluster.local", "default.svc.cluster.local", false,
       "wildcard needs a label before the suffix"},
      {"*.prod.svc.cluster.local", "reviews.default.svc.cluster.local", false, "other suffix"},
      {"*", "reviews.default.svc.cluster.local", true, "\"*\" covers everything"},
      {"*", "api.example.com", true, "\"*\" covers external hosts"},
      {"Reviews", "reviews.default.svc.cluster.local", false, "case-sensitive comparison"},
      {"*.example.com", "*.api.example.com", true, "both wildcards: the narrower is covered"},
      {"api.example.com", "*.example.com", true, "wildcard ServiceEntry host"},
  };
  for (const Row& row : rows) {
    INFO(row.why << ": " << row.vs_host << " vs " << row.service);
    CHECK(host_matches(row.vs_host, row.service, "default") == row.hit);
  }
  CHECK(host_matches("reviews", "reviews.default.svc.corp.local", "default", "corp.local"));
}

TEST_CASE("Istio: a route destination names the service whose hostname is exactly the "
          "resolved host (cluster outbound|port|subset|host)",
          "[host_name]") {
  const HostRegistry registry({"reviews.default.svc.cluster.local",
                               "ratings.default.svc.cluster.local",
                               "reviews.prod.svc.cluster.local"});
  CHECK(registry.destination_service("reviews", "default") == 0u);
  CHECK(registry.destination_service("reviews.default.svc.cluster.local", "default") == 0u);
  CHECK(registry.destination_service("reviews.default.svc.cluster.local", "prod") == 0u);
  CHECK(registry.destination_service("reviews", "prod") == 2u);
  CHECK(registry.destination_service("ratings", "default") == 1u);
  CHECK_FALSE(registry.destination_service("reviews.default", "default"));
  CHECK_FALSE(registry.destination_service("reviews.default.svc", "default"));
  CHECK_FALSE(registry.destination_service("ratings", "prod"));
  // A wildcard names no cluster of its own.
  CHECK_FALSE(registry.destination_service("*.default.svc.cluster.local", "default"));
  CHECK_FALSE(registry.destination_service("", "default"));
}

TEST_CASE("Istio IST0101 (GetDestinationHost): services and ServiceEntry hosts, wildcard "
          "entries by suffix",
          "[host_name]") {
  const HostRegistry registry({"reviews.default.svc.cluster.local"},
                              {"api.example.com", "*.wikipedia.org"});
  CHECK(registry.destination_known("reviews", "default"));
  CHECK_FALSE(registry.destination_known("reviews.default", "default"));
  CHECK(registry.destination_known("api.example.com", "default"));
  CHECK_FALSE(registry.destination_known("www.example.com", "default"));
  CHECK(registry.destination_known("en.wikipedia.org", "default"));
  CHECK(registry.destination_known("*.en.wikipedia.org", "default"));
  CHECK_FALSE(registry.destination_known("wikipedia.org", "default"));
}

TEST_CASE("A VirtualService or DestinationRule host covers a service by Matches",
          "[host_name]") {
  const HostRegistry registry({"reviews.default.svc.cluster.local"});
  CHECK(registry.covers_a_service("reviews", "default"));
  CHECK(registry.covers_a_service("*.default.svc.cluster.local", "prod"));
  CHECK(registry.covers_a_service("*", "prod"));
  CHECK_FALSE(registry.covers_a_service("reviews.default", "default"));
  CHECK_FALSE(registry.covers_a_service("reviews", "prod"));
}
