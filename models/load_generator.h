// Load generators: open loop (Poisson with a time-varying rate, or constant spacing) and closed
// loop (users with think time), each root request a Call of the load's kind mix, traced with the
// experiment's sampling rate.  A load sends from its zone, through a sidecar when it stands for
// an in-mesh client (fortio in a pod).
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

  uint64_t roots() const { return roots_; }
  uint64_t in_flight() const { return roots_ - roots_done_; }

 private:
  void start_root(LoadId l, uint32_t user);
  void schedule_next_arrival(LoadId l);
  double rate_at(LoadId l, simcore::Time t, size_t& segment) const;

  Runtime& rt_;
  const Topology& topo_;
  IdVector<LoadId, LoadState> state_;
  uint64_t roots_ = 0;       // root requests started
  uint64_t roots_done_ = 0;  // root requests answered
};

}  // namespace meshsim::models
