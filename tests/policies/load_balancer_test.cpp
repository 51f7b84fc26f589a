// Pins Envoy's load balancers as Istio configures them (policies/load_balancer.h,
// policies/edf_scheduler.h).  Sources are Envoy files under
// source/extensions/load_balancing_policies/ unless a path says otherwise, and Istio's
// pilot/pkg/networking/core/.  Statistical tests use one fixed seed and a tolerance from the
// stated 99.9% interval; they are never retried.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

#include "policies/edf_scheduler.h"
#include "policies/load_balancer.h"
#include "policies/retry_policy.h"

using namespace meshsim::policies;
using meshsim::simcore::Stream;

namespace {

// Addresses outlive the HostSpecs that view them.
const std::vector<std::string>& addresses() {
  static const std::vector<std::string> a = [] {
    std::vector<std::string> v;
    for (int i = 0; i < 64; ++i) v.push_back("10.0.0." + std::to_string(i + 1) + ":8080");
    return v;
  }();
  return a;
}

std::vector<HostSpec> make_hosts(uint32_t n, uint32_t priority = 0, uint32_t first_id = 0) {
  std::vector<HostSpec> hosts;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t id = first_id + i;
    hosts.push_back({id, 1, priority, HostHealth::Healthy, addresses()[id]});
  }
  return hosts;
}

LoadBalancer make_lb(LbPolicy policy, const std::vector<HostSpec>& hosts,
                     std::span<const uint32_t> active = {}, uint32_t panic_threshold = 50,
                     uint64_t seed = 1) {
  LbConfig config;
  config.policy = policy;
  config.healthy_panic_threshold = panic_threshold;
  Stream init(seed, "client-0", "lb-init");
  LoadBalancer lb(config, init);
  lb.update_hosts(hosts, active);
  return lb;
}

// Half-width of a two-sided binomial confidence interval, normal approximation.
double binomial_half_width(double n, double p, double confidence) {
  const boost::math::normal standard;
  const double z = boost::math::quantile(standard, 0.5 + confidence / 2);
  return z * std::sqrt(n * p * (1 - p));
}

constexpr std::array kAllPolicies = {LbPolicy::RoundRobin, LbPolicy::LeastRequest, LbPolicy::Random,
                                     LbPolicy::RingHash, LbPolicy::Maglev};

}  // namespace

TEST_CASE("Istio defaults: LEAST_REQUEST, 2 choices, bias 1, ring 1024..8M, Maglev 65537") {
  // cluster_traffic_policy.go defaultLBAlgorithm (LEAST_REQUEST since 1.14, releasenotes
  // new_lb_algorithm_default.yaml); least_request_lb.h choice_count 2, bias 1.0;
  // ApplyRingHashLoadBalancer writes minimum_ring_size 1024; maglev_lb.h DefaultTableSize.
  const LbConfig config;
  CHECK(config.policy == LbPolicy::LeastRequest);
  CHECK(config.choice_count == 2);
  CHECK(config.active_request_bias == 1.0);
  CHECK(config.minimum_ring_size == 1024);
  CHECK(config.maximum_ring_size == 8388608);
  CHECK(config.maglev_table_size == 65537);
  CHECK(validate(config).empty());
  CHECK(std::string(lb_policy_name(LbPolicy::LeastRequest)) == "LEAST_REQUEST");
}

TEST_CASE("Istio panic threshold: minHealthPercent (0) with outlierDetection, else Envoy's 50") {
  // cluster_traffic_policy.go applyOutlierDetection sets healthy_panic_threshold even when 0.
  CHECK(istio_healthy_panic_threshold(true) == 0);
  CHECK(istio_healthy_panic_threshold(true, 30) == 30);
  CHECK(istio_healthy_panic_threshold(false) == 50);
}

