// The mesh as it runs: pods, sidecars, network, load generators and the chaos timeline on the
// simcore kernel.  This is the public face of models/; the runtime's parts live in files named
// after what they model (docs/architecture.md has the map; models/runtime.h the order).
//
// A Mesh is built once from a validated MeshConfig (names resolved to typed indices, handlers
// flattened into arrays: models/config/topology.h) and then only reads that configuration.  One
// request travels:
//   load generator -> [caller's outbound sidecar: route, fault, retries, timeouts, load
//   balancing, outlier detection, connection pool] -> network -> [callee's inbound sidecar: its
//   HTTP filter chain] -> pod queue and workers -> handler steps (compute, calls, parallel calls)
//   -> back the same way -> observations.
// The sidecars apply the scenario's Istio traffic configuration (VirtualServices,
// DestinationRules) with Istio's defaults where nothing is configured; what is modelled and
// what is not is in docs/fidelity.md.
//
// Semantics worth knowing (pinned by tests/models/mesh_test.cpp and sidecar_review_test.cpp):
//   * A worker is held for the whole handling of a request, downstream calls included
//     (thread-per-request servers); the rest wait in the pod's FIFO queue, and beyond
//     queue_limit the pod answers overflow_status at once.
//   * A call's application-level timeout abandons the attempt (the server keeps working; its
//     answer is discarded) and counts as a failure; retries follow on any failure or non-2xx.
//   * Killed pods leave the endpoint set at once; requests in them are reset (503 UC at a
//     caller sidecar).  Calls across a partition fail after the connect timeout (503 UF).
//     A service with no ready pod answers 503 UH at a caller sidecar.
//
// Reproducibility: every random draw comes from a stream keyed by an entity's name (pod
// "reviews-v2-0", load "users", ...), so the same seed gives the same run, and adding an entity
// leaves the others' draws unchanged.
// Thread safety: a Mesh runs on one thread; independent Meshes are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/config.h"
#include "models/observation.h"
#include "simcore/time.h"

namespace meshsim::models {

class Mesh {
 public:
  // Throws std::invalid_argument when the configuration refers to something that does not exist
  // (the scenario layer reports such mistakes with locations before this point).
  explicit Mesh(const MeshConfig& config);
  ~Mesh();
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;

  const MeshCatalog& catalog() const;

  // Starts the run: hands the catalog to `sink` and schedules loads and the timeline.
  void begin(ObservationSink& sink);
  // Runs every event up to `t` (clamped to the experiment's duration).  Call repeatedly to show
  // progress; the results do not depend on how the run is cut.
  void run_until(simcore::Time t);
  // Flushes the remaining observations and calls sink.finish().
  void finish();
  // begin + run_until(duration) + finish.
  void run(ObservationSink& sink);

  simcore::Time now() const;
  simcore::Time duration() const;
  uint64_t events() const;
  // Root requests started and requests in flight (all hops), for progress and memory figures.
  uint64_t root_requests() const;
  uint64_t in_flight() const;          // exchanges (hops) in flight
  uint64_t in_flight_roots() const;    // root requests started and not yet answered
  // Per workload (catalog order), summed over its pods: requests being served and waiting in
  // the queues.  O(pods); for the resource guards' report of what is running away.
  struct WorkloadLoad {
    uint64_t busy = 0;
    uint64_t queued = 0;
  };
  std::vector<WorkloadLoad> workload_load() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshsim::models
