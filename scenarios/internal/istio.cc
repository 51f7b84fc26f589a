// VirtualService references against services, ServiceEntries and DestinationRules; see istio.h.
#include "scenarios/internal/istio.h"

#include <algorithm>

#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {
namespace {

YAML::Node child(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node n = map[key];
  return n.IsDefined() ? n : YAML::Node(YAML::NodeType::Undefined);
}

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

}  // namespace meshsim::scenarios::internal
