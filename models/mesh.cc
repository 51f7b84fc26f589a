// The mesh runtime; see mesh.h for the contract.  The file reads in the order a request
// travels: build (config -> flat runtime tables), load generators, the outbound path (caller ->
// sidecar -> network), the pod (queue, workers, handler steps), the response path, and last
// the chaos timeline and the plumbing (pools, events, observations).
#include "models/mesh.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/traffic.h"
#include "policies/connection_pool.h"
#include "policies/fault.h"
#include "policies/load_balancer.h"
#include "policies/locality.h"
#include "policies/outlier_detector.h"
#include "policies/response_flags.h"
#include "policies/retry_state.h"
#include "policies/router_timeouts.h"
#include "policies/virtual_service.h"
#include "simcore/distribution.h"
#include "simcore/ring_queue.h"
#include "simcore/rng.h"
#include "simcore/scheduler.h"

namespace meshsim::models {

using policies::ResponseFlag;
using simcore::Distribution;
using simcore::Stream;
using simcore::Time;
using simcore::TimerHandle;

namespace {

constexpr uint32_t kNone = UINT32_MAX;
// Not an Envoy flag: marks an attempt the application gave up on (its own timeout), so that a
// failing call knows to answer 504.  Never reported.
constexpr uint32_t kAppTimeout = 1u << 31;

// What the event says happened; the payload packs (kind, generation, index).
enum EventKind : uint32_t {
  kLoadArrival,       // index = load
  kUserStart,         // index = load, generation field = user (closed loop)
  kArriveAtPod,       // index = exchange
  kComputeDone,       // index = exchange
  kResponseAtCaller,  // index = exchange
  kCallTimeout,       // index = call
  kTimelineStart,     // index = timeline event
  kTimelineEnd,       // index = timeline event
  kFlush,             // time-series interval boundary
  kStreamRoute,       // index = sidecar stream: the fault delay is over, route it
  kStreamBackoff,     // index = sidecar stream: the retry backoff is over, try again
  kStreamPerTry,      // index = sidecar stream: per-try timeout (timer)
  kStreamGlobal,      // index = sidecar stream: route timeout (timer)
  kOutlierSweep,      // index = client cluster: outlier detection interval
  kStreamDone,        // index = sidecar stream: its answer goes back to the application
  kConnected,         // index = connecting_ entry: an upstream connection is established
};

struct Packed {
  static uint64_t make(EventKind k, uint32_t index, uint32_t gen) {
    return (uint64_t{index} << 32) | (uint64_t{gen & 0xffffffu} << 8) | k;
  }
  static EventKind kind(uint64_t p) { return static_cast<EventKind>(p & 0xff); }
  static uint32_t gen(uint64_t p) { return static_cast<uint32_t>((p >> 8) & 0xffffffu); }
  static uint32_t index(uint64_t p) { return static_cast<uint32_t>(p >> 32); }
};

bool success(uint32_t code) { return code >= 200 && code < 400; }

// A pool of T with generations: index + generation name an object; a stale name (the object
// was freed, maybe reused) is detected by the generation.  No allocation once grown.
template <class T>
class Pool {
 public:
  uint32_t alloc() {
    uint32_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      i = static_cast<uint32_t>(items_.size());
      items_.emplace_back();
      items_.back().gen = 0;
    }
    const uint32_t g = items_[i].gen;
    items_[i] = T{};
    items_[i].gen = g;
    items_[i].live = true;
    ++live_;
    return i;
  }
  void release(uint32_t i) {
    items_[i].live = false;
    items_[i].gen = (items_[i].gen + 1) & 0xffffffu;
    free_.push_back(i);
    --live_;
  }
  T& operator[](uint32_t i) { return items_[i]; }
  bool is(uint32_t i, uint32_t gen) const {
    return i < items_.size() && items_[i].live && items_[i].gen == gen;
  }
  size_t size() const { return items_.size(); }
  size_t live() const { return live_; }

 private:
  std::vector<T> items_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace

class Mesh::Impl {
 public:
  explicit Impl(const MeshConfig& config);

  // ---- runtime tables (built once) --------------------------------------------------------
  struct StepRt {
    enum Kind : uint8_t { kCompute, kCall, kParallel } kind;
    uint32_t first;  // compute: index into computes_; call/parallel: first index into calls_
    uint32_t count;  // number of calls (1 for kCall)
  };
  struct CallRt {
    const CallStep* cfg;
    uint32_t service;
    uint32_t path;  // interned
  };
  struct HandlerRt {
    uint32_t first_step, step_count;
    double error_probability;
    uint32_t error_status;
  };
  struct WorkloadRt {
    const WorkloadConfig* cfg;
    uint32_t service;
    std::vector<uint32_t> handlers;  // indices into handlers_, in config order
    std::vector<uint32_t> pods;
  };
  struct PodRt {
    std::string name;
    uint32_t workload = 0;
    uint32_t zone = 0;
    bool ready = true;
    uint32_t busy = 0;
    simcore::RingQueue<uint32_t> queue;
    double slowdown = 1.0;
    const Distribution* extra_latency = nullptr;
    double error_probability = 0.0;
    uint32_t error_status = 503;
    uint32_t next_worker = 0;  // round robin of its calls over its sidecar's workers
    uint64_t address_hash = 0;  // consistent-hash key for useSourceIp (its name stands for its IP)
    Stream compute_rng, call_rng, lb_rng, error_rng, network_rng;
  };
  struct ServiceRt {
    std::vector<uint32_t> ready_pods;  // sorted by pod index: determinism
  };
  struct LoadRt {
    const LoadConfig* cfg;
    uint32_t service;
    uint32_t zone;
    std::vector<uint32_t> kind_path;  // interned path per request kind
    std::vector<double> kind_cumulative;
    Stream arrivals, mix, trace, lb, network, think;
    size_t segment = 0;
    uint64_t started = 0;  // root requests started (for max_requests)
    std::vector<uint64_t> user_started;  // closed loop: per connection
    uint32_t next_worker = 0;            // open loop, in-mesh: round robin over sidecar workers
  };

  // ---- in-flight state (pooled) ------------------------------------------------------------
  // One attempt of a call, from the caller's send to the response back at the caller; at the
  // pod it is also the request being served.
  struct Exchange {
    uint32_t gen = 0;
    bool live = false;
    enum Phase : uint8_t { kToPod, kQueued, kRunning, kToCaller } phase = kToPod;
    bool abandoned = false;  // the caller gave up; the answer is discarded
    bool failed = false;     // a call with onFailure=fail failed: answer `status`
    uint16_t step = 0;
    uint16_t pending = 0;    // calls of the current step still out
    uint32_t call = kNone, call_gen = 0;
    uint32_t pod = kNone;
    uint32_t path = 0;
    uint32_t handler = kNone;
    uint32_t status = 0;
    uint32_t flags = 0;
    uint32_t depth = 0;
    uint16_t kind = 0;       // the root request's kind (its headers travel with it)
    uint32_t load = kNone;
    Time sent, dest_start, dest_end;
    Time sidecar_pass;       // a quarter of the pair overhead drawn for this exchange
    uint32_t stream = kNone, stream_gen = 0;  // the client sidecar stream it is an attempt of
    bool reached_pod = false;  // it arrived at a live pod (else: a connect failure)
    uint64_t trace = 0, client_span = 0, server_span = 0;
  };
  // A call as the caller's application makes it: its attempts, its timeout.
  struct Call {
    uint32_t gen = 0;
    bool live = false;
    uint32_t parent = kNone, parent_gen = 0;  // the exchange whose handler made the call
    uint32_t caller_pod = kNone;              // kNone: the load generator
    uint32_t load = kNone;
    uint32_t user = kNone;
    uint32_t service = 0;
    uint32_t path = 0;
    const CallStep* step = nullptr;           // nullptr for a root request
    uint32_t attempts_left = 0;
    uint8_t attempts = 0;
    uint32_t exchange = kNone, exchange_gen = 0;
    uint32_t stream = kNone, stream_gen = 0;  // the attempt's client sidecar stream, if any
    uint64_t trace_client_span = 0;           // the sidecar's client span for this attempt
    bool mirror = false;                      // a mirrored copy: nobody waits for it
    TimerHandle timeout;
    Time started;
    uint32_t depth = 0;
    uint16_t kind = 0;
    uint64_t trace = 0, parent_span = 0;
  };

  // The outbound sidecar's view of one request from its application (Envoy's downstream stream
  // plus router state): the route, the cluster, the retry state and the timers.  Its upstream
  // attempts are Exchanges.
  struct SidecarStream {
    uint32_t gen = 0;
    bool live = false;
    uint32_t call = kNone, call_gen = 0;
    const RouteRt* route = nullptr;
    uint32_t cluster = kNoCluster;
    uint32_t client_cluster = kNone;
    policies::RetryState retry;
    policies::FaultDecision fault;
    TimerHandle global_timer, per_try_timer;
    uint32_t exchange = kNone, exchange_gen = 0;
    uint32_t host = kNone;        // index in the cluster of the current attempt's host
    uint32_t attempts = 0;
    uint32_t flags = 0;           // DI and the like, carried to the final answer
    uint32_t service = 0;         // destination service (for the records)
    Time started;
    std::array<uint32_t, 8> tried{};
    uint32_t tried_count = 0;
    bool finished = false;
    uint32_t final_code = 0, final_flags = 0;
    uint32_t worker = 0;                 // the client sidecar worker (Envoy: per downstream connection)
    uint32_t pool = kNone;               // the HostPool of the current attempt
    policies::ConnectionId connection;   // attached connection, if any
    policies::PendingTicket ticket;      // waiting in the pool for a connection
    bool pending = false;
  };
  // A connection being opened by a client sidecar's pool, until it is established.
  struct Connecting {
    uint32_t gen = 0;
    bool live = false;
    uint32_t client_cluster = 0;
    uint32_t pool = 0;
    policies::ConnectionId connection;
  };
  // What one client sidecar keeps per cluster: its load balancer over the cluster's endpoints,
  // the active requests per host (least request reads them), its outlier detector and its
  // retry circuit breaker (Envoy: per client Envoy, per cluster).
  struct ClientCluster {
    uint32_t cluster = 0;
    std::unique_ptr<policies::LoadBalancer> lb;
    std::vector<uint32_t> active;
    std::unique_ptr<policies::OutlierDetector> outlier;
    policies::RetryCircuitBreaker retry_breaker;
    // The DestinationRule's connectionPool: Envoy's circuit breakers for this cluster in this
    // client sidecar, and one connection pool per (host, sidecar worker).
    std::unique_ptr<policies::ConnectionPoolConfig> pool_config;
    policies::ClusterCircuitBreaker breaker;
    std::vector<policies::HostPool> pools;
    uint32_t client_zone = 0;  // where the client sidecar runs (locality priorities)
    uint64_t endpoints_version = UINT64_MAX;
    bool dirty = true;
    Stream rng;
  };

