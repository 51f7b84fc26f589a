// The runtime of one Mesh: its configuration, its kernel, and its parts, each in the file of
// the thing it models, in the order a request travels:
//
//   load_generator -> app_client -> outbound/router (route, fault, retry, timeouts)
//     -> outbound/cluster_manager (hosts, LB, outlier) -> outbound/conn_pool -> exchange + network
//     -> inbound/sidecar (filter chain) -> pod (queue, workers, handler steps)
//     -> back the same way -> telemetry
//   chaos/timeline changes pods (through kube/pod_lifecycle), the network and the pushed
//   configuration; a pod's readiness reaches the callers through control/control_plane.
//
// Each part holds a reference to the Runtime to reach the others.  Internal to models/: the
// public face is models/mesh.h.
#pragma once

#include <string>

#include "models/app_client.h"
#include "models/chaos/timeline.h"
#include "models/config.h"
#include "models/config/topology.h"
#include "models/control/control_plane.h"
#include "models/event.h"
#include "models/exchange.h"
#include "models/inbound/sidecar.h"
#include "models/kube/pod_lifecycle.h"
#include "models/load_generator.h"
#include "models/network.h"
#include "models/outbound/cluster_manager.h"
#include "models/outbound/conn_pool.h"
#include "models/outbound/router.h"
#include "models/pod.h"
#include "models/tcp/tcp.h"
#include "models/telemetry.h"
#include "simcore/scheduler.h"

namespace meshsim::models {

struct Runtime {
  explicit Runtime(const MeshConfig& config);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Who made a call, decided here once: where it runs, whether a sidecar intercepts its calls,
  // its client state (random streams, sidecar worker round robin).
  CallerView caller(const Call& c);
  uint32_t caller_zone(Caller c) const;
  std::string caller_name(Caller c) const;
  // The random streams of the call's edge (its caller towards its service), made on first use
  // and remembered in the call, so a request looks its edge up once.
  EdgeStreams& edge(Call& c);

  const MeshConfig cfg;
  const Topology topo;
  simcore::Scheduler<uint64_t> sched;
  Telemetry telemetry;
  Network network;
  ControlPlane control;
  Pods pods;
  PodLifecycle lifecycle;
  LoadGenerators loads;
  AppClient app;
  Router router;
  ClusterManager clusters;
  ConnectionPools conn_pools;
  Exchanges exchanges;
  InboundSidecar inbound;
  TcpTraffic tcp;
  Chaos chaos;
};

}  // namespace meshsim::models
