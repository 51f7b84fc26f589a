// VirtualService routing as Istio programs Envoy.  Sources: istio
// pilot/pkg/networking/core/route/route.go (BuildHTTPRoutesForVirtualService, translateRoute,
// sourceMatchHTTP, TranslateRouteMatch, IsCatchAllRoute, applyHTTPRouteDestination),
// envoy source/common/router/config_impl.cc (route entries, matchRoute),
// source/common/http/header_utility.cc (matchHeaders), source/common/router/config_utility.cc
// (QueryParameterMatcher), source/common/router/weighted_cluster_specifier.cc (pickClusterIndex).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "policies/virtual_service.h"

using namespace meshsim::policies;
using meshsim::simcore::Stream;

namespace {

struct Interval {
  double lo, hi;
};
// Two-sided 99.9 % normal-approximation interval for a binomial count (z = 3.2905).
Interval binomial_999(double n, double p) {
  const double half = 3.2905 * std::sqrt(n * p * (1.0 - p));
  return {n * p - half, n * p + half};
}

RequestView get(std::string_view path, std::span<const HeaderPair> headers = {}) {
  return RequestView{path, "GET", "reviews:9080", "http", headers};
}

HttpRoute route_named(std::string name, std::vector<HttpMatch> matches = {}) {
  HttpRoute r;
  r.name = std::move(name);
  r.matches = std::move(matches);
  r.destinations = {RouteDestination{"reviews", "", 0, 0}};
  return r;
}

HttpMatch uri(StringMatch m, bool ignore_case = false) {
  HttpMatch h;
  h.uri = std::move(m);
  h.ignore_uri_case = ignore_case;
  return h;
}

HttpMatch header(std::string name, StringMatch m) {
  HttpMatch h;
  h.headers.push_back({std::move(name), std::move(m)});
  return h;
}

HttpMatch without_header(std::string name, StringMatch m) {
  HttpMatch h;
  h.without_headers.push_back({std::move(name), std::move(m)});
  return h;
}

HttpMatch query(std::string name, StringMatch m) {
  HttpMatch h;
  h.query_params.push_back({std::move(name), std::move(m)});
  return h;
}

VirtualServiceConfig vs_of(std::vector<HttpRoute> http) {
  VirtualServiceConfig vs;
  vs.name = "reviews";
  vs.ns = "default";
  vs.hosts = {"reviews"};
  vs.http = std::move(http);
  return vs;
}

// The name of the route a request lands on, "" for none (404 NR).
std::string routed(const VirtualServiceConfig& vs, const RequestView& r, const Labels& labels = {},
                   std::string_view ns = "default", uint32_t port = 9080) {
  const std::vector<RouteEntry> table = routes_for_source(vs, labels, ns, port);
  const HttpRoute* hit = match_route(table, r);
  return hit ? hit->name : std::string();
}

}  // namespace

TEST_CASE("Istio: http routes are first-match-wins in order", "[virtual_service]") {
  const auto vs = vs_of({
      route_named("a", {uri(StringMatch::prefix("/api"))}),
      route_named("b", {uri(StringMatch::prefix("/api/v2"))}),  // shadowed by "a"
      route_named("c"),
  });
  CHECK(routed(vs, get("/api/v2/x")) == "a");
  CHECK(routed(vs, get("/other")) == "c");
}

TEST_CASE("Istio: match entries are ORed and fields within one entry ANDed", "[virtual_service]") {
  HttpMatch both = uri(StringMatch::prefix("/a"));
  both.headers.push_back({"end-user", StringMatch::exact("jason")});
  HttpMatch other = uri(StringMatch::exact("/b"));
  const auto vs = vs_of({route_named("r", {both, other})});
  const std::array<HeaderPair, 1> jason{{{"end-user", "jason"}}};
  CHECK(routed(vs, get("/a1", jason)) == "r");  // entry 1: both fields hold
  CHECK(routed(vs, get("/a1")) == "");          // entry 1: header missing; entry 2: path differs
  CHECK(routed(vs, get("/b")) == "r");          // entry 2 alone
  CHECK(routed(vs, get("/c", jason)).empty());
  // Each entry is its own Envoy route.
  CHECK(routes_for_source(vs, {}, "default", 9080).size() == 2);
}

TEST_CASE("Envoy: uri prefix is a raw string prefix (/foo matches /foobar)", "[virtual_service]") {
  struct Row {
    const char* path;
    bool hit;
  };
  const HttpMatch m = uri(StringMatch::prefix("/foo"));
  for (const Row row : {Row{"/foo", true}, Row{"/foobar", true}, Row{"/foo/bar", true},
                        Row{"/fo", false}, Row{"/Foo", false}, Row{"/bar/foo", false}}) {
    INFO(row.path);
    CHECK(matches(m, get(row.path)) == row.hit);
  }
}

