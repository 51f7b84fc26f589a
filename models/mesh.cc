// The Mesh facade and the event dispatch: each event kind goes to the part of the runtime it
// belongs to (models/runtime.h).
#include "models/mesh.h"

#include "models/runtime.h"

namespace meshsim::models {

using simcore::Time;

class Mesh::Impl {
 public:
  explicit Impl(const MeshConfig& config) : rt(config) {}
  void handle(const simcore::Event<uint64_t>& ev);
  void flush_interval();

  Runtime rt;
  bool finished = false;
};

void Mesh::Impl::handle(const simcore::Event<uint64_t>& ev) {
  const uint32_t idx = Packed::index(ev.payload), gen = Packed::gen(ev.payload);
  switch (Packed::kind(ev.payload)) {
    case kLoadArrival:
      rt.loads.arrival(LoadId(idx));
      break;
    case kUserStart:
      rt.loads.user_start(LoadId(idx), gen);
      break;
    case kArriveAtPod:
      if (rt.exchanges.is(idx, gen)) rt.inbound.on_request(idx);
      break;
    case kComputeDone:
      if (rt.exchanges.is(idx, gen)) rt.pods.compute_done(idx);
      break;
    case kResponseAtCaller:
      if (rt.exchanges.is(idx, gen)) rt.exchanges.at_caller(idx);
      break;
    case kCallTimeout:
      if (rt.app.is(idx, gen)) rt.app.timeout(idx);
      break;
    case kTimelineStart:
      rt.chaos.start(idx);
      break;
    case kTimelineEnd:
      rt.chaos.end(idx);
      break;
    case kStreamRoute:
      if (rt.router.open(idx, gen)) rt.router.route(idx);
      break;
    case kStreamBackoff:
      if (rt.router.open(idx, gen)) rt.router.attempt(idx);
      break;
    case kStreamPerTry:
      if (rt.router.open(idx, gen)) rt.router.per_try_timeout(idx);
      break;
    case kStreamGlobal:
      if (rt.router.open(idx, gen)) rt.router.global_timeout(idx);
      break;
    case kStreamDone:
      if (rt.router.is(idx, gen)) rt.router.deliver(idx);
      break;
    case kConnected:
      rt.conn_pools.connected(idx, gen);
      break;
    case kCpuDone:
      rt.pods.cpu_done(PodId(idx));
      break;
    case kOutlierSweep:
      rt.clusters.outlier_sweep(idx);
      break;
    case kFlush:
      flush_interval();
      break;
    case kEndpointSlice:
      rt.control.endpoint_slice(PodId(idx), gen != 0);
      break;
    case kKubeProxy:
      rt.control.kube_proxy(PodId(idx), gen != 0);
      break;
    case kDebounce:
      rt.control.debounce_timer();
      break;
    case kEdsPush:
      rt.control.push_arrives(idx, gen);
      break;
    case kPodLifecycle:
      rt.lifecycle.timer(PodId(idx), gen);
      break;
    case kTcpConnect:
      rt.tcp.connect_done(idx, gen);
      break;
  }
}

void Mesh::Impl::flush_interval() {
  rt.telemetry.flush();
  const Time next = rt.sched.now() + rt.cfg.experiment.interval;
  if (next <= rt.cfg.experiment.duration) rt.sched.schedule_at(next, Packed::make(kFlush, 0, 0));
}

Mesh::Mesh(const MeshConfig& config) : impl_(std::make_unique<Impl>(config)) {}
Mesh::~Mesh() = default;

const MeshCatalog& Mesh::catalog() const { return impl_->rt.topo.catalog(); }

void Mesh::begin(ObservationSink& sink) {
  Runtime& rt = impl_->rt;
  rt.telemetry.begin(sink);
  sink.begin(rt.topo.catalog(), rt.cfg.experiment.interval);
  rt.loads.begin();
  rt.chaos.begin();
  rt.sched.schedule_at(rt.cfg.experiment.interval, Packed::make(kFlush, 0, 0));
}

void Mesh::run_until(Time t) {
  Impl& m = *impl_;
  const Time end = std::min(t, m.rt.cfg.experiment.duration);
  m.rt.sched.run_until(end, [&m](const simcore::Event<uint64_t>& ev) { m.handle(ev); });
}

void Mesh::finish() {
  Impl& m = *impl_;
  if (m.finished) return;
  m.finished = true;
  m.rt.telemetry.flush();
  m.rt.telemetry.sink().finish(m.rt.sched.now(), m.rt.sched.executed());
}

void Mesh::run(ObservationSink& sink) {
  begin(sink);
  run_until(impl_->rt.cfg.experiment.duration);
  finish();
}

Time Mesh::now() const { return impl_->rt.sched.now(); }
Time Mesh::duration() const { return impl_->rt.cfg.experiment.duration; }
uint64_t Mesh::events() const { return impl_->rt.sched.executed(); }
uint64_t Mesh::root_requests() const { return impl_->rt.loads.roots(); }
uint64_t Mesh::in_flight() const { return impl_->rt.exchanges.live(); }
uint64_t Mesh::in_flight_roots() const { return impl_->rt.loads.in_flight(); }

std::vector<Mesh::WorkloadLoad> Mesh::workload_load() const {
  const Runtime& rt = impl_->rt;
  std::vector<WorkloadLoad> out(rt.topo.workloads.size());
  for (uint32_t p = 0; p < rt.pods.size(); ++p) {
    const PodId pod{p};
    WorkloadLoad& w = out[rt.topo.pods[pod].workload.value];
    w.busy += rt.pods[pod].busy;
    w.queued += rt.pods[pod].queue.size();
  }
  return out;
}

}  // namespace meshsim::models
