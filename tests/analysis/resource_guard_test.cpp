// Resource guards (analysis/resource_guard.h): a run whose requests in flight grow without bound
// is ended with a report naming where they pile up, never left to exhaust the machine.
// Truths: the guard's own definition (a strict ">" on each limit) and the scenario's arithmetic:
// 1000 requests/s offered to a server that completes 100/s leave 900 more in flight each second.
#include <catch2/catch.hpp>

#include <string>

#include "analysis/resource_guard.h"
#include "analysis/runner.h"
#include "scenarios/scenario.h"

using namespace meshsim::analysis;

namespace {

constexpr const char* kOverloaded = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: overloaded}
spec:
  network: {sameZone: 0s}
  services: [{name: slow}]
  workloads:
  - name: slow
    service: slow
    workers: 1
    sidecar: false
    handlers: [{steps: [{compute: 10ms}]}]
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: users}
spec: {target: slow, model: constant, rate: 1000}
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata: {name: overloaded}
spec:
  duration: 60s
  limits: {maxInFlight: 5000}
)";

}  // namespace

TEST_CASE("tripped: each limit is a strict upper bound; wall time only when set",
          "[resource_guard]") {
  GuardLimits l{100, 1000, 0};
  CHECK_FALSE(tripped(l, 100, 1000, 1e9));
  CHECK(tripped(l, 101, 0, 0)->starts_with("101 requests in flight"));
  CHECK(tripped(l, 0, 1001, 0)->find("spec.limits.maxMemory") != std::string::npos);
  l.wall_time_s = 2;
  CHECK_FALSE(tripped(l, 0, 0, 2.0));
  CHECK(tripped(l, 0, 0, 2.5)->find("above the budget of 2 s") != std::string::npos);
}

TEST_CASE("resolve_limits: defaults for what is left at 0", "[resource_guard]") {
  const GuardLimits d = resolve_limits({});
  CHECK(d.max_in_flight == kDefaultMaxInFlight);
  CHECK(d.wall_time_s == 0);
  // 75 % of the memory this process may use (this machine: at least 1 GiB).
  CHECK(d.max_memory_bytes == usable_memory_bytes() / 4 * 3);
  CHECK(d.max_memory_bytes > (uint64_t{1} << 30));
  CHECK(resident_memory_bytes() > 0);
  const GuardLimits set = resolve_limits({7, 8, meshsim::simcore::Time::from_s(9)});
  CHECK((set.max_in_flight == 7 && set.max_memory_bytes == 8 && set.wall_time_s == 9.0));
}

TEST_CASE("A run whose requests in flight grow without bound stops with a report of where",
          "[resource_guard]") {
  const auto s = meshsim::scenarios::load_scenario_text(kOverloaded);
  CHECK(s.mesh.experiment.limits.max_in_flight == 5000);
  try {
    run_one({&s.mesh, 1}, {});
    FAIL("the guard did not trip");
  } catch (const ResourceLimitExceeded& e) {
    const std::string what = e.what();
    INFO(what);
    // 900 more in flight per second (one hop each): the 5000th passes at about 5.6 s; the
    // guard looks after each step of 0.12 s.
    CHECK(what.starts_with("resource limit reached (seed 1): stopped at "));
    const double at = std::stod(what.substr(what.find("stopped at ") + 11));
    CHECK(at > 5.4);
    CHECK(at < 5.9);
    CHECK(what.find("requests in flight (every hop), above the limit of 5000") != std::string::npos);
    // The queue is at slow: about 5000 waiting, 1 in service.
    const auto held = what.find("requests held by workloads");
    REQUIRE(held != std::string::npos);
    CHECK(what.find("slow", held) != std::string::npos);
    CHECK(what.find("1 in service", held) != std::string::npos);
  }
}
