// Envoy's load balancers as Istio configures them: which upstream host one attempt goes to.
//
// One `LoadBalancer` is one client Envoy's balancer for one cluster (Istio: service, port,
// subset).  It is built from an immutable `LbConfig` and rebuilt with `update_hosts` whenever
// membership or health changes (EDS update, outlier ejection or return: Envoy refreshes its
// balancers on exactly those events, and refreshes every priority on a health change,
// ClusterImplBase::reloadHealthyHostsHelper).  A pick reads that state plus the caller's
// per-host active-request counts and draws from the caller's `simcore::Stream`; it
// allocates nothing.
//
// Per pick, in Envoy's order (envoy source/extensions/load_balancing_policies/common/
// load_balancer_impl.cc chooseHost / chooseHostOnce / hostSourceToUse, and
// thread_aware_lb_impl.cc for the hash balancers):
//  1. Priority: `choose_priority` (locality.h) on a fresh 64-bit draw, or on the request's
//     hash for RING_HASH/MAGLEV.  A priority in panic picks among all its hosts, otherwise
//     among its healthy ones; none there -> no host (the router answers 503 UH).
//  2. Host, by policy, where "equal weights" means all hosts of the list have the same
//     configured weight (the usual case in Istio):
//     - ROUND_ROBIN, equal weights: hosts[rr_index++ % n]; rr_index starts at a per-balancer
//       random seed and survives rebuilds (round_robin_lb.h).  Unequal weights: EDF,
//       deadline += 1/weight, ties in insertion order (edf_scheduler.h).
//     - LEAST_REQUEST (Istio's default since 1.14: cluster_traffic_policy.go
//       defaultLBAlgorithm, releasenotes new_lb_algorithm_default.yaml), equal weights:
//       choice_count (2) uniform draws WITH replacement, keep a later draw only if it has
//       strictly fewer active requests, so ties keep the first draw
//       (least_request_lb.cc unweightedHostPickNChoices).  Unequal weights: EDF with weight
//       w / (active + 1)^bias, bias 1.0, evaluated when a host is (re)inserted, i.e. right
//       after it is picked and before this request counts on it (least_request_lb.cc
//       hostWeight; current Envoy; the "bias forces weighted" switch only applies when
//       active_request_bias is set explicitly, which Istio never does).  Active requests are
//       Envoy's rq_active only: counting pending requests is behind an off-by-default
//       runtime guard (least_request_lb_count_pending_requests).
//     - RANDOM: hosts[r % n] with the SAME draw r that chose the priority, and weights are
//       ignored (random_lb.cc peekOrChoose).
//     - RING_HASH: Ketama ring over the hosts, entries xxHash64("<address>_<i>", seed 0)
//       (Istio sets no hash_function, so Envoy's default XX_HASH; MURMUR_HASH_2 is not
//       modelled); the key maps to the first entry with hash >= key, wrapping
//       (ring_hash_lb.cc).  Ring size: the least-weighted host gets ceil(min_w * min_ring)
//       entries, total capped at max_ring.
//     - MAGLEV: Maglev table of prime size (65537), hosts sorted by address, offset
//       xxHash64(address, 0) % M, skip xxHash64(address, 1) % (M - 1) + 1, weights by the
//       max-weight rule; the key maps to table[key % M] (maglev_lb.cc).
//  3. Host-selection retries (`reject`): while the picked host is rejected, pick again, at
//     most host_selection_retry_max_attempts + 1 picks in all, then take the last pick
//     anyway (chooseHost).  Each re-pick of ROUND_ROBIN/LEAST_REQUEST/RANDOM is a whole new
//     pick (new priority draw); the hash balancers keep the priority and hash and step the
//     lookup: ring index + attempt, Maglev key ^ (2^64 - attempt).
//
// Hosts are identified by uint32 ids chosen by the caller; the active-request span is
// indexed by id (an empty span means "all zero").  Not modelled: slow start (`warmup`),
// bounded-load hashing (hash_balance_factor), use_hostname_for_hashing, preconnect peeking,
// LEAST_REQUEST full scan, locality-weighted picks inside a priority, degraded hosts; and
// per-worker state: a balancer here is one Envoy worker's (Envoy keeps the round-robin index
// and EDF schedules per worker, active requests per Envoy).  Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policies/edf_scheduler.h"
#include "policies/locality.h"
#include "simcore/rng.h"