TEST_CASE("Config validation mirrors Envoy's rejections") {
  LbConfig config;
  config.choice_count = 1;           // least_request.proto: choice_count >= 2
  config.maglev_table_size = 65536;  // maglev_lb.cc: "must be prime number"
  config.minimum_ring_size = 4096;
  config.maximum_ring_size = 1024;  // ring_hash_lb.cc: minimum > maximum
  CHECK(validate(config).size() == 3);
}

TEST_CASE("hash_key is xxHash64 with seed 0, as Envoy's HashUtil::xxHash64") {
  // common/common/hash.h; values are xxHash's published test vectors.
  CHECK(hash_key("") == 0xEF46DB3751D8E999ull);
  CHECK(hash_key("abc") == 0x44BC2CF5AD770999ull);
}

TEST_CASE("EDF scheduler: equal deadlines go in insertion order (edf_scheduler.h order_offset_)") {
  EdfScheduler<int> edf;
  for (int i = 0; i < 3; ++i) edf.add(1.0, i);
  std::vector<int> picks;
  for (int i = 0; i < 9; ++i) picks.push_back(edf.pick_and_add([](int) { return 1.0; }));
  CHECK(picks == std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2});
}

TEST_CASE("EDF scheduler: deadline += 1/w gives each entry its weight's share of every window") {
  // edf_scheduler.h; createWithPicks emulates a random number of earlier picks, after which
  // the shares must still hold.
  const std::vector<uint32_t> items = {0, 1, 2};
  const std::array<double, 3> w = {1.0, 2.5, 4.5};  // sum 8
  const auto weight = [&](uint32_t i) { return w[i]; };
  for (const uint32_t pre_picks : {0u, 1u, 7u, 123456u, 4000000000u}) {
    auto edf = EdfScheduler<uint32_t>::create_with_picks(std::span<const uint32_t>(items), weight,
                                                         pre_picks);
    std::array<int, 3> count{};
    for (int k = 0; k < 800; ++k) ++count[edf.pick_and_add(weight)];
    INFO("pre-picks " << pre_picks);
    CHECK(std::abs(count[0] - 100) <= 2);
    CHECK(std::abs(count[1] - 250) <= 2);
    CHECK(std::abs(count[2] - 450) <= 2);
  }
}

TEST_CASE("ROUND_ROBIN, equal weights: hosts[idx++ % n] from a per-balancer random start") {
  // round_robin_lb.h unweightedHostPick; the index starts at EdfLoadBalancerBase::seed_,
  // the balancer's first draw.
  const auto hosts = make_hosts(5);
  Stream init(1, "client-0", "lb-init");
  Stream probe = init;
  const uint64_t seed = probe.next_u64();
  LbConfig config;
  config.policy = LbPolicy::RoundRobin;
  LoadBalancer lb(config, init);
  lb.update_hosts(hosts, {});
  Stream rng(7, "client-0", "lb");
  std::map<uint32_t, int> count;
  for (uint64_t k = 0; k < 15; ++k) {
    const LbPick pick = lb.choose_host(rng, {});
    REQUIRE(pick.ok());
    CHECK(pick.host == (seed + k) % 5);
    ++count[pick.host];
  }
  for (uint32_t h = 0; h < 5; ++h) CHECK(count[h] == 3);

  SECTION("the index survives a rebuild (rr_indexes_.insert keeps the old value)") {
    auto ejected = hosts;
    ejected[2].health = HostHealth::Ejected;
    lb.update_hosts(ejected, {});
    const std::vector<uint32_t> healthy = {0, 1, 3, 4};
    for (uint64_t k = 15; k < 23; ++k)
      CHECK(lb.choose_host(rng, {}).host == healthy[(seed + k) % 4]);
  }
}

TEST_CASE("ROUND_ROBIN, weights 1:3: EDF gives exactly 100 and 300 of 400 picks") {
  // EdfLoadBalancerBase::refresh builds an EDF schedule once weights differ.
  auto hosts = make_hosts(2);
  hosts[1].weight = 3;
  for (const uint64_t seed : {1u, 2u, 3u}) {
    LoadBalancer lb = make_lb(LbPolicy::RoundRobin, hosts, {}, 50, seed);
    Stream rng(seed, "client-0", "lb");
    std::array<int, 2> count{};
    for (int k = 0; k < 400; ++k) ++count[lb.choose_host(rng, {}).host];
    CHECK(count[0] == 100);
    CHECK(count[1] == 300);
  }
}

