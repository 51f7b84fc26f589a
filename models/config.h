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

#include "policies/connection_pool.h"
#include "policies/load_balancer.h"
#include "policies/locality.h"
#include "policies/grpc_status.h"
#include "policies/outlier_detector.h"
#include "policies/protocol.h"
#include "policies/virtual_service.h"
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
};

struct ComputeStep {
  Distribution duration = Distribution::constant(0.0);  // holds a worker (scaled by cpu slow-down)
};

// Calls made concurrently; the step ends when all have answered (fan-out, wait for all).
struct ParallelStep {
  std::vector<CallStep> calls;
};

using Step = std::variant<ComputeStep, CallStep, ParallelStep>;

struct HandlerConfig {
  std::string path_prefix = "/";  // first handler whose prefix matches the request path runs
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
struct WorkloadConfig {
  std::string name;          // e.g. "reviews-v2"
  std::string service;       // owning service name
  std::string namespace_ = "default";
  Labels labels;             // pod template labels, e.g. {app: reviews, version: v2}
  std::string service_account;  // Default: "default".
  uint32_t replicas = 1;
  std::vector<std::string> zones;  // pods are placed round-robin over these.  Default: one zone, "zone-a".
  uint32_t workers = 1;            // concurrent requests a pod serves; the rest wait in its queue
  uint32_t queue_limit = 0;        // waiting requests beyond which the pod answers 503.  0 = no limit.
  uint32_t overflow_status = 503;
  bool sidecar = true;             // Default: injected (Istio sidecar mode).
  std::vector<HandlerConfig> handlers;  // Default: one handler "/" with no steps.
};

struct ServiceConfig {
  std::string name;
  std::string namespace_ = "default";
  std::vector<PortConfig> ports;  // Default: [{http, 80}] when none is given.
  Labels selector;                // which workloads' pods back the service
};

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

struct TrafficConfig {
  std::vector<policies::VirtualServiceConfig> virtual_services;  // mesh-gateway VSs
  std::vector<DestinationRuleConfig> destination_rules;
  std::string istio_version = "1.27";  // whose defaults apply (e.g. 503 retried up to 1.23)
};

// ---- Timeline -----------------------------------------------------------------------------

// Which pods an action hits.
struct PodSelector {
  std::string service;   // empty = any
  std::string workload;  // empty = any
  std::string zone;      // empty = any
  uint32_t count = 0;    // 0 with percent 0 = all matching pods
  double percent = 0;
};

struct KillPods { PodSelector pods; };
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
struct Partition { std::string from; std::string to; };          // services or zones; both ways
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
               ApplyManifest, RemoveManifest>
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
};

// ---- The whole scenario's model part ------------------------------------------------------

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
  std::vector<ExpectationConfig> expectations;  // in the order written
  CheckConfig check;
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