  // ---- the data path, in the order a request travels ---------------------------------------
  void start_root(uint32_t load, uint32_t user);
  void send_attempt(uint32_t call);
  uint32_t send_exchange(uint32_t call, uint32_t stream, uint32_t pod);
  void sidecar_start(uint32_t call);
  void sidecar_route(uint32_t stream);
  void sidecar_attempt(uint32_t stream);
  void sidecar_attempt_done(uint32_t stream, const policies::AttemptOutcome& outcome,
                            uint32_t code, uint32_t flags);
  void sidecar_finish(uint32_t stream, uint32_t code, uint32_t flags, bool defer = true);
  void stream_done(uint32_t stream);
  void sidecar_cancel(uint32_t stream);
  uint32_t client_cluster(uint32_t caller_key, uint32_t cluster);
  void refresh_hosts(ClientCluster& cc);
  std::optional<uint64_t> hash_key(uint32_t stream);
  void mirror(uint32_t stream);
  void start_upstream(uint32_t stream);
  void pool_events(uint32_t client_cluster, uint32_t pool);
  void pool_release(uint32_t stream);
  void open_connection(uint32_t client_cluster, uint32_t pool, policies::ConnectionId c, uint32_t pod);
  void arrive_at_pod(uint32_t ex);
  void start_handler(uint32_t ex);
  void run_steps(uint32_t ex);
  void make_call(uint32_t ex, const CallRt& c);
  void finish_handler(uint32_t ex);
  void respond(uint32_t ex);
  void response_at_caller(uint32_t ex);
  void call_timeout(uint32_t call);
  void attempt_outcome(uint32_t call, uint32_t code, uint32_t flags);
  void complete_call(uint32_t call, uint32_t code, uint32_t flags);

  // ---- load, timeline, plumbing ------------------------------------------------------------
  void schedule_next_arrival(uint32_t load);
  double rate_at(const LoadRt& l, Time t, size_t& segment) const;
  void timeline_start(uint32_t i);
  void timeline_end(uint32_t i);
  std::vector<uint32_t> select_pods(const PodSelector& sel);
  void kill_pod(uint32_t pod);
  void revive_pod(uint32_t pod);
  void handle(const simcore::Event<uint64_t>& ev);
  void flush();
  void emit(Reporter r, Time start, Time end, uint32_t src_wl, uint32_t dst_wl, uint32_t svc,
            uint32_t load, uint32_t code, uint32_t attempts, uint32_t flags);
  void span(uint64_t trace, uint64_t id, uint64_t parent, Time start, Time end, uint32_t wl,
            uint32_t peer_service, uint32_t code, uint32_t flags, Reporter kind);
  bool has_sidecar(uint32_t pod) const {
    return pod != kNone && workloads_[pods_[pod].workload].cfg->sidecar;
  }
  Time network_delay(Stream& rng, uint32_t zone_a, uint32_t zone_b) const;
  uint32_t intern_path(const std::string& p);
  uint32_t handler_for(uint32_t workload, uint32_t path) const {
    return handler_table_[static_cast<size_t>(path) * workloads_.size() + workload];
  }

  MeshConfig cfg_;
  MeshCatalog catalog_;
  simcore::Scheduler<uint64_t> sched_;
  ObservationSink* sink_ = nullptr;

  std::vector<ServiceRt> services_;
  std::vector<WorkloadRt> workloads_;
  std::vector<PodRt> pods_;
  std::vector<HandlerRt> handlers_;
  std::vector<StepRt> steps_;
  std::vector<CallRt> calls_;
  std::vector<const Distribution*> computes_;
  std::vector<LoadRt> loads_;
  std::vector<std::string> zones_;
  std::vector<uint32_t> zone_region_;
  std::unordered_map<std::string, uint32_t> path_ids_;
  std::vector<std::string> paths_;
  std::vector<uint32_t> handler_table_;  // [path][workload] -> handler or kNone
  std::set<std::pair<uint32_t, uint32_t>> partitioned_services_, partitioned_zones_;
  // Timeline actions that change pods (latency, errors, slowdown) in force, in start order.  A
  // pod's fields are recomputed from them whenever one starts or ends, so overlapping actions
  // with any start and end times compose (the latest started wins) and undo cleanly.
  std::vector<uint32_t> pod_actions_;
  void apply_pod_actions();
  std::vector<std::vector<uint32_t>> killed_;
  std::vector<std::pair<uint32_t, uint32_t>> partition_pairs_;  // per timeline event
  std::vector<bool> partition_is_zone_;