TEST_CASE("LEAST_REQUEST draws 2 hosts WITH replacement: an idle host among 2 wins 3/4") {
  // least_request_lb.cc unweightedHostPickNChoices: the busy host wins only when both draws
  // hit it, (1/2)^2.  n = 100000, p = 0.75: 99.9% interval 75000 +- 450.6 = [74550, 75450].
  const auto hosts = make_hosts(2);
  const std::vector<uint32_t> active = {5, 0};
  LoadBalancer lb = make_lb(LbPolicy::LeastRequest, hosts, active);
  Stream rng(2024, "client-0", "lb");
  const int n = 100000;
  int idle = 0;
  for (int k = 0; k < n; ++k) idle += lb.choose_host(rng, active).host == 1 ? 1 : 0;
  const double half = binomial_half_width(n, 0.75, 0.999);
  CHECK(half == Approx(450.6).margin(0.1));
  CHECK(std::abs(idle - 0.75 * n) <= half);
}

TEST_CASE("LEAST_REQUEST keeps a later draw only if it has strictly fewer active requests") {
  // least_request_lb.cc: `if (sampled_active_rq < candidate_active_rq)`; ties keep the first
  // draw.  The draws are replayed: one for the priority, then choice_count host indices.
  const auto hosts = make_hosts(4);
  const std::vector<uint32_t> active = {3, 1, 1, 0};
  for (const uint32_t choices : {2u, 3u}) {
    LbConfig config;
    config.policy = LbPolicy::LeastRequest;
    config.choice_count = choices;
    Stream init(1, "client-0", "lb-init");
    LoadBalancer lb(config, init);
    lb.update_hosts(hosts, active);
    Stream rng(5, "client-0", "lb");
    int ties = 0;
    for (int k = 0; k < 2000; ++k) {
      Stream replay = rng;
      replay.next_u64();  // priority
      uint32_t expected = static_cast<uint32_t>(replay.next_u64() % 4);
      for (uint32_t c = 1; c < choices; ++c) {
        const auto sampled = static_cast<uint32_t>(replay.next_u64() % 4);
        if (active[sampled] == active[expected] && sampled != expected) ++ties;
        if (active[sampled] < active[expected]) expected = sampled;
      }
      REQUIRE(lb.choose_host(rng, active).host == expected);
    }
    CHECK(ties > 0);  // the tie rule was exercised
  }
}

TEST_CASE("LEAST_REQUEST, unequal weights: EDF with weight w / (active + 1)") {
  // least_request_lb.cc hostWeight with active_request_bias 1.0.  Weights 1 and 2 with 0 and 3
  // active requests: effective 1 and 0.5, so 2:1 over a full period.
  auto hosts = make_hosts(2);
  hosts[1].weight = 2;
  const std::vector<uint32_t> active = {0, 3};
  LoadBalancer lb = make_lb(LbPolicy::LeastRequest, hosts, active);
  Stream rng(3, "client-0", "lb");
  std::array<int, 2> count{};
  for (int k = 0; k < 3000; ++k) ++count[lb.choose_host(rng, active).host];
  CHECK(std::abs(count[0] - 2000) <= 2);
  CHECK(std::abs(count[1] - 1000) <= 2);

  SECTION("with no active requests the configured weights rule, 1:2") {
    const std::vector<uint32_t> idle = {0, 0};
    LoadBalancer lb2 = make_lb(LbPolicy::LeastRequest, hosts, idle);
    std::array<int, 2> c{};
    for (int k = 0; k < 3000; ++k) ++c[lb2.choose_host(rng, idle).host];
    CHECK(std::abs(c[0] - 1000) <= 2);
    CHECK(std::abs(c[1] - 2000) <= 2);
  }
}

