// Endpoint propagation: istiod's debounce (exact times), the push each sidecar applies, kube-proxy
// for callers without a sidecar, and the Kubernetes timings of a pod coming back (readiness probe,
// restart back-off).  Sources: shared/reference/real-applications-semantics.md §3-4, istio
// pilot/pkg/xds/discovery.go, the Kubernetes docs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "models/control/debouncer.h"
#include "models/kube/pod_lifecycle.h"
#include "policies/response_flags.h"
#include "tests/models/pod_loss_fixture.h"

using namespace meshsim::testing;
namespace flags = meshsim::policies;

// --- istiod's debounce -------------------------------------------------------------------------

TEST_CASE("Debounce: one event is pushed debounceAfter later (istio discovery.go debounce)", "[pod_loss]") {
  Debouncer d(100_ms, 10_s);
  REQUIRE(d.on_event(1_s));
  CHECK(d.timer_at() == 1100_ms);
  CHECK(d.on_timer(1100_ms));
}

TEST_CASE("Debounce: later events do not re-arm the timer; it re-arms for the rest of the quiet period",
          "[pod_loss]") {
  // Events at 0, 50 and 120 ms.  Timer at 100: quiet 50 < 100 -> re-arm at 100 + (100 - 50) = 150.
  // At 150: quiet 30 -> re-arm at 150 + 70 = 220.  At 220: quiet 100 -> push.
  Debouncer d(100_ms, 10_s);
  CHECK(d.on_event(0_ms));
  CHECK_FALSE(d.on_event(50_ms));
  CHECK_FALSE(d.on_timer(100_ms));
  CHECK(d.timer_at() == 150_ms);
  CHECK_FALSE(d.on_event(120_ms));
  CHECK_FALSE(d.on_timer(150_ms));
  CHECK(d.timer_at() == 220_ms);
  CHECK(d.on_timer(220_ms));
  // The next event starts a new batch.
  CHECK(d.on_event(300_ms));
  CHECK(d.timer_at() == 400_ms);
}

TEST_CASE("Debounce: continuous churn is pushed at the first timer past debounceMax", "[pod_loss]") {
  // An event every 50 ms from 0, each handled before a timer of the same time: every timer finds
  // quiet 0 and re-arms 100 ms later (100, 200, ...), so the push is at exactly 10 s (start + max).
  Debouncer d(100_ms, 10_s);
  Time push = Time::max();
  Time next_event = 0_ms;
  Time timer = Time::max();
  for (int i = 0; i < 1000 && push == Time::max(); ++i) {
    if (next_event <= timer) {
      if (d.on_event(next_event)) timer = d.timer_at();
      next_event = next_event + 50_ms;
    } else {
      const Time t = timer;
      if (d.on_timer(t)) push = t;
      else timer = d.timer_at();
    }
  }
  CHECK(push == 10_s);
}

TEST_CASE("Debounce in the mesh: two pods lost 90 ms apart leave the endpoints in one push, after the "
          "second change has been quiet for debounceAfter", "[pod_loss]") {
  // back-v1-0 crashes at 5.00 s and back-v2-0 at 5.09 s (4 pods: back-v1-0/1, back-v2-0/1).  Not
  // ready at 6.00 / 6.09 s, EndpointSlice at 6.10 / 6.19 s.  The first change arms the timer for
  // 6.20 s; then the quiet time is 10 ms, so it re-arms for 6.29 s and pushes both at once; the
  // load's sidecar applies it at 6.49 s.  Without the merge back-v1-0 would have left at 6.40 s.
  MeshConfig m = base(2, {}, "1.27");
  WorkloadConfig v2 = m.workloads[0];
  v2.name = "back-v2";
  v2.labels["version"] = "v2";
  m.workloads.push_back(v2);
  KillPods a{{.workload = "back-v1", .count = 1}};
  a.replace = false;
  KillPods b{{.workload = "back-v2", .count = 1}};
  b.replace = false;
  add_event(m, 5_s, a);
  add_event(m, 5090_ms, b);
  Time last_v1 = Time::zero();
  for (const auto& r : failures(run(m), Time::zero(), Time::max())) {
    CHECK(r.start < 6490_ms);
    if (r.destination_workload == 0) last_v1 = std::max(last_v1, r.start);
  }
  CHECK(last_v1 >= 6450_ms);
}

// --- Kubernetes timings --------------------------------------------------------------------------

TEST_CASE("Readiness after a container starts: the first probe at or after initialDelaySeconds, then "
          "successThreshold successes periodSeconds apart", "[pod_loss]") {
  WorkloadConfig::ReadinessProbe r;  // Kubernetes defaults 0 / 10 / 3 / 1: ready at once
  CHECK(PodLifecycle::readiness_time(r) == Time::zero());
  r.initial_delay = 15_s;
  r.period = 10_s;
  r.success_threshold = 2;
  CHECK(PodLifecycle::readiness_time(r) == 30_s);  // probes at 0, 10, 20 (first counted), 30
}

TEST_CASE("Crash restarts: at once the first time, then 10 s, 20 s, 40 s, ... capped at 5 min "
          "(Kubernetes pod-lifecycle; kuberuntime_manager.go doBackOff)", "[pod_loss]") {
  const Time expected[] = {0_s, 10_s, 20_s, 40_s, 80_s, 160_s, 300_s, 300_s, 300_s};
  for (uint32_t n = 0; n < 9; ++n) CHECK(PodLifecycle::restart_backoff(n) == expected[n]);
}

TEST_CASE("A caller without a sidecar follows kube-proxy: errors last until iptables changes "
          "(kubelet 1 s + EndpointSlice 100 ms + kube-proxy 1 s)", "[pod_loss]") {
  // Hand calculation: window 2.1 s at 1000/s, kube-proxy picks uniformly among 4 pods:
  // Binomial(2100, 1/4): mean 525, sd 19.8, 99.9 %: 525 +- 65.  The server sidecar answers 503.
  MeshConfig m = base(4, {}, "1.27");
  m.loads[0].through_sidecar = false;
  add_event(m, 5_s, kill_first(PodLossMode::kCrash));
  const Collect c = run(m);
  uint64_t errors = 0;
  for (const auto& r : c.of(Reporter::kClient)) {
    if (!failed(r)) continue;
    ++errors;
    CHECK(r.start >= 5_s);
    CHECK(r.start <= 7100_ms);
  }
  INFO("errors " << errors);
  CHECK(within_binomial(static_cast<double>(errors), 2100, 0.25));
}

