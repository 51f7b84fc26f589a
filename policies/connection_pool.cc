// Envoy's connection pool and cluster circuit breakers; see connection_pool.h.  The functions
// follow envoy source/common/conn_pool/conn_pool_base.cc step by step, in its order, so each can
// be checked against the Envoy function named in its comment.
#include "policies/connection_pool.h"

#include <algorithm>
#include <cassert>

namespace meshsim::policies {

namespace {

// Istio writes a threshold only when the DR's value is > 0 (applyConnectionPool); otherwise the
// 2^32-1 of getDefaultCircuitBreakerThresholds stays.
uint64_t istio_threshold(const std::optional<int64_t>& v) {
  return v && *v > 0 ? static_cast<uint64_t>(*v) : kIstioUnsetThreshold;
}

simcore::Time idle_timeout_from(const ConnectionPoolSettings& dr) {
  // Istio takes http.idleTimeout, else tcp.idleTimeout; unset leaves Envoy's 1 h.  Envoy reads an
  // explicit 0 as "no idle timeout".
  const std::optional<simcore::Time> t = dr.idle_timeout ? dr.idle_timeout : dr.tcp_idle_timeout;
  if (!t) return kEnvoyDefaultIdleTimeout;
  return *t == simcore::Time::zero() ? simcore::Time::max() : *t;
}

}  // namespace

ConnectionPoolConfig::ConnectionPoolConfig(const ConnectionPoolSettings& dr,
                                           simcore::Time mesh_connect_timeout)
    : max_connections_(istio_threshold(dr.max_connections)),
      max_pending_requests_(istio_threshold(dr.http1_max_pending_requests)),
      max_requests_(istio_threshold(dr.http2_max_requests)),
      connect_timeout_(dr.connect_timeout ? *dr.connect_timeout : mesh_connect_timeout),
      idle_timeout_(idle_timeout_from(dr)),
      max_requests_per_connection_(dr.max_requests_per_connection &&
                                           *dr.max_requests_per_connection > 0
                                       ? static_cast<uint64_t>(*dr.max_requests_per_connection)
                                       : 0),
      max_concurrent_streams_(
          dr.max_concurrent_streams && *dr.max_concurrent_streams > 0
              ? static_cast<uint32_t>(std::min<int64_t>(*dr.max_concurrent_streams,
                                                        kEnvoyDefaultMaxConcurrentStreams))
              : kEnvoyDefaultMaxConcurrentStreams) {
  // Envoy rejects a non-positive connect_timeout (validate.rules gt {}); scenarios validate first.
  assert(connect_timeout_ > simcore::Time::zero());
}

// --- ClusterCircuitBreaker ------------------------------------------------------------------

bool ClusterCircuitBreaker::try_open_tcp_connection(const ConnectionPoolConfig& config) {
  if (connections_ >= config.max_connections()) {
    ++stats_.upstream_cx_overflow;
    return false;
  }
  ++connections_;
  ++stats_.upstream_cx_total;
  return true;
}

void ClusterCircuitBreaker::close_tcp_connection() {
  assert(connections_ > 0);
  --connections_;
  ++stats_.upstream_cx_destroy;
}

// --- PoolEvents -----------------------------------------------------------------------------

void PoolEvents::clear() {
  attached.clear();
  overflowed.clear();
  failed.clear();
  opened.clear();
  reset_streams = 0;
  connection_closed = false;
}

// --- HostPool: bookkeeping ------------------------------------------------------------------

HostPool::Connection& HostPool::at(ConnectionId id) {
  assert(id.slot < conns_.size() && conns_[id.slot].generation == id.generation &&
         conns_[id.slot].state != ConnectionState::Closed);
  return conns_[id.slot];
}

const HostPool::Connection& HostPool::at(ConnectionId id) const {
  assert(id.slot < conns_.size() && conns_[id.slot].generation == id.generation &&
         conns_[id.slot].state != ConnectionState::Closed);
  return conns_[id.slot];
}

// ActiveClient::currentUnusedCapacity, clamped at 0.
uint64_t HostPool::unused_capacity(const Connection& c) {
  if (c.active >= c.concurrent_limit) return 0;
  return std::min<uint64_t>(c.remaining, c.concurrent_limit - c.active);
}

void HostPool::ready_push_front(uint32_t slot) {
  // Envoy moves a client into a list at its front (LinkedObject::moveBetweenLists splices at
  // begin()), and newStream takes ready_clients_.front(): the most recently readied connection
  // is reused first and older idle ones are left to the idle timeout.
  Connection& c = conns_[slot];
  c.prev = kNil;
  c.next = ready_head_;
  if (ready_head_ != kNil) conns_[ready_head_].prev = slot;
  ready_head_ = slot;
  ++ready_count_;
}

void HostPool::ready_remove(uint32_t slot) {
  Connection& c = conns_[slot];
  if (c.prev != kNil) {
    conns_[c.prev].next = c.next;
  } else {
    ready_head_ = c.next;
  }
  if (c.next != kNil) conns_[c.next].prev = c.prev;
  c.prev = c.next = kNil;
  --ready_count_;
}

void HostPool::transition(uint32_t slot, ConnectionState to) {
  Connection& c = conns_[slot];
  switch (c.state) {
    case ConnectionState::Connecting:
      --connecting_;
      break;
    case ConnectionState::Ready:
      ready_remove(slot);
      break;
    case ConnectionState::Busy:
    case ConnectionState::Draining:
      --busy_;
      break;
    case ConnectionState::Closed:
      break;
  }
  c.state = to;
  switch (to) {
    case ConnectionState::Connecting:
      ++connecting_;
      break;
    case ConnectionState::Ready:
      ready_push_front(slot);
      break;
    case ConnectionState::Busy:
    case ConnectionState::Draining:
      ++busy_;
      break;
    case ConnectionState::Closed:
      break;
  }
}

void HostPool::close(ClusterCircuitBreaker& cluster, uint32_t slot) {
  transition(slot, ConnectionState::Closed);
  conns_[slot].active = 0;
  free_slots_.push_back(slot);
  // ActiveClient::releaseResources: the connection leaves the circuit breaker before the pool
  // looks for a replacement.
  assert(cluster.connections_ > 0);
  --cluster.connections_;
  ++cluster.stats_.upstream_cx_destroy;
}

void HostPool::pending_push(uint64_t request) {
  if (ring_size_ == ring_.size()) {
    std::vector<PendingEntry> bigger(ring_.empty() ? 16 : ring_.size() * 2);
    for (uint64_t i = 0; i < ring_size_; ++i) {
      bigger[i] = ring_[(ring_head_ + i) & (ring_.size() - 1)];
    }
    ring_.swap(bigger);
    ring_head_ = 0;
  }
  ring_[(ring_head_ + ring_size_) & (ring_.size() - 1)] = PendingEntry{request, true};
  ++ring_size_;
  ++next_ticket_;
  ++pending_live_;
}

void HostPool::pending_drop_dead_front() {
  while (ring_size_ > 0 && !ring_[ring_head_].live) {
    ring_head_ = (ring_head_ + 1) & (ring_.size() - 1);
    --ring_size_;
  }
}

uint64_t HostPool::pending_pop() {
  pending_drop_dead_front();
  assert(ring_size_ > 0);
  const uint64_t request = ring_[ring_head_].request;
  ring_[ring_head_].live = false;
  ring_head_ = (ring_head_ + 1) & (ring_.size() - 1);
  --ring_size_;
  --pending_live_;
  pending_drop_dead_front();
  return request;
}

// --- HostPool: Envoy's algorithm ------------------------------------------------------------

// ConnPoolImplBase::tryCreateNewConnection with the default preconnect ratio of 1, for which
// shouldCreateNewConnection reduces to "pending streams > connecting stream capacity".
HostPool::ConnectResult HostPool::try_create_new_connection(const ConnectionPoolConfig& config,
                                                            ClusterCircuitBreaker& cluster,
                                                            ConnectionId& opened) {
  if (!(pending_live_ > connecting_capacity_)) return ConnectResult::ShouldNotConnect;
  const bool can_create = cluster.connections_ < config.max_connections();
  if (!can_create) ++cluster.stats_.upstream_cx_overflow;
  // "If we are at the connection circuit-breaker limit due to other upstreams having too many
  // open connections, and this upstream has no connections, always create one" (Envoy).
  if (!can_create && connections() != 0) return ConnectResult::NoConnectionRateLimited;

  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(conns_.size());
    conns_.emplace_back();
  }
  Connection& c = conns_[slot];
  ++c.generation;
  c.active = 0;
  c.remaining = config.max_requests_per_connection() == 0 ? std::numeric_limits<uint64_t>::max()
                                                          : config.max_requests_per_connection();
  // HTTP/1.1 carries one stream at a time (http1/conn_pool.cc ActiveClient); HTTP/2 up to the
  // peer's SETTINGS_MAX_CONCURRENT_STREAMS, which Envoy bounds by max_concurrent_streams.
  c.concurrent_limit = protocol_ == UpstreamProtocol::Http1 ? 1u : config.max_concurrent_streams();
  transition(slot, ConnectionState::Connecting);
  connecting_capacity_ += unused_capacity(c);
  ++cluster.connections_;
  ++cluster.stats_.upstream_cx_total;
  opened = ConnectionId{slot, c.generation};
  return can_create ? ConnectResult::CreatedNewConnection : ConnectResult::CreatedButRateLimited;
}

