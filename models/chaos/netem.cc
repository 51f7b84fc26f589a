// netem, tbf and TCP's retransmission timeouts; see netem.h.
#include "models/chaos/netem.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace meshsim::models {

using simcore::Time;

uint32_t netem_scale(double percent) {
  const double p = std::clamp(percent, 0.0, 100.0) / 100.0;
  return static_cast<uint32_t>(std::rint(p * std::numeric_limits<uint32_t>::max()));
}

uint32_t CorrelatedRandom::next(simcore::Stream& rng) {
  const uint64_t value = rng.next_u64() >> 32;  // prandom_u32_state
  if (rho == 0) return static_cast<uint32_t>(value);
  const uint64_t r = uint64_t{rho} + 1;
  // (value x (2^32 - r) + last x r) >> 32 fits: both products are below 2^64 and so is the sum,
  // as value and last are below 2^32 and the weights sum to 2^32.
  const uint64_t answer = (value * ((uint64_t{1} << 32) - r) + uint64_t{last} * r) >> 32;
  last = static_cast<uint32_t>(answer);
  return last;
}

Netem::Netem(const NetemParams& p, simcore::Stream rng) : p_(p), rng_(rng) {
  // init_crandom: rho, and a random `last` for each of the four correlation memories.
  for (auto [c, rho] : {std::pair{&delay_cor_, p.delay_rho}, std::pair{&loss_cor_, p.loss_rho},
                        std::pair{&dup_cor_, p.duplicate_rho}, std::pair{&corrupt_cor_, p.corrupt_rho}}) {
    c->rho = rho;
    c->last = static_cast<uint32_t>(rng_.next_u64() >> 32);
  }
}

// tabledist without a distribution table (Chaos Mesh passes none): uniform on
// [latency - jitter, latency + jitter), as ((rnd % 2 sigma) + mu) - sigma; a negative delay sends
// at once.
Time Netem::tabledist() {
  const int64_t sigma = p_.jitter.ns();
  if (sigma == 0) return p_.latency;
  const uint32_t rnd = delay_cor_.next(rng_);
  const uint32_t span = 2 * static_cast<uint32_t>(sigma);
  const int64_t d = static_cast<int64_t>(rnd % span) + p_.latency.ns() - sigma;
  return Time::from_ns(std::max<int64_t>(d, 0));
}

Netem::Verdict Netem::pass(bool may_duplicate) {
  int count = 1;
  if (may_duplicate && p_.duplicate != 0 && p_.duplicate >= dup_cor_.next(rng_)) ++count;
  if (p_.loss != 0 && p_.loss >= loss_cor_.next(rng_)) --count;
  if (count == 0) return {};
  Verdict clone;
  if (count > 1) clone = pass(false);  // the duplicate re-enters the qdisc with duplication off
  const bool corrupted = p_.corrupt != 0 && p_.corrupt >= corrupt_cor_.next(rng_);
  const Time delay = tabledist();
  if (corrupted) return clone;
  if (clone.delivered) return {true, std::min(delay, clone.delay)};
  return {true, delay};
}

Netem::Verdict Netem::enqueue() { return pass(true); }

TokenBucket::TokenBucket(double rate_bytes_per_s, uint64_t burst_bytes, uint64_t limit_bytes)
    : rate_(rate_bytes_per_s), burst_(static_cast<double>(burst_bytes)), limit_(limit_bytes), tokens_(burst_) {}

Time TokenBucket::enqueue(Time now, uint64_t bytes, bool commit) {
  while (commit && !queued_.empty() && queued_.front().first <= now) {
    backlog_ -= queued_.front().second;
    queued_.pop_front();
  }
  uint64_t backlog = backlog_;
  if (!commit)
    for (const auto& [leave, b] : queued_)
      if (leave <= now) backlog -= b;
  if (backlog + std::min(bytes, kMss) > limit_) return Time::max();  // bfifo: tail drop
  const Time start = std::max(now, last_);
  double tokens = std::min(burst_, tokens_ + rate_ * (start - last_).to_seconds());
  const auto need = static_cast<double>(bytes);
  Time leave = start;
  if (tokens >= need) {
    tokens -= need;
  } else {
    leave = start + Time::from_seconds(std::min((need - tokens) / rate_, 1e9));  // (at most ~31 years)
    tokens = 0;
  }
  if (!commit) return leave;
  tokens_ = tokens;
  last_ = leave;
  if (leave > now) {
    queued_.emplace_back(leave, bytes);
    backlog_ += bytes;
  }
  return leave;
}

Time tcp_rto(Time srtt, uint32_t k) {
  constexpr Time kRtoMin = Time::from_ms(200), kRtoMax = Time::from_s(120);
  Time rto = srtt + kRtoMin;
  for (uint32_t i = 1; i < k && rto < kRtoMax; ++i) rto = rto + rto;
  return std::min(rto, kRtoMax);
}

}  // namespace meshsim::models
