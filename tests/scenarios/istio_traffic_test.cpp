// VirtualServices and DestinationRules become MeshConfig::traffic.  Sources of truth: Istio's
// Bookinfo task files (istio.io "Request routing", "Fault injection", "Traffic shifting": what
// each one routes where), istio/api networking/v1alpha3 virtual_service.proto and
// destination_rule.proto (field names, types, oneofs), Istio's validation (retries via
// policies::validate_istio_retries, percentages in [0, 100]), and scenarios/README.md "Istio
// traffic management" (what is read, what is accepted but not modelled, and the codes).
#include <variant>

#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::examples;
using meshsim::scenarios::testing::has_code;
using meshsim::simcore::Time;
namespace models = meshsim::models;
namespace policies = meshsim::policies;
using Kind = policies::StringMatch::Kind;

const policies::VirtualServiceConfig& vs_named(const Scenario& s, const std::string& name) {
  for (const auto& v : s.mesh.traffic.virtual_services) {
    if (v.name == name) return v;
  }
  FAIL("no VirtualService " << name);
  throw;
}

const models::DestinationRuleConfig& dr_named(const Scenario& s, const std::string& name) {
  for (const auto& d : s.mesh.traffic.destination_rules) {
    if (d.name == name) return d;
  }
  FAIL("no DestinationRule " << name);
  throw;
}

Scenario with_task(const char* task) {
  return load_scenario(
      {examples("bookinfo/meshsim.yaml"), examples(std::string("bookinfo-tasks/") + task)});
}

std::size_t count_code(const std::vector<Diagnostic>& ds, const std::string& code) {
  return static_cast<std::size_t>(
      std::count_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.code == code; }));
}

// A service with three versions and a DestinationRule naming them; Istio documents follow.
const std::string kBase = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: reviews}, {name: ratings}]
  workloads:
  - {name: reviews-v1, service: reviews}
  - {name: reviews-v2, service: reviews}
  - {name: ratings-v1, service: ratings}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
)";
constexpr int kBaseLines = 17;  // the next document starts on line 18

TEST_CASE(
    "istio traffic: Bookinfo's destination-rule-all and virtual-service-all-v1 - 4 rules with "
    "their subsets by version label, every service routed to v1") {
  const Scenario s = load_scenario({examples("bookinfo/meshsim.yaml")});
  const auto& t = s.mesh.traffic;
  REQUIRE(t.destination_rules.size() == 4);
  const auto& reviews = dr_named(s, "reviews");
  CHECK(reviews.host == "reviews");
  CHECK(reviews.namespace_ == "default");
  REQUIRE(reviews.subsets.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string v = std::string(1, 'v').append(std::to_string(i + 1));  // GCC 12 -Wrestrict
    CHECK(reviews.subsets[i].name == v);
    CHECK(reviews.subsets[i].labels == models::Labels{{"version", v}});
    CHECK_FALSE(reviews.subsets[i].traffic_policy.has_value());
  }
  CHECK(dr_named(s, "ratings").subsets.size() == 4);
  CHECK(dr_named(s, "ratings").subsets[3].name == "v2-mysql-vm");
  // No trafficPolicy: every field absent, i.e. Istio's defaults.
  CHECK_FALSE(reviews.traffic_policy.load_balancer.has_value());
  CHECK_FALSE(reviews.traffic_policy.connection_pool.has_value());
  CHECK_FALSE(reviews.traffic_policy.outlier_detection.has_value());

  REQUIRE(t.virtual_services.size() == 4);
  for (const char* name : {"productpage", "reviews", "ratings", "details"}) {
    INFO(name);
    const auto& v = vs_named(s, name);
    CHECK(v.ns == "default");
    CHECK(v.hosts == std::vector<std::string>{name});
    CHECK(v.gateways.empty());
    REQUIRE(v.http.size() == 1);
    CHECK(v.http[0].matches.empty());  // a catch-all
    REQUIRE(v.http[0].destinations.size() == 1);
    CHECK(v.http[0].destinations[0].host == name);
    CHECK(v.http[0].destinations[0].subset == "v1");
    CHECK(v.http[0].destinations[0].weight == 0);
    CHECK_FALSE(v.http[0].timeout.has_value());
    CHECK_FALSE(v.http[0].retries.has_value());
    CHECK_FALSE(v.http[0].fault.has_value());
  }
  // The Experiment names no istioVersion: the default.
  CHECK(t.istio_version == s.mesh.experiment.istio_version);
}

