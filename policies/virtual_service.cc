// VirtualService route tables, request matching, weighted picks and host matching; see
// virtual_service.h for the contract and the Istio/Envoy sources of each rule.
#include "policies/virtual_service.h"

#include <algorithm>

namespace meshsim::policies {
namespace {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Envoy PathUtil::removeQueryAndFragment: route path matchers see the path only.
std::string_view path_without_query(std::string_view path) {
  const size_t end = path.find_first_of("?#");
  return end == std::string_view::npos ? path : path.substr(0, end);
}

// A request (pseudo-)header by lower-case name; nullopt when absent.
std::optional<std::string_view> find_header(const RequestView& r, std::string_view name) {
  if (!name.empty() && name[0] == ':') {
    std::string_view v;
    if (name == ":method") {
      v = r.method;
    } else if (name == ":authority") {
      v = r.authority;
    } else if (name == ":scheme") {
      v = r.scheme;
    } else if (name == ":path") {
      v = r.path;
    } else {
      return std::nullopt;
    }
    if (v.empty()) return std::nullopt;
    return v;
  }
  for (const HeaderPair& h : r.headers) {
    if (iequals(h.first, name)) return h.second;
  }
  return std::nullopt;
}

// Envoy HeaderUtility::matchHeaders for Istio's `headers` (and method/authority/scheme):
// no invert, no treat_missing_header_as_empty, so an absent header fails every matcher,
// present_match included.
bool header_condition(const RequestView& r, std::string_view name, const StringMatch& m) {
  const std::optional<std::string_view> v = find_header(r, name);
  if (!v) return false;
  return m.matches(*v);
}

// Istio's `withoutHeaders`: invert_match, plus treat_missing_header_as_empty unless the
// matcher is a present_match (route.go TranslateRouteMatch).  In Envoy's matchHeaders an
// absent header with an inverted present_match is a match; with treat_missing_as_empty the
// absent header is matched as "" and the result inverted.
bool without_header_condition(const RequestView& r, std::string_view name, const StringMatch& m) {
  const std::optional<std::string_view> v = find_header(r, name);
  if (m.kind == StringMatch::Kind::kPresent) return !v.has_value();
  return !m.matches(v.value_or(std::string_view{}));
}

// Envoy QueryParamsMulti::parseQueryString(path).getFirstValue(name): split after the first
// '?' on '&', name and value at the first '=', no percent-decoding, no fragment stripping;
// a parameter without '=' has the value "".
std::optional<std::string_view> first_query_value(std::string_view path, std::string_view name) {
  size_t start = path.find('?');
  if (start == std::string_view::npos) return std::nullopt;
  ++start;
  while (start < path.size()) {
    size_t end = path.find('&', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view param = path.substr(start, end - start);
    const size_t eq = param.find('=');
    const std::string_view key = eq == std::string_view::npos ? param : param.substr(0, eq);
    if (key == name) {
      return eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
    }
    start = end + 1;
  }
  return std::nullopt;
}

// Envoy ConfigUtility::QueryParameterMatcher::matches.
bool query_condition(std::string_view path, std::string_view name, const StringMatch& m) {
  const std::optional<std::string_view> v = first_query_value(path, name);
  if (!v) return false;
  return m.matches(*v);
}

bool labels_subset(const Labels& want, const Labels& have) {
  for (const auto& [k, v] : want) {
    const auto it = have.find(k);
    if (it == have.end() || it->second != v) return false;
  }
  return true;
}

// Istio route.go sourceMatchHTTP, for a sidecar (gateway names = {"mesh"}).
bool source_match(const HttpMatch& m, const Labels& proxy_labels, std::string_view proxy_ns) {
  if (!m.gateways.empty()) {
    return std::find(m.gateways.begin(), m.gateways.end(), kMeshGateway) != m.gateways.end();
  }
  if (!labels_subset(m.source_labels, proxy_labels)) return false;
  return m.source_namespace.empty() || m.source_namespace == proxy_ns;
}

}  // namespace

// --- StringMatch -------------------------------------------------------------------------

StringMatch StringMatch::exact(std::string v) {
  StringMatch m;
  m.kind = Kind::kExact;
  m.value = std::move(v);
  return m;
}

StringMatch StringMatch::prefix(std::string v) {
  StringMatch m;
  m.kind = Kind::kPrefix;
  m.value = std::move(v);
  return m;
}

StringMatch StringMatch::regex(std::string pattern) {
  StringMatch m;
  if (pattern == "*") {
    // "`*` is NOT a RE2 style regex ... It will be translated as present_match"
    // (route.go canBeConvertedToPresentMatch, istio/istio#20629).
    m.kind = Kind::kPresent;
    m.value = std::move(pattern);
    return m;
  }
  m.kind = Kind::kRegex;
  m.re = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript | std::regex::optimize);
  m.value = std::move(pattern);
  return m;
}

StringMatch StringMatch::present() { return StringMatch{}; }

bool StringMatch::matches(std::string_view v, bool ignore_case) const {
  switch (kind) {
    case Kind::kExact:
      return ignore_case ? iequals(v, value) : v == value;
    case Kind::kPrefix:
      return ignore_case ? istarts_with(v, value) : v.starts_with(value);
    case Kind::kRegex:
      return re != nullptr && std::regex_match(v.begin(), v.end(), *re);
    case Kind::kPresent:
      return true;
  }
  return false;
}

// --- Config time ---------------------------------------------------------------------------

bool is_catch_all(const HttpMatch& m) {
  bool uri_all = true;  // no uri: Envoy prefix "/"
  if (m.uri) {
    switch (m.uri->kind) {
      case StringMatch::Kind::kPrefix:
        uri_all = m.uri->value == "/";
        break;
      case StringMatch::Kind::kRegex:
        uri_all = m.uri->value == ".*";
        break;
      case StringMatch::Kind::kExact:
      case StringMatch::Kind::kPresent:
        uri_all = false;
        break;
    }
  }
  return uri_all && m.headers.empty() && m.without_headers.empty() && !m.method && !m.authority &&
         !m.scheme && m.query_params.empty();
}

std::vector<RouteEntry> routes_for_source(const VirtualServiceConfig& vs,
                                          const Labels& source_labels,
                                          std::string_view source_namespace, uint32_t port) {
  std::vector<RouteEntry> out;
  // A VS binds to sidecars only if its gateways are empty (= ["mesh"]) or list "mesh"
  // (push_context.go getGatewayNames and the per-gateway VS index).
  if (!vs.gateways.empty() &&
      std::find(vs.gateways.begin(), vs.gateways.end(), kMeshGateway) == vs.gateways.end()) {
    return out;
  }
  // route.go BuildHTTPRoutesForVirtualService.
  for (const HttpRoute& route : vs.http) {
    bool catch_all = false;
    if (route.matches.empty()) {
      out.push_back(RouteEntry{&route, nullptr});
      catch_all = true;
    } else {
      for (const HttpMatch& m : route.matches) {
        // translateRoute: port filter, then sourceMatchHTTP.
        if (m.port != 0 && m.port != port) continue;
        if (!source_match(m, source_labels, source_namespace)) continue;
        out.push_back(RouteEntry{&route, &m});
        if (is_catch_all(m)) {
          catch_all = true;
          break;
        }
      }
    }
    if (catch_all) break;
  }
  return out;
}

// --- Request time --------------------------------------------------------------------------

bool matches(const HttpMatch& m, const RequestView& request) {
  const std::string_view path = path_without_query(request.path);
  if (m.uri) {
    if (!m.uri->matches(path, m.ignore_uri_case)) return false;
  } else if (!path.starts_with('/')) {
    return false;
  }
  if (m.method && !header_condition(request, ":method", *m.method)) return false;
  if (m.authority && !header_condition(request, ":authority", *m.authority)) return false;
  if (m.scheme && !header_condition(request, ":scheme", *m.scheme)) return false;
  for (const NamedMatch& h : m.headers) {
    if (!header_condition(request, h.name, h.match)) return false;
  }
  for (const NamedMatch& h : m.without_headers) {
    if (!without_header_condition(request, h.name, h.match)) return false;
  }
  for (const NamedMatch& q : m.query_params) {
    if (!query_condition(request.path, q.name, q.match)) return false;
  }
  return true;
}

const RouteEntry* match_route_entry(std::span<const RouteEntry> table, const RequestView& request) {
  for (const RouteEntry& e : table) {
    if (e.match == nullptr) {
      // No `match`: Envoy prefix "/".
      if (path_without_query(request.path).starts_with('/')) return &e;
      continue;
    }
    if (matches(*e.match, request)) return &e;
  }
  return nullptr;
}

size_t pick_destination(const HttpRoute& route, uint64_t random_value) {
  return pick_destination(std::span<const RouteDestination>(route.destinations), random_value);
}

size_t pick_destination(std::span<const RouteDestination> d, uint64_t random_value) {
  if (d.empty()) return kNoDestination;
  // route.go applyHTTPRouteDestination: len(in.Route) == 1 -> a plain cluster, no weights.
  if (d.size() == 1) return 0;
  // Otherwise weighted_clusters without the weight-0 entries.
  uint64_t total = 0;
  for (const RouteDestination& x : d) total += x.weight;
  if (total == 0) return kNoDestination;
  // Envoy pickClusterIndex: selected = random % total; ranges [begin, begin + w).
  const uint64_t selected = random_value % total;
  uint64_t begin = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i].weight == 0) continue;
    const uint64_t end = begin + d[i].weight;
    if (selected < end) return i;
    begin = end;
  }
  return kNoDestination;  // unreachable: selected < total
}

size_t pick_destination(const HttpRoute& route, simcore::Stream& stream) {
  return pick_destination(route, stream.next_u64());
}

}  // namespace meshsim::policies