  Pool<Exchange> exchanges_;
  Pool<Call> calls_pool_;
  Pool<SidecarStream> streams_;
  std::unique_ptr<TrafficTables> traffic_;
  std::vector<std::unique_ptr<ClientCluster>> client_clusters_;
  std::unordered_map<uint64_t, uint32_t> client_cluster_index_;  // (caller, cluster) -> index
  uint64_t endpoints_version_ = 0;  // bumped when a pod leaves or rejoins the endpoint set
  Pool<Connecting> connecting_;
  policies::PoolEvents events_;  // reused, so pool decisions allocate nothing
  static constexpr uint32_t kSidecarWorkers = 2;  // Istio's default proxy concurrency
  std::vector<CallRecord> records_;
  std::vector<SpanRecord> spans_;
  uint64_t next_span_ = 1;
  uint64_t roots_ = 0;
  uint64_t roots_done_ = 0;
  bool finished_ = false;
};

// =============================================================================================
// Build
// =============================================================================================

uint32_t Mesh::Impl::intern_path(const std::string& p) {
  auto [it, inserted] = path_ids_.emplace(p, static_cast<uint32_t>(paths_.size()));
  if (inserted) paths_.push_back(p);
  return it->second;
}

Mesh::Impl::Impl(const MeshConfig& config) : cfg_(config) {
  const uint64_t seed = cfg_.experiment.seed;
  auto fail = [](const std::string& m) { throw std::invalid_argument(m); };

  // Zones and regions.
  std::map<std::string, uint32_t> zone_index, region_index;
  auto zone_of = [&](const std::string& z) {
    auto it = zone_index.find(z);
    if (it != zone_index.end()) return it->second;
    const auto idx = static_cast<uint32_t>(zones_.size());
    zone_index.emplace(z, idx);
    zones_.push_back(z);
    const auto rit = cfg_.network.zone_region.find(z);
    const std::string region = rit == cfg_.network.zone_region.end() ? "region-1" : rit->second;
    auto [reg, ins] = region_index.emplace(region, static_cast<uint32_t>(region_index.size()));
    (void)ins;
    zone_region_.push_back(reg->second);
    return idx;
  };
  for (const auto& [z, r] : cfg_.network.zone_region) zone_of(z);

  // Services.
  std::map<std::pair<std::string, std::string>, uint32_t> service_index;
  std::map<std::string, uint32_t> service_by_name;  // short name, or FQDN
  for (const auto& s : cfg_.services) {
    const auto idx = static_cast<uint32_t>(services_.size());
    if (!service_index.emplace(std::make_pair(s.namespace_, s.name), idx).second)
      fail("duplicate service " + s.name + "." + s.namespace_);
    services_.emplace_back();
    catalog_.services.push_back({s.name, s.namespace_});
    service_by_name.emplace(s.name, idx);
    service_by_name.emplace(catalog_.services.back().fqdn(), idx);
    service_by_name.emplace(s.name + "." + s.namespace_, idx);
  }
  auto resolve_service = [&](const std::string& n, const std::string& ns) -> uint32_t {
    auto it = service_index.find({ns, n});
    if (it != service_index.end()) return it->second;
    auto jt = service_by_name.find(n);
    if (jt == service_by_name.end()) fail("unknown service '" + n + "'");
    return jt->second;
  };

  // Workloads and their pods.  Pods are named <workload>-<i>, placed round-robin over zones.
  for (const auto& w : cfg_.workloads) {
    WorkloadRt wr{&w, resolve_service(w.service, w.namespace_), {}, {}};
    const auto widx = static_cast<uint32_t>(workloads_.size());
    const std::vector<std::string> zones = w.zones.empty() ? std::vector<std::string>{"zone-a"} : w.zones;
    if (w.workers == 0) fail("workload '" + w.name + "' has no worker");
    for (uint32_t i = 0; i < w.replicas; ++i) {
      PodRt p;
      p.name = w.name + "-" + std::to_string(i);
      p.workload = widx;
      p.zone = zone_of(zones[i % zones.size()]);
      p.compute_rng = Stream(seed, p.name, "compute");
      p.call_rng = Stream(seed, p.name, "calls");
      p.lb_rng = Stream(seed, p.name, "lb");
      p.error_rng = Stream(seed, p.name, "errors");
      p.network_rng = Stream(seed, p.name, "network");
      p.address_hash = policies::hash_key(p.name);
      wr.pods.push_back(static_cast<uint32_t>(pods_.size()));
      services_[wr.service].ready_pods.push_back(static_cast<uint32_t>(pods_.size()));
      pods_.push_back(std::move(p));
    }
    std::string version;
    if (auto it = w.labels.find("version"); it != w.labels.end()) version = it->second;
    std::string app = catalog_.services[wr.service].name;
    if (auto it = w.labels.find("app"); it != w.labels.end()) app = it->second;
    catalog_.workloads.push_back({w.name, catalog_.services[wr.service].name, w.namespace_, version, app});
    workloads_.push_back(std::move(wr));
  }
  for (auto& s : services_) std::sort(s.ready_pods.begin(), s.ready_pods.end());

  // Handlers: flatten steps; intern the paths calls are made on.
  for (auto& wr : workloads_) {
    const auto& hs = wr.cfg->handlers;
    static const HandlerConfig kDefault{};
    const std::vector<const HandlerConfig*> list = [&] {
      std::vector<const HandlerConfig*> v;
      for (const auto& h : hs) v.push_back(&h);
      if (v.empty()) v.push_back(&kDefault);
      return v;
    }();
    for (const HandlerConfig* h : list) {
      HandlerRt hr{static_cast<uint32_t>(steps_.size()), 0, h->error_probability, h->error_status};
      for (const Step& st : h->steps) {
        if (const auto* c = std::get_if<ComputeStep>(&st)) {
          steps_.push_back({StepRt::kCompute, static_cast<uint32_t>(computes_.size()), 0});
          computes_.push_back(&c->duration);
        } else if (const auto* call = std::get_if<CallStep>(&st)) {
          steps_.push_back({StepRt::kCall, static_cast<uint32_t>(calls_.size()), 1});
          calls_.push_back({call, resolve_service(call->service, wr.cfg->namespace_), intern_path(call->path)});
        } else {
          const auto& par = std::get<ParallelStep>(st);
          steps_.push_back({StepRt::kParallel, static_cast<uint32_t>(calls_.size()),
                            static_cast<uint32_t>(par.calls.size())});
          for (const auto& pc : par.calls)
            calls_.push_back({&pc, resolve_service(pc.service, wr.cfg->namespace_), intern_path(pc.path)});
        }
        ++hr.step_count;
      }
      wr.handlers.push_back(static_cast<uint32_t>(handlers_.size()));
      handlers_.push_back(hr);
    }
  }

  // Loads.
  for (const auto& l : cfg_.loads) {
    LoadRt lr{&l, resolve_service(l.target_service, "default"),
              zone_of(l.zone.empty() ? (zones_.empty() ? std::string("zone-a") : zones_.front()) : l.zone),
              {}, {}, Stream(seed, l.name, "arrivals"), Stream(seed, l.name, "mix"),
              Stream(seed, l.name, "trace"), Stream(seed, l.name, "lb"),
              Stream(seed, l.name, "network"), Stream(seed, l.name, "think"), 0, 0, {}};
    std::vector<RequestKind> mix = l.mix.empty() ? std::vector<RequestKind>{RequestKind{}} : l.mix;
    double total = 0;
    for (const auto& k : mix) total += k.share;
    if (!(total > 0)) fail("load '" + l.name + "' has no request share > 0");
    double acc = 0;
    for (const auto& k : mix) {
      acc += k.share / total;
      lr.kind_cumulative.push_back(acc);
      lr.kind_path.push_back(intern_path(k.path));
    }
    loads_.push_back(std::move(lr));
    catalog_.loads.push_back(l.name);
  }

  // The client sidecars' clusters and route tables (Istio's VirtualServices/DestinationRules).
  {
    TrafficTopology topo;
    for (uint32_t i = 0; i < services_.size(); ++i) {
      TrafficTopology::Service ts{catalog_.services[i].name, catalog_.services[i].namespace_,
                                  catalog_.services[i].fqdn(), {}};
      topo.services.push_back(std::move(ts));
    }
    for (const auto& wr : workloads_) {
      topo.workloads.push_back({wr.cfg->labels, wr.cfg->namespace_});
      for (uint32_t p : wr.pods) topo.services[wr.service].pods.push_back(p);
    }
    for (auto& ts : topo.services) std::sort(ts.pods.begin(), ts.pods.end());
    for (const auto& p : pods_) topo.pod_labels.push_back(&workloads_[p.workload].cfg->labels);
    traffic_ = std::make_unique<TrafficTables>(cfg_.traffic, std::move(topo));
  }

  // Which handler serves which path on which workload: first prefix match, resolved once so
  // that no request does string work.
  handler_table_.assign(paths_.size() * workloads_.size(), kNone);
  for (uint32_t p = 0; p < paths_.size(); ++p) {
    for (uint32_t w = 0; w < workloads_.size(); ++w) {
      const auto& hs = workloads_[w].cfg->handlers;
      uint32_t chosen = kNone;
      if (hs.empty()) {
        chosen = workloads_[w].handlers.front();
      } else {
        for (size_t i = 0; i < hs.size(); ++i) {
          if (paths_[p].compare(0, hs[i].path_prefix.size(), hs[i].path_prefix) == 0) {
            chosen = workloads_[w].handlers[i];
            break;
          }
        }
      }
      handler_table_[static_cast<size_t>(p) * workloads_.size() + w] = chosen;
    }
  }

  killed_.resize(cfg_.timeline.size());
  partition_pairs_.resize(cfg_.timeline.size(), {kNone, kNone});
  partition_is_zone_.resize(cfg_.timeline.size(), false);
  for (size_t i = 0; i < cfg_.timeline.size(); ++i) {
    if (const auto* p = std::get_if<Partition>(&cfg_.timeline[i].action)) {
      auto zs = std::find(zones_.begin(), zones_.end(), p->from);
      auto zt = std::find(zones_.begin(), zones_.end(), p->to);
      if (zs != zones_.end() && zt != zones_.end()) {
        partition_is_zone_[i] = true;
        partition_pairs_[i] = {static_cast<uint32_t>(zs - zones_.begin()),
                               static_cast<uint32_t>(zt - zones_.begin())};
      } else {
        partition_pairs_[i] = {resolve_service(p->from, "default"), resolve_service(p->to, "default")};
      }
    }
  }
}

// =============================================================================================
// Load generators
// =============================================================================================

// The rate at time t and the index of the segment in force (segments are sorted by start).
double Mesh::Impl::rate_at(const LoadRt& l, Time t, size_t& segment) const {
  const auto& segs = l.cfg->rate;
  while (segment + 1 < segs.size() && segs[segment + 1].start <= t) ++segment;
  if (segs.empty() || t < segs[segment].start) return 0.0;
  const RateSegment& s = segs[segment];
  if (s.duration != Time::max() && t >= s.start + s.duration) return 0.0;
  switch (s.shape) {
    case RateSegment::Shape::kConstant:
      return s.rate;
    case RateSegment::Shape::kRamp: {
      const double f = s.duration == Time::max() ? 0.0 : (t - s.start).to_seconds() / s.duration.to_seconds();
      return s.rate + (s.rate_end - s.rate) * std::min(1.0, f);
    }
    case RateSegment::Shape::kSine:
      return std::max(0.0, s.rate + s.amplitude * std::sin(2 * M_PI * (t - s.start).to_seconds() /
                                                             s.period.to_seconds()));
  }
  return 0.0;
}

// Open loop.  Poisson arrivals with a time-varying rate by thinning (Lewis & Shedler): candidate
// gaps at the segment's peak rate, each kept with probability rate(t)/peak.  "constant" spaces
// arrivals exactly 1/rate(t) apart.
void Mesh::Impl::schedule_next_arrival(uint32_t li) {
  LoadRt& l = loads_[li];
  const auto& segs = l.cfg->rate;
  Time t = sched_.now();
  for (int guard = 0; guard < 1'000'000; ++guard) {
    size_t seg = l.segment;
    const double r_now = rate_at(l, t, seg);
    const RateSegment* s = segs.empty() ? nullptr : &segs[seg];
    const Time seg_end = (seg + 1 < segs.size()) ? segs[seg + 1].start
                         : (s && s->duration != Time::max() ? s->start + s->duration : Time::max());
    double peak = r_now;
    if (s != nullptr && t >= s->start) {
      if (s->shape == RateSegment::Shape::kRamp) peak = std::max(s->rate, s->rate_end);
      if (s->shape == RateSegment::Shape::kSine) peak = s->rate + std::abs(s->amplitude);
    }
    if (!(peak > 0)) {
      // Nothing in this stretch: jump to the next segment start, if any.
      if (seg + 1 < segs.size() && segs[seg + 1].start > t) {
        t = segs[seg + 1].start;
        continue;
      }
      if (!segs.empty() && t < segs.front().start) {
        t = segs.front().start;
        continue;
      }
      return;
    }
    Time next;
    if (l.cfg->model == LoadConfig::Model::kOpenConstant) {
      next = t + Time::from_seconds(1.0 / r_now);
      if (next >= seg_end) { t = seg_end; continue; }
      sched_.schedule_at(next, Packed::make(kLoadArrival, li, 0));
      return;
    }
    next = t + Time::from_seconds(-std::log(l.arrivals.uniform_pos()) / peak);
    if (next >= seg_end) {
      t = seg_end;
      continue;
    }
    size_t seg2 = l.segment;
    const double r = rate_at(l, next, seg2);
    if (r >= peak || l.arrivals.uniform() * peak < r) {
      sched_.schedule_at(next, Packed::make(kLoadArrival, li, 0));
      return;
    }
    t = next;
  }
}

// A root request from a load generator: pick its kind from the mix, decide trace sampling, send.
void Mesh::Impl::start_root(uint32_t li, uint32_t user) {
  LoadRt& l = loads_[li];
  if (l.cfg->max_requests != 0) {
    if (user != kNone) {
      // fortio -n N -c C: each connection makes exactly N / C calls (the first N % C one more).
      const uint64_t c = l.cfg->connections;
      const uint64_t quota = l.cfg->max_requests / c + (user < l.cfg->max_requests % c ? 1 : 0);
      if (l.user_started.size() < c) l.user_started.resize(c, 0);
      if (l.user_started[user] >= quota) return;
      ++l.user_started[user];
    } else if (l.started >= l.cfg->max_requests) {
      return;
    }
  }
  ++l.started;
  const uint32_t ci = calls_pool_.alloc();
  Call& c = calls_pool_[ci];
  const double u = l.mix.uniform();
  uint16_t k = 0;
  while (k + 1u < l.kind_cumulative.size() && u >= l.kind_cumulative[k]) ++k;
  c.kind = k;
  c.load = li;
  c.user = user;
  c.service = l.service;
  c.path = l.kind_path[k];
  c.attempts_left = l.cfg->retries;
  c.started = sched_.now();
  ++roots_;
  if (l.trace.below(1000) < cfg_.experiment.trace_sample_per_mille) c.trace = roots_;
  send_attempt(ci);
}

// =============================================================================================
// Outbound: the caller's application hands the request to its sidecar (or the network)
// =============================================================================================

void Mesh::Impl::send_attempt(uint32_t ci) {
  Call& c = calls_pool_[ci];
  const bool root = c.caller_pod == kNone;
  const bool caller_sidecar = root ? loads_[c.load].cfg->through_sidecar : has_sidecar(c.caller_pod);
  ++c.attempts;
  const Time timeout = root ? loads_[c.load].cfg->timeout : c.step->timeout;
  if (timeout != Time::max()) c.timeout = sched_.arm_at(sched_.now() + timeout, Packed::make(kCallTimeout, ci, c.gen));
  if (caller_sidecar) {
    sidecar_start(ci);
    return;
  }
  // No client sidecar: kube-proxy picks a ready endpoint uniformly at random.
  const auto& ready = services_[c.service].ready_pods;
  Stream& lb = root ? loads_[c.load].lb : pods_[c.caller_pod].lb_rng;
  send_exchange(ci, kNone, ready.empty() ? kNone : ready[lb.below(ready.size())]);
}

// One upstream attempt to `pod` (kNone: no endpoint, the connection is refused), for the
// caller's sidecar stream `si` (kNone: the application calls directly).
uint32_t Mesh::Impl::send_exchange(uint32_t ci, uint32_t si, uint32_t pod) {
  Call& c = calls_pool_[ci];
  const bool root = c.caller_pod == kNone;
  const bool caller_sidecar = si != kNone;
  Stream& lb = root ? loads_[c.load].lb : pods_[c.caller_pod].lb_rng;
  Stream& net = root ? loads_[c.load].network : pods_[c.caller_pod].network_rng;
  const uint32_t caller_zone = root ? loads_[c.load].zone : pods_[c.caller_pod].zone;

  const uint32_t xi = exchanges_.alloc();
  Exchange& x = exchanges_[xi];
  x.call = ci;
  x.call_gen = c.gen;
  x.stream = si;
  x.stream_gen = si == kNone ? 0 : streams_[si].gen;
  x.path = c.path;
  x.depth = c.depth;
  x.kind = c.kind;
  x.load = c.load;
  x.sent = sched_.now();
  x.trace = c.trace;
  c.exchange = xi;
  c.exchange_gen = x.gen;
  if (c.trace != 0) {
    x.client_span = caller_sidecar ? c.trace_client_span : 0;
    x.server_span = next_span_++;
  }
  x.sidecar_pass = cfg_.sidecar.pair_overhead.sample_time(lb) / 4;
  Time delay = caller_sidecar ? x.sidecar_pass : Time::zero();
  x.pod = pod;
  if (pod == kNone) {
    x.status = 0;
    x.flags = ResponseFlag::kUpstreamConnectionFailure;
    x.phase = Exchange::kToCaller;
    sched_.schedule_at(sched_.now() + delay, Packed::make(kResponseAtCaller, xi, x.gen));
    return xi;
  }
  const PodRt& p = pods_[pod];
  const uint32_t caller_service = root ? kNone : workloads_[pods_[c.caller_pod].workload].service;
  const bool cut = partitioned_zones_.count({caller_zone, p.zone}) != 0 ||
                   (caller_service != kNone &&
                    partitioned_services_.count({caller_service, c.service}) != 0);
  if (cut) {
    // A partition drops packets: the connection attempt times out.
    x.status = caller_sidecar ? 503 : 0;
    x.flags = ResponseFlag::kUpstreamConnectionFailure;
    x.phase = Exchange::kToCaller;
    sched_.schedule_at(sched_.now() + delay + cfg_.experiment.connect_timeout,
                       Packed::make(kResponseAtCaller, xi, x.gen));
    return xi;
  }
  delay += network_delay(net, caller_zone, p.zone);
  x.dest_start = sched_.now() + delay;
  if (workloads_[p.workload].cfg->sidecar) delay += x.sidecar_pass;
  x.phase = Exchange::kToPod;
  sched_.schedule_at(sched_.now() + delay, Packed::make(kArriveAtPod, xi, x.gen));
  return xi;
}

// ---- The outbound sidecar: Envoy's fault filter and router, as Istio configures them ----------

uint32_t Mesh::Impl::client_cluster(uint32_t caller_key, uint32_t cluster) {
  const uint64_t key = (uint64_t{caller_key} << 32) | cluster;
  auto it = client_cluster_index_.find(key);
  if (it != client_cluster_index_.end()) return it->second;
  const ClusterRt& cr = traffic_->cluster(cluster);
  auto cc = std::make_unique<ClientCluster>();
  cc->cluster = cluster;
  const std::string caller = (caller_key & 0x80000000u) != 0 ? "load:" + loads_[caller_key & 0x7fffffffu].cfg->name
                                                             : pods_[caller_key].name;
  const std::string name = caller + ">" + catalog_.services[cr.service].name + "/" + cr.subset;
  cc->rng = Stream(cfg_.experiment.seed, name, "lb");
  Stream init(cfg_.experiment.seed, name, "lb-init");
  cc->lb = std::make_unique<policies::LoadBalancer>(cr.lb, init);
  cc->active.assign(cr.pods.size(), 0);
  cc->retry_breaker.config = cr.retry_breaker;
  cc->client_zone = (caller_key & 0x80000000u) != 0 ? loads_[caller_key & 0x7fffffffu].zone : pods_[caller_key].zone;
  if (cr.connection_pool) {
    cc->pool_config = std::make_unique<policies::ConnectionPoolConfig>(*cr.connection_pool, cr.retry_budget,
                                                                       cfg_.experiment.connect_timeout);
    const auto& ports = cfg_.services[cr.service].ports;
    const auto proto = !ports.empty() && ports.front().protocol != Protocol::kHttp ? policies::UpstreamProtocol::Http2
                                                                                  : policies::UpstreamProtocol::Http1;
    cc->pools.assign(cr.pods.size() * kSidecarWorkers, policies::HostPool(proto));
  }
  const auto idx = static_cast<uint32_t>(client_clusters_.size());
  if (cr.outlier) {
    cc->outlier = std::make_unique<policies::OutlierDetector>(policies::OutlierDetectionConfig(*cr.outlier),
                                                              static_cast<uint32_t>(cr.pods.size()));
    sched_.schedule_at(sched_.now() + cc->outlier->config().interval(), Packed::make(kOutlierSweep, idx, 0));
  }
  client_clusters_.push_back(std::move(cc));
  client_cluster_index_.emplace(key, idx);
  return idx;
}

// The endpoints a client sidecar balances over: the cluster's pods that are in EDS (ready), each
// healthy unless its outlier detector ejected it, in locality priorities relative to the client
// (Istio assigns them only when the DestinationRule has outlierDetection: same zone first, then
// same region, then the rest; Envoy spills over with the 1.4 overprovisioning factor).
void Mesh::Impl::refresh_hosts(ClientCluster& cc) {
  const ClusterRt& cr = traffic_->cluster(cc.cluster);
  auto placement = [this](uint32_t zone) {
    policies::Placement p;
    p.locality.region = "region-" + std::to_string(zone_region_[zone]);
    p.locality.zone = zones_[zone];
    return p;
  };
  std::vector<policies::Placement> endpoints;
  endpoints.reserve(cr.pods.size());
  for (uint32_t pod : cr.pods) endpoints.push_back(placement(pods_[pod].zone));
  const std::vector<uint32_t> priority =
      policies::assign_priorities(placement(cc.client_zone), endpoints, cr.locality, cr.outlier.has_value());
  std::vector<policies::HostSpec> hosts;
  for (uint32_t h = 0; h < cr.pods.size(); ++h) {
    if (!pods_[cr.pods[h]].ready) continue;
    policies::HostSpec spec;
    spec.id = h;
    spec.priority = priority.empty() ? 0 : priority[h];
    spec.health = cc.outlier && cc.outlier->ejected(h) ? policies::HostHealth::Ejected : policies::HostHealth::Healthy;
    spec.address = pods_[cr.pods[h]].name;
    hosts.push_back(spec);
  }
  cc.lb->update_hosts(hosts, cc.active);
  cc.endpoints_version = endpoints_version_;
  cc.dirty = false;
}

// The application's request reaches its sidecar: route match (first match wins), then the fault
// filter (delay, abort), then the router.
void Mesh::Impl::sidecar_start(uint32_t ci) {
  Call& c = calls_pool_[ci];
  const bool root = c.caller_pod == kNone;
  const uint32_t caller_wl = root ? UINT32_MAX : pods_[c.caller_pod].workload;
  const RouteTable& t = traffic_->table(caller_wl, c.service);
  const uint32_t si = streams_.alloc();
  SidecarStream& st = streams_[si];
  st.call = ci;
  st.call_gen = c.gen;
  st.started = sched_.now();
  st.service = c.service;
  // Envoy pins each downstream connection to a worker: a closed-loop user keeps its connection;
  // other callers spread their requests round robin.  Per caller, so that adding an entity
  // changes no other caller's choices.
  st.worker = (c.user != kNone ? c.user
               : root          ? loads_[c.load].next_worker++
                               : pods_[c.caller_pod].next_worker++) %
              kSidecarWorkers;
  c.stream = si;
  c.stream_gen = st.gen;
  if (c.trace != 0) c.trace_client_span = next_span_++;
  const RouteRt* route = &t.routes[0];
  if (t.has_virtual_service) {
    std::array<policies::HeaderPair, 16> headers;
    size_t n = 0;
    auto add = [&](const Headers& hs) {
      for (const auto& [k, v] : hs)
        if (n < headers.size()) headers[n++] = {k, v};
    };
    const auto& mix = loads_[c.load].cfg->mix;
    if (!mix.empty()) add(mix[c.kind].headers);  // the root request's headers travel along
    if (c.step != nullptr) add(c.step->headers);
    policies::RequestView rv;
    rv.path = paths_[c.path];
    rv.method = c.step != nullptr ? std::string_view(c.step->method)
                : mix.empty()     ? std::string_view("GET")
                                  : std::string_view(mix[c.kind].method);
    rv.authority = catalog_.services[c.service].name;
    rv.scheme = "http";
    rv.headers = {headers.data(), n};
    const policies::RouteEntry* e = policies::match_route_entry(t.entries, rv);
    if (e == nullptr) {
      sidecar_finish(si, 404, ResponseFlag::kNoRouteFound);
      return;
    }
    route = &t.routes[t.entry_route[static_cast<size_t>(e - t.entries.data())]];
  }
  st.route = route;
  if (route->route != nullptr && route->route->fault) {
    Stream& rng = root ? loads_[c.load].lb : pods_[c.caller_pod].lb_rng;
    st.fault = policies::decide_fault(*route->route->fault, rng);
    if (st.fault.delayed()) {
      // The route and per-try timers start after the delay: Envoy's router only sees the request
      // once the fault filter lets it through.
      st.flags |= ResponseFlag::kDelayInjected;
      sched_.schedule_at(sched_.now() + st.fault.delay, Packed::make(kStreamRoute, si, st.gen));
      return;
    }
    if (st.fault.abort) {
      sidecar_finish(si, st.fault.status, st.flags | ResponseFlag::kFaultInjected);
      return;
    }
  }
  sidecar_route(si);
}

// The router: pick the destination by weight (once per request, so retries stay in it), start
// the route timeout and the retry state, make the first attempt.
void Mesh::Impl::sidecar_route(uint32_t si) {
  SidecarStream& st = streams_[si];
  if (st.fault.abort) {  // an abort after a delay
    sidecar_finish(si, st.fault.status, st.flags | ResponseFlag::kFaultInjected);
    return;
  }
  const Call& c = calls_pool_[st.call];
  const RouteRt& r = *st.route;
  if (r.clusters.empty()) {
    // A redirect / directResponse route: Envoy answers locally (redirects default to 301; the
    // body and location are not modelled).
    sidecar_finish(si, 301, st.flags);
    return;
  }
  size_t d = 0;
  if (r.clusters.size() > 1) {
    Stream& rng = c.caller_pod == kNone ? loads_[c.load].lb : pods_[c.caller_pod].lb_rng;
    d = policies::pick_destination(*r.route, rng);
    if (d == policies::kNoDestination) {
      sidecar_finish(si, 503, ResponseFlag::kNoClusterFound);
      return;
    }
  }
  st.cluster = r.clusters[d];
  if (st.cluster == kNoCluster) {
    sidecar_finish(si, 503, ResponseFlag::kNoClusterFound);
    return;
  }
  st.service = traffic_->cluster(st.cluster).service;
  const uint32_t caller_key = c.caller_pod == kNone ? (0x80000000u | c.load) : c.caller_pod;
  if (!r.mirror_clusters.empty()) mirror(si);  // allocates Calls: `c` dangles after it
  st.client_cluster = client_cluster(caller_key, st.cluster);
  st.retry = policies::RetryState::start(r.retry);
  if (r.timeouts.global > Time::zero())
    st.global_timer = sched_.arm_at(sched_.now() + r.timeouts.global, Packed::make(kStreamGlobal, si, st.gen));
  sidecar_attempt(si);
}

// One attempt: the load balancer's pick (re-picking hosts already tried, for retries), the
// per-try timer, and the upstream exchange.
void Mesh::Impl::sidecar_attempt(uint32_t si) {
  SidecarStream& st = streams_[si];
  ClientCluster& cc = *client_clusters_[st.client_cluster];
  if (cc.dirty || cc.endpoints_version != endpoints_version_) refresh_hosts(cc);
  const policies::RetryPolicy& pol = st.route->retry;
  const bool is_retry = st.attempts > 0;
  const uint32_t picks = is_retry && pol.previous_hosts ? pol.host_selection_retry_max_attempts : 0;
  const policies::LbPick pick = cc.lb->choose_host(cc.rng, cc.active, hash_key(si),
                                                   {st.tried.data(), st.tried_count}, picks);
  if (!pick.ok()) {
    // No healthy upstream: Envoy answers at once, without consulting the retry state.
    policies::release(st.retry, cc.retry_breaker);
    sidecar_finish(si, 503, st.flags | ResponseFlag::kNoHealthyUpstream);
    return;
  }
  st.host = pick.host;
  if (st.tried_count < st.tried.size()) st.tried[st.tried_count++] = pick.host;
  ++cc.active[st.host];
  ++st.attempts;
  if (cc.pool_config) {
    // Envoy's connection pool: attach to a ready connection, wait for one, or overflow.
    st.pool = st.host * kSidecarWorkers + st.worker;
    const uint64_t request = (uint64_t{si} << 32) | st.gen;
    const policies::Admission a = cc.pools[st.pool].admit(*cc.pool_config, cc.breaker, request);
    const uint32_t pod = traffic_->cluster(st.cluster).pods[st.host];
    for (uint32_t i = 0; i < a.opened_count; ++i) open_connection(st.client_cluster, st.pool, a.opened[i], pod);
    if (a.result == policies::AdmissionResult::Overflow) {
      // 503 UO, x-envoy-overloaded: never retried, never seen by outlier detection.
      if (cc.active[st.host] > 0) --cc.active[st.host];
      st.pool = kNone;
      policies::release(st.retry, cc.retry_breaker);
      sidecar_finish(si, 503, st.flags | ResponseFlag::kUpstreamOverflow);
      return;
    }
    if (a.result == policies::AdmissionResult::Pending) {
      st.pending = true;
      st.ticket = a.ticket;
      return;
    }
    st.connection = a.connection;
  }
  start_upstream(si);
}

// The attempt has a connection (or needs none): the per-try timer starts now (Envoy starts it
// when the pool is ready) and the request goes upstream.
void Mesh::Impl::start_upstream(uint32_t si) {
  SidecarStream& st = streams_[si];
  st.pending = false;
  const Time per_try = policies::effective_per_try_timeout(st.route->timeouts);
  if (per_try > Time::zero())
    st.per_try_timer = sched_.arm_at(sched_.now() + per_try, Packed::make(kStreamPerTry, si, st.gen));
  const uint32_t pod = traffic_->cluster(st.cluster).pods[st.host];
  const uint32_t xi = send_exchange(st.call, si, pod);
  SidecarStream& st2 = streams_[si];
  st2.exchange = xi;
  st2.exchange_gen = exchanges_[xi].gen;
}

// Opening a connection takes one network round trip to the pod (TCP; mTLS and connection reuse
// are not modelled separately).
void Mesh::Impl::open_connection(uint32_t cci, uint32_t pool, policies::ConnectionId c, uint32_t pod) {
  const uint32_t idx = connecting_.alloc();
  connecting_[idx].client_cluster = cci;
  connecting_[idx].pool = pool;
  connecting_[idx].connection = c;
  ClientCluster& cc = *client_clusters_[cci];
  const PodRt& p = pods_[pod];
  const Time rtt = network_delay(cc.rng, cc.client_zone, p.zone) * 2;
  sched_.schedule_at(sched_.now() + rtt, Packed::make(kConnected, idx, connecting_[idx].gen));
}

// What a pool decision set in motion: waiting requests that now have a connection start,
// those refused at attach answer 503 UO, and new connections are opened.
void Mesh::Impl::pool_events(uint32_t cci, uint32_t pool) {
  ClientCluster& cc = *client_clusters_[cci];
  // Take the events out (the handlers below may produce new ones) and hand the vectors back
  // afterwards, so their capacity is reused: no allocation per pool event once warm.
  policies::PoolEvents ev;
  std::swap(ev, events_);
  const uint32_t host = pool / kSidecarWorkers;
  const uint32_t pod = traffic_->cluster(cc.cluster).pods[host];
  for (const auto& c : ev.opened) open_connection(cci, pool, c, pod);
  for (const auto& a : ev.attached) {
    const auto si = static_cast<uint32_t>(a.request >> 32);
    const auto gen = static_cast<uint32_t>(a.request);
    if (!streams_.is(si, gen) || streams_[si].finished) continue;
    streams_[si].connection = a.connection;
    start_upstream(si);
  }
  for (uint64_t r : ev.overflowed) {
    const auto si = static_cast<uint32_t>(r >> 32);
    if (!streams_.is(si, static_cast<uint32_t>(r)) || streams_[si].finished) continue;
    SidecarStream& st = streams_[si];
    st.pending = false;
    st.pool = kNone;
    ClientCluster& c2 = *client_clusters_[st.client_cluster];
    if (c2.active[st.host] > 0) --c2.active[st.host];
    policies::release(st.retry, c2.retry_breaker);
    sidecar_finish(si, 503, st.flags | ResponseFlag::kUpstreamOverflow);
  }
  ev.clear();
  if (events_.attached.empty() && events_.overflowed.empty() && events_.failed.empty() &&
      events_.opened.empty())
    std::swap(ev, events_);  // nothing new meanwhile: keep the reused vectors
}

// The attempt no longer needs its place in the pool: waiting -> cancelled; attached -> the
// request finished (its connection is ready again, or closed after maxRequestsPerConnection).
void Mesh::Impl::pool_release(uint32_t si) {
  SidecarStream& st = streams_[si];
  if (st.pool == kNone || st.client_cluster == kNone) return;
  ClientCluster& cc = *client_clusters_[st.client_cluster];
  const uint32_t pool = st.pool;
  st.pool = kNone;
  if (!cc.pool_config) return;
  if (st.pending) {
    cc.pools[pool].cancel_pending(cc.breaker, st.ticket);
    st.pending = false;
    return;
  }
  events_.clear();
  cc.pools[pool].on_request_finished(*cc.pool_config, cc.breaker, st.connection, events_);
  pool_events(st.client_cluster, pool);
}

// Mirroring: a fire-and-forget copy of the request to each mirror cluster (with its percentage),
// made when the router has the request; its answer is discarded and it never retries.  The copy
// is a call of its own with no caller waiting (complete_call finds no parent and drops it), sent
// straight to a ready pod of the mirror cluster picked at random.
void Mesh::Impl::mirror(uint32_t si) {
  const SidecarStream& st = streams_[si];
  const RouteRt& r = *st.route;
  for (size_t i = 0; i < r.mirror_clusters.size(); ++i) {
    if (r.mirror_clusters[i] == kNoCluster) continue;
    const Call& orig = calls_pool_[st.call];
    Stream& rng = orig.caller_pod == kNone ? loads_[orig.load].lb : pods_[orig.caller_pod].lb_rng;
    if (!policies::ppm_enabled(r.route->mirrors[i].ppm(), rng.next_u64())) continue;
    const ClusterRt& cr = traffic_->cluster(r.mirror_clusters[i]);
    std::vector<uint32_t> ready;
    for (uint32_t p : cr.pods)
      if (pods_[p].ready) ready.push_back(p);
    if (ready.empty()) continue;
    const uint32_t pod = ready[rng.below(ready.size())];
    const uint32_t ci = calls_pool_.alloc();
    const Call& o = calls_pool_[st.call];  // re-read: alloc may have moved the pool
    Call& c = calls_pool_[ci];
    c.caller_pod = o.caller_pod;
    c.load = o.load;
    c.service = cr.service;
    c.path = o.path;
    c.step = o.step;
    c.depth = o.depth;
    c.kind = o.kind;
    c.started = sched_.now();
    c.attempts = 1;
    c.mirror = true;
    send_exchange(ci, kNone, pod);
  }
}

// The consistent-hash key of a request for a RING_HASH / MAGLEV cluster: the configured header
// (the root request's propagated headers, then the call's own), or the caller's address (a pod's
// name stands for its IP).  No key -> Envoy picks at random.
std::optional<uint64_t> Mesh::Impl::hash_key(uint32_t si) {
  const SidecarStream& st = streams_[si];
  const ClusterRt& cr = traffic_->cluster(st.cluster);
  if (!cr.hash_lb) return std::nullopt;
  const Call& c = calls_pool_[st.call];
  if (cr.hash_source_ip)
    return c.caller_pod == kNone ? policies::hash_key("load:" + loads_[c.load].cfg->name)
                                 : pods_[c.caller_pod].address_hash;
  if (cr.hash_header.empty()) return std::nullopt;
  if (c.step != nullptr)
    for (const auto& [k, v] : c.step->headers)
      if (k == cr.hash_header) return policies::hash_key(v);
  const auto& mix = loads_[c.load].cfg->mix;
  if (!mix.empty())
    for (const auto& [k, v] : mix[c.kind].headers)
      if (k == cr.hash_header) return policies::hash_key(v);
  return std::nullopt;
}

// An attempt's outcome reaches the router: outlier detection hears it, then the retry decision
// (retriable? retries left? retry circuit breaker?) either retries after a backoff or answers.
void Mesh::Impl::sidecar_attempt_done(uint32_t si, const policies::AttemptOutcome& outcome,
                                      uint32_t code, uint32_t flags) {
  SidecarStream& st = streams_[si];
  ClientCluster& cc = *client_clusters_[st.client_cluster];
  sched_.cancel(st.per_try_timer);
  st.per_try_timer = TimerHandle{};
  st.exchange = kNone;
  if (cc.active[st.host] > 0) --cc.active[st.host];
  pool_release(si);
  if (cc.outlier) {
    const policies::UpstreamResult r =
        outcome.kind == policies::AttemptOutcome::Kind::Response ? policies::UpstreamResult::response(code)
        : outcome.reset_reason == policies::ResetReason::PerTryTimeout ? policies::UpstreamResult::timeout()
                                                                       : policies::UpstreamResult::reset();
    if (cc.outlier->report(st.host, r, sched_.now(), cc.rng)) cc.dirty = true;
  }
  Time backoff;
  const policies::RetryStatus status = policies::should_retry(st.retry, st.route->retry, outcome, cc.retry_breaker, cc.rng, backoff);
  if (status == policies::RetryStatus::Yes) {
    sched_.schedule_at(sched_.now() + backoff, Packed::make(kStreamBackoff, si, st.gen));
    return;
  }
  sidecar_finish(si, code, st.flags | flags | policies::response_flag(status), /*defer=*/false);
}

// The answer is decided.  A local reply made while the application is still sending (no route,
// fault abort, no healthy upstream, overflow) goes back as the next event, never inside the
// caller's own call stack, so a handler's parallel step sees its calls complete one by one;
// answers decided in an event of their own (a response, a timer) go back at once.
void Mesh::Impl::sidecar_finish(uint32_t si, uint32_t code, uint32_t flags, bool defer) {
  SidecarStream& st = streams_[si];
  sched_.cancel(st.global_timer);
  sched_.cancel(st.per_try_timer);
  st.global_timer = st.per_try_timer = TimerHandle{};
  st.final_code = code;
  st.final_flags = flags;
  st.finished = true;
  if (defer) {
    // A local reply still pays the client sidecar's request and response passes.
    const Call& c = calls_pool_[st.call];
    Stream& rng = c.caller_pod == kNone ? loads_[c.load].lb : pods_[c.caller_pod].lb_rng;
    const Time passes = cfg_.sidecar.pair_overhead.sample_time(rng) / 2;
    sched_.schedule_at(sched_.now() + passes, Packed::make(kStreamDone, si, st.gen));
  } else {
    stream_done(si);
  }
}

// The sidecar's answer reaches the application: the reporter=source sample, the client span,
// then the application's own handling (its retries, or the caller's next step).
void Mesh::Impl::stream_done(uint32_t si) {
  const SidecarStream st = streams_[si];
  streams_.release(si);
  const bool caller_alive = calls_pool_.is(st.call, st.call_gen) && calls_pool_[st.call].stream == si;
  const Call& c = calls_pool_[st.call];
  const uint32_t src = c.caller_pod == kNone ? kNone : pods_[c.caller_pod].workload;
  const uint32_t dst = st.cluster != kNoCluster && st.host != kNone
                           ? pods_[traffic_->cluster(st.cluster).pods[st.host]].workload : kNone;
  emit(Reporter::kSource, st.started, sched_.now(), src, dst, st.service, c.load, st.final_code,
       std::max<uint32_t>(1, st.attempts), st.final_flags);
  if (c.trace != 0 && caller_alive)
    span(c.trace, c.trace_client_span, c.parent_span, st.started, sched_.now(), src, st.service,
         st.final_code, st.final_flags, Reporter::kSource);
  if (caller_alive) {
    Call& cm = calls_pool_[st.call];
    sched_.cancel(cm.timeout);
    cm.stream = kNone;
    cm.exchange = kNone;
    attempt_outcome(st.call, st.final_code, st.final_flags);
  }
}

// The application gave up (its own timeout): the sidecar resets the stream and its attempt.
void Mesh::Impl::sidecar_cancel(uint32_t si) {
  SidecarStream& st = streams_[si];
  const Call& c = calls_pool_[st.call];
  if (!st.finished && st.exchange != kNone && exchanges_.is(st.exchange, st.exchange_gen)) {
    Exchange& x = exchanges_[st.exchange];
    x.abandoned = true;
    x.stream = kNone;
    ClientCluster& cc = *client_clusters_[st.client_cluster];
    if (cc.active[st.host] > 0) --cc.active[st.host];
  }
  if (!st.finished && st.pending && st.client_cluster != kNone) {
    ClientCluster& cc = *client_clusters_[st.client_cluster];
    if (cc.active[st.host] > 0) --cc.active[st.host];
  }
  if (!st.finished) pool_release(si);
  if (st.client_cluster != kNone) policies::release(st.retry, client_clusters_[st.client_cluster]->retry_breaker);
  sched_.cancel(st.global_timer);
  sched_.cancel(st.per_try_timer);
  const uint32_t src = c.caller_pod == kNone ? kNone : pods_[c.caller_pod].workload;
  const uint32_t dst = st.cluster != kNoCluster && st.host != kNone
                           ? pods_[traffic_->cluster(st.cluster).pods[st.host]].workload : kNone;
  emit(Reporter::kSource, st.started, sched_.now(), src, dst, st.service, c.load, 0,
       std::max<uint32_t>(1, st.attempts), ResponseFlag::kDownstreamConnectionTermination | st.flags);
  streams_.release(si);
}

Time Mesh::Impl::network_delay(Stream& rng, uint32_t a, uint32_t b) const {
  if (a == b) return cfg_.network.same_zone.sample_time(rng);
  if (zone_region_[a] == zone_region_[b]) return cfg_.network.cross_zone.sample_time(rng);
  return cfg_.network.cross_region.sample_time(rng);
}

// =============================================================================================
// The pod: queue, workers, handler steps
// =============================================================================================

void Mesh::Impl::arrive_at_pod(uint32_t xi) {
  Exchange& x = exchanges_[xi];
  PodRt& p = pods_[x.pod];
  if (!p.ready) {  // the pod died while the request was on its way: the connection fails
    x.status = x.stream != kNone ? 503 : 0;
    x.flags = ResponseFlag::kUpstreamConnectionFailure;
    x.phase = Exchange::kToCaller;
    const Call& c = calls_pool_[x.call];
    const uint32_t caller_zone = c.caller_pod == kNone ? loads_[c.load].zone : pods_[c.caller_pod].zone;
    sched_.schedule_at(sched_.now() + network_delay(p.network_rng, p.zone, caller_zone),
                       Packed::make(kResponseAtCaller, xi, x.gen));
    return;
  }
  x.reached_pod = true;
  if (p.error_probability > 0 && p.error_rng.uniform() < p.error_probability) {
    x.status = p.error_status;  // chaos: the application fails at once
    respond(xi);
    return;
  }
  if (p.busy < workloads_[p.workload].cfg->workers) {
    ++p.busy;
    start_handler(xi);
    return;
  }
  const uint32_t limit = workloads_[p.workload].cfg->queue_limit;
  if (limit != 0 && p.queue.size() >= limit) {
    x.status = workloads_[p.workload].cfg->overflow_status;
    respond(xi);
    return;
  }
  x.phase = Exchange::kQueued;
  p.queue.push(xi);
}

void Mesh::Impl::start_handler(uint32_t xi) {
  Exchange& x = exchanges_[xi];
  x.phase = Exchange::kRunning;
  x.handler = handler_for(pods_[x.pod].workload, x.path);
  x.step = 0;
  if (x.handler == kNone) {  // no handler serves this path
    x.status = 404;
    finish_handler(xi);
    return;
  }
  run_steps(xi);
}

// Runs steps until one has to wait (a compute, or calls in flight) or the handler ends.
void Mesh::Impl::run_steps(uint32_t xi) {
  for (;;) {
    Exchange& x = exchanges_[xi];
    const HandlerRt& h = handlers_[x.handler];
    if (x.failed || x.step >= h.step_count) {
      finish_handler(xi);
      return;
    }
    const StepRt& s = steps_[h.first_step + x.step];
    if (s.kind == StepRt::kCompute) {
      PodRt& p = pods_[x.pod];
      Time d = computes_[s.first]->sample_time(p.compute_rng);
      if (p.slowdown != 1.0) d = Time::from_seconds(d.to_seconds() * p.slowdown);
      sched_.schedule_at(sched_.now() + d, Packed::make(kComputeDone, xi, x.gen));
      return;
    }
    x.pending = 0;
    for (uint32_t i = 0; i < s.count; ++i) make_call(xi, calls_[s.first + i]);
    Exchange& y = exchanges_[xi];  // make_call may have grown the pool
    if (y.pending > 0) return;
    ++y.step;
  }
}

void Mesh::Impl::make_call(uint32_t xi, const CallRt& cr) {
  PodRt& p = pods_[exchanges_[xi].pod];
  if (cr.cfg->probability < 1.0 && !(p.call_rng.uniform() < cr.cfg->probability)) return;
  const uint32_t depth = exchanges_[xi].depth + 1;
  if (cfg_.experiment.max_call_depth != 0 && depth > cfg_.experiment.max_call_depth) return;
  const uint32_t ci = calls_pool_.alloc();
  Call& c = calls_pool_[ci];
  Exchange& x = exchanges_[xi];
  c.parent = xi;
  c.parent_gen = x.gen;
  c.caller_pod = x.pod;
  c.load = x.load;
  c.service = cr.service;
  c.path = cr.path;
  c.step = cr.cfg;
  c.attempts_left = cr.cfg->retries;
  c.started = sched_.now();
  c.depth = depth;
  c.kind = x.kind;
  c.trace = x.trace;
  c.parent_span = x.server_span;
  ++x.pending;
  send_attempt(ci);
}

void Mesh::Impl::finish_handler(uint32_t xi) {
  Exchange& x = exchanges_[xi];
  if (!x.failed && x.status == 0) {
    const HandlerRt* h = x.handler == kNone ? nullptr : &handlers_[x.handler];
    x.status = 200;
    if (h != nullptr && h->error_probability > 0 && pods_[x.pod].error_rng.uniform() < h->error_probability)
      x.status = h->error_status;
  }
  respond(xi);
}

// The pod answers: free the worker (the next queued request starts), then the response travels
// back through the callee's sidecar, the network and the caller's sidecar.
void Mesh::Impl::respond(uint32_t xi) {
  Exchange& x = exchanges_[xi];
  PodRt& p = pods_[x.pod];
  const bool held_worker = x.phase == Exchange::kRunning;
  x.phase = Exchange::kToCaller;
  Time delay = Time::zero();
  const bool callee_sidecar = workloads_[p.workload].cfg->sidecar;
  if (callee_sidecar) delay += x.sidecar_pass;
  if (p.extra_latency != nullptr) delay += p.extra_latency->sample_time(p.network_rng);
  x.dest_end = sched_.now() + delay;
  const Call& c = calls_pool_[x.call];
  const bool caller_alive = calls_pool_.is(x.call, x.call_gen);
  const uint32_t caller_zone = !caller_alive ? p.zone
                               : c.caller_pod == kNone ? loads_[c.load].zone
                                                       : pods_[c.caller_pod].zone;
  const bool caller_sidecar = caller_alive && (c.caller_pod == kNone ? loads_[c.load].cfg->through_sidecar
                                                                     : has_sidecar(c.caller_pod));
  delay += network_delay(p.network_rng, p.zone, caller_zone);
  if (caller_sidecar) delay += x.sidecar_pass;
  sched_.schedule_at(sched_.now() + delay, Packed::make(kResponseAtCaller, xi, x.gen));

  if (callee_sidecar) {
    const uint32_t src = caller_alive && c.caller_pod != kNone ? pods_[c.caller_pod].workload : kNone;
    const uint32_t code = x.abandoned ? 0 : x.status;
    const uint32_t flags = x.abandoned ? uint32_t{ResponseFlag::kDownstreamConnectionTermination} : 0u;
    emit(Reporter::kDestination, x.dest_start, x.dest_end, src, p.workload,
         workloads_[p.workload].service, x.load, code, 1, flags);
    if (x.trace != 0)
      span(x.trace, x.server_span, x.client_span != 0 ? x.client_span : (caller_alive ? c.parent_span : 0),
           x.dest_start, x.dest_end, p.workload, workloads_[p.workload].service, code, flags,
           Reporter::kDestination);
  }
  if (held_worker) {
    if (!p.queue.empty()) {
      start_handler(p.queue.pop());
    } else {
      --p.busy;
    }
  }
}

// =============================================================================================
// Back at the caller: the attempt's outcome, the application's retries and failure handling
// =============================================================================================

void Mesh::Impl::response_at_caller(uint32_t xi) {
  Exchange& x = exchanges_[xi];
  if (x.abandoned || !calls_pool_.is(x.call, x.call_gen)) {
    exchanges_.release(xi);
    return;
  }
  if (x.stream != kNone) {
    // Back at the caller's sidecar: the router decides.
    const uint32_t si = x.stream;
    if (!streams_.is(si, x.stream_gen) || streams_[si].exchange != xi || streams_[si].finished) {
      exchanges_.release(xi);
      return;
    }
    policies::AttemptOutcome outcome = policies::AttemptOutcome::response(static_cast<uint16_t>(x.status));
    uint32_t code = x.status, flags = 0;
    if (!x.reached_pod) {
      outcome = policies::AttemptOutcome::reset(policies::ResetReason::ConnectFailure);
      code = 503;
      flags = ResponseFlag::kUpstreamConnectionFailure;
    } else if ((x.flags & ResponseFlag::kUpstreamConnectionTermination) != 0) {
      outcome = policies::AttemptOutcome::reset(policies::ResetReason::ResetAfterRequestSent);
      code = 503;
      flags = ResponseFlag::kUpstreamConnectionTermination;
    }
    exchanges_.release(xi);
    sidecar_attempt_done(si, outcome, code, flags);
    return;
  }
  // The application called directly (no sidecar on its side).
  const uint32_t ci = x.call;
  Call& c = calls_pool_[ci];
  sched_.cancel(c.timeout);
  c.exchange = kNone;
  const uint32_t code = x.status, flags = x.flags;
  exchanges_.release(xi);
  attempt_outcome(ci, code, flags);
}

// The application's own timeout: it stops waiting; the server keeps working and its answer will
// be discarded.
void Mesh::Impl::call_timeout(uint32_t ci) {
  Call& c = calls_pool_[ci];
  c.timeout = TimerHandle{};
  if (c.stream != kNone && streams_.is(c.stream, c.stream_gen)) {
    sidecar_cancel(c.stream);
  } else if (c.exchange != kNone && exchanges_.is(c.exchange, c.exchange_gen)) {
    exchanges_[c.exchange].abandoned = true;
  }
  c.stream = kNone;
  c.exchange = kNone;
  attempt_outcome(ci, 0, kAppTimeout);
}

void Mesh::Impl::attempt_outcome(uint32_t ci, uint32_t code, uint32_t flags) {
  Call& c = calls_pool_[ci];
  if (!success(code) && c.attempts_left > 0) {
    --c.attempts_left;
    send_attempt(ci);
    return;
  }
  complete_call(ci, code, flags);
}

void Mesh::Impl::complete_call(uint32_t ci, uint32_t code, uint32_t flags) {
  Call c = calls_pool_[ci];
  calls_pool_.release(ci);
  if (c.mirror) return;  // a mirrored copy's answer is discarded
  if (c.caller_pod == kNone) {
    // A root request ends: the load generator's view, end to end.
    ++roots_done_;
    const uint32_t reported = (flags & kAppTimeout) != 0 ? 0 : code;
    emit(Reporter::kClient, c.started, sched_.now(), kNone, kNone, c.service, c.load, reported,
         c.attempts, (flags & kAppTimeout) != 0 ? uint32_t{ResponseFlag::kDownstreamConnectionTermination}
                                                : (flags & ~kAppTimeout));
    const LoadRt& l = loads_[c.load];
    if (l.cfg->model == LoadConfig::Model::kClosed) {
      LoadRt& lm = loads_[c.load];
      const Time think = lm.cfg->think_time.sample_time(lm.think);
      sched_.schedule_at(sched_.now() + think, Packed::make(kUserStart, c.load, c.user));
    }
    return;
  }
  // The caller was reset meanwhile (released, or killed: no longer running its handler).
  if (!exchanges_.is(c.parent, c.parent_gen) || exchanges_[c.parent].phase != Exchange::kRunning) return;
  Exchange& parent = exchanges_[c.parent];
  if (!success(code)) {
    switch (c.step->on_failure) {
      case OnFailure::kFail:
        if (!parent.failed) {
          parent.failed = true;
          parent.status = code >= 500 ? code : (flags & kAppTimeout) != 0 ? 504 : code == 0 ? 503 : 500;
        }
        break;
      case OnFailure::kDegrade:
      case OnFailure::kIgnore:
        break;
    }
  }
  if (--parent.pending == 0) {
    ++parent.step;
    run_steps(c.parent);
  }
}

// =============================================================================================
// Chaos timeline
// =============================================================================================

std::vector<uint32_t> Mesh::Impl::select_pods(const PodSelector& sel) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < pods_.size(); ++i) {
    const PodRt& p = pods_[i];
    const auto& w = *workloads_[p.workload].cfg;
    if (!sel.service.empty() && catalog_.services[workloads_[p.workload].service].name != sel.service) continue;
    if (!sel.workload.empty() && w.name != sel.workload) continue;
    if (!sel.zone.empty() && zones_[p.zone] != sel.zone) continue;
    out.push_back(i);
  }
  size_t n = out.size();
  if (sel.count > 0) n = std::min<size_t>(n, sel.count);
  else if (sel.percent > 0) n = static_cast<size_t>(std::ceil(static_cast<double>(out.size()) * sel.percent / 100.0));
  out.resize(std::min(n, out.size()));  // the first pods by index: deterministic
  return out;
}

