// VirtualService: which route a client sidecar picks for a request, and which destination of
// that route gets it, as Istio programs Envoy from a VirtualService's `http` section.
//
// Two phases, as in Istio:
//   * Config time (once per client proxy and port): routes_for_source() does what istiod does
//     when it builds that proxy's route table (istio pilot/pkg/networking/core/route/route.go
//     BuildHTTPRoutesForVirtualService, translateRoute, sourceMatchHTTP): each `match` entry
//     becomes its own Envoy route, entries are filtered by `port`, `sourceLabels`,
//     `sourceNamespace` and `gateways`, and everything after a catch-all is dropped.
//   * Request time (hot path): match_route() walks that table, first match wins (envoy
//     source/common/router/config_impl.cc RouteEntryImplBase::matchRoute and the Prefix/Path/
//     Regex route entries); pick_destination() picks the weighted destination (envoy
//     source/common/router/weighted_cluster_specifier.cc pickClusterIndex).
//
// Matching semantics worth knowing (each pinned by a test in tests/policies/virtual_service_test.cpp):
//   * uri is matched against the path with the query string and fragment removed (envoy
//     PathMatcher::match -> PathUtil::removeQueryAndFragment).  prefix is a raw string prefix:
//     "/foo" matches "/foobar".  ignoreUriCase applies to exact and prefix only (Envoy
//     RouteMatch.case_sensitive; Istio TranslateRouteMatch).  The path is taken as Envoy sees it
//     after the connection manager's normalisation (Istio's default pathNormalization BASE).
//   * headers, method, authority, scheme: Envoy header matchers on the (pseudo-)header; `{}` and
//     regex "*" mean "present" (Istio canBeConvertedToPresentMatch); a missing header never
//     matches a value matcher.  Header values are case-sensitive; header names are compared
//     ASCII-case-insensitively (Envoy lower-cases both sides).
//   * withoutHeaders: inverted matchers with treat_missing_header_as_empty (route.go
//     TranslateRouteMatch): {x: exact "a"} matches a request without x; {x: exact ""} does
//     not; {x: {}} means "x absent".
//   * queryParams: the first value of the parameter, not percent-decoded (Envoy
//     QueryParamsMulti::parseQueryString + getFirstValue); a missing parameter never matches;
//     "?a" has value "".  `{}` / regex "*" mean "present".
//   * regex: Envoy uses RE2 with full-match semantics.  Here it is std::regex (ECMAScript)
//     with std::regex_match, also a full match.  Differences: RE2-only syntax ((?i), \pL,
//     (?P<name>...)) does not compile here, and ECMAScript-only syntax (backreferences,
//     lookahead) is rejected by RE2 and Istio's validation.  libstdc++'s regex_match
//     allocates its matcher state internally: prefer exact/prefix on hot scenarios.
//   * An empty route table from routes_for_source() means the VirtualService produces no
//     routes for this proxy; Istio then drops it and the host keeps its default route, as if no
//     VirtualService existed (buildSidecarVirtualHostsForVirtualService returns nil on "no
//     routes matched").  A non-empty table where no entry matches a request is Envoy's 404 NR.
//
// Lifetime: RouteEntry points into the VirtualServiceConfig it was built from; keep the config
// alive (and unmoved) as long as the table.  Thread safety: configs and tables are immutable
// after construction and may be shared between threads; functions here keep no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/fault.h"
#include "policies/retry_policy.h"
#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::policies {

// Pod or proxy labels (same type as models::Labels).
using Labels = std::map<std::string, std::string>;

// Istio's reserved gateway name for "all sidecars in the mesh".
inline constexpr std::string_view kMeshGateway = "mesh";

// Istio StringMatch (one of exact | prefix | regex) plus the "present" form that `{}` (and a
// header/query regex of "*") turns into.
struct StringMatch {
  enum class Kind : uint8_t { kExact, kPrefix, kRegex, kPresent };
  Kind kind = Kind::kPresent;  // Default: present (`{}` in YAML)
  std::string value;           // exact / prefix text, or the regex source
  // Compiled once at config time (kRegex only); shared so configs copy cheaply.
  std::shared_ptr<const std::regex> re;

  static StringMatch exact(std::string v);
  static StringMatch prefix(std::string v);
  // Throws std::regex_error when the pattern does not compile (config time only).  "*" becomes
  // kPresent, as Istio translates it for headers and query parameters (for a uri, "*" is
  // rejected by Istio validation and by Envoy's RE2; here it would match any path).
  static StringMatch regex(std::string pattern);
  static StringMatch present();

