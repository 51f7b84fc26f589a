// Load generators: open loop (Poisson with a time-varying rate, or constant spacing) and closed
// loop (users with think time), each root request a Call of the load's kind mix, traced with the
// experiment's sampling rate.  A load sends from its zone, through a sidecar when it stands for
// an in-mesh client (fortio in a pod).
//
// A load `from` a workload (LoadConfig::from) runs in that workload's pods, as fortio or locust
// in a Deployment does: each root request is the pod's call (its zone, its sidecar, its labels
// for VirtualService sourceLabels, its edge streams), and every record names the workload as
// source.  Which pod: a closed-loop user is pinned to pod `user % replicas` (locust's users
// spread evenly over its workers; fortio's connections live in one process); open-loop arrivals
// go round robin over the pods (N fortio pods each sending every N-th request).  No draw
// decides it.  A pod whose app is not running (lost by the timeline, not yet back) sends
// nothing: its open-loop turns are skipped (the load's rate drops by its share), its users wait
// until it starts again.  A root request in flight when its pod is lost is not recorded by the
// generator (the process that sent it is gone); a closed-loop user then starts afresh.
#pragma once

#include <cstdint>
#include <vector>

#include "models/app_client.h"
#include "models/config/topology.h"
#include "models/ids.h"
#include "simcore/rng.h"

namespace meshsim::models {

struct Runtime;

struct LoadState {
  ClientState client;
  simcore::Stream arrivals, mix, trace, think;
  size_t segment = 0;                  // the rate segment in force
  uint64_t started = 0;                // root requests started (for max_requests)
  std::vector<uint64_t> user_started;  // closed loop: per connection
  uint64_t next_pod = 0;               // `from`, open loop: the round robin over the pods
  std::vector<uint32_t> parked;        // `from`, closed loop: users waiting for their pod
};

class LoadGenerators {
 public:
  LoadGenerators(Runtime& rt, const Topology& topo, uint64_t seed);

  LoadState& operator[](LoadId l) { return state_[l]; }
  // Schedules every load's first arrivals (or its users' first requests).
  void begin();
  // An open-loop arrival: a root request, and the next arrival.
  void arrival(LoadId l);
  // A closed-loop user (re)starts: a root request.
  void user_start(LoadId l, uint32_t user) { start_root(l, user); }
  // A root request ended: the load generator's end-to-end record; a closed-loop user thinks,
  // then starts again.
  void root_done(const Call& c, uint32_t code, uint8_t grpc_status, uint32_t flags);
  // Pod `p`'s app started again: the closed-loop users pinned to it that were waiting go on.
  void pod_started(PodId p);

  uint64_t roots() const { return roots_; }
  uint64_t in_flight() const { return roots_ - roots_done_; }

 private:
  void start_root(LoadId l, uint32_t user);
  // `from`: the pod that sends this root request; invalid if none is running for it.
  PodId sending_pod(LoadId l, uint32_t user);
  void schedule_next_arrival(LoadId l);
  double rate_at(LoadId l, simcore::Time t, size_t& segment) const;

  Runtime& rt_;
  const Topology& topo_;
  IdVector<LoadId, LoadState> state_;
  uint64_t roots_ = 0;       // root requests started
  uint64_t roots_done_ = 0;  // root requests answered
};

}  // namespace meshsim::models