TEST_CASE("RANDOM is uniform over hosts (chi-squared below its 0.999 quantile)") {
  // random_lb.cc: hosts[random % n].  10 hosts, 100000 picks, 9 degrees of freedom.
  const auto hosts = make_hosts(10);
  LoadBalancer lb = make_lb(LbPolicy::Random, hosts);
  Stream rng(11, "client-0", "lb");
  const int n = 100000;
  std::array<int, 10> count{};
  for (int k = 0; k < n; ++k) ++count[lb.choose_host(rng, {}).host];
  double chi2 = 0;
  for (const int c : count) chi2 += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
  const double limit = boost::math::quantile(boost::math::chi_squared(9), 0.999);
  CHECK(limit == Approx(27.877).margin(0.001));
  CHECK(chi2 < limit);
}

TEST_CASE("RANDOM ignores weights and reuses the priority draw for the host") {
  // random_lb.cc peekOrChoose: one random_hash chooses the priority and indexes the hosts.
  auto hosts = make_hosts(3);
  hosts[0].weight = 100;
  LoadBalancer lb = make_lb(LbPolicy::Random, hosts);
  Stream rng(13, "client-0", "lb");
  for (int k = 0; k < 1000; ++k) {
    Stream replay = rng;
    const uint64_t r = replay.next_u64();
    REQUIRE(lb.choose_host(rng, {}).host == r % 3);
    REQUIRE(rng.draws() == replay.draws());  // exactly one draw per pick
  }
}

TEST_CASE("RING_HASH places host entries at xxHash64(\"<address>_<i>\") and a key takes the next") {
  // ring_hash_lb.cc Ring::Ring (XX_HASH, Istio sets no hash_function) and chooseHost (Ketama):
  // a key equal to an entry's hash lands on that entry.
  const auto hosts = make_hosts(5);
  LoadBalancer lb = make_lb(LbPolicy::RingHash, hosts);
  Stream rng(1, "client-0", "lb");
  for (uint32_t h = 0; h < 5; ++h) {
    for (const int i : {0, 1, 100, 204}) {  // 1024 / 5 -> ceil 205 entries per host
      const uint64_t key = hash_key(addresses()[h] + "_" + std::to_string(i));
      CHECK(lb.choose_host(rng, {}, key).host == h);
    }
  }
}

TEST_CASE(
    "MAGLEV: each host owns its offset slot xxHash64(address) % 65537; equal weights fill "
    "the table evenly") {
  // maglev_lb.cc: hosts sorted by address; offset xxHash64(key, 0) % M; the first round gives
  // every host its first free permutation slot; key -> table[key % M].
  const auto hosts = make_hosts(7);
  LoadBalancer lb = make_lb(LbPolicy::Maglev, hosts);
  Stream rng(1, "client-0", "lb");
  std::set<uint64_t> offsets;
  for (uint32_t h = 0; h < 7; ++h) offsets.insert(hash_key(addresses()[h]) % 65537);
  REQUIRE(offsets.size() == 7);  // distinct, so no host's first slot is taken by another
  for (uint32_t h = 0; h < 7; ++h) {
    CHECK(lb.choose_host(rng, {}, hash_key(addresses()[h]) % 65537).host == h);
  }
  std::array<int, 7> count{};
  for (uint64_t key = 0; key < 65537; ++key) ++count[lb.choose_host(rng, {}, key).host];
  for (const int c : count) CHECK((c == 65537 / 7 || c == 65537 / 7 + 1));
}