namespace meshsim::policies {

enum class LbPolicy : uint8_t { RoundRobin, LeastRequest, Random, RingHash, Maglev };

// Istio's spelling (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV).
const char* lb_policy_name(LbPolicy policy);
inline bool is_hash_policy(LbPolicy policy) {
  return policy == LbPolicy::RingHash || policy == LbPolicy::Maglev;
}

// The cluster's load-balancing configuration as Envoy receives it from Istio.  Defaults are
// Istio's for a DestinationRule without loadBalancer and without outlierDetection.
struct LbConfig {
  LbPolicy policy = LbPolicy::LeastRequest;
  uint32_t choice_count = 2;          // LEAST_REQUEST; Envoy requires >= 2
  double active_request_bias = 1.0;   // LEAST_REQUEST, weighted case; < 0 or NaN -> 1.0
  uint64_t minimum_ring_size = 1024;  // RING_HASH (Istio writes 1024)
  uint64_t maximum_ring_size = 8u * 1024u * 1024u;  // RING_HASH, Envoy default
  uint64_t maglev_table_size = 65537;               // MAGLEV, must be prime
  // Percent; Istio: minHealthPercent (default 0) when the DR has outlierDetection, else
  // Envoy's 50.  See istio_healthy_panic_threshold.
  uint32_t healthy_panic_threshold = 50;  // Envoy's default
};

// What Envoy would reject in this config (empty when valid): choice_count < 2, ring sizes
// above 8M or min > max, a non-prime Maglev table, a threshold above 100.
std::vector<std::string> validate(const LbConfig& config);

// Istio cluster_traffic_policy.go applyOutlierDetection: with outlierDetection the panic
// threshold is minHealthPercent (0 when unset, i.e. panic off); without it, Envoy's 50%.
// (Istio also forces 0 when PILOT_SEND_UNHEALTHY_ENDPOINTS is on.)
inline uint32_t istio_healthy_panic_threshold(bool has_outlier_detection,
                                              uint32_t min_health_percent = 0) {
  return has_outlier_detection ? min_health_percent : 50;  // 50: Envoy's default
}

// The 64-bit hash Envoy uses for a consistent-hash key: xxHash64 with seed 0 of the header
// value, cookie value or source IP (without port) (envoy common/common/hash.h
// HashUtil::xxHash64, used by router hash policies).
uint64_t hash_key(std::string_view key);

enum class HostHealth : uint8_t {
  Healthy,
  Ejected,   // outlier detection ejected it: still a member, not healthy
  NotReady,  // EDS UNHEALTHY; Istio leaves unready pods out of EDS unless
             // PILOT_SEND_UNHEALTHY_ENDPOINTS, so callers normally omit such hosts
};

// One endpoint as the client Envoy sees it.  Order matters as EDS order does (ring
// building, the round-robin sequence, EDF tie-breaks).
struct HostSpec {
  uint32_t id = 0;
  uint32_t weight = 1;    // >= 1 (Envoy validates load_balancing_weight >= 1)
  uint32_t priority = 0;  // from assign_priorities (locality.h)
  HostHealth health = HostHealth::Healthy;
  std::string_view address;  // "ip:port"; read by the hash balancers while building only
};

struct LbPick {
  // "No host" (503 UH "no healthy upstream").  A member, not a namespace constant, so that this
  // header coexists with retry_state.h's kNoHost (same value).
  static constexpr uint32_t kNoHost = 0xffffffffu;
  uint32_t host = kNoHost;
  uint32_t priority = 0;
  bool panic = false;       // the chosen priority was in panic (Envoy lb_healthy_panic)
  uint32_t selections = 0;  // host picks made (1 + host-selection retries)
  bool ok() const { return host != kNoHost; }
};

class LoadBalancer {
 public:
  // Draws Envoy's per-balancer seed (EdfLoadBalancerBase::seed_, the round-robin start and
  // the EDF pre-picks) from `init` for ROUND_ROBIN and LEAST_REQUEST.  `config` is assumed
  // valid (see validate).
  LoadBalancer(const LbConfig& config, simcore::Stream& init);

  const LbConfig& config() const { return config_; }

  // Replaces the host set (Envoy: priority set update).  `active_requests` gives the
  // least-request EDF its initial weights.  Allocates; call on membership/health changes
  // only.  Priority levels never disappear once seen (Envoy keeps empty host sets).
  void update_hosts(std::span<const HostSpec> hosts, std::span<const uint32_t> active_requests);

  // One pick (Envoy chooseHost).  `hash` is the request's consistent-hash key (hash
  // policies; absent -> a random draw, as Envoy does when the header is missing); other
  // policies ignore it.  `reject` holds hosts to avoid: while the pick is in it, pick again,
  // at most host_selection_retry_max_attempts + 1 times.  No allocation.
  LbPick choose_host(simcore::Stream& rng, std::span<const uint32_t> active_requests,
                     std::optional<uint64_t> hash = std::nullopt,
                     std::span<const uint32_t> reject = {},
                     uint32_t host_selection_retry_max_attempts = 0);

  const PriorityLoads& priority_loads() const { return loads_; }
  std::span<const uint32_t> hosts(uint32_t priority) const {
    return priorities_[priority].all.hosts;
  }
  std::span<const uint32_t> healthy_hosts(uint32_t priority) const {
    return priorities_[priority].healthy.hosts;
  }

 private:
  // Envoy's HostsSource: one list to pick among (all hosts of a priority, or its healthy ones).
  struct HostSource {
    std::vector<uint32_t> hosts;    // host ids
    std::vector<uint32_t> weights;  // configured weights, same order
    EdfScheduler<uint32_t> edf;     // over indices into `hosts`; empty unless weights differ
    uint64_t rr_index = 0;          // round robin; survives rebuilds (Envoy rr_indexes_)
  };
  struct RingEntry {
    uint64_t hash;
    uint32_t host;
  };
  struct PriorityState {
    HostSource all;
    HostSource healthy;
    std::vector<RingEntry> ring;   // RING_HASH, over healthy hosts (all in panic)
    std::vector<uint32_t> maglev;  // MAGLEV table, likewise; empty when no host
  };

  LbPick choose_once(simcore::Stream& rng, std::span<const uint32_t> active);
  double edf_weight(const HostSource& source, uint32_t index,
                    std::span<const uint32_t> active) const;
  void rebuild_source(HostSource& source, std::span<const HostSpec* const> hosts,
                      std::span<const uint32_t> active);
  uint32_t hash_lookup(const PriorityState& state, uint64_t hash, uint32_t attempt) const;

  LbConfig config_;
  double bias_ = 1.0;
  uint64_t seed_ = 0;
  std::vector<PriorityState> priorities_;
  PriorityLoads loads_;
};

}  // namespace meshsim::policies
