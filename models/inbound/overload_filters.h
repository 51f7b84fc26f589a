// Inbound overload filters that an EnvoyFilter inserts before the router (models/config.h
// InboundHttpFilter): Envoy's adaptive concurrency and admission control, their decisions from
// policies/ (adaptive_concurrency.h, admission_control.h), one controller per pod's sidecar.
//
// A filter holds a pointer to its state, which InboundSidecar owns (one per EnvoyFilter patch and
// workload chain), and marks the exchanges it let through (Exchange::filter_marks, one bit per
// filter of the chain) so that its encode accounts only for those.  A request it answers itself
// gets `local_reply_status` (503), or for a gRPC request :status 200 with grpc-status
// httpToGrpcStatus(503) = UNAVAILABLE, as Envoy's sendLocalReply does; no response flag.
//
// The gradient controller's timers are run lazily: before each decision or sample, every timer
// due by now fires in order.  That is exact, since nothing but a request reads or changes the
// controller between two of its events.
#pragma once

#include <cstdint>
#include <vector>

#include "models/exchange.h"
#include "policies/adaptive_concurrency.h"
#include "policies/admission_control.h"
#include "simcore/rng.h"

namespace meshsim::models {

struct FilterContext;
enum class FilterStatus : uint8_t;

struct AdaptiveConcurrencyState {
  uint32_t local_reply_status = 503;
  std::vector<policies::GradientController> pods;  // by the pod's ordinal in its workload
};

struct AdmissionControlState {
  policies::AdmissionControlConfig config;
  std::vector<policies::AdmissionWindow> pods;  // by the pod's ordinal in its workload
  std::vector<simcore::Stream> rng;             // likewise: the rejection draws
};

struct AdaptiveConcurrencyFilter {
  AdaptiveConcurrencyState* state;
  uint8_t mark;  // this filter's bit in Exchange::filter_marks
  FilterStatus decode(FilterContext& ctx) const;
  void encode(FilterContext& ctx) const;
};

struct AdmissionControlFilter {
  AdmissionControlState* state;
  uint8_t mark;
  FilterStatus decode(FilterContext& ctx) const;
  void encode(FilterContext& ctx) const;
};

// The local reply of an inbound filter: `status`, or 200 + grpc-status for a gRPC request.
void inbound_local_reply(Exchange& x, uint32_t status);

}  // namespace meshsim::models
