// The client sidecar's route match, fault filter and router; see router.h.
#include "models/outbound/router.h"

#include <algorithm>
#include <array>

#include "models/runtime.h"
#include "policies/grpc_status.h"
#include "policies/router_timeouts.h"
#include "policies/virtual_service.h"

namespace meshsim::models {

using policies::LocalReply;
using policies::ResponseFlag;
using simcore::Time;
using simcore::TimerHandle;

void Router::start(uint32_t ci) {
  Call& c = rt_.app[ci];
  const CallerView caller = rt_.caller(c);
  const RouteTable& t = rt_.control.traffic().table(caller.workload, c.service.value);
  const uint32_t si = streams_.alloc();
  SidecarStream& st = streams_[si];
  st.call = ci;
  st.call_gen = c.gen;
  st.started = rt_.sched.now();
  st.service = c.service;
  st.grpc = c.grpc;
  st.root = c.root();
  if (c.grpc && c.deadline != Time::max())  // a deadline already past never gets here (AppClient)
    st.grpc_timeout = std::max(c.deadline - rt_.sched.now(), Time::from_ns(1));
  // Envoy pins each downstream connection to a worker: a closed-loop user keeps its connection;
  // other callers spread their requests round robin.  Per caller, so that adding an entity
  // changes no other caller's choices.
  st.worker = (c.user != kNone ? c.user : caller.client.next_worker++) % kSidecarWorkers;
  c.stream = si;
  c.stream_gen = st.gen;
  if (c.trace != 0) c.trace_client_span = rt_.telemetry.new_span_id();
  const RouteRt* chosen = &t.routes[0];
  if (t.has_virtual_service) {
    std::array<policies::HeaderPair, 16> headers;
    size_t n = 0;
    auto add = [&](const Headers& hs) {
      for (const auto& [k, v] : hs)
        if (n < headers.size()) headers[n++] = {k, v};
    };
    const auto& mix = rt_.topo.loads[c.load].cfg->mix;
    if (!mix.empty()) add(mix[c.kind].headers);  // the root request's headers travel along
    if (c.step != nullptr) add(c.step->headers);
    policies::RequestView rv;
    rv.path = rt_.topo.paths[c.path];
    rv.method = c.step != nullptr ? std::string_view(c.step->method)
                : mix.empty()     ? std::string_view("GET")
                                  : std::string_view(mix[c.kind].method);
    rv.authority = rt_.topo.catalog().services[c.service.value].name;
    rv.scheme = "http";
    rv.headers = {headers.data(), n};
    const policies::RouteEntry* e = policies::match_route_entry(t.entries, rv);
    if (e == nullptr) {
      finish(si, LocalReply::kNoRouteFound, 0);
      return;
    }
    chosen = &t.routes[t.entry_route[static_cast<size_t>(e - t.entries.data())]];
  }
  st.route = chosen;
  if (chosen->route != nullptr && chosen->route->fault) {
    st.fault = policies::decide_fault(*chosen->route->fault, rt_.edge(c).fault);
    if (st.fault.delayed()) {
      // The route and per-try timers start after the delay: Envoy's router only sees the request
      // once the fault filter lets it through.
      st.flags |= ResponseFlag::kDelayInjected;
      rt_.sched.schedule_at(rt_.sched.now() + st.fault.delay, Packed::make(kStreamRoute, si, st.gen));
      return;
    }
    if (st.fault.abort) {
      fault_abort(si);
      return;
    }
  }
  route(si);
}

// The router: pick the destination by weight (once per request, so retries stay in it), start
// the route timeout and the retry state, make the first attempt.
void Router::route(uint32_t si) {
  SidecarStream& st = streams_[si];
  if (st.fault.abort) {  // an abort after a delay
    fault_abort(si);
    return;
  }
  Call& c = rt_.app[st.call];
  const RouteRt& r = *st.route;
  if (r.clusters.empty()) {
    // A redirect / directResponse route: Envoy answers locally (the body and location are not
    // modelled).
    finish(si, LocalReply::kRedirect, st.flags);
    return;
  }
  size_t d = 0;
  if (r.clusters.size() > 1) {
    d = policies::pick_destination(*r.route, rt_.edge(c).route);
    if (d == policies::kNoDestination) {
      finish(si, LocalReply::kNoClusterFound, 0);
      return;
    }
  }
  st.cluster = r.clusters[d];
  if (st.cluster == kNoCluster) {
    finish(si, LocalReply::kNoClusterFound, 0);
    return;
  }
  st.service = ServiceId(rt_.control.traffic().cluster(st.cluster).service);
  const Caller caller = c.caller;
  if (!r.mirror_clusters.empty()) mirror(si);  // allocates Calls: `c` dangles after it
  st.client_cluster = rt_.clusters.get(caller, st.cluster);
  st.retry = policies::RetryState::start(r.retry);
  // gRPC: Istio's max_grpc_timeout is the VS timeout (r.timeouts.global), and the caller's
  // grpc-timeout header sets the route timeout under that cap (router.cc finalTimeout).
  st.timeouts = st.grpc ? policies::final_timeouts_grpc(r.timeouts.global, r.timeouts.per_try, st.grpc_timeout)
                        : r.timeouts;
  const Time global_deadline = policies::global_deadline(rt_.sched.now(), st.timeouts);
  if (global_deadline != Time::max())
    st.global_timer = rt_.sched.arm_at(global_deadline, Packed::make(kStreamGlobal, si, st.gen));
  attempt(si);
}

// One attempt: the load balancer's pick (re-picking hosts already tried, for retries), the
// connection pool, then the upstream exchange.
void Router::attempt(uint32_t si) {
  SidecarStream& st = streams_[si];
  ClientCluster& cc = rt_.clusters[st.client_cluster];
  rt_.clusters.refresh(cc);
  const policies::RetryPolicy& pol = st.route->retry;
  const bool is_retry = st.attempts > 0;
  const uint32_t picks = is_retry && pol.previous_hosts ? pol.host_selection_retry_max_attempts : 0;
  policies::LbPick pick;
  if (rt_.control.traffic().cluster(st.cluster).original_dst) {
    pick.host = is_retry ? st.host : dns_pick(si);  // ORIGINAL_DST: retries go to the same pod
  } else {
    pick = cc.lb->choose_host(cc.lb_rng, cc.active, hash_key(si), st.retry.attempted_hosts.hosts(), picks);
  }
  if (!pick.ok()) {
    // No healthy upstream: Envoy answers at once, without consulting the retry state.
    policies::release(st.retry, cc.retry_breaker);
    finish(si, LocalReply::kNoHealthyUpstream, st.flags);
    return;
  }
  st.host = pick.host;
  policies::on_host_attempted(st.retry, pick.host);
  ++cc.active[st.host];  // undone in end_attempt, the one place an attempt ends
  st.in_attempt = true;
  ++st.attempts;
  if (cc.pool_config) {
    // Envoy's connection pool: attach to a ready connection, wait for one, or overflow.
    st.pool = st.host * kSidecarWorkers + st.worker;
    const uint64_t request = (uint64_t{si} << 32) | st.gen;
    const policies::Admission a = cc.pools[st.pool].admit(*cc.pool_config, cc.breaker, request);
    const PodId pod(rt_.control.traffic().cluster(st.cluster).pods[st.host]);
    for (uint32_t i = 0; i < a.opened_count; ++i) rt_.conn_pools.open(st.client_cluster, st.pool, a.opened[i], pod);
    if (a.result == policies::AdmissionResult::Overflow) {
      st.pool = kNone;
      reply(si, LocalReply::kUpstreamOverflow);
      return;
    }
    if (a.result == policies::AdmissionResult::Pending) {
      st.pending = true;
      st.ticket = a.ticket;
      return;
    }
    st.connection = a.connection;
  }
  start_upstream(si);
}

// A headless Service (ORIGINAL_DST cluster): the application looked the name up in DNS, which
// answers with every pod ready in the EndpointSlices, and connects to one of them, uniformly; the sidecar forwards to
// that address.  The draw is the edge's `pick` stream: this caller has a sidecar, so kube-proxy's
// pick (the stream's other use) never happens on this edge.  No ready pod: no healthy upstream.
uint32_t Router::dns_pick(uint32_t si) {
  const SidecarStream& st = streams_[si];
  const ClusterRt& cr = rt_.control.traffic().cluster(st.cluster);
  uint32_t ready = 0;
  for (uint32_t p : cr.pods) ready += rt_.control.in_endpoint_slice(PodId(p)) ? 1 : 0;
  if (ready == 0) return policies::LbPick::kNoHost;
  uint64_t k = rt_.edge(rt_.app[st.call]).pick.below(ready);
  for (uint32_t i = 0; i < cr.pods.size(); ++i) {
    if (!rt_.control.in_endpoint_slice(PodId(cr.pods[i]))) continue;
    if (k-- == 0) return i;
  }
  return policies::LbPick::kNoHost;
}

// Envoy starts the per-try timer when the pool is ready.
void Router::start_upstream(uint32_t si) {
  SidecarStream& st = streams_[si];
  st.pending = false;
  const Time per_try_deadline = policies::per_try_deadline(rt_.sched.now(), st.timeouts);
  if (per_try_deadline != Time::max())
    st.per_try_timer = rt_.sched.arm_at(per_try_deadline, Packed::make(kStreamPerTry, si, st.gen));
  const PodId pod(rt_.control.traffic().cluster(st.cluster).pods[st.host]);
  const uint32_t xi = rt_.exchanges.send(st.call, si, pod);
  SidecarStream& st2 = streams_[si];
  st2.exchange = xi;
  st2.exchange_gen = rt_.exchanges[xi].gen;
}

// 503 UO, x-envoy-overloaded: never retried, never seen by outlier detection.
void Router::reply(uint32_t si, LocalReply r) {
  SidecarStream& st = streams_[si];
  end_attempt(si);
  st.pending = false;
  policies::release(st.retry, rt_.clusters[st.client_cluster].retry_breaker);
  finish(si, r, st.flags);
}

// Mirroring: a fire-and-forget copy of the request to each mirror cluster (with its percentage),
// made when the router has the request; its answer is discarded and it never retries.  The copy
// is a call of its own with no caller waiting, sent straight to a ready pod of the mirror
// cluster picked at random.
void Router::mirror(uint32_t si) {
  const SidecarStream& st = streams_[si];
  const RouteRt& r = *st.route;
  for (size_t i = 0; i < r.mirror_clusters.size(); ++i) {
    if (r.mirror_clusters[i] == kNoCluster) continue;
    // The edge's deque keeps this reference valid while the mirror's own edge is created.
    simcore::Stream& rng = rt_.edge(rt_.app[st.call]).mirror;
    if (!policies::ppm_enabled(r.route->mirrors[i].ppm(), rng.next_u64())) continue;
    const ClusterRt& cr = rt_.control.traffic().cluster(r.mirror_clusters[i]);
    const SidecarId sidecar = rt_.control.sidecar(rt_.app[st.call].caller);
    std::vector<PodId> ready;
    for (uint32_t p : cr.pods)
      if (rt_.control.in_view(sidecar, PodId(p))) ready.push_back(PodId(p));
    if (ready.empty()) continue;
    const PodId pod = ready[rng.below(ready.size())];
    const uint32_t ci = rt_.app.alloc();
    const Call& o = rt_.app[st.call];  // re-read: alloc may have moved the pool
    Call& c = rt_.app[ci];
    c.caller = o.caller;
    c.load = o.load;
    c.service = ServiceId(cr.service);
    c.path = o.path;
    c.step = o.step;
    c.depth = o.depth;
    c.kind = o.kind;
    c.started = rt_.sched.now();
    c.attempts = 1;
    c.mirror = true;
    c.grpc = o.grpc;
    rt_.exchanges.send(ci, kNone, pod);
  }
}

// The consistent-hash key of a request for a RING_HASH / MAGLEV cluster: the configured header
// (the root request's propagated headers, then the call's own), or the caller's address (a pod's
// name stands for its IP).  No key -> Envoy picks at random.
std::optional<uint64_t> Router::hash_key(uint32_t si) {
  const SidecarStream& st = streams_[si];
  const ClusterRt& cr = rt_.control.traffic().cluster(st.cluster);
  if (!cr.hash_lb) return std::nullopt;
  const Call& c = rt_.app[st.call];
  if (cr.hash_source_ip)
    return c.caller.is_load() ? policies::hash_key("load:" + rt_.topo.loads[c.load].cfg->name)
                    : rt_.topo.pods[c.caller.as_pod()].address_hash;
  if (cr.hash_header.empty()) return std::nullopt;
  if (c.step != nullptr)
    for (const auto& [k, v] : c.step->headers)
      if (k == cr.hash_header) return policies::hash_key(v);
  const auto& mix = rt_.topo.loads[c.load].cfg->mix;
  if (!mix.empty())
    for (const auto& [k, v] : mix[c.kind].headers)
      if (k == cr.hash_header) return policies::hash_key(v);
  return std::nullopt;
}

void Router::attempt_done(uint32_t si, const policies::AttemptOutcome& outcome, uint32_t code, uint32_t flags) {
  SidecarStream& st = streams_[si];
  ClientCluster& cc = rt_.clusters[st.client_cluster];
  rt_.sched.cancel(st.per_try_timer);
  st.per_try_timer = TimerHandle{};
  st.exchange = kNone;
  end_attempt(si);
  const bool response = outcome.kind == policies::AttemptOutcome::Kind::Response;
  if (cc.outlier) {
    // A grpc-status in the response headers is reported as grpcToHttpStatus of it (router.cc
    // onUpstreamHeaders), so a trailers-only UNAVAILABLE counts as a 503.
    const uint32_t reported = response && outcome.grpc_status ? policies::grpc_to_http_status(*outcome.grpc_status) : code;
    const policies::UpstreamResult r =
        response ? policies::UpstreamResult::response(reported)
        : outcome.reset_reason == policies::ResetReason::PerTryTimeout ? policies::UpstreamResult::timeout()
                                                                       : policies::UpstreamResult::reset();
    if (cc.outlier->report(st.host, r, rt_.sched.now(), cc.outlier_rng)) cc.dirty = true;
  }
  Time backoff;
  const policies::RetryStatus status =
      policies::should_retry(st.retry, st.route->retry, outcome, cc.retry_breaker, cc.backoff_rng, backoff);
  if (status == policies::RetryStatus::Yes) {
    rt_.sched.schedule_at(rt_.sched.now() + backoff, Packed::make(kStreamBackoff, si, st.gen));
    return;
  }
  const uint32_t final_flags = st.flags | flags | policies::response_flag(status);
  if (response) {
    answer(si, code, outcome.grpc_status.value_or(policies::kNoGrpcStatus), final_flags);
  } else {
    finish(si, code, final_flags, /*defer=*/false);
  }
}

void Router::per_try_timeout(uint32_t si) {
  SidecarStream& st = streams_[si];
  st.per_try_timer = TimerHandle{};
  if (st.exchange != kNone && rt_.exchanges.is(st.exchange, st.exchange_gen))
    rt_.exchanges.abandon(st.exchange);  // the server keeps going; nobody listens
  const auto outcome = policies::AttemptOutcome::reset(policies::ResetReason::PerTryTimeout);
  const auto r = policies::local_reply(policies::local_reply_for(outcome.reset_reason));
  attempt_done(si, outcome, r.status, r.flag);
}

void Router::global_timeout(uint32_t si) {
  SidecarStream& st = streams_[si];
  st.global_timer = TimerHandle{};
  ClientCluster& cc = rt_.clusters[st.client_cluster];
  if (st.exchange != kNone && rt_.exchanges.is(st.exchange, st.exchange_gen)) {
    rt_.exchanges.abandon(st.exchange);
    if (cc.outlier && cc.outlier->report(st.host, policies::UpstreamResult::timeout(), rt_.sched.now(), cc.outlier_rng))
      cc.dirty = true;
  }
  end_attempt(si);
  policies::release(st.retry, cc.retry_breaker);
  const auto r =
      policies::local_reply(policies::local_reply_for(policies::ResetReason::GlobalTimeout));
  finish(si, r.status, st.flags | r.flag, /*defer=*/false);
}

// The current attempt is over (answered, timed out, overflowed, or reset): its host's count of
// active requests drops and its place in the connection pool is given back.  The one place.
void Router::end_attempt(uint32_t si) {
  SidecarStream& st = streams_[si];
  if (!st.in_attempt) return;
  st.in_attempt = false;
  rt_.clusters[st.client_cluster].host_done(st.host);
  rt_.conn_pools.release(si);
}

void Router::finish(uint32_t si, LocalReply r, uint32_t extra_flags) {
  const auto spec = policies::local_reply(r);
  finish(si, spec.status, extra_flags | spec.flag);
}

// The fault filter aborts (Envoy fault_filter.cc abortWithStatus -> sendLocalReply): a
// grpcStatus abort answers a gRPC request 200 with that grpc-status, and any other request a
// plain 200 (Envoy's abortStatus() gives :status 200 and the grpc-status goes only into a gRPC
// reply); an httpStatus abort answers a gRPC request as every local reply does, 200 with
// httpToGrpcStatus(status).  Flag FI; never retried.
void Router::fault_abort(uint32_t si) {
  SidecarStream& st = streams_[si];
  const uint32_t flags = st.flags | ResponseFlag::kFaultInjected;
  if (st.fault.grpc) {
    answer(si, 200, st.grpc ? static_cast<uint8_t>(st.fault.grpc_status) : policies::kNoGrpcStatus, flags,
           /*defer=*/true);
    return;
  }
  finish(si, st.fault.status, flags);
}

// A local reply (Envoy's sendLocalReply): to a gRPC request it is trailers-only, :status 200 and
// grpc-status httpToGrpcStatus(code) (http/utility.cc prepareLocalReply), so UH, UF, UO, UT and
// the like all read 200 with grpc-status 14; NR reads 200 with 12.
void Router::finish(uint32_t si, uint32_t code, uint32_t flags, bool defer) {
  if (streams_[si].grpc) {
    answer(si, 200, policies::http_to_grpc_status(code), flags, defer);
  } else {
    answer(si, code, policies::kNoGrpcStatus, flags, defer);
  }
}

// The answer is decided.  A local reply made while the application is still sending (no route,
// fault abort, no healthy upstream, overflow) goes back as the next event, never inside the
// caller's own call stack, so a handler's parallel step sees its calls complete one by one;
// answers decided in an event of their own (a response, a timer) go back at once.
void Router::answer(uint32_t si, uint32_t code, uint8_t grpc_status, uint32_t flags, bool defer) {
  SidecarStream& st = streams_[si];
  rt_.sched.cancel(st.global_timer);
  rt_.sched.cancel(st.per_try_timer);
  st.global_timer = st.per_try_timer = TimerHandle{};
  st.final_code = code;
  st.final_grpc = grpc_status;
  st.final_flags = flags;
  st.finished = true;
  if (defer) {
    // A local reply still pays the client sidecar's request and response passes.
    const Time passes = rt_.cfg.sidecar.pair_overhead.sample_time(rt_.edge(rt_.app[st.call]).overhead) / 2;
    rt_.sched.schedule_at(rt_.sched.now() + passes, Packed::make(kStreamDone, si, st.gen));
  } else {
    end(si, /*reset=*/false);
  }
}

// The application gave up (its own timeout): the sidecar resets the stream and its attempt.
void Router::cancel(uint32_t si) {
  SidecarStream& st = streams_[si];
  if (!st.finished && st.exchange != kNone && rt_.exchanges.is(st.exchange, st.exchange_gen))
    rt_.exchanges.abandon(st.exchange);
  end_attempt(si);
  if (st.client_cluster != kNone) policies::release(st.retry, rt_.clusters[st.client_cluster].retry_breaker);
  rt_.sched.cancel(st.global_timer);
  rt_.sched.cancel(st.per_try_timer);
  end(si, /*reset=*/true);
}

// The one place a stream ends: the reporter=source sample and the client span, then the answer
// back to the application (unless the application reset the stream itself).
void Router::end(uint32_t si, bool reset) {
  const SidecarStream st = streams_[si];
  streams_.release(si);
  const bool caller_alive = rt_.app.is(st.call, st.call_gen) && rt_.app[st.call].stream == si;
  const Call& c = rt_.app[st.call];
  const uint32_t src = rt_.caller(c).workload;
  const uint32_t dst = st.cluster != kNoCluster && st.host != kNone
                           ? rt_.topo.pods[PodId(rt_.control.traffic().cluster(st.cluster).pods[st.host])].workload.value
                           : kNoWorkload;
  const uint32_t code = reset ? 0 : st.final_code;
  const uint8_t grpc_status = reset ? policies::kNoGrpcStatus : st.final_grpc;
  const uint32_t flags = reset ? ResponseFlag::kDownstreamConnectionTermination | st.flags : st.final_flags;
  rt_.telemetry.emit(Reporter::kSource, st.started, rt_.sched.now(), src, dst, st.service.value, c.load.value,
                     code, {st.grpc, grpc_status}, std::max<uint32_t>(1, st.attempts), flags, st.root);
  if (reset) return;
  if (c.trace != 0 && caller_alive)
    rt_.telemetry.span(c.trace, c.trace_client_span, c.parent_span, st.started, rt_.sched.now(), src,
                       st.service.value, code, flags, Reporter::kSource);
  if (caller_alive) {
    Call& cm = rt_.app[st.call];
    rt_.sched.cancel(cm.timeout);
    cm.stream = kNone;
    cm.exchange = kNone;
    rt_.app.attempt_outcome(st.call, code, grpc_status, flags);
  }
}

}  // namespace meshsim::models
