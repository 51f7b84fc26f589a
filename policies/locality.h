// Priorities: which endpoints a client prefers (Istio's locality failover), and how a client
// Envoy splits its traffic across priority levels by their health (Envoy's priority load).
//
// Two halves, in the order a request meets them:
//  1. Config time, in istiod: `assign_priorities` gives every endpoint of a cluster a priority
//     relative to one client proxy (istio pilot/pkg/networking/core/loadbalancer/
//     loadbalancer.go applyLocalityFailover / applyFailoverPriorities, util.LbPriority).
//     Istio writes priorities only when failover can work: the DestinationRule has
//     outlierDetection (cluster_traffic_policy.go applyLocalityLoadBalancer, "Failover should
//     only be applied with outlier detection") or failover is forced (Service
//     trafficDistribution).  Otherwise every endpoint is priority 0.
//  2. Run time, in Envoy: `compute_priority_loads` turns per-priority health into the
//     percentage of requests each priority receives and decides panic mode; `choose_priority`
//     maps a 64-bit draw onto those percentages (envoy source/extensions/load_balancing_
//     policies/common/load_balancer_impl.cc recalculatePerPriorityState, distributeLoad,
//     recalculatePerPriorityPanic, recalculateLoadInTotalPanic, isHostSetInPanic,
//     choosePriority).  All arithmetic is Envoy's integer arithmetic: health 5/10 is exactly
//     70, 7/10 is 98 (140*7/10), not 100.
//
// Not modelled (documented so nobody assumes otherwise):
//  * `distribute` (locality weights): with it Istio assigns no priorities; the weights
//    themselves and Envoy's locality-weighted pick inside a priority are not implemented.
//    The same holds for the locality-weighted pick Istio enables together with explicit
//    `failover`/`failoverPriority` lists: inside a priority we pick over the flat host list.
//  * Degraded hosts (Istio never reports DEGRADED), weighted_priority_health, Envoy
//    zone-aware routing (needs a local cluster; Istio's new zoneAwareLbSetting), retry
//    priority plugins (`retryRemoteLocalities` -> previous_priorities), and network-based
//    failover (multi-network meshes).
//  * applyFailoverPriorities is skipped by Istio when the client proxy has no labels at all;
//    callers model a labelled proxy.
//
// Pure functions over plain values; everything here runs when membership or health changes,
// never per request, except `choose_priority`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace meshsim::policies {

// Envoy's core.Locality.  An empty string is a value like any other (Istio compares them
// as strings; "" == "").
struct Locality {
  std::string region;
  std::string zone;
  std::string subzone;
  bool operator==(const Locality&) const = default;
};

// Istio util.LbPriority: 0 same region/zone/subzone, 1 same region and zone, 2 same region,
// 3 other region.
uint32_t locality_lb_priority(const Locality& client, const Locality& endpoint);

// DestinationRule localityLbSetting.failover entry: traffic from region `from` fails over to
// region `to`; endpoints of any other region get the raw priority 4 (after 3).
struct LocalityFailover {
  std::string from;
  std::string to;
};

// One entry of localityLbSetting.failoverPriority: a label name, optionally "name=value",
// where the value replaces the client proxy's own label value.
struct FailoverPriorityLabel {
  std::string name;
  std::optional<std::string> value_override;
};
// Splits "name" / "name=value" the way Istio does (strings.Split on '='; an override only
// when there are exactly two parts).
std::vector<FailoverPriorityLabel> parse_failover_priority(std::span<const std::string> entries);

// The subset of Istio's LocalityLoadBalancerSetting that decides priorities (the effective
// one: DestinationRule's if it has one, else MeshConfig's, whose `enabled` defaults to true).
struct LocalityLbSetting {
  bool enabled = true;
  std::vector<LocalityFailover> failover;
  std::vector<std::string> failover_priority;  // raw entries, "label" or "label=value"
  bool has_distribute = false;                 // `distribute` set: no priorities (see above)
};

// Where one endpoint (or the client proxy) sits: its locality and, when failoverPriority is
// used, its values for those labels in the setting's order ("" when the label is absent, as
// a Go map lookup gives).  For the client, the values are the proxy's own labels; overrides
// from "label=value" entries are applied by assign_priorities.
struct Placement {
  Locality locality;
  std::vector<std::string> label_values;
};

// Whether Istio writes failover priorities for this cluster at all.
bool failover_enabled(const LocalityLbSetting& setting, bool has_outlier_detection,
                      bool force_failover = false);

// Istio's priority for each endpoint, compacted to 0..N-1 without gaps, in the order of
// `endpoints`.  All zeros when failover is not enabled, locality LB is disabled, or
// `distribute` is set.  With failoverPriority alone, only the labels decide (the locality is
// ignored); with both lists, the label priority is the major key and the locality priority
// (with `failover`) the minor one (Istio multiplies by 5 and compacts again).
std::vector<uint32_t> assign_priorities(const Placement& client,
                                        std::span<const Placement> endpoints,
                                        const LocalityLbSetting& setting,
                                        bool has_outlier_detection, bool force_failover = false);

// ---- Envoy: per-priority load and panic ------------------------------------------------

// Envoy kDefaultOverProvisioningFactor: a priority is "100% healthy" from 1/1.4 = 71.5%
// healthy hosts on.  Integer, as in Envoy (health = min(100, 140 * healthy / total)).
inline constexpr uint32_t kDefaultOverprovisioningFactor = 140;

struct PriorityHostCounts {
  uint32_t hosts = 0;    // all hosts of the priority (ejected and unready included)
  uint32_t healthy = 0;  // hosts the balancer may use outside panic
};

struct PriorityLoads {
  std::vector<uint32_t> health;          // per priority, 0..100 (after overprovisioning)
  std::vector<uint32_t> load;            // per priority, percent of requests; sums to 100
  std::vector<uint8_t> panic;            // per priority: pick among all its hosts, healthy or not
  uint32_t normalized_total_health = 0;  // min(100, sum of health)
  bool total_panic = false;  // every priority in panic: `load` follows host counts instead
};

// Envoy isHostSetInPanic: healthy% < threshold (threshold capped at 100).  An empty priority
// counts as 0% healthy.
bool host_set_in_panic(PriorityHostCounts counts, uint32_t healthy_panic_threshold);

// Envoy recalculatePerPriorityState + recalculatePerPriorityPanic for all priorities:
//  * health_p = min(100, factor * healthy_p / hosts_p) (integer);
//  * normalized = min(100, sum of health); load_p = min(remaining, health_p * 100 /
//    normalized), from P0 down; what rounding leaves over goes to the first priority with
//    health > 0;
//  * panic_p = healthy%_p < threshold, except that no priority panics while normalized = 100;
//  * every priority in panic ("total panic"): load_p = 100 * hosts_p / total hosts, the
//    remainder to the first non-empty priority;
//  * threshold 0 and no healthy host anywhere: load = 100% to P0 and no panic, so the pick
//    finds no host (503 UH, "no healthy upstream").
// At least one priority is expected (Envoy always has P0); an empty span yields P0 = 100.
PriorityLoads compute_priority_loads(
    std::span<const PriorityHostCounts> priorities, uint32_t healthy_panic_threshold,
    uint32_t overprovisioning_factor = kDefaultOverprovisioningFactor);

// Envoy choosePriority: h = hash % 100 + 1 (1..100), the first priority whose cumulative
// load reaches h.  The round-robin, least-request and random balancers pass a fresh random
// draw; the hash balancers pass the request's hash, so a key always lands in one priority.
uint32_t choose_priority(uint64_t hash, std::span<const uint32_t> load);

}  // namespace meshsim::policies