TEST_CASE("Hash policies: the same key always gets the same host") {
  for (const LbPolicy policy : {LbPolicy::RingHash, LbPolicy::Maglev}) {
    const auto hosts = make_hosts(8);
    LoadBalancer lb = make_lb(policy, hosts);
    Stream rng(1, "client-0", "lb");
    for (int k = 0; k < 200; ++k) {
      const uint64_t key = hash_key("user-" + std::to_string(k));
      const uint32_t first = lb.choose_host(rng, {}, key).host;
      for (int again = 0; again < 3; ++again) CHECK(lb.choose_host(rng, {}, key).host == first);
    }
  }
}

TEST_CASE(
    "Removing one of 10 hosts: Maglev remaps ~1/n of keys, the ring remaps more because it "
    "rescales") {
  // Deterministic: 100000 fixed keys.  Maglev (maglev_lb.cc) moves the removed host's 10% and
  // under 1% more.  RING_HASH (ring_hash_lb.cc) gives every host ceil(min_w * 1024) entries:
  // 103 each at n = 10, 114 at n = 9, so survivors gain entries and take arcs from each
  // other; about 17.6% of keys move, not 10%.
  const auto all = make_hosts(10);
  auto fewer = all;
  fewer.erase(fewer.begin() + 2);
  for (const LbPolicy policy : {LbPolicy::Maglev, LbPolicy::RingHash}) {
    LoadBalancer before = make_lb(policy, all);
    LoadBalancer after = make_lb(policy, fewer);
    Stream rng(1, "client-0", "lb");
    const int n = 100000;
    int moved = 0;
    int moved_between_survivors = 0;
    for (int k = 0; k < n; ++k) {
      const uint64_t key = hash_key("user-" + std::to_string(k));
      const uint32_t a = before.choose_host(rng, {}, key).host;
      const uint32_t b = after.choose_host(rng, {}, key).host;
      REQUIRE(b != 2);
      if (a != b) {
        ++moved;
        if (a != 2) ++moved_between_survivors;
      }
    }
    INFO(lb_policy_name(policy) << " moved " << moved << " between survivors "
                                << moved_between_survivors);
    if (policy == LbPolicy::Maglev) {
      CHECK(moved >= 0.09 * n);
      CHECK(moved <= 0.11 * n);
      CHECK(moved_between_survivors < 0.01 * n);
    } else {
      CHECK(moved > 0.15 * n);
      CHECK(moved < 0.20 * n);
      CHECK(moved_between_survivors > 0.05 * n);
    }
  }
}

TEST_CASE("Hash policies without a key pick at random (ThreadAwareLoadBalancerBase)") {
  // thread_aware_lb_impl.cc: `hash ? hash.value() : random_.random()`.
  const auto hosts = make_hosts(4);
  LoadBalancer lb = make_lb(LbPolicy::Maglev, hosts);
  Stream rng(17, "client-0", "lb");
  std::set<uint32_t> seen;
  for (int k = 0; k < 200; ++k) seen.insert(lb.choose_host(rng, {}).host);
  CHECK(seen.size() == 4);
}