TEST_CASE(
    "istio traffic: reviews-test-v2 - the first route sends end-user exact 'jason' to v2, the "
    "second everything else to v1 (Istio task: request routing)") {
  const Scenario s = with_task("virtual-service-reviews-test-v2.yaml");
  const auto& v = vs_named(s, "reviews");
  REQUIRE(v.http.size() == 2);
  REQUIRE(v.http[0].matches.size() == 1);
  const auto& m = v.http[0].matches[0];
  REQUIRE(m.headers.size() == 1);
  CHECK(m.headers[0].name == "end-user");
  CHECK(m.headers[0].match.kind == Kind::kExact);
  CHECK(m.headers[0].match.value == "jason");
  CHECK_FALSE(m.uri.has_value());
  REQUIRE(v.http[0].destinations.size() == 1);
  CHECK(v.http[0].destinations[0].subset == "v2");
  CHECK(v.http[1].matches.empty());
  REQUIRE(v.http[1].destinations.size() == 1);
  CHECK(v.http[1].destinations[0].subset == "v1");
  // The task's VirtualService replaced the example's (same name): still one per service.
  CHECK(s.mesh.traffic.virtual_services.size() == 4);
}

TEST_CASE(
    "istio traffic: ratings-test-delay - a 7 s fixed delay for 100 % of end-user jason's "
    "requests, no abort (Istio task: fault injection)") {
  const Scenario s = with_task("virtual-service-ratings-test-delay.yaml");
  const auto& v = vs_named(s, "ratings");
  REQUIRE(v.http.size() == 2);
  const auto& r = v.http[0];
  REQUIRE(r.matches.size() == 1);
  REQUIRE(r.matches[0].headers.size() == 1);
  CHECK(r.matches[0].headers[0].name == "end-user");
  CHECK(r.matches[0].headers[0].match.value == "jason");
  REQUIRE(r.fault.has_value());
  REQUIRE(r.fault->delay.has_value());
  CHECK(r.fault->delay->fixed_delay == Time::from_s(7));
  CHECK(r.fault->delay->percentage == 100.0);
  CHECK(r.fault->delay->ppm() == policies::kMillion);
  CHECK_FALSE(r.fault->abort.has_value());
  CHECK(r.destinations.at(0).subset == "v1");
  CHECK_FALSE(v.http[1].fault.has_value());
}

TEST_CASE(
    "istio traffic: ratings-test-abort - HTTP 500 for 100 % of end-user jason's requests (Istio "
    "task: fault injection)") {
  const Scenario s = with_task("virtual-service-ratings-test-abort.yaml");
  const auto& r = vs_named(s, "ratings").http.at(0);
  REQUIRE(r.fault.has_value());
  CHECK_FALSE(r.fault->delay.has_value());
  REQUIRE(r.fault->abort.has_value());
  CHECK(r.fault->abort->http_status == 500);
  CHECK_FALSE(r.fault->abort->grpc);
  CHECK(r.fault->abort->percentage == 100.0);
  CHECK(r.matches.at(0).headers.at(0).match.value == "jason");
}

TEST_CASE(
    "istio traffic: reviews-50-v3 splits 50/50 between v1 and v3, reviews-v3 sends all to v3 "
    "(Istio task: traffic shifting)") {
  const Scenario half = with_task("virtual-service-reviews-50-v3.yaml");
  const auto& r = vs_named(half, "reviews").http.at(0);
  REQUIRE(r.destinations.size() == 2);
  CHECK(r.destinations[0].subset == "v1");
  CHECK(r.destinations[0].weight == 50);
  CHECK(r.destinations[1].subset == "v3");
  CHECK(r.destinations[1].weight == 50);
  // The split as the sidecar draws it: the first half of [0, 100) goes to v1.
  CHECK(policies::pick_destination(r, 49) == 0);
  CHECK(policies::pick_destination(r, 50) == 1);

  const Scenario all = with_task("virtual-service-reviews-v3.yaml");
  const auto& v3 = vs_named(all, "reviews").http.at(0);
  REQUIRE(v3.destinations.size() == 1);
  CHECK(v3.destinations[0].subset == "v3");
}

