// Zone-pair latency and partitions; see network.h.
#include "models/network.h"

namespace meshsim::models {

simcore::Time Network::delay(simcore::Stream& rng, uint32_t a, uint32_t b) const {
  if (a == b) return cfg_.same_zone.sample_time(rng);
  if (topo_.zone_region[a] == topo_.zone_region[b]) return cfg_.cross_zone.sample_time(rng);
  return cfg_.cross_region.sample_time(rng);
}

bool Network::cut(uint32_t caller_zone, uint32_t pod_zone, ServiceId caller_service, ServiceId callee) const {
  if (partitioned_zones_.empty() && partitioned_services_.empty()) return false;  // the usual case
  return partitioned_zones_.count({caller_zone, pod_zone}) != 0 ||
         (caller_service.valid() && partitioned_services_.count({caller_service.value, callee.value}) != 0);
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
