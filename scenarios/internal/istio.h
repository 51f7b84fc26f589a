// Istio manifests: kept as given (issue #4 interprets them); the references a VirtualService
// makes are checked now.  Internal to scenarios/.
//
// Hosts follow Istio (reference/istio-envoy-semantics.md §1): a short name is expanded with the
// namespace of the manifest that writes it ("reviews" in default -> reviews.default.svc.
// cluster.local); "name.ns" and "name.ns.svc" are completed the same way; ServiceEntry hosts,
// wildcards ("*.example.com") included, are known as written.
#pragma once

#include <string>
#include <vector>

#include "models/config.h"
#include "scenarios/internal/yaml_util.h"
#include "scenarios/scenario.h"

namespace meshsim::scenarios::internal {

// "reviews", "default" -> "reviews.default.svc.cluster.local"; other hosts unchanged.
std::string istio_fqdn(const std::string& host, const std::string& ns);

// The hosts and subsets a VirtualService may route to.
class HostIndex {
 public:
  explicit HostIndex(const std::vector<models::ServiceConfig>& services);
  // Registers a ServiceEntry's hosts or a DestinationRule's subsets; other kinds are ignored.
  void add(const Manifest& manifest);

  bool known(const std::string& host, const std::string& ns) const;
  // Whether some DestinationRule covers the host, and the subsets all such rules define.
  bool has_rule(const std::string& host, const std::string& ns) const;
  std::vector<std::string> subsets(const std::string& host, const std::string& ns) const;
  const std::vector<std::string>& short_names() const { return short_names_; }

 private:
  struct Rule {
    std::string host;  // FQDN or wildcard
    std::vector<std::string> subsets;
  };
  std::vector<std::string> fqdns_;
  std::vector<std::string> short_names_;
  std::vector<std::string> entry_hosts_;  // ServiceEntry hosts
  std::vector<Rule> rules_;
};

// MSH0301-0304 for the route destinations of a VirtualService (http, tcp and tls routes).
void check_virtual_service(Diagnostics& diagnostics, const Locator& locator, const Manifest& vs,
                           const HostIndex& hosts);

}  // namespace meshsim::scenarios::internal
