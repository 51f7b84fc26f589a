// Istio-style records and spans, batched for the sink; see telemetry.h.
#include "models/telemetry.h"

#include <algorithm>

namespace meshsim::models {

using simcore::Time;

void Telemetry::emit(Reporter r, Time start, Time end, uint32_t src_wl, uint32_t dst_wl, uint32_t svc,
                     uint32_t load, uint32_t code, GrpcOutcome grpc, uint32_t attempts, uint32_t flags,
                     bool generator) {
  CallRecord rec;
  rec.start = start;
  rec.end = end;
  rec.source_workload = src_wl;
  rec.destination_workload = dst_wl;
  rec.destination_service = svc;
  rec.load = load;
  rec.response_code = static_cast<uint16_t>(code);
  rec.reporter = r;
  rec.generator = generator;
  rec.attempts = static_cast<uint8_t>(std::min<uint32_t>(attempts, 255));
  rec.response_flags = flags & ~kAppTimeout;
  // istio_stats: grpc-status from trailers, else headers, else httpToGrpcStatus(:status); empty
  // when nothing was answered (envoy grpc/common.cc getGrpcStatus).
  rec.grpc = grpc.request;
  if (grpc.request && code != 0)
    rec.grpc_response_status = grpc.status != policies::kNoGrpcStatus ? grpc.status : policies::http_to_grpc_status(code);
  records_.push_back(rec);
  if (records_.size() >= 1 << 16) flush();
}

void Telemetry::span(uint64_t trace, uint64_t id, uint64_t parent, Time start, Time end, uint32_t wl,
                     uint32_t peer_service, uint32_t code, uint32_t flags, Reporter kind) {
  if (id == 0) return;
  spans_.push_back({trace, id, parent, start, end, wl, peer_service, static_cast<uint16_t>(code),
                    flags & ~kAppTimeout, kind});
}

void Telemetry::tcp(const TcpRecord& record) {
  tcp_.push_back(record);
  tcp_.back().response_flags &= ~kAppTimeout;
  if (tcp_.size() >= 1 << 16) flush();
}

void Telemetry::flush() {
  if (!records_.empty()) sink_->calls(records_);
  if (!spans_.empty()) sink_->spans(spans_);
  if (!tcp_.empty()) sink_->tcp(tcp_);
  records_.clear();
  spans_.clear();
  tcp_.clear();
}

}  // namespace meshsim::models