TEST_CASE("Envoy: uri matchers see the path without query string or fragment",
          "[virtual_service]") {
  // PathMatcher::match -> PathUtil::removeQueryAndFragment.
  CHECK(matches(uri(StringMatch::exact("/a")), get("/a?x=1")));
  CHECK(matches(uri(StringMatch::exact("/a")), get("/a#frag")));
  CHECK(matches(uri(StringMatch::regex("/a")), get("/a?x=1")));
  CHECK_FALSE(matches(uri(StringMatch::prefix("/a?x")), get("/a?x=1")));
}

TEST_CASE("Istio: ignoreUriCase affects exact and prefix only", "[virtual_service]") {
  // TranslateRouteMatch sets RouteMatch.case_sensitive = !ignoreUriCase; Envoy ignores it for
  // safe_regex.  Header values stay case-sensitive.
  struct Row {
    HttpMatch m;
    const char* path;
    bool hit;
  };
  const Row rows[] = {
      {uri(StringMatch::exact("/Reviews"), true), "/reviews", true},
      {uri(StringMatch::exact("/Reviews"), false), "/reviews", false},
      {uri(StringMatch::prefix("/API"), true), "/api/x", true},
      {uri(StringMatch::prefix("/API"), false), "/api/x", false},
      {uri(StringMatch::regex("/API/.*"), true), "/api/x", false},
      {uri(StringMatch::regex("/API/.*"), true), "/API/x", true},
  };
  for (const Row& row : rows) {
    INFO(row.m.uri->value << " on " << row.path << " ignore_case=" << row.m.ignore_uri_case);
    CHECK(matches(row.m, get(row.path)) == row.hit);
  }
  HttpMatch h = header("x-env", StringMatch::exact("Prod"));
  h.ignore_uri_case = true;
  const std::array<HeaderPair, 1> lower{{{"x-env", "prod"}}};
  CHECK_FALSE(matches(h, get("/", lower)));
}

TEST_CASE("Envoy: regex is a full match (RE2 FullMatch - std::regex_match here)",
          "[virtual_service]") {
  const HttpMatch m = uri(StringMatch::regex("/v[0-9]+/items"));
  CHECK(matches(m, get("/v12/items")));
  CHECK_FALSE(matches(m, get("/v12/items/3")));
  CHECK_FALSE(matches(m, get("/api/v12/items")));
  CHECK_THROWS_AS(StringMatch::regex("(unclosed"), std::regex_error);
}

TEST_CASE("Istio: a header {} or regex star means present - an absent header never matches",
          "[virtual_service]") {
  struct Row {
    StringMatch m;
    std::vector<HeaderPair> headers;
    bool hit;
    const char* why;
  };
  const Row rows[] = {
      {StringMatch::present(), {{"x-canary", ""}}, true, "present, empty value"},
      {StringMatch::present(), {{"x-canary", "1"}}, true, "present"},
      {StringMatch::present(), {}, false, "absent"},
      {StringMatch::regex("*"), {{"x-canary", "yes"}}, true, "regex * = present"},
      {StringMatch::regex("*"), {}, false, "regex * absent"},
      {StringMatch::exact("1"), {{"x-canary", "1"}}, true, "exact"},
      {StringMatch::exact("1"), {{"x-canary", "10"}}, false, "exact is whole value"},
      {StringMatch::exact(""), {}, false, "exact \"\" needs the header"},
      {StringMatch::prefix("ab"), {{"x-canary", "abc"}}, true, "prefix"},
      {StringMatch::regex("a.c"), {{"x-canary", "abc"}}, true, "regex"},
      {StringMatch::exact("1"), {{"X-Canary", "1"}}, true, "names are case-insensitive"},
  };
  for (const Row& row : rows) {
    INFO(row.why);
    CHECK(matches(header("x-canary", row.m), get("/", row.headers)) == row.hit);
  }
  CHECK(StringMatch::regex("*").kind == StringMatch::Kind::kPresent);
}

