// A Load run from a workload's pods (LoadConfig::from), as fortio or locust in a Deployment: its
// requests are that workload's calls on every record, match VirtualService sourceLabels as it,
// leave from its pods' zones, and stop while its pods are lost (models/load_generator.h).
// Network latency and sidecar overhead are constants, so every figure here is exact.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "models/mesh.h"
#include "support/recording_sink.h"

using namespace meshsim::models;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;
using Collect = meshsim::testing::RecordingSink;

namespace {

// `backend` (v1 and v2, one pod each, zone-a) and `tester`, a Deployment that backs no Service
// (labels app: tester), two pods: tester-0 in zone-a, tester-1 in zone-b.  The network takes 0
// within a zone and 5 ms across (one way); the sidecar overhead is 0.  The Load `users` sends
// 100 requests per second, evenly spaced, to backend.
MeshConfig mesh(bool from) {
  MeshConfig m;
  m.network.same_zone = m.network.cross_region = Distribution::constant(0);
  m.network.cross_zone = Distribution::constant(0.005);
  m.network.zone_region = {{"zone-a", "region-1"}, {"zone-b", "region-1"}};
  m.sidecar.pair_overhead = Distribution::constant(0);
  m.experiment.duration = 10_s;
  m.experiment.trace_sample_per_mille = 1000;
  m.services.push_back({"backend", "default", {{"http", 9080, Protocol::kHttp}}, {{"app", "backend"}}});
  for (const char* v : {"v1", "v2"}) {
    WorkloadConfig w;
    w.name = std::string("backend-") + v;
    w.service = "backend";
    w.labels = {{"app", "backend"}, {"version", v}};
    w.workers = 100;
    w.zones = {"zone-a"};
    m.workloads.push_back(w);
  }
  WorkloadConfig t;
  t.name = "tester";
  t.labels = {{"app", "tester"}};
  t.replicas = 2;
  t.zones = {"zone-a", "zone-b"};
  m.workloads.push_back(t);
  DestinationRuleConfig dr;
  dr.name = "backend";
  dr.host = "backend";
  dr.subsets = {{"v1", {{"version", "v1"}}, std::nullopt}, {"v2", {{"version", "v2"}}, std::nullopt}};
  m.traffic.destination_rules.push_back(dr);
  LoadConfig l;
  l.name = "users";
  l.target_service = "backend";
  l.model = LoadConfig::Model::kOpenConstant;
  l.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), 100, 0, 0, {}});
  l.zone = "zone-a";
  l.through_sidecar = true;
  if (from) l.from = "tester";
  m.loads.push_back(l);
  return m;
}

// Istio's "route by source workload" (VirtualService http[].match[].sourceLabels): the tester's
// calls go to v2, everyone else's to v1.
meshsim::policies::VirtualServiceConfig v2_for_tester() {
  using meshsim::policies::HttpRoute;
  meshsim::policies::VirtualServiceConfig vs;
  vs.name = "backend";
  vs.ns = "default";
  vs.hosts = {"backend"};
  HttpRoute tester;
  meshsim::policies::HttpMatch match;
  match.source_labels = {{"app", "tester"}};
  tester.matches.push_back(match);
  tester.destinations.push_back({"backend", "v2", 0, 100});
  HttpRoute others;
  others.destinations.push_back({"backend", "v1", 0, 100});
  vs.http = {tester, others};
  return vs;
}

Collect run(const MeshConfig& m) {
  Collect c;
  Mesh mesh(m);
  mesh.run(c);
  return c;
}

}  // namespace

TEST_CASE("A Load from a workload: every record and span names it as the source", "[load_from]") {
  const Collect c = run(mesh(true));
  const uint32_t tester = c.workload_index("tester");
  const uint32_t backend = c.service_index("backend");
  const auto client = c.of(Reporter::kClient, backend);
  const auto source = c.of(Reporter::kSource, backend);
  const auto destination = c.of(Reporter::kDestination, backend);
  REQUIRE(client.size() >= 990);  // 100 per second for 10 s (the last may still be in flight)
  REQUIRE(source.size() == client.size());
  REQUIRE(destination.size() == client.size());
  for (const auto& records : {client, source, destination})
    for (const CallRecord& r : records) CHECK(r.source_workload == tester);
  // The sidecar's record is the generator's (its request counted once, at reporter=client).
  for (const CallRecord& r : source) CHECK(r.generator);
  for (const CallRecord& r : destination) CHECK_FALSE(r.generator);
  // Spans: the client sidecar's span is recorded in the tester's pod.
  size_t client_spans = 0;
  for (const SpanRecord& s : c.span_records)
    if (s.kind == Reporter::kSource) {
      ++client_spans;
      CHECK(s.workload == tester);
    }
  CHECK(client_spans == client.size());
}