TEST_CASE(
    "istio traffic: bookinfo-gateway's VirtualService is bound to the gateway only, so sidecars "
    "do not get it (Istio: gateways without 'mesh')") {
  const Scenario s = with_task("bookinfo-gateway.yaml");
  CHECK(s.mesh.traffic.virtual_services.size() == 4);
  for (const auto& v : s.mesh.traffic.virtual_services) CHECK(v.name != "bookinfo");
  CHECK_FALSE(has_code(s.warnings, "MSH0310"));
}

TEST_CASE(
    "istio traffic: a DestinationRule with every trafficPolicy field - each lands in its policy "
    "struct, subsets keep their own policy (destination_rule.proto)") {
  const Scenario s = load_scenario_text(kBase + R"(apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings.default.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpHeaderName: x-user
        maglev: {tableSize: 251}
      localityLbSetting:
        enabled: true
        failover: [{from: us-east, to: eu-west}]
        failoverPriority: [topology.kubernetes.io/zone, "version=v1"]
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms, idleTimeout: 1h}
      http:
        http1MaxPendingRequests: 10
        http2MaxRequests: 1000
        maxRequestsPerConnection: 1
        maxRetries: 3
        idleTimeout: 90s
        maxConcurrentStreams: 64
    outlierDetection:
      consecutive5xxErrors: 7
      consecutiveGatewayErrors: 0
      splitExternalLocalOriginErrors: true
      consecutiveLocalOriginFailures: 2
      interval: 5m
      baseEjectionTime: 15m
      maxEjectionPercent: 100
      minHealthPercent: 50
    retryBudget: {percent: 25.5, minRetryConcurrency: 4}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      loadBalancer:
        simple: ROUND_ROBIN
      outlierDetection: {consecutive5xxErrors: 1}
  - name: sticky
    labels: {version: v1}
    trafficPolicy:
      loadBalancer:
        consistentHash:
          useSourceIp: true
          ringHash: {minimumRingSize: 4096}
  - name: cookie
    labels: {version: v1}
    trafficPolicy:
      loadBalancer: {consistentHash: {httpCookie: {name: user}}}
  - name: rand
    trafficPolicy: {loadBalancer: {simple: LEAST_CONN}}
)");
  INFO(dump(s.warnings));
  CHECK(s.warnings.empty());
  const auto& dr = dr_named(s, "ratings");
  CHECK(dr.host == "ratings.default.svc.cluster.local");
  const auto& tp = dr.traffic_policy;
  REQUIRE(tp.load_balancer.has_value());
  CHECK(tp.load_balancer->policy == policies::LbPolicy::Maglev);
  CHECK(tp.load_balancer->maglev_table_size == 251);
  CHECK(tp.consistent_hash_header == "x-user");
  CHECK_FALSE(tp.consistent_hash_source_ip);
  REQUIRE(tp.locality.has_value());
  CHECK(tp.locality->enabled);
  REQUIRE(tp.locality->failover.size() == 1);
  CHECK(tp.locality->failover[0].from == "us-east");
  CHECK(tp.locality->failover[0].to == "eu-west");
  CHECK(tp.locality->failover_priority ==
        std::vector<std::string>{"topology.kubernetes.io/zone", "version=v1"});
  CHECK_FALSE(tp.locality->has_distribute);

  REQUIRE(tp.connection_pool.has_value());
  const auto& cp = *tp.connection_pool;
  CHECK(cp.max_connections == 100);
  CHECK(cp.connect_timeout == Time::from_ms(30));
  CHECK(cp.tcp_idle_timeout == Time::from_s(3600));
  CHECK(cp.http1_max_pending_requests == 10);
  CHECK(cp.http2_max_requests == 1000);
  CHECK(cp.max_requests_per_connection == 1);
  CHECK(cp.max_retries == 3);
  CHECK(cp.idle_timeout == Time::from_s(90));
  CHECK(cp.max_concurrent_streams == 64);

  REQUIRE(tp.outlier_detection.has_value());
  const auto& od = *tp.outlier_detection;
  CHECK(od.consecutive_5xx_errors == 7u);
  CHECK(od.consecutive_gateway_errors == 0u);  // a UInt32Value: 0 is given, not absent
  CHECK_FALSE(od.consecutive_errors.has_value());
  CHECK(od.split_external_local_origin_errors);
  CHECK(od.consecutive_local_origin_failures == 2u);
  CHECK(od.interval == Time::from_s(300));
  CHECK(od.base_ejection_time == Time::from_s(900));
  CHECK(od.max_ejection_percent == 100);
  CHECK(od.min_health_percent == 50);

  REQUIRE(tp.retry_budget.has_value());
  CHECK(tp.retry_budget->percent == 25.5);
  CHECK(tp.retry_budget->min_retry_concurrency == 4);

  REQUIRE(dr.subsets.size() == 4);
  const auto& v1 = dr.subsets[0].traffic_policy;
  REQUIRE(v1.has_value());
  CHECK(v1->load_balancer->policy == policies::LbPolicy::RoundRobin);
  CHECK(v1->outlier_detection->consecutive_5xx_errors == 1u);
  CHECK_FALSE(v1->connection_pool.has_value());  // not inherited here: the runtime merges
  const auto& sticky = dr.subsets[1].traffic_policy;
  CHECK(sticky->load_balancer->policy == policies::LbPolicy::RingHash);
  CHECK(sticky->load_balancer->minimum_ring_size == 4096);
  CHECK(sticky->consistent_hash_source_ip);
  // httpCookie: hashed as a request header of the cookie's name; ring hash by default.
  const auto& cookie = dr.subsets[2].traffic_policy;
  CHECK(cookie->consistent_hash_header == "user");
  CHECK(cookie->load_balancer->policy == policies::LbPolicy::RingHash);
  CHECK(cookie->load_balancer->minimum_ring_size == 1024);
  // LEAST_CONN is Istio's deprecated name for LEAST_REQUEST.
  CHECK(dr.subsets[3].traffic_policy->load_balancer->policy == policies::LbPolicy::LeastRequest);
  CHECK(dr.subsets[3].labels.empty());
}

