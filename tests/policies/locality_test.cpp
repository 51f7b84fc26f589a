// Pins Istio's locality failover priorities and Envoy's per-priority load and panic
// (policies/locality.h).  Istio: pilot/pkg/networking/core/loadbalancer/loadbalancer.go,
// cluster_traffic_policy.go, networking/util LbPriority.  Envoy:
// source/extensions/load_balancing_policies/common/load_balancer_impl.cc.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policies/locality.h"

using namespace meshsim::policies;

namespace {

Placement at(std::string region, std::string zone, std::string subzone = "",
             std::vector<std::string> labels = {}) {
  return Placement{Locality{std::move(region), std::move(zone), std::move(subzone)},
                   std::move(labels)};
}

std::vector<PriorityHostCounts> counts(std::initializer_list<PriorityHostCounts> c) { return c; }

}  // namespace

TEST_CASE("Istio LbPriority: 0 same subzone, 1 same zone, 2 same region, 3 other region") {
  const Locality client{"us", "us-a", "rack1"};
  CHECK(locality_lb_priority(client, {"us", "us-a", "rack1"}) == 0);
  CHECK(locality_lb_priority(client, {"us", "us-a", "rack2"}) == 1);
  CHECK(locality_lb_priority(client, {"us", "us-b", "rack1"}) == 2);
  CHECK(locality_lb_priority(client, {"eu", "us-a", "rack1"}) == 3);
  // Empty subzones compare equal, so zone-only topologies get 0 for the client's own zone.
  CHECK(locality_lb_priority({"us", "us-a", ""}, {"us", "us-a", ""}) == 0);
}

TEST_CASE("Priorities are assigned only with outlierDetection (or forced), then compacted") {
  // cluster_traffic_policy.go applyLocalityLoadBalancer: "Failover should only be applied with
  // outlier detection, or traffic will never failover."  applyLocalityFailover renumbers the
  // raw priorities {0, 2, 3} to {0, 1, 2}.
  const Placement client = at("us", "us-a");
  const std::vector<Placement> endpoints = {at("us", "us-a"), at("us", "us-b"), at("eu", "eu-a"),
                                            at("us", "us-a")};
  const LocalityLbSetting mesh_default;  // MeshConfig localityLbSetting: enabled
  CHECK(assign_priorities(client, endpoints, mesh_default, false) ==
        std::vector<uint32_t>{0, 0, 0, 0});
  CHECK(assign_priorities(client, endpoints, mesh_default, true) ==
        std::vector<uint32_t>{0, 1, 2, 0});
  CHECK(assign_priorities(client, endpoints, mesh_default, false, /*force_failover=*/true) ==
        std::vector<uint32_t>{0, 1, 2, 0});

  SECTION("localityLbSetting.enabled = false or `distribute` leaves everything at P0") {
    LocalityLbSetting off;
    off.enabled = false;
    CHECK(assign_priorities(client, endpoints, off, true) == std::vector<uint32_t>{0, 0, 0, 0});
    LocalityLbSetting distribute;
    distribute.has_distribute = true;
    CHECK(assign_priorities(client, endpoints, distribute, true) ==
          std::vector<uint32_t>{0, 0, 0, 0});
  }
}

TEST_CASE("`failover` from/to: regions other than `to` drop below it (raw priority 4)") {
  // loadbalancer.go applyLocalityFailover: priority 3 becomes 4 unless the region is `to`.
  const Placement client = at("us-east", "z1");
  const std::vector<Placement> endpoints = {at("us-east", "z1"), at("eu-west", "z1"),
                                            at("us-west", "z1"), at("us-east", "z2")};
  LocalityLbSetting setting;
  setting.failover = {{"us-east", "us-west"}};
  // raw {0, 4, 3, 2} -> {0, 3, 2, 1}
  CHECK(assign_priorities(client, endpoints, setting, true) == std::vector<uint32_t>{0, 3, 2, 1});
  setting.failover = {{"ap-south", "us-west"}};  // not the client's region: no effect
  CHECK(assign_priorities(client, endpoints, setting, true) == std::vector<uint32_t>{0, 2, 2, 1});
}