void Mesh::Impl::kill_pod(uint32_t pi) {
  PodRt& p = pods_[pi];
  if (!p.ready) return;
  p.ready = false;
  ++endpoints_version_;
  auto& ready = services_[workloads_[p.workload].service].ready_pods;
  ready.erase(std::remove(ready.begin(), ready.end(), pi), ready.end());
  // Every request in the pod, queued or in service, is reset.  Scanning the pool is fine for a
  // rare chaos event; the hot path keeps no per-pod list.
  p.queue.clear();
  for (uint32_t xi = 0; xi < exchanges_.size(); ++xi) {
    Exchange& x = exchanges_[xi];
    if (!x.live || x.pod != pi || (x.phase != Exchange::kQueued && x.phase != Exchange::kRunning)) continue;
    // Its name (index, generation) stays valid: the caller's call and sidecar stream still
    // hold it to abandon or account for the attempt.  Its pending compute and child-call
    // results are dropped by phase (kComputeDone, complete_call).
    x.phase = Exchange::kToPod;  // not holding a worker any more
    x.status = 503;
    x.flags = ResponseFlag::kUpstreamConnectionTermination;
    respond(xi);
  }
  p.busy = 0;
}

void Mesh::Impl::revive_pod(uint32_t pi) {
  PodRt& p = pods_[pi];
  if (p.ready) return;
  p.ready = true;
  ++endpoints_version_;
  auto& ready = services_[workloads_[p.workload].service].ready_pods;
  ready.insert(std::upper_bound(ready.begin(), ready.end(), pi), pi);
}