TEST_CASE(
    "istio traffic: a VirtualService with every modelled http field - matches, destinations "
    "with ports, timeout, retries, fault, mirrors (virtual_service.proto)") {
  const Scenario s = load_scenario_text(kBase + R"(apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  gateways: [mesh]
  http:
  - name: canary
    match:
    - name: api
      uri: {prefix: /api}
      ignoreUriCase: true
      scheme: {exact: https}
      method: {exact: POST}
      authority: {regex: "reviews(:9080)?"}
      headers: {x-canary: {}, x-tier: {prefix: gold}}
      withoutHeaders: {x-debug: {exact: "1"}}
      queryParams: {beta: {exact: "on"}}
      sourceLabels: {app: productpage}
      sourceNamespace: default
      port: 9080
      gateways: [mesh]
    route:
    - destination: {host: reviews, subset: v2, port: {number: 9080}}
      weight: 90
    - destination: {host: reviews, subset: v1}
      weight: 10
    timeout: 2.5s
    retries:
      attempts: 3
      perTryTimeout: 500ms
      retryOn: 5xx,reset,503
      retryRemoteLocalities: true
      retryIgnorePreviousHosts: false
      backoff: 50ms
    fault:
      delay: {fixedDelay: 100ms, percent: 5}
      abort: {grpcStatus: UNAVAILABLE, percentage: {value: 0.5}}
    mirror: {host: ratings}
    mirrorPercentage: {value: 12.5}
  - route: [{destination: {host: reviews, subset: v1}}]
    mirrors:
    - {destination: {host: ratings, port: {number: 9080}}, percentage: {value: 1}}
    - destination: {host: reviews, subset: v2}
    retries: {attempts: 0}
    timeout: 0s
)");
  INFO(dump(s.warnings));
  CHECK(s.warnings.empty());
  const auto& v = vs_named(s, "reviews");
  CHECK(v.gateways == std::vector<std::string>{"mesh"});
  REQUIRE(v.http.size() == 2);
  const auto& r = v.http[0];
  CHECK(r.name == "canary");
  REQUIRE(r.matches.size() == 1);
  const auto& m = r.matches[0];
  CHECK(m.name == "api");
  CHECK((m.uri->kind == Kind::kPrefix && m.uri->value == "/api"));
  CHECK(m.ignore_uri_case);
  CHECK(m.scheme->value == "https");
  CHECK(m.method->value == "POST");
  CHECK(m.authority->kind == Kind::kRegex);
  CHECK(m.authority->matches("reviews:9080"));
  REQUIRE(m.headers.size() == 2);
  CHECK((m.headers[0].name == "x-canary" && m.headers[0].match.kind == Kind::kPresent));
  CHECK((m.headers[1].name == "x-tier" && m.headers[1].match.kind == Kind::kPrefix));
  REQUIRE(m.without_headers.size() == 1);
  CHECK(m.without_headers[0].match.value == "1");
  REQUIRE(m.query_params.size() == 1);
  CHECK(m.query_params[0].name == "beta");
  CHECK(m.source_labels == models::Labels{{"app", "productpage"}});
  CHECK(m.source_namespace == "default");
  CHECK(m.port == 9080);
  CHECK(m.gateways == std::vector<std::string>{"mesh"});
  REQUIRE(r.destinations.size() == 2);
  CHECK(r.destinations[0].port == 9080);
  CHECK(r.destinations[0].weight == 90);
  CHECK(r.destinations[1].port == 0);
  CHECK(r.timeout == Time::from_ms(2500));
  REQUIRE(r.retries.has_value());
  CHECK(r.retries->attempts == 3);
  CHECK(r.retries->per_try_timeout == Time::from_ms(500));
  CHECK(r.retries->retry_on == "5xx,reset,503");
  CHECK(r.retries->retry_remote_localities == true);
  CHECK(r.retries->retry_ignore_previous_hosts == false);
  CHECK(r.retries->backoff == Time::from_ms(50));
  REQUIRE(r.fault.has_value());
  CHECK(r.fault->delay->fixed_delay == Time::from_ms(100));
  CHECK(r.fault->delay->percentage == 5.0);  // the deprecated integer `percent`
  CHECK(r.fault->abort->grpc);
  CHECK(r.fault->abort->grpc_status == 14);
  CHECK(r.fault->abort->percentage == 0.5);
  REQUIRE(r.mirrors.size() == 1);
  CHECK(r.mirrors[0].host == "ratings");
  CHECK(r.mirrors[0].percentage == 12.5);

  const auto& r2 = v.http[1];
  REQUIRE(r2.mirrors.size() == 2);
  CHECK(r2.mirrors[0].port == 9080);
  CHECK(r2.mirrors[0].percentage == 1.0);
  CHECK_FALSE(r2.mirrors[1].percentage.has_value());  // absent: 100 %
  CHECK(r2.mirrors[1].ppm() == policies::kMillion);
  CHECK(r2.retries->attempts == 0);  // retries off, which Istio accepts alone
  CHECK(r2.timeout == Time::zero());
}

