// The references Istio manifests make to other documents: each VirtualService's hosts, route
// destinations and mirrors, against the services, ServiceEntries and DestinationRules of the
// scenario.  Internal to scenarios/.
//
// What a host names is policies/host_name.h's rule (Istio's ResolveShortnameToFQDN, then
// host.Name.Matches), the same function the run uses, so a host that `validate` accepts is
// one the run routes to: "reviews" in namespace default and "reviews.default.svc.cluster.local"
// name the service; "reviews.default" names nothing (a name with a dot is taken as written).
// The manifests are read once, by istio_traffic.h; only ServiceEntry hosts are read here.
#pragma once

#include <string>
#include <vector>

#include "models/config.h"
#include "policies/host_name.h"
#include "scenarios/internal/draft.h"
#include "scenarios/internal/istio_traffic.h"
#include "scenarios/internal/yaml_util.h"
#include "scenarios/scenario.h"

namespace meshsim::scenarios::internal {

// The hosts and subsets a VirtualService may route to.
class HostIndex {
 public:
  explicit HostIndex(const std::vector<models::ServiceConfig>& services);
  // A ServiceEntry's hosts (other kinds are ignored).
  void add_service_entry(const Manifest& manifest);
  // A DestinationRule's host and subsets.
  void add(const models::DestinationRuleConfig& rule);

  const policies::HostRegistry& registry() const { return registry_; }
  // Whether some DestinationRule covers the destination `host` (written in `ns`), and the
  // subsets all such rules define.
  bool has_rule(const std::string& host, const std::string& ns) const;
  std::vector<std::string> subsets(const std::string& host, const std::string& ns) const;
  // Every service hostname, and the short names of those in `ns`: did-you-mean candidates.
  std::vector<std::string> candidates(const std::string& ns) const;

 private:
  struct Rule {
    std::string host;  // resolved in the rule's namespace: FQDN or wildcard
    std::vector<std::string> subsets;
  };
  const std::vector<models::ServiceConfig>* services_;
  std::vector<std::string> entry_hosts_;  // ServiceEntry hosts, resolved in their namespace
  policies::HostRegistry registry_;
  std::vector<Rule> rules_;
};

// For one VirtualService as read: MSH0301 (Istio's IST0101) for a destination or mirror host
// that names no service or ServiceEntry host, MSH0302 for an undefined subset, and, when it
// applies to sidecars, MSH0313 for each of its own hosts that covers no service.
void check_virtual_service(Diagnostics& diagnostics, const ParsedVirtualService& vs,
                           const HostIndex& hosts);

// The Istio manifests' cross-document checks: every VirtualService's hosts, destinations,
// subsets and mirrors against the services, ServiceEntries and DestinationRules (IST0101's rule;
// applied ones against what is in force by then), and DestinationRule subsets that select no
// pod (MSH0314).
void check_istio(const Draft& draft, Diagnostics& diagnostics, const Locator& locator);

}  // namespace meshsim::scenarios::internal
