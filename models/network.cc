// Zone-pair latency and partitions; see network.h.
#include "models/network.h"

namespace meshsim::models {

simcore::Time Network::delay(simcore::Stream& rng, uint32_t a, uint32_t b) const {
  if (a == b) return cfg_.same_zone.sample_time(rng);
  if (topo_.zone_region[a] == topo_.zone_region[b]) return cfg_.cross_zone.sample_time(rng);
  return cfg_.cross_region.sample_time(rng);
}

bool Network::cut(uint32_t caller_zone, uint32_t pod_zone, PodId caller, PodId pod) const {
  if (!faults.idle() && faults.blocked(caller, pod)) return true;
  if (partitioned_zones_.empty() && partitioned_services_.empty()) return false;  // the usual case
  if (partitioned_zones_.count({caller_zone, pod_zone}) != 0) return true;
  if (!caller.valid() || partitioned_services_.empty()) return false;
  for (ServiceId a : topo_.services_of(caller))
    for (ServiceId b : topo_.services_of(pod))
      if (partitioned_services_.count({a.value, b.value}) != 0) return true;
  return false;
}

void Network::partition(size_t i, bool on) {
  auto [x, y] = topo_.partition_pairs[i];
  auto& set = topo_.partition_is_zone[i] ? partitioned_zones_ : partitioned_services_;
  if (on) {
    set.insert({x, y});
    set.insert({y, x});
  } else {
    set.erase({x, y});
    set.erase({y, x});
  }
}

}  // namespace meshsim::models
