// Kubernetes discovery in the run: a Service's endpoints are the pods its selector selects, so a
// Deployment selected by two Services (Online Boutique's frontend and frontend-external) backs
// both, each request is reported under the Service it was sent to, and each Service is its own
// Envoy cluster.  Source of truth: Kubernetes' EndpointSlice controller (one slice set per
// Service, pods chosen by selector), Istio's outbound|port||svc clusters, and Istio's standard
// metrics (destination_service is the service the request was for, destination_workload the pod's).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "models/config/topology.h"
#include "models/control/control_plane.h"
#include "models/runtime.h"
#include "models/mesh.h"
#include "support/mesh_config.h"
#include "support/recording_sink.h"

using namespace meshsim::models;
using meshsim::simcore::Distribution;
using namespace meshsim::simcore::time_literals;

namespace {

// frontend and frontend-external select app=frontend; client (with a sidecar) calls `target`.
MeshConfig two_services(const std::string& target) {
  MeshConfig m = meshsim::testing::zero_latency_mesh(20_s, /*zero_sidecar_overhead=*/true);
  m.services.push_back({"frontend", "default", {{"http", 80, Protocol::kHttp}}, {{"app", "frontend"}}});
  m.services.push_back({"frontend-external", "default", {{"http", 80, Protocol::kHttp}}, {{"app", "frontend"}}});
  m.services.push_back({"client", "default", {{"http", 80, Protocol::kHttp}}, {{"app", "client"}}});
  WorkloadConfig f;
  f.name = "frontend";
  f.labels = {{"app", "frontend"}};
  f.replicas = 2;
  f.workers = 10;
  f.handlers.push_back({});
  m.workloads.push_back(f);
  WorkloadConfig c;
  c.name = "client";
  c.labels = {{"app", "client"}};
  c.workers = 10;
  CallStep call;
  call.service = target;
  HandlerConfig h;
  h.steps.push_back(call);
  c.handlers.push_back(h);
  m.workloads.push_back(c);
  LoadConfig l;
  l.name = "users";
  l.target_service = "client";
  l.model = LoadConfig::Model::kClosed;
  l.connections = 1;
  l.think_time = Distribution::constant(1.0);
  m.loads.push_back(l);
  return m;
}

}  // namespace

TEST_CASE("endpoints: every Service whose selector matches a pod gets it; the primary is the first") {
  const MeshConfig m = two_services("frontend-external");
  const Topology t(m);
  const ServiceId frontend(0), external(1);
  REQUIRE(t.service_pods[frontend].size() == 2);
  CHECK(t.service_pods[external] == t.service_pods[frontend]);
  const WorkloadRt& w = t.workloads[WorkloadId(0)];
  CHECK(w.services == std::vector<ServiceId>{frontend, external});
  CHECK(w.service == frontend);  // WorkloadConfig::service empty: the first that selects it
  CHECK(t.catalog().workloads[0].service == "frontend");
  CHECK(t.services_of(t.service_pods[external][0]) == w.services);
}

TEST_CASE("endpoints: a Service without a selector, or in another namespace, gets no pods") {
  MeshConfig m = two_services("frontend");
  m.services.push_back({"manual", "default", {{"http", 80, Protocol::kHttp}}, {}});
  m.services.push_back({"frontend", "other", {{"http", 80, Protocol::kHttp}}, {{"app", "frontend"}}});
  const Topology t(m);
  CHECK(t.service_pods[ServiceId(3)].empty());
  CHECK(t.service_pods[ServiceId(4)].empty());
}

TEST_CASE("endpoints: a primary Service that does not select its workload is refused") {
  MeshConfig m = two_services("frontend");
  m.workloads[0].service = "client";
  CHECK_THROWS_AS(Topology(m), std::invalid_argument);
}

TEST_CASE("endpoints: a pod that leaves the endpoints leaves every Service's set") {
  // kube-proxy's rules (what a caller without a sidecar picks from) change for every Service
  // that selects the pod; the sidecars' views follow istiod's pushes (endpoint_propagation_test).
  const MeshConfig m = two_services("frontend");
  Runtime rt(m);
  const PodId p = rt.topo.service_pods[ServiceId(0)][0];
  rt.control.kube_proxy(p, false);
  CHECK(rt.control.ready_pods(ServiceId(0)).size() == 1);
  CHECK(rt.control.ready_pods(ServiceId(1)).size() == 1);
  rt.control.kube_proxy(p, true);
  CHECK(rt.control.ready_pods(ServiceId(0)).size() == 2);
  CHECK(rt.control.ready_pods(ServiceId(1)).size() == 2);
}

TEST_CASE("endpoints: each Service is its own cluster (outbound|port||svc)") {
  const MeshConfig m = two_services("frontend");
  Runtime rt(m);
  const uint32_t a = rt.control.traffic().find_cluster(0, "");
  const uint32_t b = rt.control.traffic().find_cluster(1, "");
  CHECK(a != b);
  CHECK(rt.control.traffic().cluster(a).pods == rt.control.traffic().cluster(b).pods);
}

