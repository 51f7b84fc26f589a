// Istio traffic management: networking.istio.io VirtualServices and DestinationRules (apiVersion
// v1, v1beta1 or v1alpha3) -> the models' traffic configuration that client sidecars run with.
// Internal to scenarios/.  The fields read, the ones accepted but not modelled, and the codes
// reported are listed in scenarios/README.md, "Istio traffic management".
//
// These two kinds are read strictly, like meshsim's own: an unknown field is MSH0103 with a
// did-you-mean, a wrong type MSH0101, each at the offending node.  Fields Istio defines but
// meshsim does not model are accepted: those with no effect on resilience (rewrite, corsPolicy,
// tls, tcp routes, ...) are listed in one info (MSH0310) per manifest; those that would change
// what the simulation shows (portLevelSettings, workloadSelector, warmup, ...) are a warning
// each (MSH0311).  Their contents are not checked.
//
// Every converter reports what it finds and still returns a config (partly filled after an
// error): the caller throws when any error was reported, so a partial config never escapes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "models/config.h"
#include "policies/virtual_service.h"
#include "scenarios/internal/yaml_util.h"
#include "scenarios/scenario.h"

namespace meshsim::scenarios::internal {

// Whether a manifest is one of the two kinds read here: networking.istio.io/{v1, v1beta1,
// v1alpha3} VirtualService or DestinationRule.
bool is_traffic_manifest(std::string_view api_version, std::string_view kind);

// Where a VirtualService names a host it sends requests to: each destination of its http, tcp
// and tls routes, and each mirror.  The reference checks (istio.h) read these, so a manifest is
// parsed once, here.
struct DestinationSite {
  std::string host;
  std::string subset;            // "" = none
  bool mirror = false;           // a mirror's host (Istio's IST0101 says "mirror host")
  SourceLocation where_host;     // the host's value
  SourceLocation where_subset;   // the subset's value, when given
};

// A VirtualService as read: what the run uses, and where its parts were written.
struct ParsedVirtualService {
  policies::VirtualServiceConfig config;
  SourceLocation where;                      // the document
  std::vector<SourceLocation> where_hosts;   // parallel to config.hosts
  std::vector<DestinationSite> destinations; // in document order
};

// Whether a VirtualService applies to sidecars: `gateways` empty or listing "mesh".
bool applies_to_sidecars(const policies::VirtualServiceConfig& vs);

// One VirtualService document (`root` is the whole document), of namespace `ns`.  Reports what
// concerns the manifest alone, weights included (MSH0303, MSH0304); references to other
// documents are istio.h's.
ParsedVirtualService read_virtual_service(const Context& ctx, const YAML::Node& root,
                                          const std::string& name, const std::string& ns);
// One DestinationRule document.
models::DestinationRuleConfig read_destination_rule(const Context& ctx, const YAML::Node& root,
                                                    const std::string& name, const std::string& ns);

// Every VirtualService and DestinationRule of `istio` (load order, replacements already applied)
// into `traffic`, and every VirtualService as read into `parsed` (gateway-only ones too), for
// the reference checks.  Only VirtualServices that apply to sidecars go into
// traffic.virtual_services.  A host (after resolution, policies/host_name.h) that an earlier
// sidecar VirtualService already has is dropped from the later one, which is dropped when no
// host is left (warning MSH0305): Istio does not merge VirtualServices for sidecars and uses
// the oldest, and load order stands for creation order.
void read_traffic(const std::vector<Manifest>& istio, Diagnostics& diagnostics,
                  const Locator& locator, models::TrafficConfig& traffic,
                  std::vector<ParsedVirtualService>& parsed);

}  // namespace meshsim::scenarios::internal
