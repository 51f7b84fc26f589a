// A pod's CPU under a Kubernetes CPU limit: the compute steps of its requests share `cores`
// cores as an egalitarian processor-sharing server.  With k computes in progress each advances
// at min(1, cores / k) seconds of work per second: below the limit nothing changes, above it
// every compute is inflated by k / cores.
//
// This is the fluid limit of the Linux CFS bandwidth controller that enforces a limit (quota =
// cores x period, 100 ms by default): over a period a throttled cgroup gets exactly its quota.
// What it leaves out: the burst-then-throttle pattern inside one period (a request may stall up
// to a period's remainder), which adds tail latency under a limit; it is not modelled.
//
// Mechanism (the virtual-time method for processor sharing): v grows at the per-job rate; a
// job needing w seconds of work added when v = v0 finishes when v reaches v0 + w, so only the
// earliest-finishing job needs an event.  Every add or finish moves v to `now` first.  Jobs
// with equal finishing points leave in the order they came.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "simcore/time.h"

namespace meshsim::models {

class CpuShare {
 public:
  explicit CpuShare(double cores) : cores_(cores) {}

  // A compute needing `work` seconds of one core starts at `now` (>= every earlier `now`).
  void add(simcore::Time now, double work, uint32_t exchange, uint32_t gen);
  // When the next compute finishes at the current rates; Time::max() when none runs.
  simcore::Time next_finish() const;
  // The computes finished by `now`, in finishing order, as (exchange, generation).
  void take_finished(simcore::Time now, std::vector<std::pair<uint32_t, uint32_t>>& out);
  // Drops every compute (the pod died).
  void clear();
  std::size_t active() const { return jobs_.size(); }
  // Seconds of work a compute advances per second with `k` running.
  double rate(std::size_t k) const {
    const double n = static_cast<double>(k);
    return n <= cores_ ? 1.0 : cores_ / n;
  }

 private:
  struct Job {
    double finish;  // the value of v at which it is done
    uint64_t seq;
    uint32_t exchange, gen;
    bool operator>(const Job& o) const { return finish != o.finish ? finish > o.finish : seq > o.seq; }
  };
  void advance(simcore::Time now);

  double cores_;
  double v_ = 0;
  simcore::Time last_ = simcore::Time::zero();
  uint64_t seq_ = 0;
  std::priority_queue<Job, std::vector<Job>, std::greater<Job>> jobs_;
};

}  // namespace meshsim::models
