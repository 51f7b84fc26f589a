// Network faults in a run (models/chaos/network_faults.h), against how Chaos Mesh installs them
// (controllers/chaosimpl/networkchaos): netem on the selected pods' egress towards the target
// (to), on the target's egress towards the selected pods (from), or both; without a target on
// all egress; a partition's iptables DROP without connection tracking breaks TCP both ways
// (chaos-mesh#4477); a lost message is retransmitted after TCP's RTO (srtt + 200 ms).
//
// The mesh: `users` (1000 rps, constant) -> front (1 pod, via its sidecar) -> back (2 pods); no
// network latency, no sidecar overhead, no compute: a call's latency is the fault's alone.
#include <catch2/catch.hpp>

#include "pod_loss_fixture.h"

namespace {

using namespace meshsim::testing;
using Direction = NetworkFault::Direction;
using Kind = NetworkFault::Kind;

MeshConfig two_tier() {
  MeshConfig m = base(2, {}, "1.27");
  m.experiment.duration = 3_s;
  m.services.push_back({"front", "default", {{"http", 8080, Protocol::kHttp}}, {{"app", "front"}}});
  WorkloadConfig f = m.workloads[0];
  f.name = "front-v1";
  f.service = "front";
  f.labels = {{"app", "front"}};
  f.replicas = 1;
  f.workers = 100000;  // calls hanging in a partition hold no one else up
  CallStep call;
  call.service = "back";
  f.handlers[0].steps = {call};
  m.workloads.push_back(f);
  m.loads[0].target_service = "front";
  return m;
}

PodSelector app(const char* name) {
  PodSelector s;
  s.labels = {{"app", name}};
  return s;
}

void add_fault(MeshConfig& m, NetworkFault f, Time at = 1_s, Time duration = Time::max()) {
  TimelineEvent e;
  e.name = "fault";
  e.at = at;
  e.duration = duration;
  e.description = "fault";
  e.action = std::move(f);
  m.timeline.push_back(e);
}

NetworkFault delay(PodSelector pods, Time latency) {
  NetworkFault f;
  f.pods = std::move(pods);
  f.latency = latency;
  return f;
}

// front -> back calls as front's sidecar saw them (reporter=source, destination back), started
// in [from, to): their latencies.
std::vector<Time> back_calls(const Collect& c, Time from, Time to) {
  std::vector<Time> out;
  for (const auto& r : c.of(Reporter::kSource, 0))
    if (r.start >= from && r.start < to && !r.generator) out.push_back(r.end - r.start);
  return out;
}

bool all_equal(const std::vector<Time>& v, Time t) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [&](Time x) { return x == t; });
}

TEST_CASE("network fault: delay on the pods' egress delays what they send, from the start to the end") {
  // On back's egress, no target: its responses to front take 30 ms more.
  MeshConfig m = two_tier();
  add_fault(m, delay(app("back"), 30_ms), 1_s, 1_s);
  const Collect c = run(m);
  CHECK(all_equal(back_calls(c, 100_ms, 1_s), Time::zero()));
  CHECK(all_equal(back_calls(c, 1_s, 2_s - 30_ms), 30_ms));
  CHECK(all_equal(back_calls(c, 2_s, 3_s), Time::zero()));
}

TEST_CASE("network fault: direction to, from and both, with a target") {
  // Selected front, target back.  to: front's egress towards back (the requests); from: back's
  // egress towards front (the responses); both: each way, 2 x 30 ms.
  for (auto [dir, expected] : {std::pair{Direction::kTo, 30_ms}, std::pair{Direction::kFrom, 30_ms},
                               std::pair{Direction::kBoth, 60_ms}}) {
    MeshConfig m = two_tier();
    NetworkFault f = delay(app("front"), 30_ms);
    f.target = app("back");
    f.direction = dir;
    add_fault(m, f);
    CHECK(all_equal(back_calls(run(m), 1_s, 3_s - 100_ms), expected));
  }
  // A target that is not on the path: nothing changes (the filter is by destination).
  MeshConfig m = two_tier();
  NetworkFault f = delay(app("front"), 30_ms);
  f.target = app("front");
  add_fault(m, f);
  CHECK(all_equal(back_calls(run(m), 1_s, 3_s - 100_ms), Time::zero()));
}

TEST_CASE("network fault: a one-way partition breaks the TCP connections both ways") {
  // iptables DROP without conntrack (chaos-mesh#4477): a `from` partition of back from front
  // drops back's packets to front; front's connection attempts then get no SYN-ACK and fail after
  // the connect timeout (10 s).  (Istio's default retry then succeeds, the partition over.)
  MeshConfig m = two_tier();
  NetworkFault f;
  f.kind = Kind::kPartition;
  f.pods = app("back");
  f.target = app("front");
  f.direction = Direction::kFrom;
  add_fault(m, f, 1_s, 1_s);
  m.experiment.duration = 14_s;
  const Collect c = run(m);
  const auto during = back_calls(c, 1_s, 2_s);
  CHECK(during.size() > 900);
  CHECK(std::all_of(during.begin(), during.end(), [](Time t) { return t >= 10_s; }));
  CHECK(all_equal(back_calls(c, 2_s + 100_ms, 3_s), Time::zero()));  // over when it ends
}

TEST_CASE("network fault: lost messages come late by TCP's retransmission timeout") {
  // 10 % loss on back's egress: a response is lost with p = 0.1, then resent after srtt + 200 ms
  // (srtt: 0 here), lost again with p = 0.1 (another 400 ms later) ...
  MeshConfig m = two_tier();
  NetworkFault f;
  f.pods = app("back");
  f.loss = 10;
  add_fault(m, f, 0_s);
  const auto calls = back_calls(run(m), 100_ms, 2_s);
  int late = 0, later = 0, other = 0;
  for (Time t : calls) {
    if (t == 200_ms) ++late;
    else if (t == 600_ms) ++later;
    else if (t != Time::zero()) ++other;
  }
  const double n = static_cast<double>(calls.size());
  CHECK(within_binomial(late, n, 0.1 * 0.9));
  CHECK(within_binomial(later, n, 0.1 * 0.1 * 0.9));
  CHECK(within_binomial(other, n, 0.1 * 0.1 * 0.1));  // three losses in a row or more
}

TEST_CASE("network fault: what TCP resends after the fault has ended gets through") {
  // 100 % loss on back's egress from 1 s to 1.5 s: a response sent at t is resent at t + 200 ms,
  // t + 600 ms, ... (RTO doubling); the first resend at or after 1.5 s gets through, so every
  // call of [1 s, 1.5 s) ends, 200 or 600 ms late (a response at 1.0 s: 1.2 s lost, 1.6 s through).
  MeshConfig m = two_tier();
  NetworkFault f;
  f.pods = app("back");
  f.loss = 100;
  add_fault(m, f, 1_s, 500_ms);
  const Collect c = run(m);
  const auto during = back_calls(c, 1_s, 1_s + 500_ms);
  CHECK(during.size() > 450);
  CHECK(std::all_of(during.begin(), during.end(), [](Time t) { return t == 200_ms || t == 600_ms; }));
  // None is lost: front's calls started then all came back (the load's 1000/s).
  CHECK(back_calls(c, 1_s + 500_ms, 2_s).size() > 450);
}

}  // namespace
