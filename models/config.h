// The mesh as configured: plain, immutable value types that the scenario loader fills and the
// runtime reads.  Nothing here runs; nothing here knows YAML.
//
// The split follows Envoy's habit: configuration is parsed and validated once (scenarios/) into
// these objects, and the hot path (models/mesh.*) only reads them, through indices resolved when
// the mesh is built.  Every field states its default.  Durations are simcore::Time; latency
// distributions are simcore::Distribution in seconds.
//
// Names: a service is identified by (namespace, name); a workload (a Kubernetes Deployment, one
// "version" of a service) by its name, e.g. "reviews-v2".  Labels are kept as given so that
// Istio's subsets (by labels) and policies (by selectors) can find workloads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "policies/adaptive_concurrency.h"
#include "policies/admission_control.h"
#include "policies/client_throttling.h"
#include "policies/connection_pool.h"
#include "policies/load_balancer.h"
#include "policies/locality.h"
#include "policies/grpc_status.h"
#include "policies/outlier_detector.h"
#include "policies/protocol.h"
#include "policies/virtual_service.h"
#include "simcore/count.h"
#include "simcore/distribution.h"
#include "simcore/time.h"

namespace meshsim::models {

using simcore::Distribution;
using simcore::Time;
using Labels = std::map<std::string, std::string>;
using Headers = std::vector<std::pair<std::string, std::string>>;  // lower-case names

// Istio's protocol of a port (policies/protocol.h: the rule, and what meshsim runs for each).
using Protocol = policies::Protocol;

struct PortConfig {
  std::string name;  // e.g. "http"; Istio derives the protocol from the name prefix
  uint32_t number = 0;
  // Default: Istio's rule (policies::convert_protocol) over appProtocol, the name and the number.
  Protocol protocol = Protocol::kHttp;
  std::string app_protocol{};  // Kubernetes appProtocol as given; empty = absent
  // Kubernetes' targetPort: a number, or the name of a container port, resolved per pod
  // (target_port_of below).  Default (0, no name): the same number as the port.
  uint32_t target_port = 0;
  std::string target_port_name = {};
};

// A port a Deployment's containers declare (spec.template.spec.containers[].ports[]).
struct ContainerPort {
  std::string name;  // "" when unnamed
  uint32_t number = 0;
};

// ---- Handlers: what a workload does with a request, as a small script -------------------------

// What a caller does when a call fails (after its own retries): fail the whole request with the
// call's status, answer anyway in a degraded form (Bookinfo's "reviews unavailable"), or
// ignore the failure silently.
enum class OnFailure { kFail, kDegrade, kIgnore };

struct CallStep {
  std::string service;        // target service name (short name or FQDN)
  uint32_t port = 0;          // Default: the service's first port.
  std::string path = "/";     // request path (VirtualService uri matches see it)
  std::string method = "GET";
  Headers headers;            // added to the request (propagated ones are added automatically)
  double probability = 1.0;   // the call is made with this probability.  Default: always.
  uint64_t request_bytes = 0;
  uint64_t response_bytes = 0;
  // The application's own client behaviour, distinct from the sidecar's.
  Time timeout = Time::max();  // per attempt.  Default: none.
  uint32_t retries = 0;        // extra attempts on a failure or non-2xx.  Default: 0.
  OnFailure on_failure = OnFailure::kFail;
  // gRPC calls only: the call's deadline (over all its attempts), sent as grpc-timeout; and
  // whether the call also takes the deadline of the request its handler serves (the earlier
  // wins), as gRPC servers propagate a context's deadline.  At the deadline the call fails with
  // DEADLINE_EXCEEDED.  Default: none.
  Time deadline = Time::max();
  bool propagate_deadline = false;
  // Calls to a port Istio proxies as TCP (tcp, redis, mongo, mysql, tls, https, the unnamed
  // 25/53/3306/27017): the application's client library, which keeps a pool of long-lived
  // connections to the service and sends each call as a request on one of them
  // (models/tcp/tcp.h).  One pool per (calling pod, service, port); the first step that calls it
  // configures it.  Default: up to 10 connections (HikariCP's maximumPoolSize, go-redis's
  // PoolSize per CPU), one request at a time on each; multiplexed: every connection carries any
  // number of requests at once (StackExchange.Redis, MongoDB drivers' pipelining).
  struct TcpClient {
    uint32_t connections = 10;
    bool multiplexed = false;
  } tcp_client;
  // Client-side loop breakers of the application's RPC library (policies/client_throttling.h),
  // kept per calling pod and target service (the first step that calls it configures them):
  // gRPC's retry throttling (service config `retryThrottling`, A6; gRPC calls only), which stops
  // the call's retries while failures outweigh successes, and SRE adaptive throttling, which
  // fails new attempts locally (503, or gRPC UNAVAILABLE) with probability
  // max(0, (requests - K accepts) / (requests + 1)).  Default: neither.
  struct RetryThrottling {
    uint32_t max_tokens = 10;
    double token_ratio = 0.1;
  };
  std::optional<RetryThrottling> retry_throttling;
  std::optional<policies::AdaptiveThrottlingConfig> adaptive_throttling;
};

struct ComputeStep {
  Distribution duration = Distribution::constant(0.0);  // holds a worker (scaled by cpu slow-down)
};

// Calls made concurrently; the step ends when all have answered (fan-out, wait for all).
struct ParallelStep {
  std::vector<CallStep> calls;
};

// The `steps` steps that follow it in the handler run `times` times (drawn per request from the
// pod's "repeat" stream; 0 skips them).  A flat encoding of the scenario's nested
// `repeat: {times, steps}`, so that code looking for calls sees every step; one level only (a
// repeat inside a repeat's steps is refused by the scenario layer and by the Topology).
struct RepeatStep {
  simcore::Count times = simcore::Count::constant(1);
  uint32_t steps = 0;
};

using Step = std::variant<ComputeStep, CallStep, ParallelStep, RepeatStep>;

struct HandlerConfig {
  // The first handler, in order, whose conditions all hold serves the request: the path starts
  // with `path_prefix`, the method is `method` (empty: any), and every header of `headers` is
  // present with exactly that value (the request's own headers and those propagated from the
  // root request).
  std::string path_prefix = "/";
  std::string method;
  Headers headers;
  std::vector<Step> steps;
  // Intrinsic failure: with this probability the handler answers `error_status` after its steps;
  // a gRPC request gets HTTP 200 with grpc-status `error_grpc_status` when that is set, else the
  // HTTP `error_status` with no grpc-status (as a server that is not a gRPC server would).
  double error_probability = 0.0;  // Default: never.
  uint32_t error_status = 500;
  uint8_t error_grpc_status = policies::kNoGrpcStatus;  // Default: none.
  uint64_t response_bytes = 0;
};

// ---- Workloads and services ---------------------------------------------------------------

// One Deployment: a version of a service, with its replicas (pods).
//
// Which Services a workload's pods back is Kubernetes' rule, not this struct's: every Service of
// its namespace whose selector matches its labels (service_selects below; Topology builds the
// endpoint sets from it).  `service` is only the workload's *primary* Service, one of those, kept
// where a single name is needed: the results' workload catalogue and the default `app` label.
struct WorkloadConfig {
  std::string name;          // e.g. "reviews-v2"
  std::string service;       // primary Service (first in load order that selects it); naming only
  std::string namespace_ = "default";
  Labels labels;             // pod template labels, e.g. {app: reviews, version: v2}
  std::string service_account;  // Default: "default".
  uint32_t replicas = 1;
  std::vector<std::string> zones;  // pods are placed round-robin over these.  Default: one zone, "zone-a".
  uint32_t workers = 1;            // concurrent requests a pod serves; the rest wait in its queue
  uint32_t queue_limit = 0;        // waiting requests beyond which the pod answers 503.  0 = no limit.
  uint32_t overflow_status = 503;
  bool sidecar = true;             // Default: injected (Istio sidecar mode).
  // The application container's CPU limit in cores (Kubernetes resources.limits.cpu), enforced
  // as Linux CFS bandwidth control: a quota of limit x 100 ms per 100 ms period, computes stall
  // once it is used (models/cfs_bandwidth.h).  0 = no limit (each worker computes at full speed).
  double cpu_limit = 0;
  // The app container's readinessProbe (Kubernetes defaults; a pod without a probe is ready once
  // its container runs, which is initial_delay 0, success_threshold 1).
  struct ReadinessProbe {
    Time initial_delay = Time::zero();    // initialDelaySeconds
    Time period = Time::from_s(10);       // periodSeconds
    uint32_t failure_threshold = 3;       // failureThreshold
    uint32_t success_threshold = 1;       // successThreshold
  } readiness;
  std::vector<HandlerConfig> handlers;  // Default: one handler "/" with no steps.
  std::vector<ContainerPort> container_ports = {};  // what named targetPorts resolve against
};

struct ServiceConfig {
  std::string name;
  std::string namespace_ = "default";
  std::vector<PortConfig> ports;  // Default: [{http, 80}] when none is given.
  Labels selector;                // which workloads' pods back the service; {} = none
  // clusterIP: None.  Istio gives a headless Service an ORIGINAL_DST cluster: the client's DNS
  // lookup picks the pod (uniformly among the ready ones), the sidecar does not load-balance and
  // retries go to the same pod (models/outbound/router.cc).
  bool headless = false;
};

// Kubernetes' EndpointSlice rule: a Service's endpoints are the pods of its namespace whose labels
// match every key of its selector; a Service without a selector gets no endpoints automatically
// (k8s pkg/controller/endpointslice: services with a nil selector are skipped).  Any number of
// Services may select the same pods.
inline bool service_selects(const Labels& selector, const Labels& labels) {
  if (selector.empty()) return false;
  for (const auto& [k, v] : selector) {
    const auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}
inline bool service_selects(const ServiceConfig& s, const WorkloadConfig& w) {
  return s.namespace_ == w.namespace_ && service_selects(s.selector, w.labels);
}

// Kubernetes' FindPort (k8s pkg/api/v1/pod/util.go): the container port a pod of `w` serves
// Service port `p` on.  A number is taken as it is; a name is looked up in the containers' ports,
// and a pod without it is left out of that port's endpoints (nullopt).  Only TCP is modelled, so
// the protocol half of the match always holds.
inline std::optional<uint32_t> target_port_of(const PortConfig& p, const WorkloadConfig& w) {
  if (p.target_port_name.empty()) return p.target_port != 0 ? p.target_port : p.number;
  for (const ContainerPort& c : w.container_ports)
    if (c.name == p.target_port_name) return c.number;
  return std::nullopt;
}

// ---- Sidecars and network -------------------------------------------------------------------

// Latency the sidecars add.  It is drawn once per exchange (one attempt's request and response)
// as the figure for a client+server pair; each sidecar present takes half of it, split equally
// between the request pass and the response pass, so a call with one sidecar pays half.  One
// draw per exchange, not one per pass: four independent draws would average the tail away,
// while a proxy's overhead is correlated over one exchange.
// Default: Istio's published pair figures (istio.io performance page, 1.7: 1000 rps, 16
// connections, mTLS): p90 2.76 ms, p99 2.88 ms; p50 is unpublished and assumed 1 ms; p0 0.4 ms
// and p100 3.5 ms are assumptions that close the table.
struct SidecarConfig {
  Distribution pair_overhead = Distribution::empirical(
      {{0, 0.4e-3}, {50, 1.0e-3}, {90, 2.76e-3}, {99, 2.88e-3}, {100, 3.5e-3}});
};

struct NetworkConfig {
  // One-way latency by zone relation.
  Distribution same_zone = Distribution::lognormal_median_p99(100e-6, 500e-6);
  Distribution cross_zone = Distribution::lognormal_median_p99(500e-6, 2e-3);
  Distribution cross_region = Distribution::lognormal_median_p99(20e-3, 40e-3);
  std::map<std::string, std::string> zone_region;  // zone -> region.  Default: all in "region-1".
};

// ---- Load ------------------------------------------------------------------------------

// A rate that changes over time; rate(t) for t in [start, start+duration) of each segment.
struct RateSegment {
  enum class Shape { kConstant, kRamp, kSine };
  Shape shape = Shape::kConstant;
  Time start;
  Time duration = Time::max();
  double rate = 0;        // constant rate, or the ramp's start rate, or the sine's mean
  double rate_end = 0;    // ramp's end rate
  double amplitude = 0;   // sine's amplitude
  Time period;            // sine's period
};

struct RequestKind {
  std::string path = "/";
  std::string method = "GET";
  Headers headers;      // e.g. {"end-user", "jason"}; propagated along the whole call tree
  double share = 1.0;   // relative weight in the mix
};

struct LoadConfig {
  std::string name;
  std::string target_service;
  uint32_t port = 0;  // Default: the service's first port.
  enum class Model { kOpenPoisson, kOpenConstant, kClosed };
  Model model = Model::kOpenPoisson;
  std::vector<RateSegment> rate;  // open loop (requests per second)
  uint32_t connections = 0;       // closed loop: concurrent users/connections
  Distribution think_time = Distribution::constant(0.0);  // closed loop
  std::vector<RequestKind> mix;   // Default: one kind, GET "/".
  std::string zone;               // where the clients sit.  Default: the first zone.
  bool through_sidecar = false;   // an in-mesh client (fortio in a pod) vs an edge client
  // The workload (Deployment) whose pods run the clients, as fortio or locust in the mesh; empty:
  // clients outside any workload, at `zone`, through a sidecar of their own if through_sidecar.
  // With a workload, its pods' zones, sidecars and labels are the clients': a closed-loop user
  // is pinned to pod user % replicas, open-loop requests go round robin over the pods, and a pod
  // that is not running sends nothing (models/load_generator.h).
  std::string from;
  std::string from_namespace = "default";
  // Stop after this many root requests (fortio -n).  Closed loop: split over the connections as
  // fortio does (n / c each, the first n % c one more).  0 = no limit.
  uint64_t max_requests = 0;
  Time timeout = Time::max();     // the client's own timeout.  Default: none.
  uint32_t retries = 0;
};

// ---- Istio traffic management (what the client sidecars are configured with) -----------------

// A DestinationRule's trafficPolicy, field by field as Istio's API has it; absent = Istio's
// default (see each policy header).  Port-level settings are not modelled yet.
struct TrafficPolicyConfig {
  std::optional<policies::LbConfig> load_balancer;       // loadBalancer.simple / consistentHash
  std::string consistent_hash_header;                    // consistentHash.httpHeaderName
  bool consistent_hash_source_ip = false;                // consistentHash.useSourceIp
  std::optional<policies::ConnectionPoolSettings> connection_pool;
  std::optional<policies::RetryBudgetSettings> retry_budget;  // trafficPolicy.retryBudget (istio/api#3512)
  std::optional<policies::OutlierDetectionSettings> outlier_detection;
  std::optional<policies::LocalityLbSetting> locality;   // loadBalancer.localityLbSetting
};

struct DestinationRuleConfig {
  std::string name;
  std::string namespace_ = "default";
  std::string host;  // as written (short name, FQDN or wildcard)
  TrafficPolicyConfig traffic_policy;
  struct Subset {
    std::string name;
    Labels labels;
    std::optional<TrafficPolicyConfig> traffic_policy;  // overrides the top level for this subset
  };
  std::vector<Subset> subsets;
};

// An Envoy HTTP filter that an EnvoyFilter inserts into sidecars' inbound HTTP chain, before
// the router (after istio.stats: the requests it answers itself are still reported by the
// server sidecar).  scenarios/README.md "EnvoyFilter" says which patches are read.
struct InboundHttpFilter {
  std::string envoy_filter;  // "namespace/name" of the EnvoyFilter, for messages
  std::string namespace_;    // its namespace: "istio-system" (Istio's root namespace) = every one
  std::optional<Labels> workload_selector;  // nullopt: every workload of the namespace(s)
  std::variant<policies::AdaptiveConcurrencyConfig, policies::AdmissionControlConfig> filter;
  uint32_t local_reply_status = 503;  // adaptive concurrency: concurrency_limit_exceeded_status
};

struct TrafficConfig {
  std::vector<policies::VirtualServiceConfig> virtual_services;  // mesh-gateway VSs
  std::vector<DestinationRuleConfig> destination_rules;
  std::vector<InboundHttpFilter> inbound_http_filters;  // in the order the EnvoyFilters were read
  std::string istio_version = "1.27";  // whose defaults apply (e.g. 503 retried up to 1.23)
};

// ---- Timeline -----------------------------------------------------------------------------

// Which pods an action hits: the pods that match every given field, then `pick` of them.
struct PodSelector {
  std::string service{};     // empty = any
  std::string workload{};    // empty = any
  std::string zone{};        // empty = any
  uint32_t count = 0;      // kFirst: 0 with percent 0 = all matching pods
  double percent = 0;
  std::string namespace_{};  // empty = any
  Labels labels{};         // each must be among the pod's (template) labels; empty = any
  // kFirst: the first `count` (or ceil(percent %)) matching pods in declaration order, all when
  // both are 0: deterministic, for hand-made scenarios.  The others are Chaos Mesh's selection
  // modes (pkg/selector/generic/mode.go) with `value`, drawn when the action starts from the
  // event's own stream (models/chaos/selection.h).
  // kLitmusPercent: LitmusChaos' PODS_AFFECTED_PERC (litmus-go pkg/utils/common): max(1,
  // floor(min(value, 100) x matching / 100)) pods, a run of consecutive ones from a random start,
  // wrapping around.
  enum class Pick : uint8_t { kFirst, kOne, kAll, kFixed, kFixedPercent, kRandomMaxPercent, kLitmusPercent };
  Pick pick = Pick::kFirst;
  uint32_t value = 0;      // kFixed: pods; kFixedPercent, kRandomMaxPercent: percent in [1, 100]
};

// How a pod is lost (shared/reference/real-applications-semantics.md §5; scenarios/README.md
// "Timeline"):
//   * kGraceful: deleted (rollout, scale-down, kubectl delete): the endpoint update and SIGTERM at
//     once; the app serves `app_serves_for`, then stops listening (the server sidecar answers
//     503 UF); after `termination_drain_duration` the sidecar is gone and what is still in the
//     pod is reset.  The ReplicaSet replaces it (unless `replace` is false).
//   * kCrash: the app dies, its sidecar and IP stay: requests in it get 503 UC from the server
//     sidecar, new ones 503 UF; the kubelet marks it not ready and restarts it with back-off.
//   * kNode: its host vanishes: no reset, no refusal: requests in it hang, new connections wait
//     for the connect timeout; not ready after the node monitor grace period.
enum class PodLossMode : uint8_t { kGraceful, kCrash, kNode };

struct KillPods {
  PodSelector pods;
  PodLossMode mode = PodLossMode::kCrash;   // Default: crash (the app dies, the pod stays).
  bool replace = true;                      // graceful: the ReplicaSet makes a new pod; crash: restart
  Time app_serves_for = Time::zero();       // graceful: the app keeps accepting this long after SIGTERM
  Time termination_drain_duration = Time::from_s(5);  // graceful: Istio ProxyConfig default 5 s
};
// Node loss of every node in the zone (each of its pods is lost as KillPods kNode).
struct ZoneOutage { std::string zone; };
struct AddLatency { PodSelector pods; Distribution extra; };  // to every request served
// The pods answer `status` at once; gRPC requests get 200 + `grpc_status` when that is set.
struct InjectErrors {
  PodSelector pods;
  double probability = 1.0;
  uint32_t status = 503;
  uint8_t grpc_status = policies::kNoGrpcStatus;  // Default: none (HTTP `status` for every request).
};
struct CpuSlowdown { PodSelector pods; double factor = 2.0; };  // compute takes factor times longer
// CPU stressors in the pods' application containers (Chaos Mesh StressChaos, Litmus pod-cpu-hog:
// stress-ng in the container's cgroup): `workers` each wanting `load` % of a core.  Under a CPU
// limit they share its CFS quota with the app (models/cfs_bandwidth.h); without one, nothing.
struct CpuStress {
  PodSelector pods;
  uint32_t workers = 1;
  uint32_t load = 100;  // percent of one core per worker (stress-ng --cpu-load)
};
struct Partition { std::string from; std::string to; };          // services or zones; both ways
// A network fault on pods' interfaces, as Chaos Mesh's NetworkChaos makes it (scenarios/README.md
// "Network faults"; models/chaos/netem.h): on the egress of the `pods` towards the `target`'s
// (direction to), of the target's towards the pods (from), or both; without a target, on all
// egress of the pods (direction to only).  Exactly one of: a netem qdisc (delay with jitter and
// correlation, loss, duplicate, corrupt: percents 0-100), a tbf bandwidth limit, or a partition
// (iptables DROP both ways in effect: TCP needs both legs).
struct NetworkFault {
  enum class Direction : uint8_t { kTo, kFrom, kBoth };
  enum class Kind : uint8_t { kNetem, kBandwidth, kPartition };
  PodSelector pods;
  std::optional<PodSelector> target{};
  Direction direction = Direction::kTo;
  Kind kind = Kind::kNetem;
  // netem
  Time latency = Time::zero();
  Time jitter = Time::zero();
  double delay_correlation = 0;
  double loss = 0, loss_correlation = 0;
  double duplicate = 0, duplicate_correlation = 0;
  double corrupt = 0, corrupt_correlation = 0;
  // tbf
  double rate_bytes_per_s = 0;
  uint64_t limit_bytes = 0;
  uint64_t buffer_bytes = 0;
};
// An Istio/Kubernetes manifest applied at `at`: its text, and when it is a VirtualService or a
// DestinationRule, its parsed form (which replaces the one of the same namespace and name).
struct ApplyManifest {
  std::string document;
  std::optional<policies::VirtualServiceConfig> virtual_service;
  std::optional<DestinationRuleConfig> destination_rule;
};
struct RemoveManifest { std::string kind; std::string name; std::string namespace_; };

struct TimelineEvent {
  std::string name;  // optional; an expectation's `during:` names it
  Time at;
  Time duration = Time::max();  // the action is undone after it.  Default: for the rest of the run.
  std::string description;      // for the results ("kill 2 pods of reviews-v3")
  std::variant<KillPods, ZoneOutage, AddLatency, InjectErrors, CpuSlowdown, Partition,
               ApplyManifest, RemoveManifest, NetworkFault, CpuStress>
      action;
};

// ---- Expectations (meshsim check / compare; the runtime ignores them) ---------------------

// One measurable claim about a run, e.g. "productpage's p99 during the outage <= 500 ms".  Which
// requests count, and how each metric is defined, is in analysis/expectations.h; the language
// is in scenarios/README.md, "Expectations".
struct ExpectationConfig {
  enum class Metric : uint8_t {
    kSuccessRate,         // fraction of requests with a response code in [1, 500)
    kLatency,             // `percentile` of end - start, seconds (percentile 0: the mean)
    kRetryAmplification,  // upstream attempts per request, at the caller's sidecar
    kAttemptsPerRoot,     // attempts reaching the target per request of the loads
    kFlagShare,           // fraction of requests whose response flags include `flag`
    kThroughput,          // requests per second
  };
  enum class Bound : uint8_t { kAtLeast, kAtMost };

  std::string name;         // "productpage p99 latency during brownout"
  std::string where;        // "file:line:column" of the criterion, for reports
  // Which requests: to `service` (required), optionally only those served by `workload` or by a
  // pod of `version`, only those from the caller workload `from` (or from the Load `from_load`:
  // its generator's own requests), only those of the Load `load` at any depth.
  std::string service;
  std::string namespace_ = "default";
  std::string workload;
  std::string version;
  std::string from;
  std::string from_load;
  std::string load;
  // When: requests ending in [window_from, window_to); the measured window (after the warm-up)
  // is also applied.  `during` is the timeline event's name it came from ("" = the whole run).
  std::string during;
  Time window_from = Time::zero();
  Time window_to = Time::max();

  Metric metric = Metric::kSuccessRate;
  double percentile = 99;  // kLatency
  std::string flag;        // kFlagShare: an Envoy flag ("UO", "URX", "UT", ...)
  Bound bound = Bound::kAtLeast;
  double threshold = 0;    // fraction for rates and shares, seconds for latency
};

// How meshsim check and compare run a scenario.
struct CheckConfig {
  uint32_t replications = 5;  // independent runs, seeds seed, seed + 1, ...
  double confidence = 0.95;   // two-sided level of every interval
  // compare: a difference worse than these (and significant) is a regression.
  double max_success_drop = 0.001;       // 0.1 percentage point
  double max_latency_increase = 0.10;    // relative, for mean, p50, p90 and p99
  double max_amplification_increase = 0.05;  // absolute, attempts per request
  double max_slower_probability = 0.55;  // Mann-Whitney: P(candidate slower than base)
  // How compare shares the error rate over a comparison's rows (analysis/multiple_testing.h):
  // false: Holm (the chance of any false alarm), true: Benjamini-Hochberg (false discoveries).
  bool false_discovery_rate = false;
  friend bool operator==(const CheckConfig&, const CheckConfig&) = default;
};

// ---- The whole scenario's model part ------------------------------------------------------

// ---- Endpoint propagation and pod lifecycle (Kubernetes -> istiod -> sidecars) --------------

// How a pod's readiness reaches the callers: the kubelet (or the node lifecycle controller)
// changes the Pod's Ready condition, the EndpointSlice controller rewrites the slice, istiod
// debounces and pushes EDS to every client sidecar, and kube-proxy rewrites iptables for callers
// without a sidecar.  Defaults and their sources are in scenarios/README.md "Control plane".
struct ControlPlaneConfig {
  Time debounce_after = Time::from_ms(100);  // PILOT_DEBOUNCE_AFTER (istio features/tuning.go)
  Time debounce_max = Time::from_s(10);      // PILOT_DEBOUNCE_MAX
  // istiod's push to one sidecar until it has applied it, drawn per (sidecar, push).  Unsure: no
  // published figure for a small mesh; Airbnb saw convergence p90 1.5 s in a large one.
  Distribution push_delay = Distribution::lognormal_median_p99(50e-3, 500e-3);
  // Pod Ready change -> EndpointSlice written -> seen by istiod and kube-proxy (unsure).
  Time endpoint_slice_delay = Time::from_ms(100);
  // EndpointSlice -> iptables (kube-proxy's iptables min-sync-period default 1 s: the worst case).
  Time kube_proxy_delay = Time::from_s(1);
};

struct KubernetesConfig {
  // A dead container -> Pod Ready false: the kubelet's PLEG relist period (1 s) plus the status
  // update (unsure).
  Time kubelet_sync_delay = Time::from_s(1);
  // Node lost -> its pods NotReady: node-monitor-grace-period, 50 s since Kubernetes 1.32 (40 s
  // before; kubernetes#126287).
  Time node_monitor_grace_period = Time::from_s(50);
  // A deleted pod's replacement: scheduling, image pull, container start, until the app listens
  // (unsure; a cached image and a fast app).
  Time replacement_delay = Time::from_s(5);
};

// Guards that end a runaway run (a retry storm can grow the requests in flight, and so memory,
// without bound): the run stops with a report of what was running away (analysis/
// resource_guard.h), instead of the machine killing the process.  0 = the default there.
struct ResourceLimits {
  uint64_t max_in_flight = 0;     // requests in flight, every hop counted
  uint64_t max_memory_bytes = 0;  // the process's resident memory
  Time wall_time = Time::zero();  // wall-clock budget of one run; zero: none
};

struct ExperimentConfig {
  uint64_t seed = 1;
  Time duration = Time::from_s(60);
  Time warmup = Time::zero();       // observations before it are dropped
  Time interval = Time::from_s(1);  // time-series resolution
  uint32_t trace_sample_per_mille = 10;  // sampled request traces (Istio's default 1 %)
  // Calls deeper than this are not made (the recursion bottoms out).  0 = no bound, which the
  // scenario layer allows only when the call graph has no cycle.
  uint32_t max_call_depth = 0;
  std::string istio_version = "1.27";  // Istio release whose behaviour is mirrored; kept as given
  // Istio's connectTimeout default: how long a call into a partition waits before failing.
  Time connect_timeout = Time::from_s(10);
  ControlPlaneConfig control_plane;
  KubernetesConfig kubernetes;
  std::vector<ExpectationConfig> expectations;  // in the order written
  CheckConfig check;
  ResourceLimits limits;
};

struct MeshConfig {
  TrafficConfig traffic;
  std::vector<ServiceConfig> services;
  std::vector<WorkloadConfig> workloads;
  SidecarConfig sidecar;
  NetworkConfig network;
  std::vector<LoadConfig> loads;
  std::vector<TimelineEvent> timeline;
  ExperimentConfig experiment;
};

}  // namespace meshsim::models
