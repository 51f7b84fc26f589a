// What the mesh reports: Istio's request records (reporter source, destination, and the load
// generator's own view) and trace spans, batched and handed to the ObservationSink.
//
// Records are buffered and flushed at each interval boundary (and when 65 536 are waiting), so
// the sink sees batches in the order they were emitted.
#pragma once

#include <cstdint>
#include <vector>

#include "models/ids.h"
#include "models/observation.h"
#include "policies/grpc_status.h"
#include "simcore/time.h"

namespace meshsim::models {

// Not an Envoy flag: marks an attempt the application gave up on (its own timeout), so that a
// failing call knows to answer 504.  Stripped from everything reported.
inline constexpr uint32_t kAppTimeout = 1u << 31;

// The gRPC side of an answer: whether the request was gRPC, and the grpc-status the response
// carried (policies::kNoGrpcStatus: none).
struct GrpcOutcome {
  bool request = false;
  uint8_t status = policies::kNoGrpcStatus;
};

class Telemetry {
 public:
  void begin(ObservationSink& sink) { sink_ = &sink; }
  ObservationSink& sink() { return *sink_; }

  // One request record (Istio's istio_requests_total sample).  `grpc`: whether the request was
  // gRPC and the grpc-status its response carried; the record's grpc_response_status follows
  // Istio's rule from them (observation.h).  `generator`: a load generator's sidecar record.
  void emit(Reporter r, simcore::Time start, simcore::Time end, uint32_t src_wl, uint32_t dst_wl,
            uint32_t svc, uint32_t load, uint32_t code, GrpcOutcome grpc, uint32_t attempts, uint32_t flags,
            bool generator = false);
  // One span; a span id of 0 (not sampled) records nothing.
  void span(uint64_t trace, uint64_t id, uint64_t parent, simcore::Time start, simcore::Time end,
            uint32_t wl, uint32_t peer_service, uint32_t code, uint32_t flags, Reporter kind);
  // One TCP connection record (observation.h TcpRecord); flags lose the kAppTimeout mark.
  void tcp(const TcpRecord& record);
  uint64_t new_span_id() { return next_span_++; }
  // Hands the buffered records and spans to the sink.
  void flush();

 private:
  ObservationSink* sink_ = nullptr;
  std::vector<CallRecord> records_;
  std::vector<SpanRecord> spans_;
  std::vector<TcpRecord> tcp_;
  uint64_t next_span_ = 1;
};

}  // namespace meshsim::models
