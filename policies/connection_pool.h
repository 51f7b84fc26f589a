// Envoy's upstream HTTP connection pool and the cluster circuit breakers it consults, as Istio's
// DestinationRule `trafficPolicy.connectionPool` programs them.
//
// Three pieces, named after Envoy's:
//   * `ConnectionPoolConfig`: the cluster's circuit-breaker thresholds and HTTP protocol options,
//     built once from the DR's raw fields the way istio/istio
//     pilot/pkg/networking/core/cluster_traffic_policy.go applyConnectionPool() writes them.
//   * `ClusterCircuitBreaker`: the cluster-wide resource counts (Envoy's ResourceManagerImpl,
//     source/common/upstream/resource_manager_impl.h) and the cluster's pool stats.  One per client
//     sidecar per cluster (Istio only uses the DEFAULT priority), shared by all its workers.
//   * `HostPool`: one Envoy ConnPoolImplBase (source/common/conn_pool/conn_pool_base.cc), i.e. the
//     connections of one worker to one host for one protocol.  To model Envoy's per-worker pools,
//     give each (worker, host) its own HostPool sharing one ClusterCircuitBreaker: that is what
//     lets the "escape hatch" exceed max_connections across workers and hosts.
//
// The pool is pure: it owns no timers.  The model calls `admit` after the LB pick, starts each
// connection the pool opens (and arms its connect timeout), and reports back through the event
// functions (`on_connected`, `on_connect_failed`, `on_request_finished`, `on_connection_closed`,
// `cancel_pending`).  Everything the model must act on comes back in the return value or in a
// caller-owned `PoolEvents`, whose vectors are reused, so nothing allocates per decision once the
// containers have grown.
//
// What the CALLER enforces (it is not visible from inside the pool):
//   * An Overflow becomes a local 503 with flag UO and `x-envoy-overloaded: true`; it is never
//     retried (RetryStateImpl::wouldRetryFromReset returns NoRetry for StreamResetReason::Overflow)
//     and never reported to outlier detection (router.cc onUpstreamReset skips `dropped` resets,
//     envoyproxy/envoy#25487).
//   * A connect failure fails every pending request of this HostPool (PoolEvents::failed): 503 UF,
//     retriable under connect-failure, reported to outlier detection as LocalOriginConnectFailed.
// Thread safety: none; one simulation thread owns all of these objects.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "simcore/time.h"

namespace meshsim::policies {

enum class UpstreamProtocol : uint8_t { Http1, Http2 };

// What Istio writes for a threshold the DR leaves unset (math.MaxUint32 in
// getDefaultCircuitBreakerThresholds), so in practice nothing trips unless a DR sets a limit.
inline constexpr uint64_t kIstioUnsetThreshold = 0xFFFF'FFFFull;
// MeshConfig.connectTimeout's default, which applyDefaultConnectionPool copies into every cluster.
inline constexpr simcore::Time kIstioDefaultConnectTimeout = simcore::Time::from_s(10);
// Envoy's HttpProtocolOptions.idle_timeout default (Istio sets it only when the DR does).
inline constexpr simcore::Time kEnvoyDefaultIdleTimeout = simcore::Time::from_s(3600);
// Envoy's Http2ProtocolOptions.max_concurrent_streams default.
inline constexpr uint32_t kEnvoyDefaultMaxConcurrentStreams = 2147483647u;

// The DR's `connectionPool` fields as written.  Absent and 0 mean the same ("unset"): Istio tests
// `> 0` because proto3 cannot tell them apart (the FIXME in applyConnectionPool).
struct ConnectionPoolSettings {
  std::optional<int64_t> max_connections;              // tcp.maxConnections
  std::optional<simcore::Time> connect_timeout;        // tcp.connectTimeout
  std::optional<simcore::Time> tcp_idle_timeout;       // tcp.idleTimeout (used if http's is absent)
  std::optional<int64_t> http1_max_pending_requests;   // http.http1MaxPendingRequests
  std::optional<int64_t> http2_max_requests;           // http.http2MaxRequests
  std::optional<int64_t> max_requests_per_connection;  // http.maxRequestsPerConnection
  std::optional<int64_t> max_retries;                  // http.maxRetries
  std::optional<simcore::Time> idle_timeout;           // http.idleTimeout
  std::optional<int64_t> max_concurrent_streams;       // http.maxConcurrentStreams (HTTP/2 only)
};

// TrafficPolicy.retryBudget (Istio 1.27+).  Its presence replaces max_retries with a budget.
struct RetryBudgetSettings {
  std::optional<double> percent;                 // 0..100; Istio default 20
  std::optional<int64_t> min_retry_concurrency;  // Istio default 3 (0 = unset)
};

// A cluster's pool configuration, parsed once and then only read (Envoy's habit: every field
// const).  Thresholds are Envoy's circuit_breakers.thresholds[DEFAULT].
class ConnectionPoolConfig {
 public:
  // What Istio programs for the given DR fields.  The default arguments give a cluster without a
  // DR: all thresholds 2^32-1, connect timeout 10 s.  `mesh_connect_timeout` is
  // MeshConfig.connectTimeout.
  // The retry circuit breaker (maxRetries, retryBudget) is the router's: policies/retry_state.h.
  explicit ConnectionPoolConfig(const ConnectionPoolSettings& dr = {},
                                simcore::Time mesh_connect_timeout = kIstioDefaultConnectTimeout);