TEST_CASE("Retry host predicate: re-pick while tried, at most 5 + 1 picks, then the last pick") {
  // load_balancer_impl.cc chooseHost: max_attempts = hostSelectionRetryCount() + 1; router.h
  // consults previous_hosts on retries only; Istio retry.go host_selection_retry_max_attempts 5.
  const auto hosts = make_hosts(3);
  Stream init(1, "client-0", "lb-init");
  Stream probe = init;
  const uint64_t seed = probe.next_u64();
  LbConfig config;
  config.policy = LbPolicy::RoundRobin;
  LoadBalancer lb(config, init);
  lb.update_hosts(hosts, {});
  Stream rng(1, "client-0", "lb");
  uint64_t index = seed;

  SECTION("first attempt: one pick, the predicate is not consulted") {
    const LbPick pick =
        lb.choose_host(rng, {}, std::nullopt, {}, kIstioHostSelectionRetryMaxAttempts);
    CHECK(pick.selections == 1);
    CHECK(pick.host == index % 3);
  }
  SECTION("a retry skips the tried host") {
    const std::vector<uint32_t> tried = {static_cast<uint32_t>(index % 3)};
    const LbPick pick =
        lb.choose_host(rng, {}, std::nullopt, tried, kIstioHostSelectionRetryMaxAttempts);
    CHECK(pick.selections == 2);
    CHECK(pick.host == (index + 1) % 3);
  }
  SECTION("every host tried: six picks, then the last one anyway") {
    const std::vector<uint32_t> tried = {0, 1, 2};
    const LbPick pick =
        lb.choose_host(rng, {}, std::nullopt, tried, kIstioHostSelectionRetryMaxAttempts);
    CHECK(pick.selections == 6);
    CHECK(pick.host == (index + 5) % 3);
    CHECK(lb.choose_host(rng, {}).host == (index + 6) % 3);  // all six picks advanced the index
  }
  SECTION("LEAST_REQUEST: a tried host comes back only after six picks all landed on it") {
    // Two idle hosts: a pick is host 0 with probability 1/2 (ties keep the first draw), so
    // all six picks are host 0 with p = 1/64.  n = 4000: mean 62.5, 99.9% interval +- 25.8.
    LoadBalancer lr = make_lb(LbPolicy::LeastRequest, make_hosts(2));
    const std::vector<uint32_t> tried = {0};
    const int n = 4000;
    int fallbacks = 0;
    for (int k = 0; k < n; ++k) {
      const LbPick pick =
          lr.choose_host(rng, {}, std::nullopt, tried, kIstioHostSelectionRetryMaxAttempts);
      if (pick.host == 0) {
        REQUIRE(pick.selections == 6);
        ++fallbacks;
      }
    }
    CHECK(std::abs(fallbacks - n / 64.0) <= binomial_half_width(n, 1 / 64.0, 0.999));
  }
}

TEST_CASE(
    "Hash policies: without previous_hosts (Istio drops it) a retry goes to the same host; with "
    "it (plain Envoy, or retryIgnorePreviousHosts: false) the lookup steps away") {
  // retry.go DefaultConsistentHashPolicy: "When Consistent Hashing is enabled, we don't want
  // to use other hosts during retries."  Without the predicate the router allows no host
  // re-selection (0), whatever the request attempted; with it the hash balancers step the
  // lookup (ring index + attempt, Maglev key ^ (2^64 - attempt)).
  for (const LbPolicy policy : {LbPolicy::RingHash, LbPolicy::Maglev}) {
    LoadBalancer lb = make_lb(policy, make_hosts(5));
    Stream rng(1, "client-0", "lb");
    const uint64_t key = hash_key("session-42");
    const uint32_t first = lb.choose_host(rng, {}, key).host;
    const std::vector<uint32_t> tried = {first};
    const LbPick retry = lb.choose_host(rng, {}, key, tried, 0);
    CHECK(retry.host == first);
    CHECK(retry.selections == 1);
    const LbPick stepped = lb.choose_host(rng, {}, key, tried, kIstioHostSelectionRetryMaxAttempts);
    CHECK(stepped.host != first);
  }
}

TEST_CASE("No healthy host and panic off (Istio with outlierDetection): no pick, 503 UH") {
  // load_balancer_impl.cc recalculatePerPriorityPanic: threshold 0 and no healthy host ->
  // P0 takes 100% and hostSourceToUse finds its healthy list empty.
  auto hosts = make_hosts(4);
  for (auto& h : hosts) h.health = HostHealth::Ejected;
  for (const LbPolicy policy : kAllPolicies) {
    LoadBalancer lb = make_lb(policy, hosts, {}, istio_healthy_panic_threshold(true));
    Stream rng(1, "client-0", "lb");
    INFO(lb_policy_name(policy));
    for (int k = 0; k < 20; ++k) CHECK_FALSE(lb.choose_host(rng, {}, hash_key("k")).ok());
    // No host ends the host-selection loop at once, tried hosts or not (chooseHost returns a
    // null host without consulting the predicates).
    const std::vector<uint32_t> tried = {0, 1};
    const LbPick retry = lb.choose_host(rng, {}, hash_key("k"), tried, 5);
    CHECK_FALSE(retry.ok());
    CHECK(retry.selections == 1);
  }
  SECTION("an empty cluster gives no host either") {
    LoadBalancer lb = make_lb(LbPolicy::LeastRequest, {}, {}, 50);
    Stream rng(1, "client-0", "lb");
    CHECK_FALSE(lb.choose_host(rng, {}).ok());
  }
}

