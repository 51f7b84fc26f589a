// The built, immutable configuration of a run: a MeshConfig with its names resolved to typed
// indices and its handlers flattened into arrays, so that no request does string work.
//
// Built once by the Mesh; afterwards only read.  Zones are numbered in the order they are first
// named (the network's zone_region map first, then workloads, then loads); pods are named
// <workload>-<i> and placed round-robin over their workload's zones.  Which handler serves which
// path on which workload is resolved here too (first prefix match).  Endpoints follow
// Kubernetes: a Service's pods are those its selector selects, whatever WorkloadConfig::service
// says (that is only the workload's primary Service, a name).
//
// Throws std::invalid_argument when the configuration names something that does not exist (the
// scenario layer reports such mistakes with file:line:column before this point).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/config.h"
#include "models/ids.h"
#include "models/observation.h"
#include "models/traffic.h"

namespace meshsim::models {

struct StepRt {
  enum Kind : uint8_t { kCompute, kCall, kParallel, kRepeat } kind;
  uint32_t first;  // compute: index into computes; call/parallel: first index into calls;
                   // repeat: index into counts
  uint32_t count;  // number of calls (1 for kCall); repeat: the number of steps repeated
};
struct CallRt {
  const CallStep* cfg;
  ServiceId service;
  uint32_t path;  // interned
  bool grpc;      // the port called is grpc / grpc-web: a gRPC request (policies::is_grpc)
  uint32_t tcp_port = 0;  // the Service port called when Istio proxies it as TCP; 0: HTTP family
};
struct HandlerRt {
  uint32_t first_step, step_count;
  double error_probability;
  uint32_t error_status;
  uint8_t error_grpc_status;  // policies::kNoGrpcStatus = none
};
struct WorkloadRt {
  const WorkloadConfig* cfg;
  ServiceId service;               // primary (WorkloadConfig::service): naming only
  std::vector<ServiceId> services;  // every Service that selects it, ascending
  std::vector<uint32_t> handlers;  // indices into handlers, in config order
  std::vector<PodId> pods;
  // Some handler matches on the method or a header: the handler is chosen per request
  // (match_handler), not from the path table.
  bool match_per_request = false;
};
struct PodRt {
  std::string name;
  WorkloadId workload;
  uint32_t ordinal = 0;       // its index in its workload's pods
  uint32_t zone = 0;
  uint64_t address_hash = 0;  // consistent-hash key for useSourceIp (its name stands for its IP)
};
struct LoadRt {
  const LoadConfig* cfg;
  ServiceId service;
  uint32_t zone;
  std::vector<uint32_t> kind_path;  // interned path per request kind
  std::vector<double> kind_cumulative;
  bool grpc = false;  // the port it sends to is grpc / grpc-web
  WorkloadId from;    // LoadConfig::from: the workload whose pods send (invalid: none)
};

class Topology {
 public:
  explicit Topology(const MeshConfig& config);  // `config` must outlive the Topology

  const MeshConfig& config() const { return cfg_; }
  const MeshCatalog& catalog() const { return catalog_; }

  // A Service's endpoints: the pods of every workload its selector selects (Kubernetes'
  // EndpointSlice rule, models::service_selects), ascending.  A pod may back several Services.
  IdVector<ServiceId, std::vector<PodId>> service_pods;
  IdVector<WorkloadId, WorkloadRt> workloads;
  IdVector<PodId, PodRt> pods;
  IdVector<LoadId, LoadRt> loads;
  std::vector<HandlerRt> handlers;
  std::vector<StepRt> steps;
  std::vector<CallRt> calls;
  std::vector<const simcore::Distribution*> computes;
  std::vector<const simcore::Count*> counts;  // a repeat step's number of times
  std::vector<std::string> zones;
  std::vector<uint32_t> zone_region;
  std::vector<std::string> paths;
  // Per timeline event: the two sides of a Partition (zones or services), and which.
  std::vector<std::pair<uint32_t, uint32_t>> partition_pairs;
  std::vector<bool> partition_is_zone;

  // The handler serving `path` on a workload that matches on paths only (kNone: none).
  uint32_t handler_for(WorkloadId w, uint32_t path) const {
    return handler_table_[static_cast<size_t>(path) * workloads.size() + w.value];
  }
  // The first handler of `w` whose path prefix, method and headers all match (kNone: none).
  // `propagated` are the root request's headers, `own` the call's (either may be null).
  uint32_t match_handler(WorkloadId w, uint32_t path, std::string_view method,
                         const Headers* propagated, const Headers* own) const;
  // The Services a pod backs (several when several selectors match its labels).  Which one a
  // request is for is the request's: the Service the caller addressed, carried on the call.
  const std::vector<ServiceId>& services_of(PodId p) const { return workloads[pods[p].workload].services; }
  // The endpoints of Service `s`'s port `port` as Kubernetes lists them: service_pods[s] less the
  // pods whose workload does not declare the port's named targetPort (FindPort, target_port_of).
  // Empty if `s` has no such port.  The run keeps one endpoint set per Service (service_pods) for
  // all its ports; see docs/fidelity.md.
  std::vector<PodId> port_endpoints(ServiceId s, uint32_t port) const;
  // Whether requests to `port` of `service` are gRPC (0 = the service's first port).
  bool is_grpc_port(ServiceId service, uint32_t port) const;
  // The Service port number `port` (0: its first) names, when the sidecars proxy it as TCP
  // (policies::is_http_family false; UDP is refused by the scenario layer); else 0.
  uint32_t tcp_port(ServiceId service, uint32_t port) const;
  const WorkloadConfig& workload_config(PodId p) const { return *workloads[pods[p].workload].cfg; }
  bool has_sidecar(PodId p) const { return p.valid() && workload_config(p).sidecar; }
  // What the client sidecars' traffic tables resolve names against.
  TrafficTopology traffic_topology() const;

 private:
  uint32_t intern_path(const std::string& p);

  const MeshConfig& cfg_;
  MeshCatalog catalog_;
  std::unordered_map<std::string, uint32_t> path_ids_;
  std::vector<uint32_t> handler_table_;  // [path][workload] -> handler or kNone
};

}  // namespace meshsim::models
