// VirtualService destination checks against services, ServiceEntries and DestinationRules; see
// istio.h.
#include "scenarios/internal/istio.h"

#include <algorithm>
#include <charconv>

#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {
namespace {

constexpr std::string_view kClusterSuffix = ".svc.cluster.local";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Istio host matching: "*" matches all, "*.x" any host ending in ".x".
bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern == host || pattern == "*") return true;
  if (pattern.size() > 1 && pattern[0] == '*' && pattern[1] == '.') {
    return ends_with(host, pattern.substr(1));
  }
  return false;
}

std::string scalar(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return {};
  const YAML::Node n = map[key];
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : std::string();
}

YAML::Node child(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node n = map[key];
  return n.IsDefined() ? n : YAML::Node(YAML::NodeType::Undefined);
}

}  // namespace

std::string istio_fqdn(const std::string& host, const std::string& ns) {
  if (host.empty() || host[0] == '*' || ends_with(host, kClusterSuffix)) return host;
  const auto dots = std::count(host.begin(), host.end(), '.');
  if (dots == 0) return host + "." + ns + std::string(kClusterSuffix);
  if (dots == 1) return host + std::string(kClusterSuffix);
  if (dots == 2 && ends_with(host, ".svc")) return host + ".cluster.local";
  return host;
}

HostIndex::HostIndex(const std::vector<models::ServiceConfig>& services) {
  for (const models::ServiceConfig& s : services) {
    fqdns_.push_back(s.name + "." + s.namespace_ + std::string(kClusterSuffix));
    short_names_.push_back(s.name);
  }
}

void HostIndex::add(const Manifest& m) {
  const YAML::Node& root = m.node;
  const YAML::Node spec = child(root, "spec");
  if (m.kind == "ServiceEntry") {
    const YAML::Node hosts = child(spec, "hosts");
    if (!hosts.IsSequence()) return;
    for (auto it = hosts.begin(); it != hosts.end(); ++it) {
      if (it->IsScalar()) entry_hosts_.push_back(it->Scalar());
    }
  } else if (m.kind == "DestinationRule") {
    const std::string host = scalar(spec, "host");
    if (host.empty()) return;
    Rule r{istio_fqdn(host, m.namespace_), {}};
    const YAML::Node subsets = child(spec, "subsets");
    if (subsets.IsSequence()) {
      for (auto it = subsets.begin(); it != subsets.end(); ++it) {
        const std::string name = scalar(*it, "name");
        if (!name.empty()) r.subsets.push_back(name);
      }
    }
    rules_.push_back(std::move(r));
  }
}

bool HostIndex::known(const std::string& host, const std::string& ns) const {
  const std::string fqdn = istio_fqdn(host, ns);
  if (std::find(fqdns_.begin(), fqdns_.end(), fqdn) != fqdns_.end()) return true;
  return std::any_of(entry_hosts_.begin(), entry_hosts_.end(), [&](const std::string& p) {
    return host_matches(p, host) || host_matches(p, fqdn);
  });
}

bool HostIndex::has_rule(const std::string& host, const std::string& ns) const {
  const std::string fqdn = istio_fqdn(host, ns);
  return std::any_of(rules_.begin(), rules_.end(),
                     [&](const Rule& r) { return host_matches(r.host, fqdn) || r.host == host; });
}

std::vector<std::string> HostIndex::subsets(const std::string& host, const std::string& ns) const {
  const std::string fqdn = istio_fqdn(host, ns);
  std::vector<std::string> out;
  for (const Rule& r : rules_) {
    if (!host_matches(r.host, fqdn) && r.host != host) continue;
    for (const std::string& s : r.subsets) {
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
  }
  return out;
}

void check_virtual_service(Diagnostics& diagnostics, const Locator& locator, const Manifest& vs,
                           const HostIndex& hosts) {
  const Context ctx(diagnostics, locator, vs.where.file);
  const YAML::Node spec = child(vs.node, "spec");
  for (const char* section : {"http", "tcp", "tls"}) {
    const YAML::Node rules = child(spec, section);
    if (!rules.IsSequence()) continue;  // malformed VirtualServices are issue #4's to report
    for (auto rule = rules.begin(); rule != rules.end(); ++rule) {
      const YAML::Node route = child(*rule, "route");
      if (!route.IsSequence()) continue;
      bool any_positive = false;
      bool weights_read = true;  // false if a weight is not an integer (issue #4 reports it)
      for (auto dest = route.begin(); dest != route.end(); ++dest) {
        const YAML::Node d = child(*dest, "destination");
        const YAML::Node host = child(d, "host");
        const YAML::Node subset = child(d, "subset");
        const YAML::Node weight = child(*dest, "weight");
        if (weight.IsDefined() && weight.IsScalar()) {
          const std::string& w = weight.Scalar();
          long long v = 0;
          const auto r = std::from_chars(w.data(), w.data() + w.size(), v);
          if (r.ec == std::errc() && r.ptr == w.data() + w.size()) {
            if (v < 0) ctx.report(Code::kNegativeWeight, weight, {vs.name, w});
            if (v > 0) any_positive = true;
          } else {
            weights_read = false;
          }
        }
        if (!host.IsDefined() || !host.IsScalar()) continue;
        const std::string& h = host.Scalar();
        if (!hosts.known(h, vs.namespace_)) {
          ctx.report(Code::kUnknownDestinationHost, host, {vs.name, h},
                     suggest(h, hosts.short_names()));
          continue;
        }
        if (!subset.IsDefined() || !subset.IsScalar()) continue;
        const std::vector<std::string> defined = hosts.subsets(h, vs.namespace_);
        if (std::find(defined.begin(), defined.end(), subset.Scalar()) != defined.end()) continue;
        const std::string detail =
            !hosts.has_rule(h, vs.namespace_)
                ? "no DestinationRule has host '" + h + "'"
                : "the DestinationRules for it define " +
                      (defined.empty() ? std::string("no subsets") : quote_join(defined));
        ctx.report(Code::kUnknownSubset, subset, {vs.name, subset.Scalar(), h, detail},
                   suggest(subset.Scalar(), defined));
      }
      if (route.size() > 1 && weights_read && !any_positive) {
        ctx.report(Code::kAllWeightsZero, route, {vs.name, std::to_string(route.size())});
      }
    }
  }
}

}  // namespace meshsim::scenarios::internal