TEST_CASE("Istio: withoutHeaders negates - a missing header counts as empty",
          "[virtual_service]") {
  // route.go: withoutHeaders -> invert_match, and treat_missing_header_as_empty unless the
  // matcher is a present match; Envoy HeaderUtility::matchHeaders.
  struct Row {
    StringMatch m;
    std::vector<HeaderPair> headers;
    bool hit;
    const char* why;
  };
  const Row rows[] = {
      {StringMatch::exact("jason"), {{"end-user", "jason"}}, false, "matching value excluded"},
      {StringMatch::exact("jason"), {{"end-user", "bob"}}, true, "other value kept"},
      {StringMatch::exact("jason"), {}, true, "missing header kept (treated as \"\")"},
      {StringMatch::exact(""), {}, false, "exact \"\" excludes a missing header"},
      {StringMatch::prefix("ja"), {{"end-user", "jason"}}, false, "prefix excluded"},
      {StringMatch::regex(".*"), {}, false, "regex .* matches \"\" so missing is excluded"},
      {StringMatch::present(), {}, true, "{}: header must be absent"},
      {StringMatch::present(), {{"end-user", ""}}, false, "{}: present is excluded"},
      {StringMatch::regex("*"), {{"end-user", "x"}}, false, "regex * = present, excluded"},
  };
  for (const Row& row : rows) {
    INFO(row.why);
    CHECK(matches(without_header("end-user", row.m), get("/", row.headers)) == row.hit);
  }
}

TEST_CASE("Istio: method authority and scheme match the pseudo-headers", "[virtual_service]") {
  HttpMatch m;
  m.method = StringMatch::exact("POST");
  CHECK_FALSE(matches(m, get("/")));
  CHECK(matches(m, RequestView{"/", "POST", "reviews", "http", {}}));
  CHECK_FALSE(matches(m, RequestView{"/", "post", "reviews", "http", {}}));  // case-sensitive

  HttpMatch a;
  a.authority = StringMatch::prefix("reviews");
  CHECK(matches(a, get("/")));  // authority "reviews:9080"
  a.authority = StringMatch::exact("reviews");
  CHECK_FALSE(matches(a, get("/")));  // raw :authority includes the port

  HttpMatch s;
  s.scheme = StringMatch::exact("https");
  CHECK_FALSE(matches(s, get("/")));
}

TEST_CASE("Envoy: query parameters match the first undecoded value", "[virtual_service]") {
  struct Row {
    StringMatch m;
    const char* path;
    bool hit;
    const char* why;
  };
  const Row rows[] = {
      {StringMatch::exact("1"), "/p?v=1", true, "exact"},
      {StringMatch::exact("1"), "/p?a=2&v=1&z", true, "among others"},
      {StringMatch::exact("1"), "/p?v=10", false, "exact is whole value"},
      {StringMatch::exact("1"), "/p?v=2&v=1", false, "first value only"},
      {StringMatch::exact("1"), "/p", false, "missing never matches"},
      {StringMatch::exact("1"), "/p?vv=1", false, "name is whole key"},
      {StringMatch::exact(""), "/p?v", true, "no '=' means value \"\""},
      {StringMatch::exact("a b"), "/p?v=a%20b", false, "not percent-decoded"},
      {StringMatch::exact("a%20b"), "/p?v=a%20b", true, "raw value"},
      {StringMatch::prefix("ab"), "/p?v=abc", true, "prefix"},
      {StringMatch::regex("[0-9]+"), "/p?v=42", true, "regex"},
      {StringMatch::regex("[0-9]+"), "/p?v=42x", false, "regex full match"},
      {StringMatch::present(), "/p?v=", true, "present"},
      {StringMatch::present(), "/p?w=1", false, "present, missing"},
  };
  for (const Row& row : rows) {
    INFO(row.why << ": " << row.path);
    CHECK(matches(query("v", row.m), get(row.path)) == row.hit);
  }
}

TEST_CASE("Istio: sourceLabels sourceNamespace port and gateways filter at config time",
          "[virtual_service]") {
  HttpMatch from_v2 = uri(StringMatch::prefix("/"));
  from_v2.source_labels = {{"app", "productpage"}, {"version", "v2"}};
  HttpMatch from_ns;
  from_ns.source_namespace = "team-a";
  HttpMatch on_port;
  on_port.port = 9090;
  const auto vs = vs_of({
      route_named("v2-clients", {from_v2}),
      route_named("team-a", {from_ns}),
      route_named("port-9090", {on_port}),
      route_named("rest"),
  });
  const Labels v2 = {{"app", "productpage"}, {"version", "v2"}, {"pod-template-hash", "x"}};
  const Labels v1 = {{"app", "productpage"}, {"version", "v1"}};

  // Labels must be a subset of the client's.
  CHECK(routed(vs, get("/"), v2) == "v2-clients");
  CHECK(routed(vs, get("/"), v1) == "rest");
  CHECK(routed(vs, get("/"), v1, "team-a") == "team-a");
  CHECK(routed(vs, get("/"), v1, "default", 9090) == "port-9090");

  // The filter runs when the client's table is built: a v1 client's table holds no v2 route.
  const std::vector<RouteEntry> t1 = routes_for_source(vs, v1, "default", 9080);
  REQUIRE(t1.size() == 1);
  CHECK(t1[0].route->name == "rest");
  // A v2 client's table stops at its catch-all entry (prefix "/" with only source conditions).
  const std::vector<RouteEntry> t2 = routes_for_source(vs, v2, "default", 9080);
  REQUIRE(t2.size() == 1);
  CHECK(t2[0].route->name == "v2-clients");
}