void Mesh::Impl::timeline_start(uint32_t i) {
  const TimelineEvent& ev = cfg_.timeline[i];
  std::string detail;
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, KillPods>) {
          for (uint32_t pi : select_pods(a.pods)) {
            if (!pods_[pi].ready) continue;
            kill_pod(pi);
            killed_[i].push_back(pi);
            detail += (detail.empty() ? ": " : ", ") + pods_[pi].name;
          }
        } else if constexpr (std::is_same_v<A, ZoneOutage>) {
          for (uint32_t pi = 0; pi < pods_.size(); ++pi) {
            if (zones_[pods_[pi].zone] != a.zone || !pods_[pi].ready) continue;
            kill_pod(pi);
            killed_[i].push_back(pi);
          }
          detail = ": " + std::to_string(killed_[i].size()) + " pod(s) down";
        } else if constexpr (std::is_same_v<A, AddLatency> || std::is_same_v<A, InjectErrors> ||
                             std::is_same_v<A, CpuSlowdown>) {
          pod_actions_.push_back(i);
          apply_pod_actions();
          detail = ": " + std::to_string(select_pods(a.pods).size()) + " pod(s)";
        } else if constexpr (std::is_same_v<A, Partition>) {
          auto [x, y] = partition_pairs_[i];
          auto& set = partition_is_zone_[i] ? partitioned_zones_ : partitioned_services_;
          set.insert({x, y});
          set.insert({y, x});
        } else if constexpr (std::is_same_v<A, ApplyManifest>) {
          // A config push: the client sidecars see the new VirtualService / DestinationRule at
          // once (xDS propagation delay is not modelled).  Other kinds are recorded only.
          if (a.virtual_service) traffic_->apply(*a.virtual_service);
          if (a.destination_rule) traffic_->apply(*a.destination_rule);
        } else if constexpr (std::is_same_v<A, RemoveManifest>) {
          traffic_->remove(a.kind, a.name, a.namespace_);
        }
      },
      ev.action);
  sink_->timeline({sched_.now(), ev.description + detail, false});
  if (ev.duration != Time::max())
    sched_.schedule_at(sched_.now() + ev.duration, Packed::make(kTimelineEnd, i, 0));
}