// ConnPoolImplBase::tryCreateNewConnections: up to 3, stopping at the first that is not a plain
// success (so an escape-hatch connection is the last one this call opens).
template <class Sink>
HostPool::ConnectResult HostPool::try_create_new_connections(const ConnectionPoolConfig& config,
                                                             ClusterCircuitBreaker& cluster,
                                                             Sink&& sink) {
  ConnectResult result = ConnectResult::ShouldNotConnect;
  for (int i = 0; i < 3; ++i) {
    ConnectionId opened;
    result = try_create_new_connection(config, cluster, opened);
    if (result == ConnectResult::CreatedNewConnection ||
        result == ConnectResult::CreatedButRateLimited) {
      sink(opened);
    }
    if (result != ConnectResult::CreatedNewConnection) break;
  }
  return result;
}

// ConnPoolImplBase::attachStreamToClient.
bool HostPool::attach(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                      uint32_t slot) {
  Connection& c = conns_[slot];
  assert(c.state == ConnectionState::Ready);
  if (cluster.requests_ >= config.max_requests()) {
    // The max_requests breaker has no counter of its own: Envoy charges the pending one.
    ++cluster.stats_.upstream_rq_pending_overflow;
    return false;
  }
  const uint64_t capacity = unused_capacity(c);  // latched before remaining changes
  --c.remaining;
  if (c.remaining == 0) {
    ++cluster.stats_.upstream_cx_max_requests;
    transition(slot, ConnectionState::Draining);
  } else if (capacity == 1) {
    transition(slot, ConnectionState::Busy);
  }
  ++c.active;
  ++active_streams_;
  ++cluster.requests_;
  ++cluster.stats_.upstream_rq_total;
  return true;
}