TEST_CASE(
    "istio traffic: unknown fields in a VirtualService and a DestinationRule are MSH0103 at their "
    "line:column, with a did-you-mean") {
  const std::string text = kBase + R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subst: v1}
    timout: 1s
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  trafficPolicy:
    outlierDetection:
      consecutive5xxError: 5
)";
  const auto e = errors_of_text(text);
  INFO(dump(e));
  REQUIRE(e.size() == 3);
  for (const auto& d : e) CHECK(d.code == "MSH0103");
  CHECK(e[0].where.line == kBaseLines + 8);
  CHECK(e[0].where.column == 36);
  CHECK(e[0].message ==
        "unknown field 'subst' in VirtualService 'reviews' spec.http[0].route[0].destination; did "
        "you mean 'subset'?");
  CHECK(e[1].where.line == kBaseLines + 9);
  CHECK(e[1].where.column == 5);
  CHECK(e[1].message.ends_with("did you mean 'timeout'?"));
  CHECK(e[2].where.line == kBaseLines + 18);
  CHECK(e[2].where.column == 7);
  CHECK(e[2].message ==
        "unknown field 'consecutive5xxError' in DestinationRule 'ratings' "
        "spec.trafficPolicy.outlierDetection; did you mean 'consecutive5xxErrors'?");
}

