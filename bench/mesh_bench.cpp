// The whole mesh runtime on "mesh-20": 20 services x 3 replicas over 3 zones, every workload
// injected, about 8 calls per root request (1 root + 3 parallel mid-tier calls + 4 leaf calls on
// average), Istio's default sidecar overhead and zone latencies.  Reports simulated root
// requests per wall second, events per second, and heap bytes per in-flight root request.
#include <benchmark/benchmark.h>

// GCC 12 reports a false -Wmaybe-uninitialized when std::variant<ComputeStep, CallStep,
// ParallelStep> values are copied into vectors inside lambdas here (the variant is always set).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "models/mesh.h"
#include "policies/retry_policy.h"

namespace {

using namespace meshsim::models;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;

struct CountingSink : ObservationSink {
  uint64_t records = 0;
  void begin(const MeshCatalog&, Time) override {}
  void calls(std::span<const CallRecord> r) override { records += r.size(); }
  void spans(std::span<const SpanRecord>) override {}
  void timeline(const TimelineRecord&) override {}
  void finish(Time, uint64_t) override {}
};

// frontend -> 4 mid-tier services (each called with p = 0.75, in parallel: 3 on average)
// -> each mid calls 15 leaf services with p = 4/45 each (4/3 per mid, 4 per root on average).
MeshConfig mesh20(double rate, Time duration, bool all_policies = false) {
  MeshConfig m;
  const std::vector<std::string> zones = {"zone-a", "zone-b", "zone-c"};
  auto add = [&](const std::string& name, std::vector<Step> steps, double median_ms) {
    m.services.push_back({name, "default", {{"http", 8080, Protocol::kHttp}}, {{"app", name}}});
    WorkloadConfig w;
    w.name = name + "-v1";
    w.service = name;
    w.labels = {{"app", name}, {"version", "v1"}};
    w.replicas = 3;
    w.zones = zones;
    w.workers = 64;
    HandlerConfig h;
    h.steps.push_back(ComputeStep{Distribution::lognormal_median_p99(median_ms * 1e-3, median_ms * 8e-3)});
    for (auto& s : steps) h.steps.push_back(std::move(s));
    w.handlers.push_back(h);
    m.workloads.push_back(w);
  };
  auto call = [](const std::string& svc, double p) {
    CallStep c;
    c.service = svc;
    c.probability = p;
    c.timeout = Time::from_s(2);
    c.retries = 1;
    c.on_failure = OnFailure::kDegrade;
    return c;
  };
  std::vector<std::string> leaves;
  for (int i = 0; i < 15; ++i) leaves.push_back("leaf-" + std::to_string(i));
  for (const auto& l : leaves) add(l, {}, 1.0);
  ParallelStep fan;
  for (int i = 0; i < 4; ++i) {
    const std::string mid = "mid-" + std::to_string(i);
    std::vector<Step> steps;
    for (const auto& l : leaves) steps.push_back(call(l, 4.0 / 45.0));
    add(mid, std::move(steps), 2.0);
    fan.calls.push_back(call(mid, 0.75));
  }
  add("frontend", {fan}, 1.0);
  LoadConfig load;
  load.name = "users";
  load.target_service = "frontend";
  load.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), rate, 0, 0, {}});
  m.loads.push_back(load);
  m.experiment.duration = duration;
  if (all_policies) {
    // Every service gets a VirtualService (route timeout, retries on 5xx/reset with a per-try
    // timeout) and a DestinationRule (outlier detection, connection-pool limits that never trip).
    for (const auto& svc : m.services) {
      meshsim::policies::VirtualServiceConfig vs;
      vs.name = svc.name;
      vs.ns = "default";
      vs.hosts = {svc.name};
      meshsim::policies::HttpRoute r;
      r.destinations.push_back({svc.name, "", 0, 0});
      r.timeout = Time::from_s(3);
      meshsim::policies::IstioHttpRetry retry;
      retry.attempts = 2;
      retry.per_try_timeout = Time::from_s(1);
      retry.retry_on = "5xx,reset,connect-failure";
      r.retries = retry;
      vs.http.push_back(r);
      m.traffic.virtual_services.push_back(vs);
      DestinationRuleConfig dr;
      dr.name = svc.name;
      dr.host = svc.name;
      meshsim::policies::OutlierDetectionSettings od;
      od.consecutive_5xx_errors = 5;
      od.interval = Time::from_s(10);
      od.base_ejection_time = Time::from_s(30);
      dr.traffic_policy.outlier_detection = od;
      meshsim::policies::ConnectionPoolSettings pool;
      pool.max_connections = 10000;
      pool.http1_max_pending_requests = 10000;
      pool.http2_max_requests = 10000;
      dr.traffic_policy.connection_pool = pool;
      m.traffic.destination_rules.push_back(dr);
    }
  }
  return m;
}

size_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;  // small blocks in arenas + large mmap'd blocks
}

// Throughput at a load the mesh sustains (the frontend's 192 workers saturate near 19k rps).
// Arg 0: rate; arg 1: 0 = Istio's defaults (no VirtualService/DestinationRule: default route,
// default retries, least-request), 1 = every policy on.
void BM_Mesh20(benchmark::State& state) {
  const double rate = static_cast<double>(state.range(0));
  const bool all = state.range(1) != 0;
  const Time duration = Time::from_s(20);
  uint64_t roots = 0, events = 0, records = 0;
  for (auto _ : state) {
    Mesh mesh(mesh20(rate, duration, all));
    CountingSink sink;
    mesh.run(sink);
    roots += mesh.root_requests();
    events += mesh.events();
    records += sink.records;
  }
  state.SetItemsProcessed(static_cast<int64_t>(roots));
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events/root"] = static_cast<double>(events) / static_cast<double>(roots);
  state.counters["records/root"] = static_cast<double>(records) / static_cast<double>(roots);
  state.counters["roots"] = static_cast<double>(roots);  // instructions per root: callgrind's Ir / roots
}

// Memory per in-flight root request: heap in use at steady state under a light and a heavy
// load, (heap_heavy - heap_light) / (in_flight_heavy - in_flight_light).  The difference
// cancels the fixed tables; what is left is pools, queues, pending events and timers.
void BM_Mesh20_MemoryPerInFlightRoot(benchmark::State& state) {
  double per_root = 0, heavy_in_flight = 0;
  for (auto _ : state) {
    auto measure = [](double rate, uint64_t& in_flight) {
      auto mesh = std::make_unique<Mesh>(mesh20(rate, Time::from_s(10)));
      CountingSink sink;
      const size_t base = heap_in_use();
      mesh->begin(sink);
      mesh->run_until(Time::from_s(5));
      in_flight = mesh->in_flight_roots();
      return heap_in_use() - base;
    };
    uint64_t n_light = 0, n_heavy = 0;
    const double light = static_cast<double>(measure(500, n_light));
    const double heavy = static_cast<double>(measure(15000, n_heavy));
    per_root = (heavy - light) / static_cast<double>(n_heavy - n_light);
    heavy_in_flight = static_cast<double>(n_heavy);
  }
  state.counters["bytes/in_flight_root"] = per_root;
  state.counters["in_flight_roots"] = heavy_in_flight;
}

}  // namespace

BENCHMARK(BM_Mesh20)->Args({1000, 0})->Args({1000, 1})->Args({10000, 0})->Args({10000, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Mesh20_MemoryPerInFlightRoot)->Iterations(1)->Unit(benchmark::kMillisecond);