TEST_CASE("a request to a second Service on the same Deployment succeeds, labelled with that Service") {
  for (const bool sidecar : {true, false}) {
    MeshConfig m = two_services("frontend-external");
    m.workloads[1].sidecar = sidecar;  // the caller: through its sidecar's cluster, or kube-proxy
    meshsim::testing::RecordingSink sink;
    Mesh mesh(m);
    mesh.run(sink);
    const uint32_t external = 1, frontend_workload = 0, client_workload = 1;
    std::vector<CallRecord> dest;  // the frontend pods' reports (not the client's own)
    for (const CallRecord& r : sink.of(Reporter::kDestination))
      if (r.destination_workload != client_workload) dest.push_back(r);
    INFO("caller sidecar " << sidecar);
    REQUIRE(dest.size() >= 19);
    for (const CallRecord& r : dest) {
      CHECK(r.destination_service == external);
      CHECK(r.destination_workload == frontend_workload);
      CHECK(r.response_code == 200);
    }
    if (sidecar) {
      for (const CallRecord& r : sink.of(Reporter::kSource)) {  // the client's sidecar's only
        CHECK(r.destination_service == external);
        CHECK(r.response_code == 200);
      }
    }
    CHECK(sink.catalog.services[external].name == "frontend-external");
  }
}

TEST_CASE("a Service port's endpoints leave out pods without its named targetPort (FindPort)") {
  MeshConfig m = two_services("frontend");
  m.services[0].ports = {{"http", 80, Protocol::kHttp, "", 0, "web"}, {"admin", 9000, Protocol::kHttp, "", 9000}};
  WorkloadConfig other = m.workloads[0];
  other.name = "frontend-canary";
  other.replicas = 1;
  m.workloads[0].container_ports = {{"web", 8080}};
  m.workloads.push_back(other);  // declares no port named "web"
  const Topology t(m);
  CHECK(t.service_pods[ServiceId(0)].size() == 3);
  CHECK(t.port_endpoints(ServiceId(0), 80).size() == 2);    // frontend's two pods only
  CHECK(t.port_endpoints(ServiceId(0), 9000).size() == 3);  // a number: every pod
  CHECK(t.port_endpoints(ServiceId(0), 1234).empty());      // no such port
}

TEST_CASE("a partition between two services cuts the pods each selects, whichever Service a call names") {
  // client -> frontend-external, partition client | frontend: the frontend pods are frontend's
  // too, so every call is cut (no response from a pod: no destination sample from frontend).
  MeshConfig m = two_services("frontend-external");
  TimelineEvent ev;
  ev.at = meshsim::simcore::Time::zero();
  ev.action = Partition{"client", "frontend"};
  m.timeline.push_back(ev);
  m.experiment.connect_timeout = 100_ms;  // so that a cut request ends within the run
  meshsim::testing::RecordingSink sink;
  Mesh mesh(m);
  mesh.run(sink);
  for (const CallRecord& r : sink.of(Reporter::kDestination)) CHECK(r.destination_workload != 0);
  const auto source = sink.of(Reporter::kSource);
  REQUIRE(!source.empty());
  for (const CallRecord& r : source) CHECK(r.response_code != 200);
}

TEST_CASE("headless: the pod is the client's DNS pick and the sidecar's retries stay on it (ORIGINAL_DST)") {
  // Truth: Istio gives a headless Service an ORIGINAL_DST cluster (reference §3): no load
  // balancer, so a request whose pod always answers 503 is retried on that same pod until the
  // attempts run out (1 + 3), while a ClusterIP Service's retries move to another pod.  The DNS
  // pick is uniform over 4 ready pods, 1 of them bad: about a quarter of requests fail, within a
  // binomial 99.9 % interval.
  for (const bool headless : {true, false}) {
    MeshConfig m = two_services("frontend");
    m.services[0].headless = headless;
    m.workloads[0].replicas = 3;
    WorkloadConfig bad = m.workloads[0];
    bad.name = "frontend-bad";
    bad.replicas = 1;
    bad.handlers[0].error_probability = 1.0;
    bad.handlers[0].error_status = 503;
    m.workloads.push_back(bad);
    meshsim::policies::VirtualServiceConfig vs;
    vs.name = "frontend";
    vs.ns = "default";
    vs.hosts = {"frontend"};
    meshsim::policies::HttpRoute r;
    r.destinations.push_back({"frontend", "", 0, 0});
    meshsim::policies::IstioHttpRetry retry;
    retry.attempts = 3;
    retry.retry_on = "5xx";
    r.retries = retry;
    vs.http.push_back(r);
    m.traffic.virtual_services.push_back(vs);
    m.loads[0].think_time = Distribution::constant(0.01);
    m.experiment.duration = 60_s;
    meshsim::testing::RecordingSink sink;
    Mesh mesh(m);
    mesh.run(sink);
    const auto src = sink.of(Reporter::kSource, 0);
    REQUIRE(src.size() > 1500);
    const double n = static_cast<double>(src.size());
    double failed = 0;
    for (const CallRecord& r2 : src) {
      if (r2.response_code == 200) continue;
      ++failed;
      if (headless) CHECK(r2.attempts == 4);  // every attempt on the bad pod
    }
    INFO("headless " << headless << ": " << failed << " of " << n << " failed");
    if (headless) {
      const double half = 3.29 * std::sqrt(0.25 * 0.75 / n);
      CHECK(std::abs(failed / n - 0.25) < half);
    } else {
      CHECK(failed / n < 0.01);  // retries find a good pod
    }
  }
}
