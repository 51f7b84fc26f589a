// The cross-document checker shared by validate.cc (topology: zones, services, workloads, calls,
// call cycles) and validate_experiment.cc (loads, timeline, expectations).  Internal to
// scenarios/: the entry point is validate() in validate.h.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/internal/call_graph.h"
#include "scenarios/internal/draft.h"
#include "scenarios/internal/suggest.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {


using models::ServiceConfig;

// The name an application's call or a Load's target reaches through Kubernetes DNS (its search
// path completes "reviews", "reviews.default" and "reviews.default.svc" from the caller's
// namespace).  This is how meshsim's own kinds name services; Istio manifests' hosts follow
// Istio's rule instead (policies/host_name.h), where "reviews.default" names nothing.
inline std::string kubernetes_dns_name(const std::string& host, const std::string& ns) {
  constexpr std::string_view kClusterSuffix = ".svc.cluster.local";
  if (host.empty() || host[0] == '*' || host.ends_with(kClusterSuffix)) return host;
  const auto dots = std::count(host.begin(), host.end(), '.');
  if (dots == 0) return host + "." + ns + std::string(kClusterSuffix);
  if (dots == 1) return host + std::string(kClusterSuffix);
  if (dots == 2 && host.ends_with(".svc")) return host + ".cluster.local";
  return host;
}
using models::WorkloadConfig;
using simcore::Time;

// Kubernetes' rule (models::service_selects): a Service without a selector has no pods.
inline bool selects(const models::Labels& selector, const models::Labels& labels) {
  return models::service_selects(selector, labels);
}

// A workload as assembled, with where its parts were written.
struct Built {
  WorkloadConfig config;
  SourceLocation where;
  SourceLocation where_service;
  bool service_given = false;
  bool from_deployment = false;
  bool has_entry = false;
  std::vector<SourceLocation> where_zones;
  std::vector<CallSite> calls;
  static constexpr std::size_t kNoService = SIZE_MAX;
  std::size_t service_index = 0;       // the primary Service (WorkloadConfig::service), or kNoService
  bool client_only = false;            // backs no Service: kept because a Load runs from it
  std::vector<std::size_t> services;   // every Service that selects it (Kubernetes' rule)
};

class Checker {
 public:
  Checker(Draft& draft, Diagnostics& diagnostics, const Locator& locator)
      : d_(draft), diag_(diagnostics), locator_(locator) {}
  void run();

 private:
  void zones();
  void services();
  void workloads();
  void bind_workloads();
  // The name of the first Load that runs from workload `w` (`from`), or "".
  std::string load_running_in(const WorkloadConfig& w) const;
  void discovery();  // validate_discovery.cc: targetPorts, headless, ExternalName
  void calls();
  void loads();
  void load_from(models::LoadConfig& l, const LoadSite& site);  // a Load's `from`
  void timeline();
  void network_fault(const models::NetworkFault& f, const EventSite& site);
  void cpu_stress_limits(const models::PodSelector& s, const EventSite& site);
  bool selects_workload(const models::PodSelector& s, std::optional<std::size_t> svc, const Built& b) const;
  void expectations();
  void cycles();

  // The service a call or Load naming `host` from namespace `ns` reaches through Kubernetes DNS,
  // following ExternalName aliases (Istio 1.21+) to the service they name.
  std::optional<std::size_t> resolve(const std::string& host, const std::string& ns) const;
  std::optional<std::size_t> resolve_alias(const std::string& fqdn, int hops) const;
  // How a call or Load names a service once resolved: as written, unless it went through an
  // ExternalName alias, then the target's FQDN (the run knows no alias).
  std::string resolved_name(const std::string& host, const std::string& ns, std::size_t i) const {
    const ServiceConfig& s = d_.mesh.services[i];
    const std::string fqdn = s.name + "." + s.namespace_ + ".svc.cluster.local";
    return kubernetes_dns_name(host, ns) == fqdn ? canonical_host(host, ns) : fqdn;
  }
  // Reports a call or Load to a port the sidecars would not run HTTP on (MSH0218).
  void check_port_protocol(const models::ServiceConfig& s, uint32_t port, const SourceLocation& where, bool load);
  // Reports a call's fields that do nothing on the kind of port it calls (MSH0219): path,
  // method, headers on a TCP port; tcpClient on an HTTP one.
  void check_call_fields(const models::ServiceConfig& s, uint32_t port, const CallSite& site);
  // A gRPC deadline (deadline, propagateDeadline) on a call whose port is not gRPC (MSH0109).
  void check_grpc_deadline(const models::ServiceConfig& s, const models::CallStep& c, const SourceLocation& where);
  // Checks a selector; returns how many pods it matches (0 after reporting).
  std::size_t check_selector(const models::PodSelector& s, const EventSite& site,
                             const std::string& action);
  bool known_zone(const std::string& zone) const {
    return std::find(zone_names_.begin(), zone_names_.end(), zone) != zone_names_.end();
  }
  void unknown_zone(const std::string& zone, const SourceLocation& where) {
    diag_.report(Code::kUnknownZone, where, {zone, quote_join(zone_names_)},
                 suggest(zone, zone_names_));
  }
  // "name.ns" and "name.ns.svc" become the FQDN; short names and FQDNs stay as written.
  static std::string canonical_host(const std::string& host, const std::string& ns) {
    return host.find('.') == std::string::npos ? host : kubernetes_dns_name(host, ns);
  }

  Draft& d_;
  Diagnostics& diag_;
  const Locator& locator_;
  std::vector<std::string> zone_names_;
  std::vector<std::string> service_names_;  // parallel to mesh.services: "name" or "name.ns"
  std::vector<SourceLocation> service_where_;
  std::vector<Built> built_;
  std::vector<CallEdge> edges_;
  // ExternalName Services with an externalName: not services of the run, aliases of their target.
  struct Alias {
    ServiceConfig config;  // its name, namespace and ports; no selector
    std::string target;
    SourceLocation where;
    std::string fqdn() const { return config.name + "." + config.namespace_ + ".svc.cluster.local"; }
  };
  std::vector<Alias> aliases_;
};

}  // namespace meshsim::scenarios::internal