TEST_CASE("Istio: match-level gateways replace the sourceLabels check (sourceMatchHTTP)",
          "[virtual_service]") {
  HttpMatch mesh_only;
  mesh_only.gateways = {"mesh"};
  mesh_only.source_labels = {{"app", "nobody"}};  // ignored once gateways is set
  mesh_only.uri = StringMatch::prefix("/m");
  HttpMatch gw_only;
  gw_only.gateways = {"istio-system/ingress"};
  gw_only.uri = StringMatch::prefix("/g");
  const auto vs = vs_of({route_named("mesh", {mesh_only}), route_named("gw", {gw_only})});
  CHECK(routed(vs, get("/m")) == "mesh");
  CHECK(routed(vs, get("/g")).empty());
  CHECK(routes_for_source(vs, {}, "default", 9080).size() == 1);
}

TEST_CASE("Istio: a VirtualService bound only to gateways gives sidecars no routes",
          "[virtual_service]") {
  auto vs = vs_of({route_named("all")});
  vs.gateways = {"istio-system/ingress"};
  CHECK(routes_for_source(vs, {}, "default", 9080).empty());
  vs.gateways = {"istio-system/ingress", "mesh"};
  CHECK(routes_for_source(vs, {}, "default", 9080).size() == 1);
}

TEST_CASE("Istio: a client with every entry filtered out gets an empty table (VS dropped)",
          "[virtual_service]") {
  // BuildHTTPRoutesForVirtualService returns "no routes matched"; the host keeps its default
  // route, as if there were no VirtualService -- not a 404.
  HttpMatch only_v2;
  only_v2.source_labels = {{"version", "v2"}};
  const auto vs = vs_of({route_named("v2", {only_v2})});
  CHECK(routes_for_source(vs, {{"version", "v1"}}, "default", 9080).empty());
}

TEST_CASE("Istio: routes after a catch-all are dropped (IsCatchAllRoute)", "[virtual_service]") {
  SECTION("a route without match") {
    const auto vs = vs_of({route_named("all"), route_named("never")});
    CHECK(routes_for_source(vs, {}, "default", 9080).size() == 1);
  }
  SECTION("prefix \"/\" ends the table, including the rest of its own match list") {
    const auto vs = vs_of({route_named("slash", {uri(StringMatch::prefix("/")),
                                                 uri(StringMatch::exact("/x"))}),
                           route_named("never")});
    const auto t = routes_for_source(vs, {}, "default", 9080);
    REQUIRE(t.size() == 1);
    CHECK(t[0].match->uri->value == "/");
  }
  SECTION("regex \".*\" is a catch-all too") {
    const auto vs = vs_of({route_named("re", {uri(StringMatch::regex(".*"))}), route_named("never")});
    CHECK(routes_for_source(vs, {}, "default", 9080).size() == 1);
  }
  SECTION("prefix \"/\" with a header condition is not") {
    HttpMatch m = uri(StringMatch::prefix("/"));
    m.headers.push_back({"x", StringMatch::present()});
    const auto vs = vs_of({route_named("hdr", {m}), route_named("next")});
    CHECK(routes_for_source(vs, {}, "default", 9080).size() == 2);
  }
  SECTION("a catch-all filtered out for this client drops nothing") {
    HttpMatch m;
    m.source_labels = {{"version", "v2"}};
    const auto vs = vs_of({route_named("v2", {m}), route_named("next")});
    CHECK(routes_for_source(vs, {{"version", "v1"}}, "default", 9080).size() == 1);
    CHECK(routes_for_source(vs, {{"version", "v2"}}, "default", 9080).size() == 1);
  }
  CHECK(is_catch_all(HttpMatch{}));
  CHECK_FALSE(is_catch_all(uri(StringMatch::prefix(""))));  // matches all, not pruned by Istio
}

