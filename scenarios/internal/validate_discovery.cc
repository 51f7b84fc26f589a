// Cross-document checks of Kubernetes discovery beyond "a Service's endpoints are the pods its
// selector selects" (models::service_selects, used by validate.cc): named targetPorts resolved
// against the Deployments' container ports (Kubernetes' FindPort), headless Services, and
// ExternalName Services as Istio 1.21+ sees them (an alias of their target).  The checker is
// scenarios/internal/checker.h; the entry point validate() in validate.cc.
#include <algorithm>
#include <map>

#include "policies/host_name.h"
#include "scenarios/internal/checker.h"

namespace meshsim::scenarios::internal {

namespace {
constexpr int kMaxAliasHops = 8;  // ExternalName to ExternalName chains; a loop resolves to nothing
}  // namespace

// Kubernetes DNS answers an ExternalName Service with a CNAME to its externalName; Istio 1.21+
// (ENABLE_EXTERNAL_NAME_ALIAS, on by default) makes the Service an alias of that host.  A call
// to the alias is a call to the target, so it resolves to the target service's index here.
std::optional<std::size_t> Checker::resolve_alias(const std::string& fqdn, int hops) const {
  if (hops > kMaxAliasHops) return std::nullopt;
  for (const Alias& a : aliases_) {
    if (fqdn != a.fqdn()) continue;
    const std::string target = kubernetes_dns_name(a.target, a.config.namespace_);
    for (std::size_t i = 0; i < d_.mesh.services.size(); ++i) {
      const ServiceConfig& s = d_.mesh.services[i];
      if (target == s.name + "." + s.namespace_ + ".svc.cluster.local") return i;
    }
    return resolve_alias(target, hops + 1);
  }
  return std::nullopt;
}

void Checker::discovery() {
  // ExternalName Services: an alias when the target is a service of the mesh (info), else a
  // service without endpoints (added by services(), warned here).
  for (const Alias& a : aliases_) {
    const auto target = resolve_alias(a.fqdn(), 0);
    if (target) {
      diag_.report(Code::kExternalNameAlias, a.where, {a.config.name, d_.mesh.services[*target].name});
    } else {
      diag_.report(Code::kExternalNameOutsideMesh, a.where, {a.config.name, a.target});
    }
  }
  for (const ServiceDraft& s : d_.services) {
    if (s.type == "ExternalName" && !s.external_name.empty()) continue;  // an alias: above
    if (s.type == "ExternalName") {
      diag_.report(Code::kExternalNameOutsideMesh, s.where, {s.config.name, "(no externalName)"});
      continue;
    }
    if (s.config.headless) diag_.report(Code::kHeadlessService, s.where, {s.config.name});
    // Named targetPorts: FindPort per pod; a Deployment lacking the name is left out of the port.
    for (const models::PortConfig& p : s.config.ports) {
      if (p.target_port_name.empty()) continue;
      for (const Built& b : built_) {
        if (!models::service_selects(s.config, b.config) || models::target_port_of(p, b.config)) continue;
        diag_.report(Code::kTargetPortNotDeclared, s.where,
                     {s.config.name, std::to_string(p.number), p.target_port_name, b.config.name});
      }
    }
  }
  // Istio's analyzer (deployment/services.go analyzeDeploymentTargetPorts, IST0137): Services
  // selecting one workload must not send different ports to one targetPort (compared as written:
  // a name and a number differ; no targetPort means the port's own number).
  for (const Built& b : built_) {
    if (!b.config.sidecar) continue;  // the analyzer looks at workloads in the mesh only
    std::map<std::string, std::map<uint32_t, std::string>> by_target;  // targetPort -> port -> service
    for (std::size_t i : b.services) {
      for (const models::PortConfig& p : d_.mesh.services[i].ports) {
        const std::string target = !p.target_port_name.empty() ? p.target_port_name
                                   : std::to_string(p.target_port != 0 ? p.target_port : p.number);
        by_target[target][p.number] = d_.mesh.services[i].name;
      }
    }
    for (const auto& [target, ports] : by_target) {
      if (ports.size() < 2) continue;
      std::vector<std::string> services, numbers;
      for (const auto& [port, service] : ports) {
        numbers.push_back(std::to_string(port));
        if (std::find(services.begin(), services.end(), service) == services.end()) services.push_back(service);
      }
      diag_.report(Code::kConflictingTargetPorts, b.where, {b.config.name, quote_join(services), join(numbers), target});
    }
  }
  // Rules written for an alias host do not apply (Istio 1.21+): say so.
  auto alias_of = [&](const std::string& host, const std::string& ns) -> const Alias* {
    const std::string fqdn = policies::resolve_shortname_to_fqdn(host, ns);
    for (const Alias& a : aliases_)
      if (fqdn == a.fqdn()) return &a;
    return nullptr;
  };
  for (const ParsedVirtualService& vs : d_.virtual_services) {
    for (std::size_t h = 0; h < vs.config.hosts.size(); ++h) {
      const Alias* a = alias_of(vs.config.hosts[h], vs.config.ns);
      if (a == nullptr) continue;
      diag_.report(Code::kRulesForExternalName, h < vs.where_hosts.size() ? vs.where_hosts[h] : vs.where,
                   {"VirtualService", vs.config.name, vs.config.hosts[h], a->target});
    }
  }
  for (const models::DestinationRuleConfig& dr : d_.mesh.traffic.destination_rules) {
    const Alias* a = alias_of(dr.host, dr.namespace_);
    if (a == nullptr) continue;
    const auto m = std::find_if(d_.istio.begin(), d_.istio.end(), [&](const Manifest& x) {
      return x.kind == "DestinationRule" && x.name == dr.name && x.namespace_ == dr.namespace_;
    });
    diag_.report(Code::kRulesForExternalName, m != d_.istio.end() ? m->where : a->where,
                 {"DestinationRule", dr.name, dr.host, a->target});
  }
}

}  // namespace meshsim::scenarios::internal
