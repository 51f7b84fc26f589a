// Istio host names: how a host written in a VirtualService or DestinationRule becomes a name, and
// which services of the registry that name stands for.  The one place this rule lives: the
// scenario checks (scenarios/internal/istio.cc) and the run (models/traffic.cc) both call it, so
// `meshsim validate` and `meshsim run` cannot disagree about what a host names.
//
// Istio's rule, in two steps:
//   1. Resolve (pilot/pkg/model/config.go ResolveShortnameToFQDN), with the namespace of the
//      resource that writes the host: "*" and IP addresses stay as they are; a name without a
//      dot gets "<namespace>.svc.<domain suffix>" appended; a name WITH a dot is taken as
//      written.  So "reviews" in namespace default is reviews.default.svc.cluster.local, but
//      "reviews.default" stays "reviews.default", which names no Kubernetes service (the
//      registry knows services only by their FQDN).  Wildcards ("*.example.com") have a dot
//      and stay as they are.
//   2. Match (pkg/config/host/name.go Name.Matches): "*" covers every name, "*.suffix" every
//      name ending in ".suffix" (several labels deep, not "suffix" itself), otherwise exact,
//      case-sensitive equality.  Symmetric when both sides are wildcards.
//
// Where each step is used:
//   * VirtualService hosts and DestinationRule hosts select services by Matches
//     (host_matches): a wildcard VS host covers every service under it.
//   * Route destinations and mirrors name one cluster, outbound|port|subset|<resolved host>,
//     which exists only when a service has exactly that hostname (destination_service).  Istio's
//     analyzer (pkg/config/analysis/analyzers/virtualservice/destinationhosts.go, IST0101) also
//     accepts a ServiceEntry host, exact or under a wildcard ServiceEntry host
//     (destination_known).
//
// Thread safety: pure functions; a HostRegistry is immutable after construction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshsim::policies {

// Istio's default trust domain suffix (meshConfig / --domain), the one meshsim models.
inline constexpr std::string_view kDefaultDomainSuffix = "cluster.local";

// ResolveShortnameToFQDN: `host` as written by a resource in namespace `ns`.  An empty
// namespace or suffix is left out, as Istio does ("foo" with no namespace ->
// "foo.svc.cluster.local").
std::string resolve_shortname_to_fqdn(std::string_view host, std::string_view ns,
                                      std::string_view domain_suffix = kDefaultDomainSuffix);

// host.Name.Matches on two resolved names.
bool host_name_matches(std::string_view a, std::string_view b);

// The hostname the registry knows a Kubernetes service by: "<name>.<ns>.svc.<domain suffix>".
std::string service_hostname(std::string_view name, std::string_view ns,
                             std::string_view domain_suffix = kDefaultDomainSuffix);

// Does `host`, written by a VirtualService or DestinationRule in `ns`, cover the service (or
// ServiceEntry host) `hostname`?  Resolve, then Matches.
bool host_matches(std::string_view host, std::string_view hostname, std::string_view ns,
                  std::string_view domain_suffix = kDefaultDomainSuffix);

// The names host resolution matches against: the services (index = the caller's service id)
// and the ServiceEntry hosts (as their entry writes them, resolved in its namespace).
class HostRegistry {
 public:
  explicit HostRegistry(std::vector<std::string> service_hostnames,
                        std::vector<std::string> entry_hosts = {});

  // The service a route destination or mirror names: the one whose hostname is exactly the
  // resolved host (first by index), else nullopt.
  std::optional<uint32_t> destination_service(std::string_view host, std::string_view ns) const;
  // IST0101's test: a service or a ServiceEntry host, exact or under a wildcard entry host.
  bool destination_known(std::string_view host, std::string_view ns) const;
  // Whether a VirtualService / DestinationRule host covers at least one service.
  bool covers_a_service(std::string_view host, std::string_view ns) const;

  const std::vector<std::string>& service_hostnames() const { return services_; }

 private:
  std::vector<std::string> services_;
  std::vector<std::string> entry_hosts_;
};

}  // namespace meshsim::policies
