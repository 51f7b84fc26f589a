// A pod's application: workers, queue, handler steps; see pod.h.
#include "models/pod.h"

#include "models/runtime.h"

#include <vector>

namespace meshsim::models {

using policies::ResponseFlag;
using simcore::Stream;
using simcore::Time;

Pods::Pods(Runtime& rt, const Topology& topo, uint64_t seed) : rt_(rt), topo_(topo) {
  for (const PodRt& p : topo.pods) {
    PodState s;
    s.compute_rng = Stream(seed, p.name, "compute");
    s.call_rng = Stream(seed, p.name, "calls");
    s.error_rng = Stream(seed, p.name, "errors");
    s.chaos_error_rng = Stream(seed, p.name, "chaos-errors");
    s.chaos_latency_rng = Stream(seed, p.name, "chaos-latency");
    s.response_network_rng = Stream(seed, p.name, "response-network");
    s.repeat_rng = Stream(seed, p.name, "repeat");
    if (const double cores = topo.workloads[p.workload].cfg->cpu_limit; cores > 0) s.cpu.emplace(cores);
    state_.push_back(std::move(s));
  }
}

void Pods::arrive(uint32_t xi) {
  Exchange& x = rt_.exchanges[xi];
  PodState& p = state_[x.pod];
  const WorkloadConfig& w = topo_.workload_config(x.pod);
  x.reached_pod = true;
  if (x.grpc_timeout != Time::max()) x.deadline = rt_.sched.now() + x.grpc_timeout;
  if (p.error_probability > 0 && p.chaos_error_rng.uniform() < p.error_probability) {
    answer_error(x, p.error_status, p.error_grpc_status);  // chaos: the application fails at once
    respond(xi);
    return;
  }
  if (p.busy < w.workers) {
    ++p.busy;
    start_handler(xi);
    return;
  }
  if (w.queue_limit != 0 && p.queue.size() >= w.queue_limit) {
    x.status = w.overflow_status;
    respond(xi);
    return;
  }
  x.phase = Exchange::kQueued;
  p.queue.push(xi);
}

void Pods::start_handler(uint32_t xi) {
  Exchange& x = rt_.exchanges[xi];
  x.phase = Exchange::kRunning;
  const WorkloadId w = topo_.pods[x.pod].workload;
  if (topo_.workloads[w].match_per_request) {
    const auto& mix = topo_.loads[x.load].cfg->mix;
    const Headers* propagated = mix.empty() ? nullptr : &mix[x.kind].headers;
    const std::string_view method = x.call_step != nullptr ? std::string_view(x.call_step->method)
                                    : mix.empty()          ? std::string_view("GET")
                                                           : std::string_view(mix[x.kind].method);
    x.handler = topo_.match_handler(w, x.path, method, propagated,
                                    x.call_step != nullptr ? &x.call_step->headers : nullptr);
  } else {
    x.handler = topo_.handler_for(w, x.path);
  }
  x.step = 0;
  x.repeat_left = 0;
  if (x.handler == kNone) {  // no handler serves this path (a gRPC server: unknown method)
    answer_error(x, 404, policies::kGrpcUnimplemented);
    finish_handler(xi);
    return;
  }
  run_steps(xi);
}

void Pods::compute_done(uint32_t xi) {
  if (rt_.exchanges[xi].phase != Exchange::kRunning) return;  // reset by a pod kill
  ++rt_.exchanges[xi].step;
  run_steps(xi);
}

void Pods::cpu_done(PodId pi) {
  PodState& p = state_[pi];
  p.cpu_timer = simcore::TimerHandle{};
  if (!p.cpu) return;
  // The reused vector is taken out while its computes go on (they may start more computes), so
  // a CPU event allocates nothing once warm.
  std::vector<std::pair<uint32_t, uint32_t>> done;
  done.swap(cpu_finished_);
  done.clear();
  p.cpu->take_finished(rt_.sched.now(), done);
  for (const auto& [xi, gen] : done)
    if (rt_.exchanges.is(xi, gen)) compute_done(xi);  // may start more computes here
  done.swap(cpu_finished_);
  arm_cpu(pi);
}

void Pods::set_cpu_stress(PodId pi, double cores) {
  PodState& p = state_[pi];
  if (!p.cpu || p.cpu->background() == cores) return;
  p.cpu->set_background(rt_.sched.now(), cores);
  arm_cpu(pi);
}

// One timer per pod: the next compute to end, the quota running out, or a new period.
void Pods::arm_cpu(PodId pi) {
  PodState& p = state_[pi];
  rt_.sched.cancel(p.cpu_timer);
  p.cpu_timer = simcore::TimerHandle{};
  const Time next = p.cpu->next_event();
  if (next != Time::max()) p.cpu_timer = rt_.sched.arm_at(next, Packed::make(kCpuDone, pi.value, 0));
}

// Runs steps until one has to wait (a compute, or calls in flight) or the handler ends.
void Pods::run_steps(uint32_t xi) {
  for (;;) {
    Exchange& x = rt_.exchanges[xi];
    const HandlerRt& h = topo_.handlers[x.handler];
    if (x.repeat_left > 0 && x.step == x.repeat_end) {  // another round of the repeat
      --x.repeat_left;
      x.step = x.repeat_begin;
    }
    if (x.failed || x.step >= h.step_count) {
      finish_handler(xi);
      return;
    }
    const StepRt& s = topo_.steps[h.first_step + x.step];
    if (s.kind == StepRt::kCompute) {
      PodState& p = state_[x.pod];
      Time d = topo_.computes[s.first]->sample_time(p.compute_rng);
      if (p.slowdown != 1.0) d = Time::from_seconds(d.to_seconds() * p.slowdown);
      if (p.cpu) {  // under the pod's CPU limit
        p.cpu->add(rt_.sched.now(), d.to_seconds(), xi, x.gen);
        arm_cpu(x.pod);
        return;
      }
      rt_.sched.schedule_at(rt_.sched.now() + d, Packed::make(kComputeDone, xi, x.gen));
      return;
    }
    if (s.kind == StepRt::kRepeat) {
      const uint64_t times = topo_.counts[s.first]->sample(state_[x.pod].repeat_rng);
      if (times == 0) {
        x.step = static_cast<uint16_t>(x.step + 1 + s.count);  // skip its steps
      } else {
        x.repeat_begin = static_cast<uint16_t>(x.step + 1);
        x.repeat_end = static_cast<uint16_t>(x.step + 1 + s.count);
        x.repeat_left = static_cast<uint32_t>(times - 1);
        ++x.step;
      }
      continue;
    }
    x.pending = 0;
    for (uint32_t i = 0; i < s.count; ++i) make_call(xi, topo_.calls[s.first + i]);
    Exchange& y = rt_.exchanges[xi];  // make_call may have grown the pool
    if (y.pending > 0) return;
    ++y.step;
  }
}

void Pods::make_call(uint32_t xi, const CallRt& cr) {
  PodState& p = state_[rt_.exchanges[xi].pod];
  if (cr.cfg->probability < 1.0 && !(p.call_rng.uniform() < cr.cfg->probability)) return;
  const uint32_t depth = rt_.exchanges[xi].depth + 1;
  if (rt_.cfg.experiment.max_call_depth != 0 && depth > rt_.cfg.experiment.max_call_depth) return;
  const uint32_t ci = rt_.app.alloc();
  Call& c = rt_.app[ci];
  Exchange& x = rt_.exchanges[xi];
  c.parent = xi;
  c.parent_gen = x.gen;
  c.caller = Caller::pod(x.pod);
  c.load = x.load;
  c.service = cr.service;
  c.path = cr.path;
  c.grpc = cr.grpc;
  c.tcp_port = cr.tcp_port;
  if (cr.grpc) {
    if (cr.cfg->deadline != Time::max()) c.deadline = rt_.sched.now() + cr.cfg->deadline;
    if (cr.cfg->propagate_deadline) c.deadline = std::min(c.deadline, x.deadline);
  }
  c.step = cr.cfg;
  c.attempts_left = cr.cfg->retries;
  c.started = rt_.sched.now();
  c.depth = depth;
  c.kind = x.kind;
  c.trace = x.trace;
  c.parent_span = x.server_span;
  ++x.pending;
  rt_.app.send(ci);
}

void Pods::call_done(uint32_t xi, const CallStep& step, uint32_t code, uint8_t grpc_status, uint32_t flags) {
  Exchange& parent = rt_.exchanges[xi];
  const bool grpc_failed = grpc_status != policies::kNoGrpcStatus && grpc_status != policies::kGrpcOk;
  if (!(code >= 200 && code < 400) || grpc_failed) {
    switch (step.on_failure) {
      case OnFailure::kFail:
        if (!parent.failed) {
          parent.failed = true;
          const bool app_timeout = (flags & kAppTimeout) != 0;
          if (parent.grpc) {
            // A gRPC handler returns its client's error: the call's own status, a deadline, a
            // connection failure (UNAVAILABLE), or the HTTP status mapped as Envoy maps it.
            parent.status = 200;
            parent.grpc_status = grpc_failed ? grpc_status
                                 : app_timeout ? policies::kGrpcDeadlineExceeded
                                 : code == 0   ? policies::kGrpcUnavailable
                                               : policies::http_to_grpc_status(code);
          } else {
            parent.status = grpc_failed ? policies::grpc_to_http_status(grpc_status)
                            : code >= 500 ? code
                            : app_timeout ? 504
                            : code == 0   ? 503
                                          : 500;
          }
        }
        break;
      case OnFailure::kDegrade:
      case OnFailure::kIgnore:
        break;
    }
  }
  if (--parent.pending == 0) {
    ++parent.step;
    run_steps(xi);
  }
}

void Pods::finish_handler(uint32_t xi) {
  Exchange& x = rt_.exchanges[xi];
  if (!x.failed && x.status == 0) {
    const HandlerRt* h = x.handler == kNone ? nullptr : &topo_.handlers[x.handler];
    x.status = 200;
    if (x.grpc) x.grpc_status = policies::kGrpcOk;
    if (h != nullptr && h->error_probability > 0 && state_[x.pod].error_rng.uniform() < h->error_probability)
      answer_error(x, h->error_status, h->error_grpc_status);
  }
  respond(xi);
}

// An error the application answers: to a gRPC request with a gRPC status, when it has one, as a
// gRPC server does (HTTP 200, grpc-status, trailers-only); otherwise the HTTP status alone, as a
// server that does not speak gRPC would (Envoy and Istio's metrics then read
// httpToGrpcStatus(status)).
void Pods::answer_error(Exchange& x, uint32_t status, uint8_t grpc_status) {
  if (x.grpc && grpc_status != policies::kNoGrpcStatus) {
    x.status = 200;
    x.grpc_status = grpc_status;
  } else {
    x.status = status;
    x.grpc_status = policies::kNoGrpcStatus;
  }
}

void Pods::respond(uint32_t xi) {
  Exchange& x = rt_.exchanges[xi];
  PodState& p = state_[x.pod];
  const bool held_worker = x.phase == Exchange::kRunning;
  x.phase = Exchange::kToCaller;
  Time delay = rt_.inbound.response_pass(x);
  if (p.extra_latency != nullptr) delay += p.extra_latency->sample_time(p.chaos_latency_rng);
  x.dest_end = rt_.sched.now() + delay;
  const bool caller_alive = rt_.app.is(x.call, x.call_gen);
  const uint32_t pod_zone = topo_.pods[x.pod].zone;
  uint32_t caller_zone = pod_zone;
  bool caller_sidecar = false;
  if (caller_alive) {
    const CallerView caller = rt_.caller(rt_.app[x.call]);
    caller_zone = caller.zone;
    caller_sidecar = caller.sidecar;
  }
  const Time one_way = rt_.network.delay(p.response_network_rng, pod_zone, caller_zone);
  delay += one_way;
  bool lost = false;
  if (!rt_.network.faults.idle() && caller_alive) {  // this pod's egress faults; a partition since
    const Call& c = rt_.app[x.call];
    if (rt_.network.faults.blocked(c.caller.as_pod(), x.pod)) {
      lost = true;  // the connection is cut: the response never arrives
    } else {
      const Time extra = rt_.network.faults.egress(x.pod, c.caller.as_pod(), x.call_step ? x.call_step->response_bytes : 0,
                                                 rt_.sched.now() + delay - one_way, one_way);
      lost = extra == Time::max();
      if (!lost) delay += extra;
    }
  }
  if (caller_sidecar) delay += x.sidecar_pass;
  if (lost) {
    x.phase = Exchange::kLost;
  } else {
    rt_.sched.schedule_at(rt_.sched.now() + delay, Packed::make(kResponseAtCaller, xi, x.gen));
  }
  rt_.inbound.on_response(xi);
  if (held_worker) {
    if (!p.queue.empty()) {
      start_handler(p.queue.pop());
    } else {
      --p.busy;
    }
  }
}

void Pods::reset_inside(PodId pi, Inside how) {
  rt_.tcp.pod_down(pi, how == Inside::kHang);  // its TCP connections first (models/tcp/tcp.h)
  PodState& p = state_[pi];
  p.queue.clear();
  if (p.cpu) {
    p.cpu->clear();
    rt_.sched.cancel(p.cpu_timer);
    p.cpu_timer = simcore::TimerHandle{};
  }
  p.busy = 0;
  // Scanning the pool is fine for a rare chaos event; the hot path keeps no per-pod list.
  for (uint32_t xi = 0; xi < rt_.exchanges.size(); ++xi) {
    Exchange& x = rt_.exchanges[xi];
    if (!x.live || x.pod != pi) continue;
    const bool inside = x.phase == Exchange::kQueued || x.phase == Exchange::kRunning;
    if (!inside && !(x.phase == Exchange::kLost && how == Inside::kReset)) continue;
    // Its name (index, generation) stays valid: the caller's call and sidecar stream still
    // hold it to abandon or account for the attempt.  Its pending compute and child-call
    // results are dropped by phase (compute_done, AppClient::complete).
    if (how == Inside::kHang) {
      x.phase = Exchange::kLost;
      continue;
    }
    x.phase = Exchange::kToPod;  // not holding a worker any more
    x.status = 503;
    if (how == Inside::kSidecarReply) {
      x.server_flags = ResponseFlag::kUpstreamConnectionTermination;
    } else {
      x.flags = ResponseFlag::kUpstreamConnectionTermination;
    }
    respond(xi);
  }
}

}  // namespace meshsim::models