void Mesh::Impl::apply_pod_actions() {
  for (PodRt& p : pods_) {
    p.slowdown = 1.0;
    p.extra_latency = nullptr;
    p.error_probability = 0.0;
    p.error_status = 503;
  }
  for (uint32_t i : pod_actions_) {
    std::visit(
        [&](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, AddLatency> || std::is_same_v<A, InjectErrors> ||
                        std::is_same_v<A, CpuSlowdown>) {
            for (uint32_t pi : select_pods(a.pods)) {
              PodRt& p = pods_[pi];
              if constexpr (std::is_same_v<A, AddLatency>) p.extra_latency = &a.extra;
              if constexpr (std::is_same_v<A, InjectErrors>) {
                p.error_probability = a.probability;
                p.error_status = a.status;
              }
              if constexpr (std::is_same_v<A, CpuSlowdown>) p.slowdown = a.factor;
            }
          }
        },
        cfg_.timeline[i].action);
  }
}

void Mesh::Impl::timeline_end(uint32_t i) {
  const TimelineEvent& ev = cfg_.timeline[i];
  for (uint32_t pi : killed_[i]) revive_pod(pi);
  killed_[i].clear();
  if (auto it = std::find(pod_actions_.begin(), pod_actions_.end(), i); it != pod_actions_.end()) {
    pod_actions_.erase(it);
    apply_pod_actions();
  }
  if (std::holds_alternative<Partition>(ev.action)) {
    auto [x, y] = partition_pairs_[i];
    auto& set = partition_is_zone_[i] ? partitioned_zones_ : partitioned_services_;
    set.erase({x, y});
    set.erase({y, x});
  }
  sink_->timeline({sched_.now(), ev.description, true});  // the reader words the undo
}