TEST_CASE(
    "`failoverPriority`: the first mismatching label j gives N - j; alone, locality is ignored") {
  // loadbalancer.go applyFailoverPriorityPerLocality / priorityLabelOverrides.
  LocalityLbSetting setting;
  setting.failover_priority = {"topology.istio.io/network", "topology.kubernetes.io/zone"};
  const Placement client = at("us", "us-a", "", {"net1", "us-a"});
  const std::vector<Placement> endpoints = {
      at("eu", "x", "", {"net1", "us-a"}),     // both match: 0 (other region does not matter)
      at("us", "us-a", "", {"net1", "us-b"}),  // zone differs: 2 - 1 = 1
      at("us", "us-a", "", {"net2", "us-a"}),  // network differs: 2 - 0 = 2
      at("us", "us-a", "", {}),                // labels absent ("") differ: 2
  };
  CHECK(assign_priorities(client, endpoints, setting, true) == std::vector<uint32_t>{0, 1, 2, 2});

  SECTION("\"label=value\" replaces the client's own value") {
    setting.failover_priority = {"topology.istio.io/network=net2", "topology.kubernetes.io/zone"};
    CHECK(assign_priorities(client, endpoints, setting, true) == std::vector<uint32_t>{1, 1, 0, 1});
    const auto parsed = parse_failover_priority(setting.failover_priority);
    CHECK(parsed[0].name == "topology.istio.io/network");
    CHECK(parsed[0].value_override == std::string("net2"));
    CHECK_FALSE(parsed[1].value_override.has_value());
  }
  SECTION("with a `failover` list too, labels are the major key and locality the minor") {
    setting.failover = {{"us", "eu"}};
    // label priorities {0,1,2,2}; locality {3,0,0,0} -> raw {3, 5, 10, 10} -> {0, 1, 2, 2}
    CHECK(assign_priorities(client, endpoints, setting, true) == std::vector<uint32_t>{0, 1, 2, 2});
  }
}

TEST_CASE("The 70/30 example: 10+10 endpoints, 5 of the client's zone ejected") {
  // recalculatePerPriorityState: health = min(100, 140 * healthy / total) -> 70 and 100;
  // normalized min(100, 170) = 100; P0 takes 70, the remaining 30 spill to P1.
  const auto loads = compute_priority_loads(counts({{10, 5}, {10, 10}}), 0);
  CHECK(loads.health == std::vector<uint32_t>{70, 100});
  CHECK(loads.load == std::vector<uint32_t>{70, 30});
  CHECK(loads.panic == std::vector<uint8_t>{0, 0});
  // choosePriority: hash % 100 + 1 against cumulative loads, so exactly 70 of 100 residues.
  int p0 = 0;
  for (uint64_t h = 0; h < 100; ++h) p0 += choose_priority(h, loads.load) == 0 ? 1 : 0;
  CHECK(p0 == 70);
  CHECK(choose_priority(69, loads.load) == 0);   // 69 % 100 + 1 = 70 <= 70
  CHECK(choose_priority(70, loads.load) == 1);   // 71 > 70
  CHECK(choose_priority(170, loads.load) == 1);  // only the residue matters
}

TEST_CASE("Overprovisioning 1.4: a priority with 72% healthy hosts still takes 100%") {
  // 140 * 18 / 25 = 100 (integer), so nothing spills; 7/10 is only 98, so 2% spills.
  auto loads = compute_priority_loads(counts({{25, 18}, {10, 10}}), 0);
  CHECK(loads.health[0] == 100);
  CHECK(loads.load == std::vector<uint32_t>{100, 0});
  loads = compute_priority_loads(counts({{10, 7}, {10, 10}}), 0);
  CHECK(loads.health[0] == 98);
  CHECK(loads.load == std::vector<uint32_t>{98, 2});
}

