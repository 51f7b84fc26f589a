// Istio's failover priorities and Envoy's per-priority load; see locality.h for the rules and
// their sources.
#include "policies/locality.h"

#include <algorithm>
#include <cassert>

namespace meshsim::policies {

namespace {

// Istio sorts the distinct raw priorities and renumbers them 0..N-1 ("Priorities should
// range from 0 (highest) to N (lowest) without skipping").
void compact(std::vector<uint32_t>& priorities) {
  std::vector<uint32_t> distinct = priorities;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  for (uint32_t& p : priorities) {
    p = static_cast<uint32_t>(std::lower_bound(distinct.begin(), distinct.end(), p) -
                              distinct.begin());
  }
}

// applyLocalityFailover's per-endpoint step: util.LbPriority, then 4 for a region the
// client's `failover` entry does not name.
uint32_t locality_priority_with_failover(const Locality& client, const Locality& endpoint,
                                         std::span<const LocalityFailover> failover) {
  uint32_t priority = locality_lb_priority(client, endpoint);
  if (priority == 3) {
    for (const LocalityFailover& f : failover) {
      if (f.from == client.region) {
        if (endpoint.region != f.to) priority = 4;
        break;
      }
    }
  }
  return priority;
}

// A label's value, "" when absent (a Go map lookup of a missing key).
const std::string& value_at(const Placement& placement, std::size_t j) {
  static const std::string kEmpty;
  return j < placement.label_values.size() ? placement.label_values[j] : kEmpty;
}

}  // namespace

uint32_t locality_lb_priority(const Locality& client, const Locality& endpoint) {
  if (client.region != endpoint.region) return 3;
  if (client.zone != endpoint.zone) return 2;
  if (client.subzone != endpoint.subzone) return 1;
  return 0;
}

std::vector<FailoverPriorityLabel> parse_failover_priority(std::span<const std::string> entries) {
  std::vector<FailoverPriorityLabel> out;
  out.reserve(entries.size());
  for (const std::string& e : entries) {
    std::vector<std::string> parts;
    std::string::size_type start = 0;
    for (;;) {
      const auto eq = e.find('=', start);
      parts.push_back(e.substr(start, eq == std::string::npos ? std::string::npos : eq - start));
      if (eq == std::string::npos) break;
      start = eq + 1;
    }
    FailoverPriorityLabel label{parts[0], std::nullopt};
    if (parts.size() == 2) label.value_override = parts[1];
    out.push_back(std::move(label));
  }
  return out;
}

bool failover_enabled(const LocalityLbSetting& setting, bool has_outlier_detection,
                      bool force_failover) {
  if (!setting.enabled || setting.has_distribute) return false;
  return has_outlier_detection || force_failover;
}

std::vector<uint32_t> assign_priorities(const Placement& client,
                                        std::span<const Placement> endpoints,
                                        const LocalityLbSetting& setting,
                                        bool has_outlier_detection, bool force_failover) {
  std::vector<uint32_t> priorities(endpoints.size(), 0);
  if (!failover_enabled(setting, has_outlier_detection, force_failover)) return priorities;

  if (!setting.failover_priority.empty()) {
    // applyFailoverPriorityPerLocality: the first label j whose value differs from the
    // client's gives priority N - j; all equal gives 0.
    const auto labels = parse_failover_priority(setting.failover_priority);
    const auto lowest = static_cast<uint32_t>(labels.size());
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      for (std::size_t j = 0; j < labels.size(); ++j) {
        const std::string& client_value =
            labels[j].value_override ? *labels[j].value_override : value_at(client, j);
        const std::string& endpoint_value = value_at(endpoints[i], j);
        if (client_value != endpoint_value) {
          priorities[i] = lowest - static_cast<uint32_t>(j);
          break;
        }
      }
    }
    compact(priorities);
    // "If failover is explicitly configured with failover priority, apply failover settings
    // also"; without a failover list the locality plays no part.
    if (setting.failover.empty()) return priorities;
  }

  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    priorities[i] =
        priorities[i] * 5 +
        locality_priority_with_failover(client.locality, endpoints[i].locality, setting.failover);
  }
  compact(priorities);
  return priorities;
}

