// The network between pods and load generators: latency by zone pair (same zone, cross zone,
// cross region), partitions that drop packets between two zones or two services, and the
// network faults on pods' interfaces (chaos/network_faults.h).
#pragma once

#include <cstdint>
#include <set>
#include <utility>

#include "models/chaos/network_faults.h"
#include "models/config.h"
#include "models/config/topology.h"
#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::models {

class Network {
 public:
  Network(const Topology& topo, const NetworkConfig& config, uint64_t seed)
      : faults(seed, static_cast<uint32_t>(topo.pods.size())), topo_(topo), cfg_(config) {}

  // One-way latency from zone a to zone b, drawn from `rng`.
  simcore::Time delay(simcore::Stream& rng, uint32_t a, uint32_t b) const;
  // Whether a partition drops packets from a caller (its zone; its pod, invalid for a load
  // generator) to `pod` in `pod_zone`.  A partition between two services cuts every pod one
  // selects from every pod the other selects (a pod may back several services).
  bool cut(uint32_t caller_zone, uint32_t pod_zone, PodId caller, PodId pod) const;
  // The Partition of timeline event `i` starts (on) or ends.
  void partition(size_t i, bool on);
  NetworkFaults faults;

 private:
  const Topology& topo_;
  const NetworkConfig& cfg_;
  std::set<std::pair<uint32_t, uint32_t>> partitioned_services_, partitioned_zones_;
};

}  // namespace meshsim::models
