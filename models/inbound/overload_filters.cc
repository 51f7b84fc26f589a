// Inbound overload filters; see overload_filters.h.
#include "models/inbound/overload_filters.h"

#include "models/config/topology.h"
#include "models/inbound/filter.h"
#include "policies/grpc_status.h"

namespace meshsim::models {

void inbound_local_reply(Exchange& x, uint32_t status) {
  if (x.grpc) {
    x.status = 200;
    x.grpc_status = policies::http_to_grpc_status(status);
  } else {
    x.status = status;
  }
}

namespace {

// When the request reached the filter (Envoy's decodeHeaders): past the sidecar's pass.
simcore::Time decoded_at(const Exchange& x) { return x.dest_start + x.sidecar_pass; }

void run_timers(policies::GradientController& g, simcore::Time now) {
  while (g.next_deadline() <= now) g.on_timer(g.next_deadline());
}

}  // namespace

FilterStatus AdaptiveConcurrencyFilter::decode(FilterContext& ctx) const {
  policies::GradientController& g = state->pods[ctx.topo.pods[ctx.exchange.pod].ordinal];
  run_timers(g, ctx.now);
  if (!g.forward()) {
    inbound_local_reply(ctx.exchange, state->local_reply_status);
    return FilterStatus::kLocalReply;
  }
  ctx.exchange.filter_marks |= mark;
  return FilterStatus::kContinue;
}

void AdaptiveConcurrencyFilter::encode(FilterContext& ctx) const {
  Exchange& x = ctx.exchange;
  if ((x.filter_marks & mark) == 0) return;
  x.filter_marks &= static_cast<uint8_t>(~mark);
  policies::GradientController& g = state->pods[ctx.topo.pods[x.pod].ordinal];
  run_timers(g, ctx.now);
  if (x.abandoned) {
    g.cancel();  // the downstream went away: no latency sample (cancelLatencySample)
  } else {
    g.complete(decoded_at(x), ctx.now);
  }
}

FilterStatus AdmissionControlFilter::decode(FilterContext& ctx) const {
  const uint32_t p = ctx.topo.pods[ctx.exchange.pod].ordinal;
  if (policies::admission_should_reject(state->pods[p], ctx.now, state->config, state->rng[p].next_u64())) {
    inbound_local_reply(ctx.exchange, 503);
    return FilterStatus::kLocalReply;
  }
  ctx.exchange.filter_marks |= mark;
  return FilterStatus::kContinue;
}

void AdmissionControlFilter::encode(FilterContext& ctx) const {
  Exchange& x = ctx.exchange;
  if ((x.filter_marks & mark) == 0) return;
  x.filter_marks &= static_cast<uint8_t>(~mark);
  if (x.abandoned) return;  // a reset: Envoy records nothing (no response headers)
  const bool grpc = x.grpc && x.grpc_status != policies::kNoGrpcStatus;
  state->pods[ctx.topo.pods[x.pod].ordinal].record(ctx.now, policies::admission_success(state->config, x.status, grpc, x.grpc_status));
}

}  // namespace meshsim::models