  uint64_t max_connections() const { return max_connections_; }
  uint64_t max_pending_requests() const { return max_pending_requests_; }
  uint64_t max_requests() const { return max_requests_; }
  simcore::Time connect_timeout() const { return connect_timeout_; }
  simcore::Time idle_timeout() const { return idle_timeout_; }
  // 0 = unlimited (Envoy's translateZeroToUnlimited); 1 = a new connection per request.
  uint64_t max_requests_per_connection() const { return max_requests_per_connection_; }
  uint32_t max_concurrent_streams() const { return max_concurrent_streams_; }

 private:
  const uint64_t max_connections_;
  const uint64_t max_pending_requests_;
  const uint64_t max_requests_;
  const simcore::Time connect_timeout_;
  const simcore::Time idle_timeout_;
  const uint64_t max_requests_per_connection_;
  const uint32_t max_concurrent_streams_;
};

// The cluster's traffic stats that the pool and the circuit breakers write, under Envoy's names
// (cluster.<name>.<stat>).  Counters only; the gauges are ClusterCircuitBreaker's accessors.
struct ClusterPoolStats {
  uint64_t upstream_cx_total = 0;
  uint64_t upstream_cx_overflow = 0;  // wanted a connection, max_connections said no
  uint64_t upstream_cx_connect_fail = 0;
  uint64_t upstream_cx_max_requests = 0;  // connections drained by maxRequestsPerConnection
  uint64_t upstream_cx_destroy = 0;
  uint64_t upstream_rq_total = 0;
  uint64_t upstream_rq_pending_total = 0;
  // Both overflow kinds land here (conn_pool_base.cc newStreamImpl and attachStreamToClient).
  uint64_t upstream_rq_pending_overflow = 0;
  uint64_t upstream_rq_pending_failure_eject = 0;  // pending requests failed by a connect failure
  uint64_t upstream_rq_cancelled = 0;
};

// Cluster-wide resource counts of one client sidecar (ResourceManagerImpl) plus its pool stats.
// Written only by HostPool (connections, pending, requests) and tcp_proxy; read by everyone.
class ClusterCircuitBreaker {
 public:
  // Gauges, named like Envoy's.  Connections count from the moment they start connecting.
  uint64_t upstream_cx_active() const { return connections_; }
  uint64_t upstream_rq_pending_active() const { return pending_requests_; }
  uint64_t upstream_rq_active() const { return requests_; }
  const ClusterPoolStats& stats() const { return stats_; }

  // tcp_proxy's upstream connections (one per proxied connection, Envoy's TCP connection pool):
  // true and counted while below max_connections; else upstream_cx_overflow and false (tcp_proxy
  // then closes the downstream connection, flag UO).  close_tcp_connection gives it back.
  bool try_open_tcp_connection(const ConnectionPoolConfig& config);
  void close_tcp_connection();

