// Fault decisions; see fault.h for the contract and the sources.
#include "policies/fault.h"

#include <array>

#include "policies/response_flags.h"

namespace meshsim::policies {

uint32_t percent_to_ppm(double percent) {
  // Written as !(x > 0) so that NaN also lands here.
  if (!(percent > 0.0)) return 0;
  if (percent >= 100.0) return kMillion;
  // Same IEEE product as Go's `p.Value * 10000`, then truncation as uint32(float64) does.
  return static_cast<uint32_t>(percent * 10000.0);
}

simcore::Time FaultDelay::effective_delay() const {
  // Envoy converts the Duration to std::chrono::milliseconds, dropping the sub-ms part.
  constexpr int64_t kNsPerMs = 1'000'000;
  const int64_t ms = fixed_delay.ns() / kNsPerMs;
  return ms > 0 ? simcore::Time::from_ms(ms) : simcore::Time::zero();
}

uint32_t FaultDecision::response_flags() const {
  uint32_t flags = kNone;
  if (delayed()) flags |= kDelayInjected;
  if (abort) flags |= kFaultInjected;
  return flags;
}

FaultDecision decide_fault(const HttpFaultConfig& config, uint64_t delay_random,
                           uint64_t abort_random) {
  FaultDecision d;
  if (config.delay && ppm_enabled(config.delay->ppm(), delay_random)) {
    d.delay = config.delay->effective_delay();
  }
  if (config.abort && ppm_enabled(config.abort->ppm(), abort_random)) {
    d.abort = true;
    d.grpc = config.abort->grpc;
    if (d.grpc) {
      d.status = 200;  // Envoy abortStatus(): "http status will be set to Http::Code::OK"
      d.grpc_status = config.abort->grpc_status;
    } else {
      d.status = config.abort->http_status;
    }
  }
  return d;
}

FaultDecision decide_fault(const HttpFaultConfig& config, simcore::Stream& stream) {
  const uint64_t delay_random = stream.next_u64();
  const uint64_t abort_random = stream.next_u64();
  return decide_fault(config, delay_random, abort_random);
}

}  // namespace meshsim::policies