// ConnPoolImplBase::newStreamImpl.
Admission HostPool::admit(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                          uint64_t request) {
  Admission a;
  auto sink = [&a](ConnectionId id) {
    assert(a.opened_count < a.opened.size());
    a.opened[a.opened_count++] = id;
  };
  if (ready_head_ != kNil) {
    const uint32_t slot = ready_head_;
    if (attach(config, cluster, slot)) {
      a.result = AdmissionResult::Attached;
      a.connection = ConnectionId{slot, conns_[slot].generation};
    } else {
      a.result = AdmissionResult::Overflow;
      a.overflow = OverflowReason::MaxRequests;
    }
    // Envoy preconnects here; with ratio 1 this opens nothing unless requests already wait.
    try_create_new_connections(config, cluster, sink);
    return a;
  }
  if (cluster.pending_requests_ >= config.max_pending_requests()) {
    ++cluster.stats_.upstream_rq_pending_overflow;
    a.result = AdmissionResult::Overflow;
    a.overflow = OverflowReason::MaxPendingRequests;
    return a;
  }
  a.result = AdmissionResult::Pending;
  a.ticket = PendingTicket{next_ticket_};
  pending_push(request);
  ++cluster.pending_requests_;
  ++cluster.stats_.upstream_rq_pending_total;
  // After the push: the pending count decides whether a connection is needed.
  try_create_new_connections(config, cluster, sink);
  return a;
}

// ConnPoolImplBase::onUpstreamReady: oldest pending first, onto the front ready connection.
void HostPool::on_upstream_ready(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                                 PoolEvents& out) {
  while (pending_live_ > 0 && ready_head_ != kNil) {
    const uint32_t slot = ready_head_;
    const uint64_t request = pending_pop();
    const bool attached = attach(config, cluster, slot);
    --cluster.pending_requests_;  // the PendingStream is destroyed after the attach
    if (attached) {
      out.attached.push_back(AttachedRequest{request, ConnectionId{slot, conns_[slot].generation}});
    } else {
      // The connection stays ready, so the loop goes on and every waiting request overflows.
      out.overflowed.push_back(request);
    }
  }
  if (pending_live_ > 0) {
    try_create_new_connections(config, cluster,
                               [&out](ConnectionId id) { out.opened.push_back(id); });
  }
}