TEST_CASE("A Load without from: its records name no source workload (unchanged)", "[load_from]") {
  const Collect c = run(mesh(false));
  const uint32_t backend = c.service_index("backend");
  for (auto r : {Reporter::kClient, Reporter::kSource, Reporter::kDestination})
    for (const CallRecord& x : c.of(r, backend)) CHECK(x.source_workload == kNoWorkload);
}

TEST_CASE("A Load from a workload leaves from its pods, round robin: half of them cross zones",
          "[load_from]") {
  // tester-0 is in backend's zone (0 ms), tester-1 is not (5 ms each way): requests alternate
  // between them, so exactly every other one takes 10 ms.
  const Collect c = run(mesh(true));
  const auto client = c.of(Reporter::kClient, c.service_index("backend"));
  size_t near = 0, far = 0;
  for (const CallRecord& r : client) {
    const Time d = r.end - r.start;
    if (d == Time::zero()) ++near;
    if (d == 10_ms) ++far;
  }
  CHECK(near + far == client.size());
  CHECK((near == far || near == far + 1));
}

TEST_CASE("VirtualService sourceLabels match a Load's from-workload (Istio: the proxy's labels)",
          "[load_from]") {
  // Hand-checkable: with `from: tester` every request is the tester's and goes to v2; without,
  // the load generator has no labels, so the catch-all sends every request to v1.
  for (const bool from : {true, false}) {
    MeshConfig m = mesh(from);
    m.traffic.virtual_services.push_back(v2_for_tester());
    const Collect c = run(m);
    const uint32_t v1 = c.workload_index("backend-v1"), v2 = c.workload_index("backend-v2");
    const auto dest = c.of(Reporter::kDestination, c.service_index("backend"));
    REQUIRE(dest.size() >= 990);
    const auto to_v2 = std::count_if(dest.begin(), dest.end(), [&](const CallRecord& r) {
      return r.destination_workload == v2;
    });
    const auto to_v1 = std::count_if(dest.begin(), dest.end(), [&](const CallRecord& r) {
      return r.destination_workload == v1;
    });
    INFO("from: " << from);
    CHECK(static_cast<size_t>(from ? to_v2 : to_v1) == dest.size());
  }
}

TEST_CASE("A Load from a workload whose pod is lost: that pod sends nothing until it is back",
          "[load_from]") {
  // tester-1 (zone-b) crashes at 4 s and the kubelet restarts it 1 s later (its first restart
  // has no back-off): meanwhile its turns are skipped, so the far (10 ms) requests stop; the
  // near ones go on.  A closed loop pinned to the lost pod waits, then goes on.
  for (const bool closed : {false, true}) {
    MeshConfig m = mesh(true);
    m.experiment.kubernetes.kubelet_sync_delay = 1_s;
    if (closed) {
      LoadConfig& l = m.loads[0];
      l.model = LoadConfig::Model::kClosed;
      l.rate.clear();
      l.connections = 2;  // user 0 in tester-0, user 1 in tester-1
      l.think_time = Distribution::constant(0.01);
    }
    KillPods k{{.workload = "tester", .zone = "zone-b", .count = 1}};
    k.mode = PodLossMode::kCrash;
    k.replace = true;
    TimelineEvent e;
    e.at = 4_s;
    e.description = "kill";
    e.action = k;
    m.timeline.push_back(e);
    const Collect c = run(m);
    size_t far_during = 0, near_during = 0, far_after = 0;
    for (const CallRecord& r : c.of(Reporter::kClient)) {
      const bool far = r.end - r.start == 10_ms;
      if (r.start >= 4_s && r.start < 5_s) (far ? far_during : near_during) += 1;
      if (r.start >= 6_s && far) ++far_after;
    }
    INFO("closed: " << closed);
    CHECK(far_during == 0);
    CHECK(near_during > 0);
    CHECK(far_after > 0);
  }
}
