// One attempt on the wire; see exchange.h.
#include "models/exchange.h"

#include "models/runtime.h"

namespace meshsim::models {

using policies::ResponseFlag;
using simcore::Time;

uint32_t Exchanges::send(uint32_t ci, uint32_t si, PodId pod) {
  Call& c = rt_.app[ci];
  const CallerView caller = rt_.caller(c);
  EdgeStreams& edge = rt_.edge(c);
  const bool caller_sidecar = si != kNone;

  const uint32_t xi = pool_.alloc();
  Exchange& x = pool_[xi];
  x.call = ci;
  x.call_gen = c.gen;
  x.stream = si;
  x.stream_gen = si == kNone ? 0 : rt_.router[si].gen;
  x.service = caller_sidecar ? rt_.router[si].service : c.service;
  x.path = c.path;
  x.depth = c.depth;
  x.kind = c.kind;
  x.call_step = c.step;
  x.grpc = c.grpc;
  // Envoy forwards the time left in grpc-timeout; the server counts its deadline from receipt.
  if (c.grpc && c.deadline != Time::max()) x.grpc_timeout = std::max(c.deadline - rt_.sched.now(), Time::zero());
  x.load = c.load;
  x.sent = rt_.sched.now();
  x.trace = c.trace;
  c.exchange = xi;
  c.exchange_gen = x.gen;
  if (c.trace != 0) {
    x.client_span = caller_sidecar ? c.trace_client_span : 0;
    x.server_span = rt_.telemetry.new_span_id();
  }
  x.sidecar_pass = rt_.cfg.sidecar.pair_overhead.sample_time(edge.overhead) / 4;
  Time delay = caller_sidecar ? x.sidecar_pass : Time::zero();
  x.pod = pod;
  if (!pod.valid()) {  // no endpoint: the connection is refused at once
    x.status = 0;
    x.flags = ResponseFlag::kUpstreamConnectionFailure;
    x.phase = Exchange::kToCaller;
    rt_.sched.schedule_at(rt_.sched.now() + delay, Packed::make(kResponseAtCaller, xi, x.gen));
    return xi;
  }
  const uint32_t pod_zone = rt_.topo.pods[pod].zone;
  if (rt_.network.cut(caller.zone, pod_zone, c.caller.as_pod(), pod) ||
      rt_.pods[pod].phase == PodPhase::kHostLost) {
    // A partition or a vanished node drops packets: the connection attempt times out, after the
    // cluster's connectTimeout (DestinationRule connectionPool.tcp.connectTimeout, else
    // MeshConfig's 10 s); an application without a sidecar waits the same 10 s.
    x.status = caller_sidecar ? 503 : 0;
    x.flags = ResponseFlag::kUpstreamConnectionFailure;
    x.phase = Exchange::kToCaller;
    simcore::Time connect_timeout = rt_.cfg.experiment.connect_timeout;
    if (caller_sidecar) {
      const ClientCluster& cc = rt_.clusters[rt_.router[si].client_cluster];
      if (cc.pool_config) connect_timeout = cc.pool_config->connect_timeout();
    }
    rt_.sched.schedule_at(rt_.sched.now() + delay + connect_timeout, Packed::make(kResponseAtCaller, xi, x.gen));
    return xi;
  }
  const Time one_way = rt_.network.delay(edge.network, caller.zone, pod_zone);
  delay += one_way;
  if (!rt_.network.faults.idle()) {  // the caller pod's egress faults (chaos/network_faults.h)
    const Time extra = rt_.network.faults.egress(c.caller.as_pod(), pod, c.step ? c.step->request_bytes : 0,
                                               rt_.sched.now() + delay - one_way, one_way);
    if (extra == Time::max()) {
      x.phase = Exchange::kLost;  // TCP gave up: no answer (the caller's timeouts end it)
      return xi;
    }
    delay += extra;
  }
  x.dest_start = rt_.sched.now() + delay;
  delay += rt_.inbound.request_pass(x);
  x.phase = Exchange::kToPod;
  rt_.sched.schedule_at(rt_.sched.now() + delay, Packed::make(kArriveAtPod, xi, x.gen));
  return xi;
}

uint32_t Exchanges::send_on_connection(uint32_t ci, uint32_t conn, uint32_t conn_gen, PodId pod) {
  Call& c = rt_.app[ci];
  const CallerView caller = rt_.caller(c);
  EdgeStreams& edge = rt_.edge(c);
  const uint32_t xi = pool_.alloc();
  Exchange& x = pool_[xi];
  x.call = ci;
  x.call_gen = c.gen;
  x.tcp_conn = conn;
  x.tcp_conn_gen = conn_gen;
  x.service = c.service;
  x.path = c.path;
  x.depth = c.depth;
  x.kind = c.kind;
  x.call_step = c.step;
  x.load = c.load;
  x.sent = rt_.sched.now();
  x.pod = pod;
  x.reached_pod = true;
  x.sidecar_pass = rt_.cfg.sidecar.pair_overhead.sample_time(edge.overhead) / 4;
  const uint32_t pod_zone = rt_.topo.pods[pod].zone;
  if (rt_.network.cut(caller.zone, pod_zone, c.caller.as_pod(), pod) || rt_.pods[pod].phase == PodPhase::kHostLost) {
    x.phase = Exchange::kLost;  // the packets vanish: no answer, no reset
    return xi;
  }
  Time delay = caller.sidecar ? x.sidecar_pass : Time::zero();
  const Time one_way = rt_.network.delay(edge.network, caller.zone, pod_zone);
  delay += one_way;
  if (!rt_.network.faults.idle()) {  // the caller pod's egress faults, as in send()
    const Time extra = rt_.network.faults.egress(c.caller.as_pod(), pod, c.step ? c.step->request_bytes : 0,
                                               rt_.sched.now() + delay - one_way, one_way);
    if (extra == Time::max()) {
      x.phase = Exchange::kLost;
      return xi;
    }
    delay += extra;
  }
  x.dest_start = rt_.sched.now() + delay;
  delay += rt_.inbound.request_pass(x);
  x.phase = Exchange::kToPod;
  rt_.sched.schedule_at(rt_.sched.now() + delay, Packed::make(kArriveAtPod, xi, x.gen));
  return xi;
}

void Exchanges::refused_at_pod(uint32_t xi) {
  Exchange& x = pool_[xi];
  x.status = x.stream != kNone ? 503 : 0;
  x.flags = ResponseFlag::kUpstreamConnectionFailure;
  x.phase = Exchange::kToCaller;
  PodState& p = rt_.pods[x.pod];
  const uint32_t caller_zone = rt_.caller(rt_.app[x.call]).zone;
  rt_.sched.schedule_at(rt_.sched.now() + rt_.network.delay(p.response_network_rng, rt_.topo.pods[x.pod].zone, caller_zone),
                        Packed::make(kResponseAtCaller, xi, x.gen));
}

void Exchanges::abandon(uint32_t xi) {
  Exchange& x = pool_[xi];
  if (x.phase == Exchange::kLost) {
    pool_.release(xi);
    return;
  }
  x.abandoned = true;
  x.stream = kNone;
}

void Exchanges::at_caller(uint32_t xi) {
  Exchange& x = pool_[xi];
  if (x.abandoned || !rt_.app.is(x.call, x.call_gen)) {
    pool_.release(xi);
    return;
  }
  if (x.tcp_conn != kNone) {  // a request on a TCP connection: back to it
    const uint32_t conn = x.tcp_conn, ci = x.call, code = x.status;
    const CallStep* step = x.call_step;
    pool_.release(xi);
    rt_.tcp.response(conn, ci, code, step);
    return;
  }
  if (x.stream != kNone) {
    // Back at the caller's sidecar: the router decides.
    const uint32_t si = x.stream;
    if (!rt_.router.open(si, x.stream_gen) || rt_.router[si].exchange != xi) {
      pool_.release(xi);
      return;
    }
    // A grpc-status the server sent is in the headers of a trailers-only response, where Envoy's
    // gRPC retryOn tokens and outlier detection look for it.  meshsim's servers answer every
    // gRPC error before any message, so trailers-only.
    policies::AttemptOutcome outcome = policies::AttemptOutcome::response(
        static_cast<uint16_t>(x.status),
        x.grpc_status == policies::kNoGrpcStatus ? std::nullopt : std::optional<uint8_t>(x.grpc_status));
    uint32_t code = x.status, flags = 0;
    if (!x.reached_pod) {
      outcome = policies::AttemptOutcome::reset(policies::ResetReason::ConnectFailure);
      const auto r = policies::local_reply(policies::local_reply_for(outcome.reset_reason));
      code = r.status;
      flags = r.flag;
    } else if ((x.flags & ResponseFlag::kUpstreamConnectionTermination) != 0) {
      // The pod was killed under a request already sent: for the retry decision a reset after
      // the request went out, but the local reply is the connection termination (503 UC), not
      // the remote stream reset (UR) local_reply_for gives that reason.
      outcome = policies::AttemptOutcome::reset(policies::ResetReason::ResetAfterRequestSent);
      const auto r = policies::local_reply(policies::LocalReply::kUpstreamConnectionTermination);
      code = r.status;
      flags = r.flag;
    }
    pool_.release(xi);
    rt_.router.attempt_done(si, outcome, code, flags);
    return;
  }
  // The application called directly (no sidecar on its side).
  const uint32_t ci = x.call;
  Call& c = rt_.app[ci];
  rt_.sched.cancel(c.timeout);
  c.exchange = kNone;
  const uint32_t code = x.status, flags = x.flags;
  const uint8_t grpc_status = x.grpc_status;
  pool_.release(xi);
  rt_.app.attempt_outcome(ci, code, grpc_status, flags);
}

}  // namespace meshsim::models
