// Linux's netem and tbf queueing disciplines, as Chaos Mesh's NetworkChaos installs them on a
// pod's egress (tc qdisc ... netem delay L J C loss P C duplicate P C corrupt P C; tbf rate R
// burst B limit L), and what TCP makes of a message they drop.  Sources: kernel
// net/sched/sch_netem.c (netem_enqueue, get_crandom, tabledist), net/sched/sch_tbf.c with
// sch_fifo.c (bfifo), iproute2 tc/q_netem.c (set_percent), include/net/tcp.h (TCP_RTO_MIN,
// TCP_RTO_MAX, TCP_RETR2) and tcp_timer.c (backoff); summarised in scenarios/README.md
// "Network faults".
//
// A message is one packet here: an RPC's request or response rides in one segment (a few kB at
// most), so it is lost, corrupted, duplicated and delayed as one.  netem's 1000-packet queue
// limit (Chaos Mesh never sets `limit`) is not modelled.
#pragma once

#include <cstdint>
#include <deque>

#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::models {

// tc's set_percent: a percent (0..100) on netem's 32-bit scale, rint(p / 100 x UINT32_MAX).
uint32_t netem_scale(double percent);

// get_crandom: netem's "correlated" random number, X_n = ((2^32 - rho') U_n + rho' X_{n-1}) >> 32
// with rho' = rho + 1, or U_n when rho is 0.  (Not a true correlation: the man page says so;
// with rho > 0 a small loss percent is drawn far less often than its nominal rate.)
struct CorrelatedRandom {
  uint32_t rho = 0;
  uint32_t last = 0;
  uint32_t next(simcore::Stream& rng);
};

// One netem qdisc's parameters, on netem's scales.
struct NetemParams {
  simcore::Time latency = simcore::Time::zero();
  simcore::Time jitter = simcore::Time::zero();  // < 2^31 ns, as the kernel's s32 sigma
  uint32_t delay_rho = 0;
  uint32_t loss = 0, loss_rho = 0;
  uint32_t duplicate = 0, duplicate_rho = 0;
  uint32_t corrupt = 0, corrupt_rho = 0;
};

// One netem qdisc with its state: the correlation memories and its own random stream (the
// kernel's per-qdisc prng).
class Netem {
 public:
  Netem(const NetemParams& p, simcore::Stream rng);

  // One message through the qdisc, as netem_enqueue decides it: duplicated?, lost?, corrupted?,
  // its delay; a duplicate passes the qdisc again with duplication off (here before the
  // original's corruption draw; kernels have moved that point, which changes no distribution).
  // Whether a good copy gets through, and the delay of the first one.  A corrupted packet fails
  // TCP's checksum at the receiver: a loss.
  struct Verdict {
    bool delivered = false;
    simcore::Time delay = simcore::Time::zero();
  };
  Verdict enqueue();

 private:
  simcore::Time tabledist();
  Verdict pass(bool may_duplicate);

  NetemParams p_;
  simcore::Stream rng_;
  CorrelatedRandom delay_cor_, loss_cor_, dup_cor_, corrupt_cor_;
};

// tbf rate R bytes/s, burst (bucket) B bytes, limit L bytes of queue (its bfifo child): a message
// waits for tokens behind the ones queued before it; one that would push the queue past L is
// dropped at the tail.  Tokens fill at R up to B.
class TokenBucket {
 public:
  TokenBucket(double rate_bytes_per_s, uint64_t burst_bytes, uint64_t limit_bytes);
  // The message of `bytes` offered at `now` (non-decreasing): when it leaves, or Time::max() when
  // dropped.  TCP offers a message in segments of at most kMss bytes, so a message larger than
  // `limit` still gets through a queue that has room for a segment; it leaves when the bucket
  // has let all of its bytes out.  With `commit` false (a retransmission computed ahead of its
  // time) the bucket is left as it was: the answer is the one the bucket would give then, were
  // nothing else offered meanwhile.
  simcore::Time enqueue(simcore::Time now, uint64_t bytes, bool commit = true);
  static constexpr uint64_t kMss = 1448;  // Ethernet MTU 1500 - IP, TCP headers and timestamps

 private:
  double rate_, burst_;
  uint64_t limit_;
  double tokens_;             // at last_
  simcore::Time last_ = simcore::Time::zero();  // when the last queued message leaves
  std::deque<std::pair<simcore::Time, uint64_t>> queued_;  // departures after some now
  uint64_t backlog_ = 0;
};

// Linux TCP's retransmission timeouts for a segment of a connection whose smoothed RTT is `srtt`:
// the first after srtt + 200 ms (tcp_rtt_estimator keeps rttvar at least TCP_RTO_MIN, and
// __tcp_set_rto is srtt + rttvar; a tail loss probe with one segment in flight waits 2 srtt +
// 200 ms, later), each next twice the last (tcp_retransmit_timer), capped at TCP_RTO_MAX 120 s.
// rto(k) is the wait before the k-th retransmission (k >= 1).
simcore::Time tcp_rto(simcore::Time srtt, uint32_t k);
// TCP_RETR2 (tcp_retries2 default 15): retransmissions before the connection is given up.
inline constexpr uint32_t kTcpRetries2 = 15;

}  // namespace meshsim::models
