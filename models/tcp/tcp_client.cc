// The application's pooled TCP connections and the requests on them; see tcp.h.  The sidecars'
// tcp_proxy (how a connection is routed and connected) is tcp_proxy.cc.
#include <algorithm>

#include "models/runtime.h"
#include "models/tcp/tcp.h"

namespace meshsim::models {

using policies::ResponseFlag;

uint32_t TcpTraffic::pool_of(const Call& c) {
  const PodId pod = c.caller.as_pod();
  const uint64_t key = (uint64_t{pod.value} << 40) ^ (uint64_t{c.service.value} << 16) ^ c.tcp_port;
  auto it = pool_index_.find(key);
  if (it != pool_index_.end()) return it->second;
  TcpClientPool p;
  p.pod = pod;
  p.service = c.service;
  p.port = c.tcp_port;
  p.cfg = c.step->tcp_client;
  const auto& svc = rt_.topo.catalog().services[c.service.value];
  p.connect_rng = simcore::Stream(rt_.cfg.experiment.seed,
                                  rt_.topo.pods[pod].name + ">" + svc.name + "." + svc.namespace_ + ":" +
                                      std::to_string(c.tcp_port),
                                  "tcp-connect");
  const auto idx = static_cast<uint32_t>(pools_.size());
  pools_.push_back(std::move(p));
  pool_index_.emplace(key, idx);
  return idx;
}

void TcpTraffic::send(uint32_t ci) {
  assign(pool_of(rt_.app[ci]), ci);
}

// A non-multiplexed client takes an idle open connection, else opens one while below its limit,
// else waits (FIFO).  A multiplexed one opens connections up to its limit, then spreads its
// requests over them (the one with the fewest outstanding).
void TcpTraffic::assign(uint32_t pi, uint32_t ci) {
  TcpClientPool& p = pools_[pi];
  if (p.cfg.multiplexed) {
    if (p.connections.size() >= p.cfg.connections) {
      uint32_t best = p.connections.front();
      for (uint32_t k : p.connections)
        if (conns_[k].calls.size() < conns_[best].calls.size()) best = k;
      Call& c = rt_.app[ci];
      c.tcp_conn = best;
      c.tcp_conn_gen = conns_[best].gen;
      conns_[best].calls.emplace_back(ci, c.gen);
      if (conns_[best].open) dispatch(best, ci);
      return;
    }
    open(pi, ci);
    return;
  }
  for (uint32_t k : p.connections) {
    if (conns_[k].open && conns_[k].calls.empty()) {
      Call& c = rt_.app[ci];
      c.tcp_conn = k;
      c.tcp_conn_gen = conns_[k].gen;
      conns_[k].calls.emplace_back(ci, c.gen);
      dispatch(k, ci);
      return;
    }
  }
  if (p.connections.size() < p.cfg.connections) {
    open(pi, ci);
    return;
  }
  const Call& c = rt_.app[ci];
  p.waiting.push_back({ci, c.gen, c.attempts});
}

void TcpTraffic::dispatch(uint32_t k, uint32_t ci) {
  const uint32_t xi = rt_.exchanges.send_on_connection(ci, k, conns_[k].gen, conns_[k].pod);
  Call& c = rt_.app[ci];
  c.exchange = xi;
  c.exchange_gen = rt_.exchanges[xi].gen;
}

// The first still-waiting call of the pool goes on a free connection (or a new one).
void TcpTraffic::next_waiting(uint32_t pi) {
  while (!pools_[pi].waiting.empty()) {
    const TcpClientPool::Waiting w = pools_[pi].waiting.front();
    if (!rt_.app.is(w.call, w.gen) || rt_.app[w.call].attempts != w.attempt || rt_.app[w.call].tcp_conn != kNone) {
      pools_[pi].waiting.pop_front();  // gave up (timeout) or already placed
      continue;
    }
    TcpClientPool& p = pools_[pi];
    bool free = p.connections.size() < p.cfg.connections;
    for (uint32_t k : p.connections) free = free || (conns_[k].open && conns_[k].calls.empty());
    if (!free) return;
    p.waiting.pop_front();
    assign(pi, w.call);
  }
}

void TcpTraffic::response(uint32_t k, uint32_t ci, uint32_t code, const CallStep* step) {
  Call& c = rt_.app[ci];
  c.exchange = kNone;
  if (!conns_.is(k, c.tcp_conn_gen) || c.tcp_conn != k) return;  // the connection closed meanwhile
  TcpConnection& cn = conns_[k];
  const uint64_t sent = step != nullptr ? step->response_bytes : 0, received = step != nullptr ? step->request_bytes : 0;
  record(cn, Reporter::kSource, TcpRecord::kBytes, 0, sent, received);
  if (cn.server_open) record(cn, Reporter::kDestination, TcpRecord::kBytes, 0, sent, received);
  std::erase(cn.calls, std::make_pair(ci, c.gen));
  c.tcp_conn = kNone;
  rt_.sched.cancel(c.timeout);
  const uint32_t pi = cn.client;
  next_waiting(pi);
  rt_.app.attempt_outcome(ci, code, policies::kNoGrpcStatus, 0);
}

void TcpTraffic::abandon(uint32_t ci) {
  Call& c = rt_.app[ci];
  const uint32_t k = c.tcp_conn;
  c.tcp_conn = kNone;
  if (k == kNone || !conns_.is(k, c.tcp_conn_gen)) return;
  TcpConnection& cn = conns_[k];
  std::erase(cn.calls, std::make_pair(ci, c.gen));
  if (!pools_[cn.client].cfg.multiplexed) close(k, 0, 0, 0);
}

void TcpTraffic::reset(uint32_t k, uint32_t gen) {
  if (conns_.is(k, gen)) close(k, ResponseFlag::kUpstreamConnectionTermination, 0, 0);
}

void TcpTraffic::pod_down(PodId p, bool hang) {
  for (TcpClientPool& pool : pools_)
    if (pool.pod == p) pool.waiting.clear();
  if (hang) return;
  for (uint32_t k = 0; k < conns_.size(); ++k) {
    if (!conns_[k].live) continue;
    if (conns_[k].pod == p && conns_[k].open) {
      close(k, ResponseFlag::kUpstreamConnectionTermination, 0, 0);
    } else if (pools_[conns_[k].client].pod == p) {
      close(k, ResponseFlag::kUpstreamConnectionTermination, 0, 0);
    }
  }
}

// The one place a connection ends: its calls fail, each side that saw it reports the close, its
// place under maxConnections is given back, and a waiting call may take its place.
void TcpTraffic::close(uint32_t k, uint32_t call_flags, uint32_t source_flags, uint32_t server_flags) {
  TcpConnection& cn = conns_[k];
  record(cn, Reporter::kSource, TcpRecord::kClosed, source_flags);
  if (cn.server_open) record(cn, Reporter::kDestination, TcpRecord::kClosed, server_flags);
  if (cn.holds_breaker) rt_.clusters[cn.client_cluster].breaker.close_tcp_connection();
  const uint32_t pi = cn.client;
  std::erase(pools_[pi].connections, k);
  const std::vector<std::pair<uint32_t, uint32_t>> calls = std::move(cn.calls);
  conns_.release(k);
  for (const auto& [ci, gen] : calls) {
    if (!rt_.app.is(ci, gen)) continue;
    Call& c = rt_.app[ci];
    if (c.tcp_conn != k) continue;
    c.tcp_conn = kNone;
    if (c.exchange != kNone && rt_.exchanges.is(c.exchange, c.exchange_gen)) rt_.exchanges.abandon(c.exchange);
    c.exchange = kNone;
    rt_.sched.cancel(c.timeout);
    rt_.app.attempt_outcome(ci, 0, policies::kNoGrpcStatus, call_flags);
  }
  next_waiting(pi);
}

void TcpTraffic::record(const TcpConnection& cn, Reporter r, TcpRecord::Kind kind, uint32_t flags, uint64_t sent,
                        uint64_t received) {
  const PodId client = pools_[cn.client].pod;
  if (r == Reporter::kSource && !rt_.topo.has_sidecar(client)) return;
  if (r == Reporter::kDestination && rt_.pods[cn.pod].phase == PodPhase::kHostLost) return;  // its node is gone
  TcpRecord rec;
  rec.at = rt_.sched.now();
  rec.source_workload = rt_.topo.pods[client].workload.value;
  rec.destination_workload = cn.pod.valid() ? rt_.topo.pods[cn.pod].workload.value : kNoWorkload;
  rec.destination_service = cn.service.value;
  rec.reporter = r;
  rec.kind = kind;
  rec.response_flags = flags;
  rec.sent_bytes = sent;
  rec.received_bytes = received;
  rt_.telemetry.tcp(rec);
}

}  // namespace meshsim::models