TEST_CASE("Envoy: no matching route gives nullptr (404 with flag NR)", "[virtual_service]") {
  const auto vs = vs_of({route_named("a", {uri(StringMatch::exact("/a"))})});
  const auto table = routes_for_source(vs, {}, "default", 9080);
  CHECK(match_route(table, get("/b")) == nullptr);
  const RouteEntry* e = match_route_entry(table, get("/a"));
  REQUIRE(e != nullptr);
  CHECK(e->match == &vs.http[0].matches[0]);
}

TEST_CASE("Istio: a single destination gets 100 % whatever its weight", "[virtual_service]") {
  for (uint32_t w : {0u, 1u, 30u, 100u}) {
    HttpRoute r;
    r.destinations = {RouteDestination{"reviews", "v1", 0, w}};
    for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{99}, ~uint64_t{0}}) {
      CHECK(pick_destination(r, v) == 0);
    }
  }
}

TEST_CASE("Envoy: weighted pick is v = random % sum over cumulative ranges with zeros dropped",
          "[virtual_service]") {
  HttpRoute r;
  r.destinations = {{"a", "", 0, 0}, {"b", "", 0, 1}, {"c", "", 0, 0}, {"d", "", 0, 3}};
  // Sum 4: b owns [0,1), d owns [1,4); a and c own nothing.
  const std::array<size_t, 8> want = {1, 3, 3, 3, 1, 3, 3, 3};
  for (uint64_t v = 0; v < want.size(); ++v) {
    INFO("random " << v);
    CHECK(pick_destination(r, v) == want[v]);
  }
  // Weights are relative: 20:60 behaves as 1:3.
  HttpRoute s;
  s.destinations = {{"b", "", 0, 20}, {"d", "", 0, 60}};
  CHECK(pick_destination(s, 19) == 0);
  CHECK(pick_destination(s, 20) == 1);
  CHECK(pick_destination(s, 80) == 0);  // 80 % 80 = 0
}

TEST_CASE("Istio: several destinations all weighted 0 route nowhere (validation rejects it)",
          "[virtual_service]") {
  HttpRoute r;
  r.destinations = {{"a", "", 0, 0}, {"b", "", 0, 0}};
  CHECK(pick_destination(r, 0) == kNoDestination);
  HttpRoute empty;
  CHECK(pick_destination(empty, 0) == kNoDestination);
}

TEST_CASE("Envoy: weights 1:3 split 25/75 within the binomial 99.9 % interval",
          "[virtual_service]") {
  // n = 100000, p = 0.25: 25000 +- 450.6 = [24549.4, 25450.6]; fixed seed.
  constexpr int kN = 100'000;
  HttpRoute r;
  r.destinations = {{"v1", "", 0, 1}, {"v2", "", 0, 3}};
  Stream s(11, "vs-test", "weights-1-3");
  int first = 0;
  for (int i = 0; i < kN; ++i) first += pick_destination(r, s) == 0 ? 1 : 0;
  const Interval ci = binomial_999(kN, 0.25);
  CHECK(first > ci.lo);
  CHECK(first < ci.hi);
}

TEST_CASE("Envoy: weights 50/50 split evenly within the binomial 99.9 % interval",
          "[virtual_service]") {
  // n = 100000, p = 0.5: 50000 +- 520.3 = [49479.7, 50520.3]; fixed seed.
  constexpr int kN = 100'000;
  HttpRoute r;
  r.destinations = {{"reviews", "v1", 0, 50}, {"reviews", "v2", 0, 50}};
  Stream s(12, "vs-test", "weights-50-50");
  int first = 0;
  for (int i = 0; i < kN; ++i) first += pick_destination(r, s) == 0 ? 1 : 0;
  const Interval ci = binomial_999(kN, 0.5);
  CHECK(first > ci.lo);
  CHECK(first < ci.hi);
}

TEST_CASE("pick_destination consumes one word per call even for one destination",
          "[virtual_service]") {
  HttpRoute one;
  one.destinations = {{"a", "", 0, 0}};
  HttpRoute two;
  two.destinations = {{"a", "", 0, 10}, {"b", "", 0, 90}};
  for (const HttpRoute* r : {&one, &two}) {
    Stream s(13, "vs-test", "draws");
    for (int i = 0; i < 9; ++i) pick_destination(*r, s);
    CHECK(s.draws() == 9);
  }
}

TEST_CASE("Istio: mirror percentage absent = 100 % and 0 = off (MirrorPercentByPolicy)",
          "[virtual_service]") {
  Mirror m;
  m.host = "reviews";
  CHECK(m.ppm() == kMillion);
  m.percentage = 0.0;
  CHECK(m.ppm() == 0);
  m.percentage = 12.5;
  CHECK(m.ppm() == 125'000);
}
