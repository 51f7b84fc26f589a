// Open- and closed-loop load generators; see load_generator.h.
#include "models/load_generator.h"

#include <algorithm>
#include <cmath>

#include "models/runtime.h"

namespace meshsim::models {

using simcore::Stream;
using simcore::Time;

LoadGenerators::LoadGenerators(Runtime& rt, const Topology& topo, uint64_t seed) : rt_(rt), topo_(topo) {
  for (const LoadRt& l : topo.loads) {
    const std::string& n = l.cfg->name;
    LoadState s;
    s.arrivals = Stream(seed, n, "arrivals");
    s.mix = Stream(seed, n, "mix");
    s.trace = Stream(seed, n, "trace");
    s.think = Stream(seed, n, "think");
    state_.push_back(std::move(s));
  }
}

void LoadGenerators::begin() {
  for (uint32_t i = 0; i < topo_.loads.size(); ++i) {
    const LoadConfig& l = *topo_.loads[LoadId(i)].cfg;
    if (l.model == LoadConfig::Model::kClosed) {
      for (uint32_t u = 0; u < l.connections; ++u) rt_.sched.schedule_at(Time::zero(), Packed::make(kUserStart, i, u));
    } else {
      schedule_next_arrival(LoadId(i));
    }
  }
}

void LoadGenerators::arrival(LoadId l) {
  start_root(l, kNone);
  schedule_next_arrival(l);
}

// The rate at time t and the index of the segment in force (segments are sorted by start).
double LoadGenerators::rate_at(LoadId l, Time t, size_t& segment) const {
  const auto& segs = topo_.loads[l].cfg->rate;
  while (segment + 1 < segs.size() && segs[segment + 1].start <= t) ++segment;
  if (segs.empty() || t < segs[segment].start) return 0.0;
  const RateSegment& s = segs[segment];
  if (s.duration != Time::max() && t >= s.start + s.duration) return 0.0;
  switch (s.shape) {
    case RateSegment::Shape::kConstant:
      return s.rate;
    case RateSegment::Shape::kRamp: {
      const double f = s.duration == Time::max() ? 0.0 : (t - s.start).to_seconds() / s.duration.to_seconds();
      return s.rate + (s.rate_end - s.rate) * std::min(1.0, f);
    }
    case RateSegment::Shape::kSine:
      return std::max(0.0, s.rate + s.amplitude * std::sin(2 * M_PI * (t - s.start).to_seconds() /
                                                             s.period.to_seconds()));
  }
  return 0.0;
}

// Open loop.  Poisson arrivals with a time-varying rate by thinning (Lewis & Shedler): candidate
// gaps at the segment's peak rate, each kept with probability rate(t)/peak.  "constant" spaces
// arrivals exactly 1/rate(t) apart.
void LoadGenerators::schedule_next_arrival(LoadId li) {
  LoadState& l = state_[li];
  const LoadConfig& cfg = *topo_.loads[li].cfg;
  const auto& segs = cfg.rate;
  Time t = rt_.sched.now();
  for (int guard = 0; guard < 1'000'000; ++guard) {
    size_t seg = l.segment;
    const double r_now = rate_at(li, t, seg);
    const RateSegment* s = segs.empty() ? nullptr : &segs[seg];
    const Time seg_end = (seg + 1 < segs.size()) ? segs[seg + 1].start
                         : (s && s->duration != Time::max() ? s->start + s->duration : Time::max());
    double peak = r_now;
    if (s != nullptr && t >= s->start) {
      if (s->shape == RateSegment::Shape::kRamp) peak = std::max(s->rate, s->rate_end);
      if (s->shape == RateSegment::Shape::kSine) peak = s->rate + std::abs(s->amplitude);
    }
    if (!(peak > 0)) {
      // Nothing in this stretch: jump to the next segment start, if any.
      if (seg + 1 < segs.size() && segs[seg + 1].start > t) {
        t = segs[seg + 1].start;
        continue;
      }
      if (!segs.empty() && t < segs.front().start) {
        t = segs.front().start;
        continue;
      }
      return;
    }
    Time next;
    if (cfg.model == LoadConfig::Model::kOpenConstant) {
      next = t + Time::from_seconds(1.0 / r_now);
      if (next >= seg_end) {
        t = seg_end;
        continue;
      }
      rt_.sched.schedule_at(next, Packed::make(kLoadArrival, li.value, 0));
      return;
    }
    next = t + Time::from_seconds(-std::log(l.arrivals.uniform_pos()) / peak);
    if (next >= seg_end) {
      t = seg_end;
      continue;
    }
    size_t seg2 = l.segment;
    const double r = rate_at(li, next, seg2);
    if (r >= peak || l.arrivals.uniform() * peak < r) {
      rt_.sched.schedule_at(next, Packed::make(kLoadArrival, li.value, 0));
      return;
    }
    t = next;
  }
}

// A root request: pick its kind from the mix, decide trace sampling, send.
void LoadGenerators::start_root(LoadId li, uint32_t user) {
  LoadState& l = state_[li];
  const LoadRt& lr = topo_.loads[li];
  const LoadConfig& cfg = *lr.cfg;
  if (cfg.max_requests != 0) {
    if (user != kNone) {
      // fortio -n N -c C: each connection makes exactly N / C calls (the first N % C one more).
      const uint64_t c = cfg.connections;
      const uint64_t quota = cfg.max_requests / c + (user < cfg.max_requests % c ? 1 : 0);
      if (l.user_started.size() < c) l.user_started.resize(c, 0);
      if (l.user_started[user] >= quota) return;
    } else if (l.started >= cfg.max_requests) {
      return;
    }
  }
  PodId from;
  if (lr.from.valid()) {
    from = sending_pod(li, user);
    if (!from.valid()) return;  // not sent, not counted
  }
  if (cfg.max_requests != 0 && user != kNone) ++l.user_started[user];
  ++l.started;
  const uint32_t ci = rt_.app.alloc();
  Call& c = rt_.app[ci];
  const double u = l.mix.uniform();
  uint16_t k = 0;
  while (k + 1u < lr.kind_cumulative.size() && u >= lr.kind_cumulative[k]) ++k;
  c.kind = k;
  c.caller = from.valid() ? Caller::pod(from) : Caller::load(li);
  if (from.valid()) c.caller_incarnation = rt_.pods[from].incarnation;
  c.load = li;
  c.user = user;
  c.service = lr.service;
  c.path = lr.kind_path[k];
  c.grpc = lr.grpc;
  c.attempts_left = cfg.retries;
  c.started = rt_.sched.now();
  ++roots_;
  if (l.trace.below(1000) < rt_.cfg.experiment.trace_sample_per_mille) c.trace = roots_;
  rt_.app.send(ci);
}

// `from`: a closed-loop user's pod, else the next in the round robin; invalid (the user parked)
// when that pod's app is not running.
PodId LoadGenerators::sending_pod(LoadId li, uint32_t user) {
  LoadState& l = state_[li];
  const std::vector<PodId>& pods = topo_.workloads[topo_.loads[li].from].pods;
  if (pods.empty()) return PodId();  // replicas: 0 (the scenario warns)
  const PodId p = pods[user != kNone ? user % pods.size() : l.next_pod++ % pods.size()];
  if (rt_.pods[p].phase == PodPhase::kServing) return p;
  if (user != kNone) l.parked.push_back(user);
  return PodId();
}

void LoadGenerators::pod_started(PodId p) {
  const WorkloadId w = topo_.pods[p].workload;
  for (uint32_t i = 0; i < topo_.loads.size(); ++i) {
    if (topo_.loads[LoadId(i)].from != w) continue;
    LoadState& l = state_[LoadId(i)];
    const std::vector<PodId>& pods = topo_.workloads[w].pods;
    std::vector<uint32_t> still;
    for (uint32_t u : l.parked) {
      if (pods[u % pods.size()] == p)
        rt_.sched.schedule_at(rt_.sched.now(), Packed::make(kUserStart, i, u));
      else
        still.push_back(u);
    }
    l.parked = std::move(still);
  }
}

void LoadGenerators::root_done(const Call& c, uint32_t code, uint8_t grpc_status, uint32_t flags) {
  ++roots_done_;
  uint32_t source = kNoWorkload;
  if (!c.caller.is_load()) {
    const PodId p = c.caller.as_pod();
    if (rt_.pods[p].incarnation != c.caller_incarnation) {
      // Its pod was lost meanwhile: the generator that sent it is gone, and records nothing.  A
      // closed-loop user starts afresh (in its pod's new app, or waits for it).
      if (c.user != kNone) rt_.sched.schedule_at(rt_.sched.now(), Packed::make(kUserStart, c.load.value, c.user));
      return;
    }
    source = topo_.pods[p].workload.value;
  }
  const bool app_timeout = (flags & kAppTimeout) != 0;
  rt_.telemetry.emit(Reporter::kClient, c.started, rt_.sched.now(), source, kNoWorkload, c.service.value,
                     c.load.value, app_timeout ? 0 : code, {c.grpc, grpc_status}, c.attempts,
                     app_timeout ? uint32_t{policies::ResponseFlag::kDownstreamConnectionTermination}
                                 : (flags & ~kAppTimeout));
  LoadState& l = state_[c.load];
  if (topo_.loads[c.load].cfg->model == LoadConfig::Model::kClosed) {
    const Time think = topo_.loads[c.load].cfg->think_time.sample_time(l.think);
    rt_.sched.schedule_at(rt_.sched.now() + think, Packed::make(kUserStart, c.load.value, c.user));
  }
}

}  // namespace meshsim::models
