// The server (inbound) sidecar: the pass through Envoy on the way in and out (a quarter of the
// sidecar pair's overhead each way, Istio's published figures), and the HTTP filter chain
// (inbound/filter.h) that decides whether the request reaches the pod.
//
// A workload without a sidecar has no chain and adds no latency.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/config/topology.h"
#include "models/inbound/filter.h"

namespace meshsim::models {

struct Runtime;

class InboundSidecar {
 public:
  InboundSidecar(Runtime& rt, const Topology& topo);

  // The request's pass through the sidecar before it reaches the pod (zero without a sidecar).
  simcore::Time request_pass(const Exchange& x) const;
  // The same on the way out.
  simcore::Time response_pass(const Exchange& x) const { return request_pass(x); }
  // The request arrived at the pod's address.  A pod that is not serving (pod.h PodPhase):
  //   * its app does not listen: the sidecar's connection to it is refused, and the sidecar
  //     answers 503 UF itself (UF,URX from Istio 1.24, whose inbound route retries
  //     reset-before-request twice, failing again at once: istio route.go
  //     BuildDefaultHTTPInboundRoute); without a sidecar the caller's connection is refused;
  //   * deleted: the connection is refused (RST; whether an unused pod IP answers RST or nothing
  //     depends on the network, unsure: reference §5b);
  //   * its node vanished: the request is lost (Exchange::kLost), nothing answers.
  // Otherwise the filter chain runs and the request goes on to the pod (or a filter answers).
  void on_request(uint32_t exchange);
  // The response leaves the pod: the filter chain sees it in reverse order.
  void on_response(uint32_t exchange);

 private:
  FilterContext context(uint32_t exchange);

  Runtime& rt_;
  const Topology& topo_;
  uint32_t refused_flags_;  // the server sidecar's flags when the app refuses the connection
  IdVector<WorkloadId, std::vector<InboundFilter>> chains_;  // per workload
  // The overload filters' states (overload_filters.h), one per EnvoyFilter patch and workload.
  std::vector<std::unique_ptr<AdaptiveConcurrencyState>> adaptive_;
  std::vector<std::unique_ptr<AdmissionControlState>> admission_;
};

}  // namespace meshsim::models