TEST_CASE(
    "Rounding: below 100% total health loads are normalised and the remainder goes to the "
    "first available priority") {
  // distributeLoad: health 20 (1/7) and 28 (1/5), normalized 48: 2000/48 = 41, 2800/48 = 58,
  // 1 left over -> P0.
  const auto loads = compute_priority_loads(counts({{7, 1}, {5, 1}}), 0);
  CHECK(loads.health == std::vector<uint32_t>{20, 28});
  CHECK(loads.normalized_total_health == 48);
  CHECK(loads.load == std::vector<uint32_t>{42, 58});
  // With no healthy host in P0 the remainder goes to P1, the first with health.
  const auto skip = compute_priority_loads(counts({{4, 0}, {7, 1}, {5, 1}}), 0);
  CHECK(skip.load == std::vector<uint32_t>{0, 42, 58});
}

TEST_CASE("Panic threshold: healthy% below it -> the priority uses all its hosts") {
  // isHostSetInPanic: 30% < 50%.  Istio's threshold 0 (outlierDetection set) never panics.
  auto loads = compute_priority_loads(counts({{10, 3}}), 50);
  CHECK(loads.panic == std::vector<uint8_t>{1});
  CHECK(loads.total_panic);
  CHECK(loads.load == std::vector<uint32_t>{100});
  loads = compute_priority_loads(counts({{10, 3}}), 0);
  CHECK(loads.panic == std::vector<uint8_t>{0});
  CHECK(host_set_in_panic({10, 5}, 50) == false);  // 50% is not below 50%
  CHECK(host_set_in_panic({10, 4}, 50) == true);
  CHECK(host_set_in_panic({0, 0}, 1) == true);  // an empty priority counts as 0%
}

TEST_CASE("No panic while normalized total health is 100%, even for a 10%-healthy priority") {
  // recalculatePerPriorityPanic: "Never set panic mode if normalized total health is 100%".
  const auto loads = compute_priority_loads(counts({{10, 1}, {10, 10}}), 50);
  CHECK(loads.normalized_total_health == 100);
  CHECK(loads.panic == std::vector<uint8_t>{0, 0});
  CHECK(loads.load == std::vector<uint32_t>{14, 86});
}

TEST_CASE("Partial panic: below 100% total, only the priorities under the threshold panic") {
  // P0 2/10 (health 28, 20% < 50 -> panic), P1 6/10 (health 84, 60% -> no panic); normalized
  // min(100, 112) = 100 -> no panic at all.  With P1 3/6 (health 70) normalized is 98 < 100:
  // P0 panics, P1 (50%) does not.
  auto loads = compute_priority_loads(counts({{10, 2}, {10, 6}}), 50);
  CHECK(loads.panic == std::vector<uint8_t>{0, 0});
  loads = compute_priority_loads(counts({{10, 2}, {6, 3}}), 50);
  CHECK(loads.normalized_total_health == 98);
  CHECK(loads.panic == std::vector<uint8_t>{1, 0});
  CHECK_FALSE(loads.total_panic);
  CHECK(loads.load == std::vector<uint32_t>{29, 71});  // 2800/98 = 28 (+1 remainder), 7000/98 = 71
}

TEST_CASE("Total panic: every priority in panic -> loads follow host counts") {
  // recalculateLoadInTotalPanic: 10 and 30 hosts, none healthy, threshold 50 -> 25/75.
  const auto loads = compute_priority_loads(counts({{10, 0}, {30, 0}}), 50);
  CHECK(loads.total_panic);
  CHECK(loads.panic == std::vector<uint8_t>{1, 1});
  CHECK(loads.load == std::vector<uint32_t>{25, 75});
  // Rounding remainder to the first non-empty priority: 3 x 1 host -> 33/33/33 + 1.
  const auto thirds = compute_priority_loads(counts({{0, 0}, {1, 0}, {1, 0}, {1, 0}}), 50);
  CHECK(thirds.load == std::vector<uint32_t>{0, 34, 33, 33});
}

TEST_CASE("All hosts ejected with threshold 0: P0 takes 100% and nobody panics (-> 503 UH)") {
  // recalculatePerPriorityPanic: "panic is disabled and there is no hosts available".
  const auto loads = compute_priority_loads(counts({{10, 0}, {10, 0}}), 0);
  CHECK(loads.normalized_total_health == 0);
  CHECK(loads.load == std::vector<uint32_t>{100, 0});
  CHECK(loads.panic == std::vector<uint8_t>{0, 0});
  CHECK_FALSE(loads.total_panic);
}
