// The server sidecar's HTTP filter chain, in Envoy's shape (envoy/http/filter.h): each filter
// sees the request on its way in (decode) and the response on its way out (encode), and answers
// Continue, or LocalReply to answer in the pod's place (the request never reaches the pod).
//
// Filters are values in a std::variant, dispatched with std::visit: no virtual call per request.
// A new inbound feature (authorization, JWT, rate limits, admission control) is a new filter
// type added to InboundFilter and placed in the chain by InboundSidecar's constructor.
//
// Today's chain, as Istio's inbound listener has it: istio.stats (the reporter=destination
// metric and the server span), the filters EnvoyFilters insert before the router (adaptive
// concurrency, admission control: overload_filters.h), then the router to the pod.
#pragma once

#include <cstdint>
#include <variant>

#include "models/exchange.h"

namespace meshsim::models {

class Telemetry;
class Topology;

enum class FilterStatus : uint8_t {
  kContinue,    // on to the next filter (the last one hands the request to the pod)
  kLocalReply,  // the filter set exchange.status / flags: answer without the pod
};

// What a filter may read and use for one request.
struct FilterContext {
  Exchange& exchange;
  uint32_t exchange_index;
  const Topology& topo;
  Telemetry& telemetry;
  simcore::Time now;
  uint32_t source_workload;  // kNoWorkload when the caller is a load generator or gone
  uint64_t parent_span;      // the caller's span when no client sidecar span exists
};

// istio.stats: records the request as the server sidecar saw it (reporter=destination) and
// the server span, when the response leaves.
struct StatsFilter {
  FilterStatus decode(FilterContext&) const { return FilterStatus::kContinue; }
  void encode(FilterContext& ctx) const;
};

}  // namespace meshsim::models

#include "models/inbound/overload_filters.h"

namespace meshsim::models {

using InboundFilter = std::variant<StatsFilter, AdaptiveConcurrencyFilter, AdmissionControlFilter>;

}  // namespace meshsim::models