// =============================================================================================
// Plumbing: events, observations
// =============================================================================================

void Mesh::Impl::handle(const simcore::Event<uint64_t>& ev) {
  const uint32_t idx = Packed::index(ev.payload), gen = Packed::gen(ev.payload);
  switch (Packed::kind(ev.payload)) {
    case kLoadArrival:
      start_root(idx, kNone);
      schedule_next_arrival(idx);
      break;
    case kUserStart:
      start_root(idx, gen);
      break;
    case kArriveAtPod:
      if (exchanges_.is(idx, gen)) arrive_at_pod(idx);
      break;
    case kComputeDone:
      if (exchanges_.is(idx, gen) && exchanges_[idx].phase == Exchange::kRunning) {
        ++exchanges_[idx].step;
        run_steps(idx);
      }
      break;
    case kResponseAtCaller:
      if (exchanges_.is(idx, gen)) response_at_caller(idx);
      break;
    case kCallTimeout:
      if (calls_pool_.is(idx, gen)) call_timeout(idx);
      break;
    case kTimelineStart:
      timeline_start(idx);
      break;
    case kTimelineEnd:
      timeline_end(idx);
      break;
    case kStreamRoute:
      if (streams_.is(idx, gen) && !streams_[idx].finished) sidecar_route(idx);
      break;
    case kStreamBackoff:
      if (streams_.is(idx, gen) && !streams_[idx].finished) sidecar_attempt(idx);
      break;
    case kStreamPerTry:
      if (streams_.is(idx, gen) && !streams_[idx].finished) {
        SidecarStream& st = streams_[idx];
        st.per_try_timer = TimerHandle{};
        if (st.exchange != kNone && exchanges_.is(st.exchange, st.exchange_gen)) {
          exchanges_[st.exchange].abandoned = true;  // the server keeps going; nobody listens
          exchanges_[st.exchange].stream = kNone;
        }
        sidecar_attempt_done(idx, policies::AttemptOutcome::reset(policies::ResetReason::PerTryTimeout), 504,
                             ResponseFlag::kUpstreamRequestTimeout);
      }
      break;
    case kStreamGlobal:
      if (streams_.is(idx, gen) && !streams_[idx].finished) {
        SidecarStream& st = streams_[idx];
        st.global_timer = TimerHandle{};
        ClientCluster& cc = *client_clusters_[st.client_cluster];
        if (st.exchange != kNone && exchanges_.is(st.exchange, st.exchange_gen)) {
          exchanges_[st.exchange].abandoned = true;
          exchanges_[st.exchange].stream = kNone;
          if (cc.active[st.host] > 0) --cc.active[st.host];
          if (cc.outlier && cc.outlier->report(st.host, policies::UpstreamResult::timeout(), sched_.now(), cc.rng))
            cc.dirty = true;
        }
        if (st.pending && cc.active[st.host] > 0) --cc.active[st.host];
        pool_release(idx);
        policies::release(st.retry, cc.retry_breaker);
        sidecar_finish(idx, 504, st.flags | ResponseFlag::kUpstreamRequestTimeout, /*defer=*/false);
      }
      break;
    case kStreamDone:
      if (streams_.is(idx, gen)) stream_done(idx);
      break;
    case kConnected: {
      if (!connecting_.is(idx, gen)) break;
      const Connecting c = connecting_[idx];
      connecting_.release(idx);
      ClientCluster& cc = *client_clusters_[c.client_cluster];
      events_.clear();
      cc.pools[c.pool].on_connected(*cc.pool_config, cc.breaker, c.connection, events_);
      pool_events(c.client_cluster, c.pool);
      break;
    }
    case kOutlierSweep: {
      ClientCluster& cc = *client_clusters_[idx];
      if (cc.outlier->on_interval(sched_.now()) > 0) cc.dirty = true;
      const Time next = sched_.now() + cc.outlier->config().interval();
      if (next <= cfg_.experiment.duration) sched_.schedule_at(next, Packed::make(kOutlierSweep, idx, 0));
      break;
    }
    case kFlush:
      flush();
      if (sched_.now() + cfg_.experiment.interval <= cfg_.experiment.duration)
        sched_.schedule_at(sched_.now() + cfg_.experiment.interval, Packed::make(kFlush, 0, 0));
      break;
  }
}

