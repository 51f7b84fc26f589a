// Envoy's inbound overload filters in a run (models/inbound/overload_filters.h): one pod that
// serves one request at a time, 10 ms each (capacity 100/s), offered 200/s.
//   * Adaptive concurrency bounds the requests inside the pod, so the served requests stay fast
//     while the rest get 503 at once with no response flag; without it the queue grows without
//     bound.  The pod can serve at most 100/s, so at least half the requests must be refused.
//   * Admission control against a pod that fails everything (500): once the window holds 4
//     requests, p = min(0.8, n / (n + 1)) = 0.8, so 80 % of requests get its 503 (within a 99.9 %
//     binomial bound) and the other 20 % reach the app.  A healthy pod: none.
#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/models/pod_loss_fixture.h"

namespace {

using namespace meshsim::testing;
namespace policies = meshsim::policies;

MeshConfig one_slow_pod(double rate) {
  MeshConfig m = base(1, {ComputeStep{Distribution::constant(0.010)}}, "1.27");
  m.workloads[0].workers = 1;
  m.loads[0].rate[0].rate = rate;
  m.experiment.duration = 20_s;
  return m;
}

InboundHttpFilter filter_of(std::variant<policies::AdaptiveConcurrencyConfig, policies::AdmissionControlConfig> f) {
  InboundHttpFilter x;
  x.envoy_filter = "default/test";
  x.namespace_ = "default";
  x.workload_selector = Labels{{"app", "back"}};
  x.filter = std::move(f);
  return x;
}

struct Tally {
  double served = 0, refused = 0, other = 0;
  Time worst_served = Time::zero();
};

// As the server sidecar reported them (reporter=destination), from `from` on.
Tally tally(const Collect& c, Time from) {
  Tally t;
  for (const CallRecord& r : c.of(Reporter::kDestination)) {
    if (r.start < from) continue;
    if (r.response_code == 200) {
      ++t.served;
      t.worst_served = std::max(t.worst_served, r.end - r.start);
    } else if (r.response_code == 503 && r.response_flags == 0) {
      ++t.refused;
    } else {
      ++t.other;
    }
  }
  return t;
}

TEST_CASE("adaptive concurrency: an overloaded pod sheds load and stays fast") {
  MeshConfig m = one_slow_pod(200);
  const Tally without = tally(run(m), 5_s);
  CHECK(without.refused == 0);
  CHECK(without.worst_served > 5_s);  // the queue grows by 100 requests a second

  policies::AdaptiveConcurrencyConfig ac;
  ac.concurrency_update_interval = 100_ms;
  ac.min_rtt_request_count = 20;
  m.traffic.inbound_http_filters.push_back(filter_of(ac));
  const Tally with = tally(run(m), 5_s);
  const double n = with.served + with.refused;
  CHECK(with.other == 0);
  CHECK(with.served / 15.0 <= 100.0 + 1e-9);      // capacity: one 10 ms request at a time
  CHECK(with.served / 15.0 >= 90.0);              // ... and the pod is kept busy
  CHECK(with.refused / n >= 0.5 - 3.29 * std::sqrt(0.25 / n));
  CHECK(with.worst_served < 1_s);                 // bounded: no runaway queue
}

TEST_CASE("admission control: a failing pod's requests are refused with p = 0.8") {
  MeshConfig m = one_slow_pod(50);
  m.workloads[0].handlers[0].error_probability = 1.0;  // every request: 500
  m.traffic.inbound_http_filters.push_back(filter_of(policies::AdmissionControlConfig{}));
  const Tally t = tally(run(m), 1_s);
  const double n = t.refused + t.other;
  REQUIRE(t.served == 0);
  CHECK(within_binomial(t.refused, n, 0.8));

  MeshConfig healthy = one_slow_pod(50);
  healthy.traffic.inbound_http_filters.push_back(filter_of(policies::AdmissionControlConfig{}));
  const Tally h = tally(run(healthy), Time::zero());
  CHECK(h.refused == 0);
  CHECK(h.served > 900);
}

TEST_CASE("overload filters: only the selected workloads get them") {
  MeshConfig m = one_slow_pod(200);
  policies::AdaptiveConcurrencyConfig ac;
  InboundHttpFilter f = filter_of(ac);
  f.workload_selector = Labels{{"app", "elsewhere"}};
  m.traffic.inbound_http_filters.push_back(f);
  CHECK(tally(run(m), 5_s).refused == 0);
  f.workload_selector.reset();
  f.namespace_ = "istio-system";  // the root namespace: every workload of the mesh
  m.traffic.inbound_http_filters = {f};
  CHECK(tally(run(m), 5_s).refused > 0);
}

}  // namespace
