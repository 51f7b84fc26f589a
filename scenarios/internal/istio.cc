// VirtualService references against services, ServiceEntries and DestinationRules; see istio.h.
#include "scenarios/internal/istio.h"

#include <algorithm>

#include "scenarios/internal/draft.h"
#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {
namespace {

std::vector<std::string> hostnames(const std::vector<models::ServiceConfig>& services) {
  std::vector<std::string> out;
  for (const models::ServiceConfig& s : services) {
    out.push_back(policies::service_hostname(s.name, s.namespace_));
  }
  return out;
}

// "reviews.default" or "reviews.default.svc" when the completed name is a service: Istio takes
// a dotted name as written, so say what was probably meant.
std::string completed(const std::string& host, const policies::HostRegistry& registry) {
  if (host.find('.') == std::string::npos) return {};
  for (const std::string_view tail : {".svc.cluster.local", ".cluster.local"}) {
    const std::string fqdn = host + std::string(tail);
    const auto& names = registry.service_hostnames();
    if (std::find(names.begin(), names.end(), fqdn) != names.end()) return fqdn;
  }
  return {};
}

}  // namespace

HostIndex::HostIndex(const std::vector<models::ServiceConfig>& services)
    : services_(&services), registry_(hostnames(services)) {}

void HostIndex::add_service_entry(const Manifest& m) {
  if (m.kind != "ServiceEntry") return;
  const YAML::Node hosts = child(child(m.node, "spec"), "hosts");
  if (!hosts.IsSequence()) return;
  for (auto it = hosts.begin(); it != hosts.end(); ++it) {
    // The analyzer completes a short entry host in the entry's namespace (ConvertHostToFQDN).
    if (it->IsScalar()) {
      entry_hosts_.push_back(policies::resolve_shortname_to_fqdn(it->Scalar(), m.namespace_));
    }
  }
  registry_ = policies::HostRegistry(hostnames(*services_), entry_hosts_);
}

void HostIndex::add(const models::DestinationRuleConfig& dr) {
  if (dr.host.empty()) return;
  Rule r{policies::resolve_shortname_to_fqdn(dr.host, dr.namespace_), {}};
  for (const auto& s : dr.subsets) r.subsets.push_back(s.name);
  rules_.push_back(std::move(r));
}

bool HostIndex::has_rule(const std::string& host, const std::string& ns) const {
  const std::string resolved = policies::resolve_shortname_to_fqdn(host, ns);
  return std::any_of(rules_.begin(), rules_.end(), [&](const Rule& r) {
    return policies::host_name_matches(r.host, resolved);
  });
}

