// Connections being opened and pool decisions acted on; see conn_pool.h.
#include "models/outbound/conn_pool.h"

#include <utility>

#include "models/runtime.h"

namespace meshsim::models {

// Opening a connection takes one network round trip to the pod (TCP; mTLS and connection reuse
// are not modelled separately).
void ConnectionPools::open(uint32_t cci, uint32_t pool, policies::ConnectionId c, PodId pod) {
  const uint32_t idx = connecting_.alloc();
  connecting_[idx].client_cluster = cci;
  connecting_[idx].pool = pool;
  connecting_[idx].connection = c;
  ClientCluster& cc = rt_.clusters[cci];
  const simcore::Time rtt = rt_.network.delay(cc.connect_rng, cc.client_zone, rt_.topo.pods[pod].zone) * 2;
  rt_.sched.schedule_at(rt_.sched.now() + rtt, Packed::make(kConnected, idx, connecting_[idx].gen));
}

void ConnectionPools::connected(uint32_t idx, uint32_t gen) {
  if (!connecting_.is(idx, gen)) return;
  const Connecting c = connecting_[idx];
  connecting_.release(idx);
  ClientCluster& cc = rt_.clusters[c.client_cluster];
  events_.clear();
  cc.pools[c.pool].on_connected(*cc.pool_config, cc.breaker, c.connection, events_);
  act(c.client_cluster, c.pool);
}

// Waiting requests that now have a connection start, those refused at attach answer 503 UO,
// and new connections are opened.
void ConnectionPools::act(uint32_t cci, uint32_t pool) {
  ClientCluster& cc = rt_.clusters[cci];
  // Take the events out (the handlers below may produce new ones) and hand the vectors back
  // afterwards, so their capacity is reused: no allocation per pool event once warm.
  policies::PoolEvents ev;
  std::swap(ev, events_);
  const uint32_t host = pool / kSidecarWorkers;
  const PodId pod(rt_.control.traffic().cluster(cc.cluster).pods[host]);
  for (const auto& c : ev.opened) open(cci, pool, c, pod);
  for (const auto& a : ev.attached) {
    const auto si = static_cast<uint32_t>(a.request >> 32);
    const auto gen = static_cast<uint32_t>(a.request);
    if (!rt_.router.open(si, gen)) continue;
    rt_.router[si].connection = a.connection;
    rt_.router.start_upstream(si);
  }
  for (uint64_t r : ev.overflowed) {
    const auto si = static_cast<uint32_t>(r >> 32);
    if (!rt_.router.open(si, static_cast<uint32_t>(r))) continue;
    rt_.router[si].pool = kNone;
    rt_.router.reply(si, policies::LocalReply::kUpstreamOverflow);
  }
  ev.clear();
  if (events_.attached.empty() && events_.overflowed.empty() && events_.failed.empty() && events_.opened.empty())
    std::swap(ev, events_);  // nothing new meanwhile: keep the reused vectors
}

void ConnectionPools::release(uint32_t si) {
  SidecarStream& st = rt_.router[si];
  if (st.pool == kNone || st.client_cluster == kNone) return;
  ClientCluster& cc = rt_.clusters[st.client_cluster];
  const uint32_t pool = st.pool;
  st.pool = kNone;
  if (!cc.pool_config) return;
  if (st.pending) {
    cc.pools[pool].cancel_pending(cc.breaker, st.ticket);
    st.pending = false;
    return;
  }
  events_.clear();
  cc.pools[pool].on_request_finished(*cc.pool_config, cc.breaker, st.connection, events_);
  act(st.client_cluster, pool);
}

}  // namespace meshsim::models
