// The server (inbound) sidecar: the pass through Envoy on the way in and out (a quarter of the
// sidecar pair's overhead each way, Istio's published figures), and the HTTP filter chain
// (inbound/filter.h) that decides whether the request reaches the pod.
//
// A workload without a sidecar has no chain and adds no latency.
#pragma once

#include <cstdint>
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
  // The request arrived at the pod's address: a dead pod refuses the connection; otherwise the
  // filter chain runs and the request goes on to the pod (or is answered by a filter).
  void on_request(uint32_t exchange);
  // The response leaves the pod: the filter chain sees it in reverse order.
  void on_response(uint32_t exchange);

 private:
  FilterContext context(uint32_t exchange);

  Runtime& rt_;
  const Topology& topo_;
  IdVector<WorkloadId, std::vector<InboundFilter>> chains_;  // per workload
};

}  // namespace meshsim::models