TEST_CASE("Panic: below the threshold a priority picks among all its hosts, ejected included") {
  // isHostSetInPanic: 3 of 10 healthy is 30% < 50%.  With Istio's 0 there is no panic.
  auto hosts = make_hosts(10);
  for (uint32_t i = 3; i < 10; ++i) hosts[i].health = HostHealth::Ejected;
  for (const LbPolicy policy : kAllPolicies) {
    INFO(lb_policy_name(policy));
    LoadBalancer panicking = make_lb(policy, hosts, {}, 50);
    LoadBalancer strict = make_lb(policy, hosts, {}, 0);
    Stream rng(19, "client-0", "lb");
    std::set<uint32_t> seen_panic;
    std::set<uint32_t> seen_strict;
    for (int k = 0; k < 2000; ++k) {
      const LbPick p = panicking.choose_host(rng, {});
      CHECK(p.panic);
      seen_panic.insert(p.host);
      const LbPick s = strict.choose_host(rng, {});
      CHECK_FALSE(s.panic);
      seen_strict.insert(s.host);
    }
    CHECK(seen_panic.size() == 10);
    CHECK(seen_strict == std::set<uint32_t>{0, 1, 2});
  }
}

TEST_CASE("No panic while the priorities together are 100% healthy, even if one is at 10%") {
  // recalculatePerPriorityPanic: "Never set panic mode if normalized total health is 100%".
  auto hosts = make_hosts(10, 0, 0);
  for (uint32_t i = 1; i < 10; ++i) hosts[i].health = HostHealth::Ejected;
  const auto p1 = make_hosts(10, 1, 10);
  hosts.insert(hosts.end(), p1.begin(), p1.end());
  LoadBalancer lb = make_lb(LbPolicy::Random, hosts, {}, 50);
  CHECK(lb.priority_loads().load == std::vector<uint32_t>{14, 86});  // 140 * 1/10 = 14
  Stream rng(23, "client-0", "lb");
  for (int k = 0; k < 2000; ++k) {
    const LbPick pick = lb.choose_host(rng, {});
    CHECK_FALSE(pick.panic);
    if (pick.priority == 0) CHECK(pick.host == 0);
  }
}

TEST_CASE("Locality failover end to end: 5 of 10 ejected in the client's zone keeps 70% local") {
  // recalculatePerPriorityState: P0 health 140 * 5/10 = 70, P1 100 -> 70/30.  n = 100000:
  // 99.9% interval for P0 70000 +- 476.8.
  auto hosts = make_hosts(10, 0, 0);
  for (uint32_t i = 5; i < 10; ++i) hosts[i].health = HostHealth::Ejected;
  const auto zone_b = make_hosts(10, 1, 10);
  hosts.insert(hosts.end(), zone_b.begin(), zone_b.end());
  LoadBalancer lb = make_lb(LbPolicy::LeastRequest, hosts, {}, istio_healthy_panic_threshold(true));
  Stream rng(29, "client-0", "lb");
  const int n = 100000;
  int local = 0;
  for (int k = 0; k < n; ++k) {
    const LbPick pick = lb.choose_host(rng, {});
    REQUIRE(pick.ok());
    if (pick.priority == 0) {
      ++local;
      REQUIRE(pick.host < 5);  // only the healthy half
    } else {
      REQUIRE(pick.host >= 10);
    }
  }
  CHECK(std::abs(local - 0.7 * n) <= binomial_half_width(n, 0.7, 0.999));
}