void Mesh::Impl::emit(Reporter r, Time start, Time end, uint32_t src_wl, uint32_t dst_wl, uint32_t svc,
                      uint32_t load, uint32_t code, uint32_t attempts, uint32_t flags) {
  CallRecord rec;
  rec.start = start;
  rec.end = end;
  rec.source_workload = src_wl;
  rec.destination_workload = dst_wl;
  rec.destination_service = svc;
  rec.load = load;
  rec.response_code = static_cast<uint16_t>(code);
  rec.reporter = r;
  rec.attempts = static_cast<uint8_t>(std::min<uint32_t>(attempts, 255));
  rec.response_flags = flags & ~kAppTimeout;
  records_.push_back(rec);
  if (records_.size() >= 1 << 16) flush();
}

void Mesh::Impl::span(uint64_t trace, uint64_t id, uint64_t parent, Time start, Time end, uint32_t wl,
                      uint32_t peer_service, uint32_t code, uint32_t flags, Reporter kind) {
  if (id == 0) return;
  spans_.push_back({trace, id, parent, start, end, wl, peer_service,
                    static_cast<uint16_t>(code), flags & ~kAppTimeout, kind});
}

void Mesh::Impl::flush() {
  if (!records_.empty()) sink_->calls(records_);
  if (!spans_.empty()) sink_->spans(spans_);
  records_.clear();
  spans_.clear();
}

// =============================================================================================
// Mesh
// =============================================================================================

Mesh::Mesh(const MeshConfig& config) : impl_(std::make_unique<Impl>(config)) {}
Mesh::~Mesh() = default;

const MeshCatalog& Mesh::catalog() const { return impl_->catalog_; }

void Mesh::begin(ObservationSink& sink) {
  Impl& m = *impl_;
  m.sink_ = &sink;
  sink.begin(m.catalog_, m.cfg_.experiment.interval);
  for (uint32_t i = 0; i < m.loads_.size(); ++i) {
    const LoadConfig& l = *m.loads_[i].cfg;
    if (l.model == LoadConfig::Model::kClosed) {
      for (uint32_t u = 0; u < l.connections; ++u) m.sched_.schedule_at(Time::zero(), Packed::make(kUserStart, i, u));
    } else {
      m.schedule_next_arrival(i);
    }
  }
  for (uint32_t i = 0; i < m.cfg_.timeline.size(); ++i)
    m.sched_.schedule_at(m.cfg_.timeline[i].at, Packed::make(kTimelineStart, i, 0));
  m.sched_.schedule_at(m.cfg_.experiment.interval, Packed::make(kFlush, 0, 0));
}

void Mesh::run_until(Time t) {
  Impl& m = *impl_;
  const Time end = std::min(t, m.cfg_.experiment.duration);
  m.sched_.run_until(end, [&m](const simcore::Event<uint64_t>& ev) { m.handle(ev); });
}

void Mesh::finish() {
  Impl& m = *impl_;
  if (m.finished_) return;
  m.finished_ = true;
  m.flush();
  m.sink_->finish(m.sched_.now(), m.sched_.executed());
}

void Mesh::run(ObservationSink& sink) {
  begin(sink);
  run_until(impl_->cfg_.experiment.duration);
  finish();
}

Time Mesh::now() const { return impl_->sched_.now(); }
Time Mesh::duration() const { return impl_->cfg_.experiment.duration; }
uint64_t Mesh::events() const { return impl_->sched_.executed(); }
uint64_t Mesh::root_requests() const { return impl_->roots_; }
uint64_t Mesh::in_flight() const { return impl_->exchanges_.live(); }
uint64_t Mesh::in_flight_roots() const { return impl_->roots_ - impl_->roots_done_; }

}  // namespace meshsim::models
