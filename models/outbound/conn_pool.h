// The client sidecar's upstream connection pools (Envoy's HTTP connection pool per host and
// worker), driven by policies/connection_pool.h's decisions: connections being opened, waiting
// requests attached when one is ready, requests overflowed (503 UO).
#pragma once

#include <cstdint>

#include "models/ids.h"
#include "models/pool.h"
#include "policies/connection_pool.h"

namespace meshsim::models {

struct Runtime;

class ConnectionPools {
 public:
  explicit ConnectionPools(Runtime& rt) : rt_(rt) {}

  // The decisions of one pool decision are in events(); act on them: open connections, start
  // attached requests, answer overflowed ones.
  policies::PoolEvents& events() { return events_; }
  void act(uint32_t client_cluster, uint32_t pool);
  // Starts opening connection `c` of `pool` to `pod` (one network round trip).
  void open(uint32_t client_cluster, uint32_t pool, policies::ConnectionId c, PodId pod);
  // The connection being opened at `index` is established.
  void connected(uint32_t index, uint32_t gen);
  // The stream's attempt no longer needs its place in the pool: waiting -> cancelled; attached
  // -> the request finished (its connection is ready again, or closed).
  void release(uint32_t stream);

 private:
  struct Connecting {
    uint32_t gen = 0;
    bool live = false;
    uint32_t client_cluster = 0;
    uint32_t pool = 0;
    policies::ConnectionId connection;
  };

  Runtime& rt_;
  Pool<Connecting> connecting_;
  policies::PoolEvents events_;  // reused, so pool decisions allocate nothing
};

}  // namespace meshsim::models