bool host_set_in_panic(PriorityHostCounts counts, uint32_t healthy_panic_threshold) {
  const double threshold = static_cast<double>(std::min<uint32_t>(100, healthy_panic_threshold));
  const double healthy_percent = counts.hosts == 0 ? 0.0 : 100.0 * counts.healthy / counts.hosts;
  return healthy_percent < threshold;
}

PriorityLoads compute_priority_loads(std::span<const PriorityHostCounts> priorities,
                                     uint32_t healthy_panic_threshold,
                                     uint32_t overprovisioning_factor) {
  const std::size_t n = std::max<std::size_t>(1, priorities.size());
  PriorityLoads out;
  out.health.assign(n, 0);
  out.load.assign(n, 0);
  out.panic.assign(n, 0);
  const auto counts = [&](std::size_t p) {
    return p < priorities.size() ? priorities[p] : PriorityHostCounts{};
  };

  uint64_t health_sum = 0;
  for (std::size_t p = 0; p < n; ++p) {
    const PriorityHostCounts c = counts(p);
    assert(c.healthy <= c.hosts);
    if (c.hosts > 0) {
      out.health[p] = static_cast<uint32_t>(
          std::min<uint64_t>(100, uint64_t{overprovisioning_factor} * c.healthy / c.hosts));
    }
    health_sum += out.health[p];
  }
  out.normalized_total_health = static_cast<uint32_t>(std::min<uint64_t>(100, health_sum));
  const uint32_t normalized = out.normalized_total_health;

  if (normalized > 0) {
    // distributeLoad (the degraded pass is empty: Istio reports no degraded hosts).
    uint32_t remaining = 100;
    int first_available = -1;
    for (std::size_t p = 0; p < n; ++p) {
      if (first_available < 0 && out.health[p] > 0) first_available = static_cast<int>(p);
      out.load[p] = std::min(remaining, out.health[p] * 100 / normalized);
      remaining -= out.load[p];
    }
    if (remaining != 0) {
      assert(first_available >= 0);
      out.load[static_cast<std::size_t>(first_available)] += remaining;
    }
  }

  const uint32_t threshold = std::min<uint32_t>(100, healthy_panic_threshold);
  if (threshold == 0 && normalized == 0) {
    // "Panic is disabled and there are no hosts available": P0 takes 100% and finds nobody.
    out.load[0] = 100;
    return out;
  }

  bool total_panic = true;
  for (std::size_t p = 0; p < n; ++p) {
    const bool panic = normalized == 100 ? false : host_set_in_panic(counts(p), threshold);
    out.panic[p] = panic ? 1 : 0;
    total_panic = total_panic && panic;
  }
  out.total_panic = total_panic;
  if (total_panic) {
    // recalculateLoadInTotalPanic: split by host counts regardless of health.
    uint64_t total_hosts = 0;
    for (std::size_t p = 0; p < n; ++p) total_hosts += counts(p).hosts;
    std::fill(out.load.begin(), out.load.end(), 0);
    if (total_hosts == 0) {
      out.load[0] = 100;
      return out;
    }
    uint32_t remaining = 100;
    int first_nonempty = -1;
    for (std::size_t p = 0; p < n; ++p) {
      if (first_nonempty < 0 && counts(p).hosts != 0) first_nonempty = static_cast<int>(p);
      out.load[p] = static_cast<uint32_t>(100 * uint64_t{counts(p).hosts} / total_hosts);
      remaining -= out.load[p];
    }
    out.load[static_cast<std::size_t>(first_nonempty)] += remaining;
  }
  return out;
}

uint32_t choose_priority(uint64_t hash, std::span<const uint32_t> load) {
  const uint64_t h = hash % 100 + 1;
  uint64_t aggregate = 0;
  for (std::size_t p = 0; p < load.size(); ++p) {
    aggregate += load[p];
    if (h <= aggregate) return static_cast<uint32_t>(p);
  }
  return 0;  // loads always sum to 100; Envoy reports an ENVOY_BUG and returns P0
}

}  // namespace meshsim::policies
