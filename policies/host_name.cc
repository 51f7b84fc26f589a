// Istio host resolution and matching; see host_name.h.
#include "policies/host_name.h"

#include <algorithm>

namespace meshsim::policies {

std::string resolve_shortname_to_fqdn(std::string_view host, std::string_view ns,
                                      std::string_view domain_suffix) {
  std::string out(host);
  if (host.empty() || host == "*") return out;
  // netutil.IsValidIPAddress: an IPv4 address has dots (kept below anyway); an IPv6 one has
  // colons, which no DNS name has.
  if (host.find(':') != std::string_view::npos) return out;
  if (host.find('.') == std::string_view::npos) {
    if (!ns.empty()) out.append(".").append(ns);
    if (!domain_suffix.empty()) out.append(".svc.").append(domain_suffix);
  }
  return out;
}

bool host_name_matches(std::string_view a, std::string_view b) {
  const bool a_wild = !a.empty() && a[0] == '*';
  const bool b_wild = !b.empty() && b[0] == '*';
  if (a_wild && b_wild) {
    return a.size() < b.size() ? b.substr(1).ends_with(a.substr(1))
                               : a.substr(1).ends_with(b.substr(1));
  }
  if (a_wild) return b.ends_with(a.substr(1));
  if (b_wild) return a.ends_with(b.substr(1));
  return a == b;
}

std::string service_hostname(std::string_view name, std::string_view ns,
                             std::string_view domain_suffix) {
  std::string out(name);
  out.append(".").append(ns).append(".svc.").append(domain_suffix);
  return out;
}

bool host_matches(std::string_view host, std::string_view hostname, std::string_view ns,
                  std::string_view domain_suffix) {
  return host_name_matches(resolve_shortname_to_fqdn(host, ns, domain_suffix), hostname);
}

HostRegistry::HostRegistry(std::vector<std::string> service_hostnames,
                           std::vector<std::string> entry_hosts)
    : services_(std::move(service_hostnames)), entry_hosts_(std::move(entry_hosts)) {}

std::optional<uint32_t> HostRegistry::destination_service(std::string_view host,
                                                          std::string_view ns) const {
  const std::string resolved = resolve_shortname_to_fqdn(host, ns);
  const auto it = std::find(services_.begin(), services_.end(), resolved);
  if (it == services_.end()) return std::nullopt;
  return static_cast<uint32_t>(it - services_.begin());
}

bool HostRegistry::destination_known(std::string_view host, std::string_view ns) const {
  if (destination_service(host, ns)) return true;
  // GetDestinationHost: the exact entry host, else a wildcard entry host whose suffix the
  // destination (its own leading '*' removed) ends with.
  const std::string resolved = resolve_shortname_to_fqdn(host, ns);
  const std::string_view bare =
      std::string_view(resolved).substr(!resolved.empty() && resolved[0] == '*' ? 1 : 0);
  return std::any_of(entry_hosts_.begin(), entry_hosts_.end(), [&](const std::string& e) {
    if (e == resolved) return true;
    return !e.empty() && e[0] == '*' && bare.ends_with(std::string_view(e).substr(1));
  });
}

bool HostRegistry::covers_a_service(std::string_view host, std::string_view ns) const {
  const std::string resolved = resolve_shortname_to_fqdn(host, ns);
  return std::any_of(services_.begin(), services_.end(),
                     [&](const std::string& s) { return host_name_matches(resolved, s); });
}

}  // namespace meshsim::policies
