// What the running mesh emits, and the one narrow interface through which it emits it.
//
// The mesh model fills compact records in a buffer and hands them over in batches (once per
// time-series interval, or when the buffer fills), so observation costs no virtual call per
// request.  analysis/ implements ObservationSink (metrics, histograms, HDF5); tests implement it
// to look inside a run.  Records use indices into the MeshCatalog, the names being resolved once.
//
// Counting follows Istio's standard metrics: a request that crossed the caller's sidecar gives
// one reporter=source record (its final outcome, flags like URX); each attempt that reached the
// callee's sidecar gives one reporter=destination record.  Local failures (UO, UH, FI, NR) exist
// only at the source.  Calls without a sidecar on a side produce no record for that side, as in
// Istio; the edge client (load generator) reports as reporter=client so that end-to-end latency
// is always visible.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "simcore/time.h"

namespace meshsim::models {

enum class Reporter : uint8_t { kSource = 0, kDestination = 1, kClient = 2 };

inline constexpr uint32_t kNoWorkload = UINT32_MAX;  // e.g. the load generator as a source
inline constexpr uint8_t kNoGrpcResponseStatus = 0xFF;  // = policies::kNoGrpcStatus

struct CallRecord {
  simcore::Time start;           // request leaves the reporter towards the callee
  simcore::Time end;             // response (or failure) back at the reporter
  uint32_t source_workload = kNoWorkload;
  uint32_t destination_workload = kNoWorkload;  // kNoWorkload if no pod was reached
  uint32_t destination_service = 0;
  uint32_t load = UINT32_MAX;    // which Load the root request came from
  uint16_t response_code = 0;    // 0 = no response (connection reset)
  Reporter reporter = Reporter::kSource;
  uint8_t attempts = 1;          // 1 + retries made by the sidecar (source) or the app (client)
  uint32_t response_flags = 0;   // policies::ResponseFlag bits
  // Istio's request_protocol "grpc" (else "http") and grpc_response_status: the response's
  // grpc-status, else httpToGrpcStatus(response_code); kNoGrpcResponseStatus (the empty label)
  // for a non-gRPC request or when there was no response (response_code 0).
  bool grpc = false;
  uint8_t grpc_response_status = kNoGrpcResponseStatus;
  // reporter=source only: the sidecar of a load generator in the mesh (an `inMesh` Load, or one
  // `from` a workload, whose pod's sidecar reports under that workload).  Its request is also
  // reported by the generator itself (reporter=client); analysis counts it once, there.
  bool generator = false;
};

// One span of a sampled trace: one per proxy per request, as Istio's tracing shows them.
struct SpanRecord {
  uint64_t trace_id = 0;
  uint64_t span_id = 0;
  uint64_t parent_span_id = 0;   // 0 for the root
  simcore::Time start;
  simcore::Time end;
  uint32_t workload = kNoWorkload;      // where the span was recorded
  uint32_t peer_service = 0;
  uint16_t response_code = 0;
  uint32_t response_flags = 0;
  Reporter kind = Reporter::kSource;    // kSource = client span, kDestination = server span
};

// One change on a TCP connection proxied by a sidecar's tcp_proxy, for Istio's TCP metrics
// (istio_tcp_connections_opened_total, _closed_total, istio_tcp_sent_bytes_total,
// istio_tcp_received_bytes_total).  Each sidecar the connection crosses reports it: the client's
// as reporter=source, the server's as reporter=destination; a side without a sidecar reports
// nothing, as in Istio.  A connection gives one kOpened record, kBytes records as data crosses
// it, and one kClosed record carrying the connection's response flags (UF,URX: its connect
// failed; UO: the cluster's maxConnections refused it).  A connection whose upstream connect
// failed still opened and closed downstream, and is counted so (Istio reports it with the flags).
//
// Istio's directions: sent bytes are those sent *to the client* (responses), received bytes those
// received *from the client* (requests), whoever reports (istio.io "Istio Standard Metrics":
// "bytes sent during response" / "bytes received during request").
struct TcpRecord {
  enum Kind : uint8_t { kOpened = 0, kBytes = 1, kClosed = 2 };
  simcore::Time at;
  uint32_t source_workload = kNoWorkload;
  uint32_t destination_workload = kNoWorkload;  // kNoWorkload: no pod was reached
  uint32_t destination_service = 0;
  Reporter reporter = Reporter::kSource;
  Kind kind = kOpened;
  uint32_t response_flags = 0;   // kClosed only: policies::ResponseFlag bits
  uint64_t sent_bytes = 0;       // kBytes: towards the client (responses)
  uint64_t received_bytes = 0;   // kBytes: from the client (requests)
};

struct TimelineRecord {
  simcore::Time at;
  std::string description;   // "kill 1 pod(s) of reviews-v3 (zone-a): reviews-v3-0"
  bool undo = false;         // the end of an action with a duration
};

// Names behind the indices, fixed for a run.
struct MeshCatalog {
  struct Workload {
    std::string name, service, namespace_, version, app;
  };
  struct Service {
    std::string name, namespace_;
    std::string fqdn() const { return name + "." + namespace_ + ".svc.cluster.local"; }
  };
  std::vector<Workload> workloads;
  std::vector<Service> services;
  std::vector<std::string> loads;
};

class ObservationSink {
 public:
  virtual ~ObservationSink() = default;
  virtual void begin(const MeshCatalog& catalog, simcore::Time interval) = 0;
  virtual void calls(std::span<const CallRecord> records) = 0;
  virtual void spans(std::span<const SpanRecord> records) = 0;
  // TCP connection records, batched like calls (a run without TCP ports sends none).
  virtual void tcp(std::span<const TcpRecord> records) { (void)records; }
  virtual void timeline(const TimelineRecord& record) = 0;
  // The run ended at `end`; `events` is the kernel's event count.
  virtual void finish(simcore::Time end, uint64_t events) = 0;
};

}  // namespace meshsim::models