  // Does `v` satisfy this matcher?  ignore_case applies to exact and prefix only (ASCII).
  bool matches(std::string_view v, bool ignore_case = false) const;
};

// One named condition: a header (name compared case-insensitively) or a query parameter
// (name compared exactly).
struct NamedMatch {
  std::string name;
  StringMatch match;
};

// Istio HTTPMatchRequest.  All set fields must hold (AND).
struct HttpMatch {
  std::string name;                   // Default: "" (Envoy route name = "<route>.<name>")
  std::optional<StringMatch> uri;     // Default: absent = any path (Envoy prefix "/")
  bool ignore_uri_case = false;       // Default: false
  std::optional<StringMatch> scheme;     // Default: absent = any (matches ":scheme")
  std::optional<StringMatch> method;     // Default: absent = any (matches ":method")
  std::optional<StringMatch> authority;  // Default: absent = any (matches ":authority")
  std::vector<NamedMatch> headers;          // Default: none
  std::vector<NamedMatch> without_headers;  // Default: none
  std::vector<NamedMatch> query_params;     // Default: none
  // Config-time filters (see routes_for_source):
  Labels source_labels;           // Default: {} = any client
  std::string source_namespace;   // Default: "" = any namespace
  uint32_t port = 0;              // Default: 0 = any port
  std::vector<std::string> gateways;  // Default: [] = decided by sourceLabels/sourceNamespace
};

// Istio HTTPRouteDestination (destination flattened).
struct RouteDestination {
  std::string host;    // Default: none (required); short names resolve in the VS namespace
  std::string subset;  // Default: "" = no subset (cluster outbound|port||host)
  uint32_t port = 0;   // Default: 0 = the service's only port, else the port called
  uint32_t weight = 0; // Default: 0 (ignored when it is the only destination)
};

// Istio HTTPRetry, kept raw as the VirtualService gives it.  It is the retry-policy code's own
// input type (policies/retry_policy.h IstioHttpRetry: attempts, per_try_timeout, retry_on,
// retry_remote_localities, and the 1.26+ retry_ignore_previous_hosts and backoff), so that one
// struct travels from the scenario to retry_policy_from_istio() unchanged.
using HttpRetryConfig = IstioHttpRetry;

// Istio HTTPMirrorPolicy (and the legacy mirror + mirrorPercentage pair).
struct Mirror {
  std::string host;     // Default: none (required)
  std::string subset;   // Default: ""
  uint32_t port = 0;    // Default: 0
  // Percent of requests mirrored.  Default: absent = 100 %; 0 = mirroring off
  // (route.go MirrorPercent / MirrorPercentByPolicy).
  std::optional<double> percentage;

  uint32_t ppm() const { return percentage ? percent_to_ppm(*percentage) : kMillion; }
};

// Istio HTTPRoute.
struct HttpRoute {
  std::string name;                     // Default: ""
  std::vector<HttpMatch> matches;       // Default: [] = catch-all; entries are ORed
  std::vector<RouteDestination> destinations;  // Default: none (required unless redirect)
  // Default: absent = Istio programs 0, i.e. no route timeout (route.go setTimeout), not
  // Envoy's own 15 s default.
  std::optional<simcore::Time> timeout;
  std::optional<HttpRetryConfig> retries;  // Default: absent = mesh default retry policy
  std::optional<HttpFaultConfig> fault;    // Default: absent = no fault filter config
  std::vector<Mirror> mirrors;             // Default: none
};

// Istio L4MatchAttributes (sourceSubnet, hidden in the API, is not read).
struct L4Match {
  std::vector<std::string> destination_subnets;  // Default: none
  uint32_t port = 0;                             // Default: 0 = any port
  Labels source_labels;                          // Default: {} = any client
  std::string source_namespace;                  // Default: "" = any namespace
  std::vector<std::string> gateways;             // Default: [] = sidecars and gateways alike
};

// Istio TCPRoute (policies/tcp_route.h picks one per client proxy and port).
struct TcpRoute {
  std::vector<L4Match> matches;                // Default: [] = applies to every connection
  std::vector<RouteDestination> destinations;  // required
};

