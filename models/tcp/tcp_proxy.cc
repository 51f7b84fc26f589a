// The sidecars' tcp_proxy for a new connection (route, cluster, load balancer, maxConnections,
// connect, outlier detection); see tcp.h.
#include "models/runtime.h"
#include "models/tcp/tcp.h"
#include "policies/tcp_route.h"

namespace meshsim::models {

using policies::ResponseFlag;
using simcore::Time;
using Outcome = TcpConnection::Outcome;

namespace {
constexpr uint32_t kConnectFailed = ResponseFlag::kUpstreamConnectionFailure | ResponseFlag::kUpstreamRetryLimitExceeded;
}  // namespace

void TcpTraffic::open(uint32_t pi, uint32_t ci) {
  const uint32_t k = conns_.alloc();
  TcpConnection& cn = conns_[k];
  Call& c = rt_.app[ci];
  cn.client = pi;
  cn.service = pools_[pi].service;
  cn.calls.emplace_back(ci, c.gen);
  c.tcp_conn = k;
  c.tcp_conn_gen = cn.gen;
  pools_[pi].connections.push_back(k);
  const PodId caller = pools_[pi].pod;
  if (!rt_.topo.has_sidecar(caller)) {
    // kube-proxy: a ready endpoint uniformly at random, per connection; none: rejected.
    const auto& ready = rt_.control.ready_pods(cn.service);
    if (ready.empty()) {
      cn.outcome = Outcome::kRefused;
      rt_.sched.schedule_at(rt_.sched.now(), Packed::make(kTcpConnect, k, cn.gen));
      return;
    }
    const PodId pod = ready[rt_.edge(c).pick.below(ready.size())];
    connect(k, pod, rt_.topo.pods[caller].zone, pools_[pi].connect_rng, rt_.cfg.experiment.connect_timeout);
    return;
  }
  const TrafficTables& traffic = rt_.control.traffic();
  const TcpRouteRt& r = rt_.control.traffic().tcp_route(rt_.topo.pods[caller].workload.value, cn.service.value,
                                                         pools_[pi].port);
  size_t d = 0;
  if (r.clusters.size() > 1) d = policies::pick_tcp_destination(*r.route, rt_.edge(c).route.next_u64());
  const uint32_t cluster = d == policies::kNoDestination ? kNoCluster : r.clusters[d];
  if (cluster == kNoCluster) {
    local_reply(k, ResponseFlag::kNoClusterFound);
    return;
  }
  const ClusterRt& cr = traffic.cluster(cluster);
  cn.service = ServiceId(cr.service);
  cn.client_cluster = rt_.clusters.get(Caller::pod(caller), cluster);
  ClientCluster& cc = rt_.clusters[cn.client_cluster];
  rt_.clusters.refresh(cc);
  // tcp_proxy hashes on the source address only (useSourceIp); other hash keys are HTTP's.
  const std::optional<uint64_t> hash =
      cr.hash_lb && cr.hash_source_ip ? std::optional<uint64_t>(rt_.topo.pods[caller].address_hash) : std::nullopt;
  const policies::LbPick pick = cc.lb->choose_host(cc.lb_rng, cc.active, hash);
  if (!pick.ok()) {
    local_reply(k, ResponseFlag::kNoHealthyUpstream);
    return;
  }
  if (cc.pool_config) {
    if (!cc.breaker.try_open_tcp_connection(*cc.pool_config)) {
      local_reply(k, ResponseFlag::kUpstreamOverflow);
      return;
    }
    conns_[k].holds_breaker = true;
  }
  conns_[k].host = pick.host;
  connect(k, PodId(cr.pods[pick.host]), cc.client_zone, cc.connect_rng,
          cc.pool_config ? cc.pool_config->connect_timeout() : rt_.cfg.experiment.connect_timeout);
}

// The connect's outcome as the SYN finds the pod: unanswered (node gone, partition) until the
// connect timeout; refused (deleted) or accepted after a round trip.  An application that has
// stopped listening is seen when the connect completes (connect_done).
void TcpTraffic::connect(uint32_t k, PodId pod, uint32_t from_zone, simcore::Stream& rng, Time connect_timeout) {
  TcpConnection& cn = conns_[k];
  cn.pod = pod;
  const uint32_t to_zone = rt_.topo.pods[pod].zone;
  Time at;
  if (rt_.network.cut(from_zone, to_zone, pools_[cn.client].pod, pod) || rt_.pods[pod].phase == PodPhase::kHostLost) {
    cn.outcome = Outcome::kTimedOut;
    at = rt_.sched.now() + connect_timeout;
  } else {
    cn.outcome = rt_.pods[pod].phase == PodPhase::kGone ? Outcome::kRefused : Outcome::kEstablished;
    at = rt_.sched.now() + rt_.network.delay(rng, from_zone, to_zone) * 2;
  }
  rt_.sched.schedule_at(at, Packed::make(kTcpConnect, k, cn.gen));
}

// tcp_proxy closes the downstream connection itself (no host, overflow, no cluster): as the next
// event, never inside the application's own call.
void TcpTraffic::local_reply(uint32_t k, uint32_t flag) {
  TcpConnection& cn = conns_[k];
  cn.outcome = Outcome::kLocalReply;
  cn.local_flags = flag;
  rt_.sched.schedule_at(rt_.sched.now(), Packed::make(kTcpConnect, k, cn.gen));
}

void TcpTraffic::connect_done(uint32_t k, uint32_t gen) {
  if (!conns_.is(k, gen)) return;
  TcpConnection& cn = conns_[k];
  // The client sidecar accepted the application's connection when it was made; it reports it
  // once the upstream side is known (istio stats labels it with the peer it reached).
  record(cn, Reporter::kSource, TcpRecord::kOpened, 0);
  if (cn.outcome == Outcome::kLocalReply) {
    close(k, cn.local_flags, cn.local_flags, 0);
    return;
  }
  const bool sidecar = cn.client_cluster != kNone;
  auto outlier = [&](policies::UpstreamResult r) {
    ClientCluster& cc = rt_.clusters[cn.client_cluster];
    if (cc.outlier && cc.outlier->report(cn.host, r, rt_.sched.now(), cc.outlier_rng)) cc.dirty = true;
  };
  Outcome outcome = cn.outcome;
  const PodPhase phase = rt_.pods[cn.pod].phase;
  const bool server_sidecar = rt_.topo.has_sidecar(cn.pod);
  if (outcome == Outcome::kEstablished && phase != PodPhase::kServing) {
    if (phase == PodPhase::kAppDown && server_sidecar) {
      // The server sidecar accepts, its own connect to the app is refused (UF,URX there), and it
      // closes: for the client sidecar a connection that opened and was closed by the peer.
      if (sidecar) outlier(policies::UpstreamResult::response(200));
      cn.server_open = true;
      record(cn, Reporter::kDestination, TcpRecord::kOpened, 0);
      close(k, ResponseFlag::kUpstreamConnectionTermination, 0, kConnectFailed);
      return;
    }
    outcome = phase == PodPhase::kHostLost ? Outcome::kTimedOut : Outcome::kRefused;
  }
  if (outcome != Outcome::kEstablished) {
    // LocalOriginConnectFailed: a 503 for outlier detection in Istio's non-split mode.
    if (sidecar) outlier(policies::UpstreamResult::reset());
    close(k, ResponseFlag::kUpstreamConnectionFailure, kConnectFailed, 0);
    return;
  }
  // LocalOriginConnectSuccessFinal: a success (200) in non-split mode, which resets the
  // consecutive-error counters (outlier_detection_impl.cc putResult) [inf].
  if (sidecar) outlier(policies::UpstreamResult::response(200));
  cn.open = true;
  cn.server_open = server_sidecar;
  if (server_sidecar) record(cn, Reporter::kDestination, TcpRecord::kOpened, 0);
  for (const auto& [ci, cgen] : std::vector<std::pair<uint32_t, uint32_t>>(cn.calls))
    if (rt_.app.is(ci, cgen) && rt_.app[ci].tcp_conn == k) dispatch(k, ci);
}

}  // namespace meshsim::models
