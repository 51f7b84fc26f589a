// A pod's CPU under a Kubernetes CPU limit, as the Linux kernel enforces it: CFS bandwidth
// control (Documentation/scheduler/sched-bwc.rst).  The limit becomes a quota of
// limit x period CPU-seconds per period (period 100 ms: the kubelet's default cpu.cfs_period_us);
// while quota is left, every compute in progress runs at full speed on its own core; when the
// computes have used the period's quota, all of them stall until the next period begins.
//
// So a limit costs nothing while the pod uses less than its quota in every period, and under
// load it caps throughput at `limit` cores and adds the stalls (up to a period's remainder) that
// make CPU throttling visible in latency tails.  Left out: the per-CPU 5 ms slices the quota is
// handed out in (sched_cfs_bandwidth_slice_us), burst carry-over (cpu.cfs_burst_us, off by
// default), and fewer node cores than computes in progress.
//
// A CPU stressor in the same cgroup (set_background) is a steady demand that drains the quota
// too, so the computes get the share CFS gives them and stall sooner.
//
// Mechanism: `v` is the work each compute in progress has done since the epoch (they all run at
// the same speed, 1 or 0); a compute needing w seconds added at v0 is done when v reaches
// v0 + w, so only the earliest needs an event.  Periods start at multiples of the period from
// time zero.  The owner calls advance (through add / take_finished) at every event it is told
// of (next_event), so nothing happens between two calls that the formulas here do not cover.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "simcore/time.h"

namespace meshsim::models {

class CfsBandwidth {
 public:
  static constexpr simcore::Time kDefaultPeriod = simcore::Time::from_ms(100);

  explicit CfsBandwidth(double cores, simcore::Time period = kDefaultPeriod);

  // A compute needing `work` seconds of one core starts at `now` (>= every earlier `now`).
  void add(simcore::Time now, double work, uint32_t exchange, uint32_t gen);
  // The next time something changes: a compute ends, the quota runs out, or a period begins
  // while throttled.  Time::max() when no compute is in progress.
  simcore::Time next_event() const;
  // Brings the state to `now` and appends the computes finished by then, in finishing order,
  // as (exchange, generation).
  void take_finished(simcore::Time now, std::vector<std::pair<uint32_t, uint32_t>>& out);
  // Other tasks in the same cgroup that want `cores` of CPU (a CPU stressor: Chaos Mesh's
  // StressChaos and Litmus' pod-cpu-hog attach stress-ng to the container's own cgroup), from
  // `now`: they drain the quota alongside the computes, so with k computes running the quota
  // goes at k + cores CPU-seconds per second; each thread gets an equal share, as CFS gives
  // equal-weight tasks.  They draw on the quota while the pod is idle too.  0 (the default): none.
  void set_background(simcore::Time now, double cores);
  double background() const { return background_; }
  // Drops every compute (the pod died).
  void clear() { jobs_ = {}; }
  std::size_t active() const { return jobs_.size(); }
  bool throttled() const { return used_ >= quota_; }

 private:
  struct Job {
    double finish;  // the value of v at which it is done
    uint64_t seq;
    uint32_t exchange, gen;
    bool operator>(const Job& o) const { return finish != o.finish ? finish > o.finish : seq > o.seq; }
  };
  void advance(simcore::Time now);
  simcore::Time period_end(simcore::Time t) const;

  simcore::Time period_;
  double quota_;      // CPU-seconds per period
  double v_ = 0;
  double used_ = 0;   // CPU-seconds used in the current period
  double background_ = 0;  // cores other tasks of the cgroup want
  simcore::Time last_ = simcore::Time::zero();
  uint64_t seq_ = 0;
  std::priority_queue<Job, std::vector<Job>, std::greater<Job>> jobs_;
};

}  // namespace meshsim::models