// ConnPoolImplBase::onConnectionEvent(Connected).
void HostPool::on_connected(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                            ConnectionId connection, PoolEvents& out) {
  out.clear();
  Connection& c = at(connection);
  assert(c.state == ConnectionState::Connecting);
  connecting_capacity_ -= unused_capacity(c);
  transition(connection.slot,
             unused_capacity(c) > 0 ? ConnectionState::Ready : ConnectionState::Busy);
  if (c.state == ConnectionState::Ready) on_upstream_ready(config, cluster, out);
}

// ConnPoolImplBase::onConnectionEvent(RemoteClose/LocalClose) before the handshake completed.
void HostPool::on_connect_failed(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                                 ConnectionId connection, PoolEvents& out) {
  out.clear();
  Connection& c = at(connection);
  assert(c.state == ConnectionState::Connecting);
  connecting_capacity_ -= unused_capacity(c);
  ++cluster.stats_.upstream_cx_connect_fail;
  // purgePendingStreams: all of them, even those other connecting connections could serve.
  while (pending_live_ > 0) {
    out.failed.push_back(pending_pop());
    --cluster.pending_requests_;
    ++cluster.stats_.upstream_rq_pending_failure_eject;
  }
  close(cluster, connection.slot);
  out.connection_closed = true;
  // Envoy then looks for a replacement; nothing is pending any more, so none is opened.
  (void)config;
}

// ConnPoolImplBase::onStreamClosed, plus the close of a draining client it triggers.
void HostPool::on_request_finished(const ConnectionPoolConfig& config,
                                   ClusterCircuitBreaker& cluster, ConnectionId connection,
                                   PoolEvents& out) {
  out.clear();
  Connection& c = at(connection);
  assert(c.active > 0);
  --c.active;
  --active_streams_;
  --cluster.requests_;
  if (c.state == ConnectionState::Draining && c.active == 0) {
    close(cluster, connection.slot);
    out.connection_closed = true;
    // onConnectionEvent(LocalClose): "If we have pending streams and we just lost a connection
    // we should make a new one."
    if (pending_live_ > 0) {
      try_create_new_connections(config, cluster,
                                 [&out](ConnectionId id) { out.opened.push_back(id); });
    }
  } else if (c.state == ConnectionState::Busy && unused_capacity(c) > 0) {
    transition(connection.slot, ConnectionState::Ready);
    on_upstream_ready(config, cluster, out);
  }
}

// ConnPoolImplBase::onConnectionEvent(RemoteClose/LocalClose) of an established connection.
void HostPool::on_connection_closed(const ConnectionPoolConfig& config,
                                    ClusterCircuitBreaker& cluster, ConnectionId connection,
                                    PoolEvents& out) {
  Connection& c = at(connection);
  if (c.state == ConnectionState::Connecting) {
    on_connect_failed(config, cluster, connection, out);
    return;
  }
  out.clear();
  out.reset_streams = c.active;
  active_streams_ -= c.active;
  cluster.requests_ -= c.active;
  close(cluster, connection.slot);
  out.connection_closed = true;
  if (pending_live_ > 0) {
    try_create_new_connections(config, cluster,
                               [&out](ConnectionId id) { out.opened.push_back(id); });
  }
}

// ConnPoolImplBase::onPendingStreamCancel with CancelPolicy::Default (router HttpConnPool).
void HostPool::cancel_pending(ClusterCircuitBreaker& cluster, PendingTicket ticket) {
  const uint64_t front_ticket = next_ticket_ - ring_size_;
  assert(ticket.value >= front_ticket && ticket.value < next_ticket_);
  PendingEntry& e = ring_[(ring_head_ + (ticket.value - front_ticket)) & (ring_.size() - 1)];
  assert(e.live);
  e.live = false;
  --pending_live_;
  --cluster.pending_requests_;
  ++cluster.stats_.upstream_rq_cancelled;
  pending_drop_dead_front();
}

// --- HostPool: inspection -------------------------------------------------------------------

ConnectionState HostPool::state(ConnectionId connection) const {
  if (connection.slot >= conns_.size() ||
      conns_[connection.slot].generation != connection.generation) {
    return ConnectionState::Closed;
  }
  return conns_[connection.slot].state;
}

uint32_t HostPool::active_streams(ConnectionId connection) const { return at(connection).active; }

bool HostPool::idle(ConnectionId connection) const {
  const Connection& c = at(connection);
  return c.state == ConnectionState::Ready && c.active == 0;
}

}  // namespace meshsim::policies
