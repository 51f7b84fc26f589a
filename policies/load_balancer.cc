// Envoy's load balancers; see load_balancer.h for the rules and their sources.
#include "policies/load_balancer.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <string>

#define XXH_INLINE_ALL  // header-only xxHash: no link dependency from policies/
#include <xxhash.h>

namespace meshsim::policies {

namespace {

constexpr uint32_t kNoHost = LbPick::kNoHost;

uint64_t xxhash64(std::string_view s, uint64_t seed) { return XXH64(s.data(), s.size(), seed); }

uint32_t active_of(std::span<const uint32_t> active, uint32_t id) {
  assert(active.empty() || id < active.size());
  return id < active.size() ? active[id] : 0;
}

bool contains(std::span<const uint32_t> ids, uint32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool is_prime(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

// Envoy normalizeHostWeights: weight / sum, plus the extremes.
struct Normalized {
  std::vector<double> weights;
  double min = 1.0;
  double max = 0.0;
};
Normalized normalize(std::span<const HostSpec* const> hosts) {
  Normalized out;
  uint64_t sum = 0;
  for (const HostSpec* h : hosts) sum += h->weight;
  out.weights.reserve(hosts.size());
  for (const HostSpec* h : hosts) {
    const double w = h->weight * 1.0 / static_cast<double>(sum);
    out.weights.push_back(w);
    out.min = std::min(out.min, w);
    out.max = std::max(out.max, w);
  }
  return out;
}

}  // namespace

const char* lb_policy_name(LbPolicy policy) {
  switch (policy) {
    case LbPolicy::RoundRobin:
      return "ROUND_ROBIN";
    case LbPolicy::LeastRequest:
      return "LEAST_REQUEST";
    case LbPolicy::Random:
      return "RANDOM";
    case LbPolicy::RingHash:
      return "RING_HASH";
    case LbPolicy::Maglev:
      return "MAGLEV";
  }
  return "?";
}

std::vector<std::string> validate(const LbConfig& config) {
  constexpr uint64_t kMaxRing = 8u * 1024u * 1024u;  // ring_hash.proto: lte 8388608
  std::vector<std::string> errors;
  if (config.choice_count < 2) errors.push_back("least request choice_count must be at least 2");
  if (config.minimum_ring_size > kMaxRing || config.maximum_ring_size > kMaxRing) {
    errors.push_back("ring hash ring sizes must not exceed 8388608");
  }
  if (config.minimum_ring_size > config.maximum_ring_size) {
    errors.push_back("ring hash: minimum_ring_size (" + std::to_string(config.minimum_ring_size) +
                     ") > maximum_ring_size (" + std::to_string(config.maximum_ring_size) + ")");
  }
  if (!is_prime(config.maglev_table_size)) {
    errors.push_back("The table size of maglev must be prime number");
  }
  if (config.healthy_panic_threshold > 100) {
    errors.push_back("healthy panic threshold is a percentage (0..100)");
  }
  return errors;
}

uint64_t hash_key(std::string_view key) { return xxhash64(key, 0); }

LoadBalancer::LoadBalancer(const LbConfig& config, simcore::Stream& init) : config_(config) {
  // Envoy LeastRequestLoadBalancer::refresh: a negative or NaN bias falls back to 1.0.
  bias_ = (config_.active_request_bias < 0.0 || std::isnan(config_.active_request_bias))
              ? 1.0
              : config_.active_request_bias;
  if (config_.policy == LbPolicy::RoundRobin || config_.policy == LbPolicy::LeastRequest) {
    seed_ = init.next_u64();
  }
  // Envoy always has a P0 host set.
  priorities_.resize(1);
  priorities_[0].all.rr_index = seed_;
  priorities_[0].healthy.rr_index = seed_;
  const PriorityHostCounts none{};
  loads_ = compute_priority_loads(std::span(&none, 1), config_.healthy_panic_threshold);
}

double LoadBalancer::edf_weight(const HostSource& source, uint32_t index,
                                std::span<const uint32_t> active) const {
  const auto w = static_cast<double>(source.weights[index]);
  if (config_.policy != LbPolicy::LeastRequest || bias_ == 0.0) return w;
  const double denominator = static_cast<double>(active_of(active, source.hosts[index])) + 1.0;
  return bias_ == 1.0 ? w / denominator : w / std::pow(denominator, bias_);
}

void LoadBalancer::rebuild_source(HostSource& source, std::span<const HostSpec* const> hosts,
                                  std::span<const uint32_t> active) {
  source.hosts.clear();
  source.weights.clear();
  for (const HostSpec* h : hosts) {
    source.hosts.push_back(h->id);
    source.weights.push_back(h->weight);
  }
  source.edf = EdfScheduler<uint32_t>();
  if (config_.policy != LbPolicy::RoundRobin && config_.policy != LbPolicy::LeastRequest) return;
  // EdfLoadBalancerBase::refresh: no scheduler when all weights are equal (the unweighted
  // pick is used) or for fewer than two hosts.
  const bool equal = std::all_of(source.weights.begin(), source.weights.end(),
                                 [&](uint32_t w) { return w == source.weights.front(); });
  if (equal || source.hosts.size() <= 1) return;
  std::vector<uint32_t> indices(source.hosts.size());
  std::iota(indices.begin(), indices.end(), 0u);
  source.edf = EdfScheduler<uint32_t>::create_with_picks(
      std::span<const uint32_t>(indices), [&](uint32_t i) { return edf_weight(source, i, active); },
      static_cast<uint32_t>(seed_));  // Envoy passes its uint64 seed_ as uint32 picks
}

void LoadBalancer::update_hosts(std::span<const HostSpec> hosts,
                                std::span<const uint32_t> active_requests) {
  uint32_t levels = static_cast<uint32_t>(priorities_.size());
  for (const HostSpec& h : hosts) {
    assert(h.weight >= 1);
    levels = std::max(levels, h.priority + 1);
  }
  const std::size_t old_levels = priorities_.size();
  priorities_.resize(levels);
  for (std::size_t p = old_levels; p < levels; ++p) {
    priorities_[p].all.rr_index = seed_;
    priorities_[p].healthy.rr_index = seed_;
  }

  std::vector<PriorityHostCounts> counts(levels);
  std::vector<const HostSpec*> all;
  std::vector<const HostSpec*> healthy;
  for (uint32_t p = 0; p < levels; ++p) {
    all.clear();
    healthy.clear();
    for (const HostSpec& h : hosts) {
      if (h.priority != p) continue;
      all.push_back(&h);
      if (h.health == HostHealth::Healthy) healthy.push_back(&h);
    }
    counts[p] = {static_cast<uint32_t>(all.size()), static_cast<uint32_t>(healthy.size())};
    rebuild_source(priorities_[p].all, all, active_requests);
    rebuild_source(priorities_[p].healthy, healthy, active_requests);
  }
  loads_ = compute_priority_loads(counts, config_.healthy_panic_threshold);
  if (!is_hash_policy(config_.policy)) return;

  // ThreadAwareLoadBalancerBase::refresh: one ring/table per priority, over the healthy hosts,
  // or over all of them while the priority is in panic.
  for (uint32_t p = 0; p < levels; ++p) {
    PriorityState& state = priorities_[p];
    std::vector<const HostSpec*> members;
    for (const HostSpec& h : hosts) {
      if (h.priority == p && (loads_.panic[p] || h.health == HostHealth::Healthy)) {
        members.push_back(&h);
      }
    }
    state.ring.clear();
    state.maglev.clear();
    if (members.empty()) continue;
    const Normalized norm = normalize(members);

    if (config_.policy == LbPolicy::RingHash) {
      // RingHashLoadBalancer::Ring: the least-weighted host gets a whole number of entries.
      const double scale =
          std::min(std::ceil(norm.min * static_cast<double>(config_.minimum_ring_size)) / norm.min,
                   static_cast<double>(config_.maximum_ring_size));
      state.ring.reserve(static_cast<std::size_t>(std::ceil(scale)));
      double current_hashes = 0.0;
      double target_hashes = 0.0;
      std::string key;
      for (std::size_t i = 0; i < members.size(); ++i) {
        assert(!members[i]->address.empty());
        key.assign(members[i]->address);
        key.push_back('_');
        const std::size_t prefix = key.size();
        target_hashes += scale * norm.weights[i];
        for (uint64_t k = 0; current_hashes < target_hashes; ++k) {
          key.resize(prefix);
          key += std::to_string(k);
          state.ring.push_back({xxhash64(key, 0), members[i]->id});
          current_hashes += 1.0;
        }
      }
      std::stable_sort(state.ring.begin(), state.ring.end(),
                       [](const RingEntry& a, const RingEntry& b) { return a.hash < b.hash; });
    } else {
      // MaglevTable::constructMaglevTableInternal + OriginalMaglevTable: hosts in address order.
      struct Build {
        std::string_view address;
        uint32_t host;
        double weight;
        uint64_t offset = 0;
        uint64_t skip = 0;
        double target_weight = 0.0;
        uint64_t next = 0;
      };
      const uint64_t m = config_.maglev_table_size;
      std::vector<Build> entries;
      entries.reserve(members.size());
      for (std::size_t i = 0; i < members.size(); ++i) {
        entries.push_back({members[i]->address, members[i]->id, norm.weights[i]});
      }
      std::sort(entries.begin(), entries.end(), [](const Build& a, const Build& b) {
        return a.address != b.address ? a.address < b.address : a.host < b.host;
      });
      for (Build& e : entries) {
        e.offset = xxhash64(e.address, 0) % m;
        e.skip = xxhash64(e.address, 1) % (m - 1) + 1;
      }
      state.maglev.assign(m, kNoHost);
      uint64_t filled = 0;
      for (uint32_t iteration = 1; filled < m; ++iteration) {
        for (std::size_t i = 0; i < entries.size() && filled < m; ++i) {
          Build& e = entries[i];
          // A host of weight max/k takes a slot every k-th round.
          if (iteration * e.weight < e.target_weight) continue;
          e.target_weight += norm.max;
          uint64_t c = (e.offset + e.skip * e.next) % m;
          while (state.maglev[c] != kNoHost) {
            ++e.next;
            c = (e.offset + e.skip * e.next) % m;
          }
          state.maglev[c] = e.host;
          ++e.next;
          ++filled;
        }
      }
    }
  }
}

uint32_t LoadBalancer::hash_lookup(const PriorityState& state, uint64_t hash,
                                   uint32_t attempt) const {
  if (config_.policy == LbPolicy::RingHash) {
    if (state.ring.empty()) return kNoHost;
    // Ketama: the first entry with hash >= key, wrapping to the first (a lower_bound; Envoy
    // ports libketama's binary search, which lands on the same entry).
    auto it = std::lower_bound(state.ring.begin(), state.ring.end(), hash,
                               [](const RingEntry& e, uint64_t h) { return e.hash < h; });
    std::size_t index =
        it == state.ring.end() ? 0 : static_cast<std::size_t>(it - state.ring.begin());
    if (attempt > 0) index = (index + attempt) % state.ring.size();
    return state.ring[index].host;
  }
  if (state.maglev.empty()) return kNoHost;
  // "By using value with most bits set for the retry attempts, we achieve a larger change in
  // the hash" (maglev_lb.cc chooseHost).
  if (attempt > 0) hash ^= ~0ULL - attempt + 1;
  return state.maglev[hash % state.maglev.size()];
}

LbPick LoadBalancer::choose_once(simcore::Stream& rng, std::span<const uint32_t> active) {
  LbPick pick;
  pick.selections = 1;
  // EdfLoadBalancerBase::chooseHostOnce / RandomLoadBalancer: hostSourceToUse(random(false)).
  const uint64_t r = rng.next_u64();
  pick.priority = choose_priority(r, loads_.load);
  pick.panic = loads_.panic[pick.priority] != 0;
  PriorityState& state = priorities_[pick.priority];
  HostSource& source = pick.panic ? state.all : state.healthy;

  if (config_.policy == LbPolicy::Random) {
    if (!source.hosts.empty()) pick.host = source.hosts[r % source.hosts.size()];
    return pick;
  }
  if (!source.edf.empty()) {
    const uint32_t index =
        source.edf.pick_and_add([&](uint32_t i) { return edf_weight(source, i, active); });
    pick.host = source.hosts[index];
    return pick;
  }
  const std::size_t n = source.hosts.size();
  if (n == 0) return pick;
  if (config_.policy == LbPolicy::RoundRobin) {
    pick.host = source.hosts[source.rr_index++ % n];
    return pick;
  }
  // LEAST_REQUEST, N choices with replacement; a later draw wins only with strictly fewer.
  uint32_t candidate = kNoHost;
  for (uint32_t c = 0; c < config_.choice_count; ++c) {
    const uint32_t sampled = source.hosts[rng.next_u64() % n];
    if (candidate == kNoHost || active_of(active, sampled) < active_of(active, candidate)) {
      candidate = sampled;
    }
  }
  pick.host = candidate;
  return pick;
}

LbPick LoadBalancer::choose_host(simcore::Stream& rng, std::span<const uint32_t> active_requests,
                                 std::optional<uint64_t> hash, std::span<const uint32_t> reject,
                                 uint32_t host_selection_retry_max_attempts) {
  const uint32_t max_picks = reject.empty() ? 1 : host_selection_retry_max_attempts + 1;
  if (is_hash_policy(config_.policy)) {
    // ThreadAwareLoadBalancerBase::LoadBalancerImpl::chooseHost: no key -> a random one; the
    // key also chooses the priority, once, before the host-selection loop.
    const uint64_t h = hash ? *hash : rng.next_u64();
    LbPick pick;
    pick.priority = choose_priority(h, loads_.load);
    pick.panic = loads_.panic[pick.priority] != 0;
    const PriorityState& state = priorities_[pick.priority];
    for (uint32_t attempt = 0; attempt < max_picks; ++attempt) {
      pick.host = hash_lookup(state, h, attempt);
      pick.selections = attempt + 1;
      if (!pick.ok() || !contains(reject, pick.host)) return pick;
    }
    return pick;
  }
  LbPick pick;
  for (uint32_t attempt = 0; attempt < max_picks; ++attempt) {
    pick = choose_once(rng, active_requests);
    pick.selections = attempt + 1;
    if (!pick.ok() || !contains(reject, pick.host)) return pick;
  }
  return pick;  // "If we didn't find anything, return the last host."
}

}  // namespace meshsim::policies
