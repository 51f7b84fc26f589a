// TCP services: the application's pooled connections, and the sidecars' tcp_proxy.
//
// A call to a port Istio proxies as TCP (policies/protocol.h: tcp, redis, mongo, mysql, tls,
// https, an unnamed 25/53/3306/27017) is not an HTTP request: it is a request on one of the
// calling application's long-lived connections to the service (CallStep::TcpClient: a pool of
// up to `connections`, one request at a time each, or `multiplexed`).  What happens to the
// connection follows Envoy's tcp_proxy as Istio configures it (reference
// real-applications-semantics.md §1, §5):
//   * Routing is per connection, at connect time: the VirtualService's terminal `tcp` route
//     (policies/tcp_route.h) and its weighted destination, the DestinationRule's load balancer,
//     outlier ejections and maxConnections (overflow: the connection is closed, flag UO).  No
//     HTTP route, retry, timeout, fault or mirror applies; once open, a connection stays on its
//     pod whatever EDS or outlier detection says later (Envoy keeps established connections).
//   * Connect: one round trip.  Refused (pod deleted) or unanswered (node gone, partition: after
//     the cluster's connectTimeout, 10 s by default) -> flags UF,URX (max_connect_attempts 1,
//     never retried by the sidecar: tcp_proxy.cc onConnectMaxAttempts); the outlier detector
//     hears LocalOriginConnectFailed (a 503 in Istio's non-split mode), a success resets it.
//     No ready host: UH; no such subset: NC.  The application sees its connect fail.
//   * The server's app not listening (crashed, its sidecar alive): the server sidecar accepts,
//     fails to connect to the app (its flags UF,URX) and closes: the caller sees the connection
//     close at once.
//   * Pod loss: a crash, a deletion or a graceful stop closes the pod's connections (its side
//     and its own outbound ones): the requests in flight on them fail (the app sees a reset, UC);
//     a lost node closes nothing: requests on its connections hang until the application's
//     timeout, and a non-multiplexed client then drops that connection and opens another.
//   * A caller without a sidecar connects straight to a ready pod, picked by kube-proxy
//     uniformly at random, per connection.
// Records: Istio's TCP metrics through Telemetry::tcp (observation.h TcpRecord), from each
// sidecar the connection crosses; bytes per request (CallStep request_bytes) and response
// (response_bytes) when the response is back at the caller.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/config.h"
#include "models/ids.h"
#include "models/observation.h"
#include "models/pool.h"
#include "simcore/rng.h"

namespace meshsim::models {

struct Runtime;

struct TcpConnection {
  uint32_t gen = 0;
  bool live = false;
  bool open = false;            // established (requests go out on it)
  uint32_t client = kNone;      // the application pool it belongs to
  PodId pod;                    // its upstream pod (invalid: none was picked)
  ServiceId service;            // the destination Service (its cluster's)
  uint32_t client_cluster = kNone, host = kNone;  // the client sidecar's cluster and host
  bool holds_breaker = false;   // counted against the cluster's maxConnections
  bool server_open = false;     // the server sidecar accepted it (it reports as destination)
  // The connect attempt's outcome, decided when it starts and acted on at kTcpConnect.
  enum class Outcome : uint8_t { kEstablished, kRefused, kTimedOut, kLocalReply } outcome = Outcome::kEstablished;
  uint32_t local_flags = 0;     // kLocalReply: the client sidecar's flag (UH, UO, NC)
  // Calls waiting for it to open, or in flight on it: (call, generation).
  std::vector<std::pair<uint32_t, uint32_t>> calls;
};

// One application's client for one (Service, port): its connections and the calls waiting for
// one (non-multiplexed, all busy).
struct TcpClientPool {
  PodId pod;
  ServiceId service;
  uint32_t port = 0;
  CallStep::TcpClient cfg;
  std::vector<uint32_t> connections;  // live connection indices
  struct Waiting {
    uint32_t call, gen, attempt;
  };
  std::deque<Waiting> waiting;
  simcore::Stream connect_rng;  // without a sidecar: its own connects' round trip
};

class TcpTraffic {
 public:
  explicit TcpTraffic(Runtime& rt) : rt_(rt) {}

  // The application sends `call` (a TCP call): on an idle or shared connection, a new one, or it
  // waits for one.
  void send(uint32_t call);
  // The application gave up on `call` (its timeout): it leaves its connection, which a
  // non-multiplexed client closes (the protocol stream is out of step).
  void abandon(uint32_t call);
  // kTcpConnect: the connect attempt of `conn` has its outcome.
  void connect_done(uint32_t conn, uint32_t gen);
  // The response to `call`'s request on `conn` is back at the caller (its exchange released):
  // `code` the server's status (200, or the handler's error), `step` the call's step (bytes).
  void response(uint32_t conn, uint32_t call, uint32_t code, const CallStep* step);
  // A request on `conn` reached a pod that no longer listens: the connection is reset.
  void reset(uint32_t conn, uint32_t gen);
  // Pod `p` lost its application (crash, deletion, graceful stop; `hang`: its node vanished):
  // its connections close (a node loss closes nothing, it only stops its own clients).
  void pod_down(PodId p, bool hang);

 private:
  uint32_t pool_of(const struct Call& c);
  void assign(uint32_t pool, uint32_t call);
  void open(uint32_t pool, uint32_t call);
  void connect(uint32_t conn, PodId pod, uint32_t from_zone, simcore::Stream& rng, simcore::Time connect_timeout);
  void local_reply(uint32_t conn, uint32_t flag);
  void dispatch(uint32_t conn, uint32_t call);
  void next_waiting(uint32_t pool);
  // Closes `conn`: its calls fail with (code 0, call_flags); records with the sides' flags.
  void close(uint32_t conn, uint32_t call_flags, uint32_t source_flags, uint32_t server_flags);
  void record(const TcpConnection& c, Reporter r, TcpRecord::Kind kind, uint32_t flags, uint64_t sent = 0,
              uint64_t received = 0);

  Runtime& rt_;
  Pool<TcpConnection> conns_;
  std::vector<TcpClientPool> pools_;
  std::unordered_map<uint64_t, uint32_t> pool_index_;  // (pod, service, port) -> pool
};

}  // namespace meshsim::models