// Istio VirtualService (the parts that affect HTTP and TCP routing).
struct VirtualServiceConfig {
  std::string name;
  std::string ns;                      // the VS's own namespace (short hosts resolve in it)
  std::vector<std::string> hosts;      // Default: none (required)
  std::vector<std::string> gateways;   // Default: [] = ["mesh"] (sidecars only)
  std::vector<HttpRoute> http;         // Default: none
  std::vector<TcpRoute> tcp;           // Default: none
};

// One Envoy route of a client proxy: an HTTP route with one of its match entries
// (match == nullptr: the route has no `match`, a catch-all).
struct RouteEntry {
  const HttpRoute* route = nullptr;
  const HttpMatch* match = nullptr;
};

// (a) Config time: the ordered Envoy routes this VirtualService gives a client proxy with
// `source_labels` in `source_namespace` calling a service on `port`.  Empty when the VS does
// not apply to sidecars (its `gateways` lack "mesh") or every entry was filtered out; see the
// file comment for what an empty table means.
//   * port: an entry with port != 0 applies only when calling that port.
//   * gateways on the entry: if non-empty, the entry applies iff it lists "mesh", and then
//     sourceLabels/sourceNamespace are NOT consulted (route.go sourceMatchHTTP).
//   * otherwise: sourceLabels must be a subset of the proxy's labels, and sourceNamespace
//     empty or equal to the proxy's namespace.
//   * an HTTP route without `match` is a catch-all; so is a surviving entry with no uri (or
//     prefix "/", or regex ".*") and no header, withoutHeaders, method, authority, scheme or
//     query condition (route.go IsCatchAllRoute).  Nothing after a catch-all is kept.
std::vector<RouteEntry> routes_for_source(const VirtualServiceConfig& vs,
                                          const Labels& source_labels,
                                          std::string_view source_namespace, uint32_t port);

// True if `m` is a catch-all once its config-time filters passed (route.go IsCatchAllRoute).
bool is_catch_all(const HttpMatch& m);

using HeaderPair = std::pair<std::string_view, std::string_view>;

// The parts of a request a route can look at.  Header names are lower-case; a name appears at
// most once (Envoy joins repeated headers with ',' before matching: models/ must do the same).
// An empty method/authority/scheme counts as an absent pseudo-header.
struct RequestView {
  std::string_view path;  // ":path", may include "?query"
  std::string_view method;
  std::string_view authority;
  std::string_view scheme;
  std::span<const HeaderPair> headers;
};

// Request time: do the request-time conditions of `m` hold?  (The config-time filters are
// routes_for_source's business.)
bool matches(const HttpMatch& m, const RequestView& request);

// (b) First entry whose match holds, or nullptr (Envoy: 404, flag NR).  No allocation except
// inside std::regex_match for regex conditions.
const RouteEntry* match_route_entry(std::span<const RouteEntry> table, const RequestView& request);
inline const HttpRoute* match_route(std::span<const RouteEntry> table, const RequestView& request) {
  const RouteEntry* e = match_route_entry(table, request);
  return e ? e->route : nullptr;
}

// (c) Index into route.destinations of the destination this request goes to.
//   * one destination: it, whatever its weight (Istio emits a plain cluster, no weights);
//   * several: weight-0 destinations dropped, the rest weighted relative to their sum, which
//     need not be 100; v = random % sum and the first destination whose cumulative range
//     [begin, begin + w) contains v wins (Envoy pickClusterIndex);
//   * several, all weight 0: kNoDestination.  Istio validation rejects this ("total
//     destination weight = 0"); if it got through, Istio would emit an empty weighted_clusters
//     that Envoy rejects (NACK), so no request would be routed by it.
//   * no destination (redirect/directResponse routes): kNoDestination.
// The draw is made once per request; retries stay on the chosen destination.  The Stream
// overload always consumes exactly one 64-bit word, even for a single destination (common
// random numbers across scenarios that differ in their splits).
inline constexpr size_t kNoDestination = static_cast<size_t>(-1);
size_t pick_destination(const HttpRoute& route, uint64_t random_value);
// The same rule over a list of destinations (TCP routes pick per connection with it).
size_t pick_destination(std::span<const RouteDestination> destinations, uint64_t random_value);
size_t pick_destination(const HttpRoute& route, simcore::Stream& stream);

// Hosts (VirtualService hosts, destinations): policies/host_name.h.

}  // namespace meshsim::policies
