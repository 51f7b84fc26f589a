// The entry points of istio_traffic.h: which manifests are traffic manifests, whether a
// VirtualService applies to sidecars, one VirtualService or DestinationRule read with a Reader
// (istio_reader.h; the kinds' parts are istio_virtual_service.cc and
// istio_destination_rule.cc), and every one of a load into the models' traffic configuration,
// where the first sidecar VirtualService of a host wins (MSH0305).
#include "scenarios/internal/istio_traffic.h"

#include <algorithm>
#include <map>

#include "policies/host_name.h"
#include "scenarios/internal/istio_reader.h"

namespace meshsim::scenarios::internal {

using istio_reader::Reader;

bool applies_to_sidecars(const policies::VirtualServiceConfig& vs) {
  return vs.gateways.empty() || std::find(vs.gateways.begin(), vs.gateways.end(),
                                          policies::kMeshGateway) != vs.gateways.end();
}

bool is_traffic_manifest(std::string_view api_version, std::string_view kind) {
  if (kind != "VirtualService" && kind != "DestinationRule") return false;
  return api_version == "networking.istio.io/v1" || api_version == "networking.istio.io/v1beta1" ||
         api_version == "networking.istio.io/v1alpha3";
}

ParsedVirtualService read_virtual_service(const Context& ctx, const YAML::Node& root,
                                          const std::string& name, const std::string& ns) {
  Reader reader(ctx, "VirtualService '" + name + "'");
  ParsedVirtualService vs = reader.virtual_service(root, name, ns);
  reader.finish();
  return vs;
}

models::DestinationRuleConfig read_destination_rule(const Context& ctx, const YAML::Node& root,
                                                    const std::string& name,
                                                    const std::string& ns) {
  Reader reader(ctx, "DestinationRule '" + name + "'");
  models::DestinationRuleConfig dr = reader.destination_rule(root, name, ns);
  reader.finish();
  return dr;
}

void read_traffic(const std::vector<Manifest>& istio, Diagnostics& diagnostics,
                  const Locator& locator, models::TrafficConfig& traffic,
                  std::vector<ParsedVirtualService>& parsed) {
  struct Claim {
    std::string ns;
    std::string name;
    SourceLocation where;
  };
  std::map<std::string, Claim> claims;  // resolved host -> the first sidecar VS that has it
  for (const Manifest& m : istio) {
    if (!is_traffic_manifest(m.api_version, m.kind)) continue;
    const Context ctx(diagnostics, locator, m.where.file);
    if (m.kind == "DestinationRule") {
      traffic.destination_rules.push_back(read_destination_rule(ctx, m.node, m.name, m.namespace_));
      continue;
    }
    parsed.push_back(read_virtual_service(ctx, m.node, m.name, m.namespace_));
    const std::vector<SourceLocation>& where_hosts = parsed.back().where_hosts;
    policies::VirtualServiceConfig vs = parsed.back().config;
    if (!applies_to_sidecars(vs)) continue;
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < vs.hosts.size(); ++i) {
      const SourceLocation where = i < where_hosts.size() ? where_hosts[i] : m.where;
      const std::string fqdn = policies::resolve_shortname_to_fqdn(vs.hosts[i], vs.ns);
      auto [it, fresh] = claims.emplace(fqdn, Claim{vs.ns, vs.name, where});
      if (fresh || (it->second.ns == vs.ns && it->second.name == vs.name)) {
        kept.push_back(vs.hosts[i]);
        continue;
      }
      diagnostics.report(Code::kConflictingVirtualServiceHost, where,
                         {vs.name, vs.hosts[i], it->second.name, it->second.where.to_string()});
    }
    if (kept.empty() && !vs.hosts.empty()) continue;
    vs.hosts = std::move(kept);
    traffic.virtual_services.push_back(std::move(vs));
  }
}

}  // namespace meshsim::scenarios::internal