std::vector<std::string> HostIndex::subsets(const std::string& host, const std::string& ns) const {
  const std::string resolved = policies::resolve_shortname_to_fqdn(host, ns);
  std::vector<std::string> out;
  for (const Rule& r : rules_) {
    if (!policies::host_name_matches(r.host, resolved)) continue;
    for (const std::string& s : r.subsets) {
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
  }
  return out;
}

std::vector<std::string> HostIndex::candidates(const std::string& ns) const {
  std::vector<std::string> out;
  for (const models::ServiceConfig& s : *services_) {
    if (s.namespace_ == ns) out.push_back(s.name);
  }
  for (const std::string& h : registry_.service_hostnames()) out.push_back(h);
  return out;
}

void check_virtual_service(Diagnostics& diagnostics, const ParsedVirtualService& parsed,
                           const HostIndex& hosts) {
  const policies::VirtualServiceConfig& vs = parsed.config;
  const policies::HostRegistry& registry = hosts.registry();
  for (const DestinationSite& d : parsed.destinations) {
    if (!registry.destination_known(d.host, vs.ns)) {
      const std::string meant = completed(d.host, registry);
      const std::string why = meant.empty() ? "" : " (a name with a dot is taken as written)";
      diagnostics.report(Code::kUnknownDestinationHost, d.where_host,
                         {vs.name, d.mirror ? "mirror host" : "host", d.host, why},
                         meant.empty() ? suggest(d.host, hosts.candidates(vs.ns)) : meant);
      continue;
    }
    if (d.subset.empty()) continue;
    const std::vector<std::string> defined = hosts.subsets(d.host, vs.ns);
    if (std::find(defined.begin(), defined.end(), d.subset) != defined.end()) continue;
    const std::string detail =
        !hosts.has_rule(d.host, vs.ns)
            ? "no DestinationRule has host '" + d.host + "'"
            : "the DestinationRules for it define " +
                  (defined.empty() ? std::string("no subsets") : quote_join(defined));
    diagnostics.report(Code::kUnknownSubset, d.where_subset, {vs.name, d.subset, d.host, detail},
                       suggest(d.subset, defined));
  }
  if (!applies_to_sidecars(vs)) return;
  for (std::size_t i = 0; i < vs.hosts.size(); ++i) {
    const std::string& h = vs.hosts[i];
    if (h.empty() || registry.covers_a_service(h, vs.ns)) continue;
    const std::string meant = completed(h, registry);
    diagnostics.report(Code::kHostMatchesNoService,
                       i < parsed.where_hosts.size() ? parsed.where_hosts[i] : parsed.where,
                       {vs.name, h, policies::resolve_shortname_to_fqdn(h, vs.ns)},
                       meant.empty() ? suggest(h, hosts.candidates(vs.ns)) : meant);
  }
}

namespace {

// A subset whose labels select no pod of the DestinationRule's service: the run's cluster for it
// has no endpoint (traffic.cc builds a subset's cluster from the service's pods whose workload
// labels include the subset's), so requests routed there get 503 UH.
void check_subsets(const Draft& draft, Diagnostics& diagnostics, const Locator& locator,
                   const policies::HostRegistry& registry) {
  for (const Manifest& m : draft.istio) {
    if (m.kind != "DestinationRule") continue;
    const auto& rules = draft.mesh.traffic.destination_rules;
    const auto dr = std::find_if(rules.begin(), rules.end(), [&](const models::DestinationRuleConfig& r) {
      return r.name == m.name && r.namespace_ == m.namespace_;
    });
    if (dr == rules.end()) continue;
    const auto svc = registry.destination_service(dr->host, dr->namespace_);
    if (!svc) continue;  // a host that names no service: not this check's business
    const models::ServiceConfig& service = draft.mesh.services[*svc];
    // The manifest's YAML, to locate each subset: only through child(), since a DestinationRule
    // with errors elsewhere still comes here and any node may be a scalar (fuzzing found
    // `subsets: [x]` escaping as a yaml-cpp exception).
    const YAML::Node list = child(child(m.node, "spec"), "subsets");
    auto subset_node = [&](const std::string& name) {
      if (!list.IsSequence()) return m.node;
      for (const YAML::Node& item : list) {
        const YAML::Node n = child(item, "name");
        if (n.IsScalar() && n.Scalar() == name) {
          const YAML::Node labels = child(item, "labels");
          return labels.IsDefined() ? labels : item;
        }
      }
      return m.node;
    };
    for (size_t i = 0; i < dr->subsets.size(); ++i) {
      const auto& subset = dr->subsets[i];
      const bool selects = std::any_of(draft.mesh.workloads.begin(), draft.mesh.workloads.end(), [&](const auto& w) {
        if (!models::service_selects(service, w)) return false;  // the Service's own pods only
        return std::all_of(subset.labels.begin(), subset.labels.end(), [&](const auto& kv) {
          const auto it = w.labels.find(kv.first);
          return it != w.labels.end() && it->second == kv.second;
        });
      });
      if (selects) continue;
      std::string labels;
      for (const auto& [k, v] : subset.labels) labels += (labels.empty() ? "" : ", ") + k + "=" + v;
      diagnostics.report(Code::kSubsetSelectsNoPod, locator.locate(subset_node(subset.name), m.where.file),
                   {dr->name, subset.name, service.name, "{" + labels + "}"});
    }
  }
}

}  // namespace

// On the manifests as istio_traffic.cc read them (draft.virtual_services, mesh.traffic), not
// their YAML again.
void check_istio(const Draft& draft, Diagnostics& diagnostics, const Locator& locator) {
  HostIndex initial(draft.mesh.services);
  check_subsets(draft, diagnostics, locator, initial.registry());
  for (const Manifest& m : draft.istio) initial.add_service_entry(m);
  for (const models::DestinationRuleConfig& dr : draft.mesh.traffic.destination_rules) initial.add(dr);
  for (const ParsedVirtualService& vs : draft.virtual_services) {
    check_virtual_service(diagnostics, vs, initial);
  }
  // An applied VirtualService may use subsets that an applied DestinationRule brings.
  HostIndex later = initial;
  bool any = false;
  for (const EventSite& s : draft.event_sites) {
    if (!s.applied || s.applied->family != Family::kIstio) continue;
    any = true;
    const Document& doc = *s.applied;
    later.add_service_entry({doc.api_version, doc.kind, doc.name, doc.namespace_,
                             locator.locate(doc.root, doc.file), doc.root});
    if (s.applied_destination_rule) later.add(*s.applied_destination_rule);
  }
  if (!any) return;
  for (const EventSite& s : draft.event_sites) {
    if (s.applied_virtual_service) check_virtual_service(diagnostics, *s.applied_virtual_service, later);
  }
}

}  // namespace meshsim::scenarios::internal