 private:
  friend class HostPool;
  uint64_t connections_ = 0;
  uint64_t pending_requests_ = 0;
  uint64_t requests_ = 0;
  ClusterPoolStats stats_;
};

// A connection of a HostPool: its slot and the slot's generation, so that a stale id (a
// connection closed and its slot reused) is caught by an assert rather than acted on.
struct ConnectionId {
  uint32_t slot = std::numeric_limits<uint32_t>::max();
  uint32_t generation = 0;
  friend bool operator==(const ConnectionId&, const ConnectionId&) = default;
};

// A pending request's place in its HostPool's queue, for cancel_pending.
struct PendingTicket {
  uint64_t value = std::numeric_limits<uint64_t>::max();
  friend bool operator==(const PendingTicket&, const PendingTicket&) = default;
};

// Envoy's ActiveClient::State.  Draining = no new streams (lifetime limit reached); it closes
// when its last stream ends.
enum class ConnectionState : uint8_t { Connecting, Ready, Busy, Draining, Closed };

enum class AdmissionResult : uint8_t {
  Attached,  // a ready connection took the request: it starts now on `connection`
  Pending,   // queued; it starts when a connection becomes ready (PoolEvents::attached)
  Overflow,  // 503 UO at once
};

enum class OverflowReason : uint8_t {
  None,
  MaxPendingRequests,  // no ready connection and pending >= http1MaxPendingRequests
  MaxRequests,         // a ready connection, but active requests >= http2MaxRequests
};

// The decision for one attempt.  `opened` lists the connections the pool started: the model
// schedules their establishment (or failure) and arms their connect timeouts.
struct Admission {
  AdmissionResult result = AdmissionResult::Overflow;
  OverflowReason overflow = OverflowReason::None;
  ConnectionId connection;  // when Attached
  PendingTicket ticket;     // when Pending
  uint32_t opened_count = 0;
  std::array<ConnectionId, 3>
      opened{};  // Envoy creates at most 3 per call (tryCreateNewConnections)
};

struct AttachedRequest {
  uint64_t request = 0;
  ConnectionId connection;
};

// Effects of a pool event, for the model to carry out.  Owned by the caller and reused: every
// event function clears it first.
struct PoolEvents {
  std::vector<AttachedRequest> attached;  // pending requests that start now
  std::vector<uint64_t> overflowed;       // pending requests failed at attach by max_requests: UO
  std::vector<uint64_t> failed;           // pending requests purged by a connect failure: UF
  std::vector<ConnectionId> opened;       // connections started (see Admission::opened)
  uint32_t reset_streams = 0;             // streams that were active on the connection that closed
  bool connection_closed = false;         // the connection named in the call is gone
  void clear();
};

// One Envoy connection pool: one worker's connections to one host for one protocol.
class HostPool {
 public:
  explicit HostPool(UpstreamProtocol protocol) : protocol_(protocol) {}

  UpstreamProtocol protocol() const { return protocol_; }

  // ConnPoolImplBase::newStream for one attempt, after the LB picked this host:
  //   1. a ready connection exists -> attach, unless active requests >= max_requests -> Overflow;
  //   2. else pending >= max_pending_requests -> Overflow (upstream_rq_pending_overflow);
  //   3. else queue (FIFO) and open connections while pending > connecting capacity, each allowed
  //      if connections < max_connections OR this pool has no connection at all (the escape
  //      hatch of tryCreateNewConnection; upstream_cx_overflow counts every refusal, including the
  //      ones the escape hatch then overrides).
  // `request` is the caller's id, echoed back in PoolEvents.
  Admission admit(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                  uint64_t request);