TEST_CASE(
    "istio traffic: wrong types are MSH0101 at the value (a word for an int, a list for a "
    "mapping, a bare number for a duration)") {
  const auto e = errors_of_text(kBase + R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: many, connectTimeout: 3}
    outlierDetection: [consecutive5xxErrors]
)");
  INFO(dump(e));
  REQUIRE(e.size() == 3);
  for (const auto& d : e) CHECK(d.code == "MSH0101");
  CHECK(e[0].message == "maxConnections: expected an integer, got 'many'");
  CHECK((e[0].where.line == kBaseLines + 8 && e[0].where.column == 29));
  CHECK(e[1].message == "connectTimeout: expected a duration like '250ms', got '3'");
  CHECK(e[2].where.line == kBaseLines + 9);
}

TEST_CASE(
    "istio traffic: retries Istio's validation rejects are MSH0306 with its reason, at the field "
    "(bad retryOn token; retryOn or perTryTimeout without attempts)") {
  auto vs = [](const std::string& retries) {
    return kBase +
           "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: "
           "reviews}\nspec:\n  hosts: [reviews]\n  http:\n  - route: [{destination: "
           "{host: reviews}}]\n    retries: " +
           retries + "\n";
  };
  auto e = errors_of_text(vs("{attempts: 2, retryOn: \"5xx,gateway-eror\"}"));
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0306");
  CHECK(e[0].message ==
        "VirtualService 'reviews' spec.http[0].retries: invalid retries: \"gateway-eror\" is not "
        "a valid retryOn policy");
  CHECK(e[0].where.line == kBaseLines + 8);
  CHECK(e[0].where.column == 37);  // the retryOn value

  // A status code Go knows is fine; 599 is not one (policies::is_go_known_http_status).
  CHECK(errors_of_text(vs("{attempts: 2, retryOn: \"503,retriable-4xx\"}")).empty());
  e = errors_of_text(vs("{attempts: 2, retryOn: \"599\"}"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0306");

  // attempts absent = 0 = retries disabled, yet a retryOn is given: Istio rejects it.
  e = errors_of_text(vs("{perTryTimeout: 2s, retryOn: 5xx}"));
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0306");
  CHECK(e[0].message.find("attempts are set to 0") != std::string::npos);
  CHECK(e[0].message.ends_with("'attempts' is absent, which Istio reads as 0"));
  CHECK(e[0].where.column == 14);  // the retries mapping

  e = errors_of_text(vs("{attempts: 1, perTryTimeout: 1500us}"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0306");
  CHECK(e[0].message.find("only durations to ms precision") != std::string::npos);
  e = errors_of_text(vs("{attempts: -1}"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.ends_with("attempts cannot be negative"));
}

TEST_CASE(
    "istio traffic: a regex that does not compile is MSH0307 at the regex (std::regex_error); "
    "header regex '*' means present") {
  const auto e = errors_of_text(kBase + R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match:
    - uri: {regex: "/api/(v1|v2"}
    - headers: {x-any: {regex: "*"}}
    route: [{destination: {host: reviews}}]
)");
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0307");
  CHECK((e[0].where.line == kBaseLines + 8 && e[0].where.column == 20));
  CHECK(e[0].message.starts_with(
      "VirtualService 'reviews' spec.http[0].match[0].uri: invalid regex '/api/(v1|v2': "));
}

TEST_CASE(
    "istio traffic: percentages outside [0, 100] are MSH0308 - fault delay, fault abort, mirror, "
    "retry budget, ejection") {
  const auto e = errors_of_text(kBase + R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
    fault:
      delay: {fixedDelay: 1s, percent: 101}
      abort: {httpStatus: 503, percentage: {value: 150}}
    mirror: {host: ratings}
    mirrorPercentage: {value: -1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  trafficPolicy:
    retryBudget: {percent: 100.5}
    outlierDetection: {maxEjectionPercent: 120}
)");
  INFO(dump(e));
  REQUIRE(e.size() == 5);
  for (const auto& d : e) CHECK(d.code == "MSH0308");
  CHECK(e[0].message ==
        "VirtualService 'reviews' spec.http[0].fault.delay.percent must be between 0 and 100, "
        "got 101");
  CHECK((e[0].where.line == kBaseLines + 9 && e[0].where.column == 40));
  CHECK(e[1].message.starts_with(
      "VirtualService 'reviews' spec.http[0].fault.abort.percentage.value must be"));
  CHECK(e[2].where.line == kBaseLines + 12);
  CHECK(e[3].where.line == kBaseLines + 20);
  CHECK(e[4].where.line == kBaseLines + 21);
}

TEST_CASE(
    "istio traffic: load balancers meshsim does not model are MSH0309 warnings; unknown words "
    "MSH0107 with a did-you-mean; oneofs given twice MSH0109") {
  auto dr = [](const std::string& lb) {
    return kBase +
           "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: "
           "ratings}\nspec:\n  host: ratings\n  trafficPolicy:\n    loadBalancer: " +
           lb + "\n";
  };
  Scenario s = load_scenario_text(dr("{simple: PASSTHROUGH}"));
  REQUIRE(s.warnings.size() == 1);
  CHECK(s.warnings[0].code == "MSH0309");
  CHECK(s.warnings[0].level == Level::kWarning);
  CHECK_FALSE(dr_named(s, "ratings").traffic_policy.load_balancer.has_value());
  s = load_scenario_text(dr("{consistentHash: {httpQueryParameterName: user}}"));
  REQUIRE(s.warnings.size() == 1);
  CHECK(s.warnings[0].code == "MSH0309");

  auto e = errors_of_text(dr("{simple: ROUND_ROBBIN}"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0107");
  CHECK(e[0].message.ends_with("did you mean 'ROUND_ROBIN'?"));
  e = errors_of_text(dr("{simple: RANDOM, consistentHash: {useSourceIp: true}}"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0109");
  e = errors_of_text(dr("{consistentHash: {httpHeaderName: x, useSourceIp: true}}"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0109");
  e = errors_of_text(dr("{consistentHash: {useSourceIp: true, maglev: {tableSize: 1000}}}"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0104");  // Maglev's table size must be prime
}

TEST_CASE(
    "istio traffic: fields with no resilience effect are one MSH0310 info per manifest; "
    "portLevelSettings and workloadSelector MSH0311; consecutiveErrors MSH0312 (Istio ignores "
    "it)") {
  const Scenario s = load_scenario_text(kBase + R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  exportTo: ["."]
  http:
  - match: [{uri: {prefix: /old}}]
    rewrite: {uri: /new}
    headers: {request: {set: {x-a: b}}}
    route: [{destination: {host: reviews}, headers: {response: {remove: [x-b]}}}]
  - redirect: {uri: /elsewhere}
  - corsPolicy: {allowOrigins: [{exact: "*"}]}
    rewrite: {uri: /again}
    route: [{destination: {host: reviews}}]
  tcp:
  - route: [{destination: {host: reviews, port: {number: 9080}}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  workloadSelector: {matchLabels: {app: reviews}}
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings: [{port: {number: 9080}, loadBalancer: {simple: RANDOM}}]
    outlierDetection: {consecutiveErrors: 5}
)");
  INFO(dump(s.warnings));
  REQUIRE(count_code(s.warnings, "MSH0310") == 2);
  const Diagnostic& vs_note = s.warnings[0];
  CHECK(vs_note.code == "MSH0310");
  CHECK(vs_note.level == Level::kInfo);
  CHECK(vs_note.message ==
        "VirtualService 'reviews': accepted but not modelled (no effect on the simulation): "
        "exportTo, http[].rewrite, http[].headers, http[].route[].headers, http[].redirect, "
        "http[].corsPolicy");
  CHECK(vs_note.where.line == kBaseLines + 6);  // the first in the file
  CHECK(count_code(s.warnings, "MSH0311") == 2);
  CHECK(count_code(s.warnings, "MSH0312") == 1);
  // The routes still parse: the redirect route has no destination.
  const auto& v = vs_named(s, "reviews");
  REQUIRE(v.http.size() == 3);
  CHECK(v.http[0].destinations.size() == 1);
  CHECK(v.http[1].destinations.empty());
  const auto& od = dr_named(s, "ratings").traffic_policy.outlier_detection;
  CHECK(od->consecutive_errors == 5u);
  CHECK_FALSE(od->consecutive_5xx_errors.has_value());
}

TEST_CASE(
    "istio traffic: a second sidecar VirtualService for a host already routed is MSH0305 and "
    "ignored for it; the first by load order wins (Istio IST0109, no merging)") {
  const Scenario s = load_scenario_text(kBase + R"(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-a}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews, subset: v1}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-b}
spec:
  hosts: [reviews.default.svc.cluster.local, ratings]
  http: [{route: [{destination: {host: reviews, subset: v2}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-c}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews, subset: v2}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge}
spec:
  hosts: [reviews]
  gateways: [ingress]
  http: [{route: [{destination: {host: reviews, subset: v2}}]}]
)");
  INFO(dump(s.warnings));
  REQUIRE(count_code(s.warnings, "MSH0305") == 2);
  CHECK(s.warnings[0].message ==
        "VirtualService 'reviews-b': host 'reviews.default.svc.cluster.local' already has "
        "VirtualService 'reviews-a' (at <string>:22:11); Istio does not merge them for sidecars "
        "and uses the first, so 'reviews-b' is ignored for this host");
  CHECK((s.warnings[0].where.line == kBaseLines + 12 && s.warnings[0].where.column == 11));
  const auto& t = s.mesh.traffic.virtual_services;
  REQUIRE(t.size() == 2);  // reviews-c lost its only host; edge is a gateway's
  CHECK(t[0].name == "reviews-a");
  CHECK(t[1].name == "reviews-b");
  CHECK(t[1].hosts == std::vector<std::string>{"ratings"});
}

TEST_CASE(
    "istio traffic: a timeline apply of a VirtualService or DestinationRule carries the parsed "
    "config; errors point into the applied manifest") {
  const std::string timeline = R"(apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: chaos}
spec:
  events:
  - at: 10s
    apply:
      manifest:
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - route:
            - {destination: {host: reviews, subset: v1}, weight: 20}
            - {destination: {host: reviews, subset: v2}, weight: 80}
            retries: {attempts: 2, retryOn: 5xx}
  - at: 20s
    apply:
      manifest:
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy: {outlierDetection: {consecutive5xxErrors: 3}}
          subsets: [{name: v1, labels: {version: v1}}]
  - at: 30s
    remove: {kind: VirtualService, name: reviews}
)";
  const Scenario s = load_scenario_text(kBase + timeline);
  REQUIRE(s.mesh.timeline.size() == 3);
  const auto& apply_vs = std::get<models::ApplyManifest>(s.mesh.timeline[0].action);
  REQUIRE(apply_vs.virtual_service.has_value());
  CHECK_FALSE(apply_vs.destination_rule.has_value());
  const auto& r = apply_vs.virtual_service->http.at(0);
  CHECK(r.destinations.at(1).weight == 80);
  CHECK(r.retries->retry_on == "5xx");
  CHECK_FALSE(apply_vs.document.empty());
  const auto& apply_dr = std::get<models::ApplyManifest>(s.mesh.timeline[1].action);
  REQUIRE(apply_dr.destination_rule.has_value());
  CHECK(apply_dr.destination_rule->traffic_policy.outlier_detection->consecutive_5xx_errors == 3u);
  CHECK(apply_dr.destination_rule->subsets.at(0).name == "v1");
  // Applied configs are for the runtime to swap in at their time, not part of the start config.
  CHECK(s.mesh.traffic.virtual_services.empty());
  CHECK(std::holds_alternative<models::RemoveManifest>(s.mesh.timeline[2].action));

  std::string broken = kBase + timeline;
  broken.replace(broken.find("retryOn: 5xx"), 12, "retryOn: \"5xx, reset\"");
  const auto e = errors_of_text(broken);
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0306");  // Istio's webhook does not trim " reset"
  CHECK((e[0].where.line == kBaseLines + 18 && e[0].where.column == 45));
}

TEST_CASE("istio traffic: the Experiment's istioVersion is the traffic config's") {
  const Scenario s = load_scenario_text(kBase + R"(apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata: {name: x}
spec: {istioVersion: "1.23"}
)");
  CHECK(s.mesh.traffic.istio_version == "1.23");
}

}  // namespace

TEST_CASE(
    "istio traffic: a DestinationRule with a scalar subset beside one that selects no pod is "
    "reported, not a yaml-cpp exception (found by fuzzing, scenario_kind)") {
  const auto e = errors_of_text(kBase + R"(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-extra}
spec:
  host: reviews
  subsets:
  - just-a-name
  - {name: v9, labels: {version: v9}}
)");
  INFO(dump(e));
  REQUIRE_FALSE(e.empty());
  CHECK(count_code(e, "MSH0101") >= 1);  // the scalar subset: a mapping was expected
}