  // The connection finished connecting: pending requests attach in FIFO order while it has
  // capacity (each still subject to max_requests).
  void on_connected(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                    ConnectionId connection, PoolEvents& out);
  // The connection failed before connecting (refused, reset, or the connect timeout fired): it
  // closes and EVERY pending request of this pool fails (purgePendingStreams), not only one.
  void on_connect_failed(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                         ConnectionId connection, PoolEvents& out);
  // A request on the connection completed (response fully received, connection kept).  The
  // connection becomes ready and takes the oldest pending request, or, if it has served
  // maxRequestsPerConnection requests, closes (out.connection_closed) and a replacement is opened
  // for waiting requests.  For HTTP/1.1 Envoy attaches on the next dispatcher iteration; here it
  // is the same instant.
  void on_request_finished(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                           ConnectionId connection, PoolEvents& out);
  // An established connection closed: remote close, reset, upstream `Connection: close`, or the
  // idle timeout.  Its active streams end (out.reset_streams; the model fails those requests,
  // which it knows by connection) and waiting requests get a new connection if allowed.
  // For a connection still connecting, this is on_connect_failed.
  void on_connection_closed(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                            ConnectionId connection, PoolEvents& out);
  // The request gave up while pending (timeout, downstream reset).  Envoy's router cancels with
  // CancelPolicy::Default, so the connection being opened for it is kept.
  void cancel_pending(ClusterCircuitBreaker& cluster, PendingTicket ticket);

  // Inspection.
  ConnectionState state(ConnectionId connection) const;
  uint32_t active_streams(ConnectionId connection) const;
  // Ready with no stream: the model arms the idle timeout (idle_timeout) on such connections.
  bool idle(ConnectionId connection) const;
  uint32_t connecting() const { return connecting_; }
  uint32_t ready() const { return ready_count_; }
  uint32_t busy() const { return busy_; }  // Busy and Draining, like Envoy's busy_clients_
  uint32_t connections() const { return connecting_ + ready_count_ + busy_; }
  uint64_t pending() const { return pending_live_; }
  uint64_t active_requests() const { return active_streams_; }

 private:
  struct Connection {
    ConnectionState state = ConnectionState::Closed;
    uint32_t generation = 0;
    uint32_t active = 0;
    uint64_t remaining = 0;  // streams this connection may still carry over its lifetime
    uint32_t concurrent_limit = 1;
    uint32_t prev = kNil;  // links of the ready list
    uint32_t next = kNil;
  };
  struct PendingEntry {
    uint64_t request = 0;
    bool live = false;
  };
  enum class ConnectResult : uint8_t {
    ShouldNotConnect,
    CreatedNewConnection,
    CreatedButRateLimited,
    NoConnectionRateLimited
  };
  static constexpr uint32_t kNil = std::numeric_limits<uint32_t>::max();

  Connection& at(ConnectionId id);
  const Connection& at(ConnectionId id) const;
  static uint64_t unused_capacity(const Connection& c);
  void transition(uint32_t slot, ConnectionState to);
  void ready_push_front(uint32_t slot);
  void ready_remove(uint32_t slot);
  bool attach(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster, uint32_t slot);
  ConnectResult try_create_new_connection(const ConnectionPoolConfig& config,
                                          ClusterCircuitBreaker& cluster, ConnectionId& opened);
  template <class Sink>
  ConnectResult try_create_new_connections(const ConnectionPoolConfig& config,
                                           ClusterCircuitBreaker& cluster, Sink&& sink);
  void on_upstream_ready(const ConnectionPoolConfig& config, ClusterCircuitBreaker& cluster,
                         PoolEvents& out);
  void close(ClusterCircuitBreaker& cluster, uint32_t slot);
  void pending_push(uint64_t request);
  uint64_t pending_pop();
  void pending_drop_dead_front();

  UpstreamProtocol protocol_;
  std::vector<Connection> conns_;
  std::vector<uint32_t> free_slots_;
  uint32_t ready_head_ = kNil;
  uint32_t ready_count_ = 0;
  uint32_t connecting_ = 0;
  uint32_t busy_ = 0;
  uint64_t active_streams_ = 0;
  uint64_t connecting_capacity_ = 0;  // Envoy's connecting_stream_capacity_
  // FIFO of pending requests on a power-of-two ring.  Cancelled entries stay as tombstones so a
  // ticket maps to its position in O(1): position = ticket - ticket of the front entry.
  std::vector<PendingEntry> ring_;
  uint64_t ring_head_ = 0;
  uint64_t ring_size_ = 0;
  uint64_t next_ticket_ = 0;
  uint64_t pending_live_ = 0;
};

}  // namespace meshsim::policies
