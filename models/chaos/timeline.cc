// The chaos timeline; see timeline.h.
#include "models/chaos/timeline.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "models/chaos/selection.h"
#include "models/runtime.h"

namespace meshsim::models {

Chaos::Chaos(Runtime& rt) : rt_(rt), killed_(rt.cfg.timeline.size()), hit_(rt.cfg.timeline.size()) {}

void Chaos::begin() {
  for (uint32_t i = 0; i < rt_.cfg.timeline.size(); ++i)
    rt_.sched.schedule_at(rt_.cfg.timeline[i].at, Packed::make(kTimelineStart, i, 0));
}

// Pods that match every field of the selector, by index.
std::vector<PodId> Chaos::matching(const PodSelector& sel, bool serving_only) const {
  const Topology& topo = rt_.topo;
  std::vector<PodId> out;
  for (uint32_t i = 0; i < topo.pods.size(); ++i) {
    const PodRt& p = topo.pods[PodId(i)];
    const WorkloadRt& w = topo.workloads[p.workload];
    if (!sel.service.empty() && std::none_of(w.services.begin(), w.services.end(), [&](ServiceId s) {
          return topo.catalog().services[s.value].name == sel.service;
        }))
      continue;  // a service selects the pods of every workload it selects
    if (!sel.workload.empty() && w.cfg->name != sel.workload) continue;
    if (!sel.zone.empty() && topo.zones[p.zone] != sel.zone) continue;
    if (!sel.namespace_.empty() && w.cfg->namespace_ != sel.namespace_) continue;
    if (std::any_of(sel.labels.begin(), sel.labels.end(), [&](const auto& kv) {
          auto it = w.cfg->labels.find(kv.first);
          return it == w.cfg->labels.end() || it->second != kv.second;
        }))
      continue;
    if (serving_only && rt_.pods[PodId(i)].phase != PodPhase::kServing) continue;
    out.push_back(PodId(i));
  }
  return out;
}

std::vector<PodId> Chaos::select(uint32_t event, const PodSelector& sel, bool serving_only) const {
  const std::vector<PodId> candidates = matching(sel, serving_only);
  simcore::Stream rng(rt_.cfg.experiment.seed, entity(event), "select");
  std::vector<PodId> out;
  for (uint32_t k : pick_pods(sel, static_cast<uint32_t>(candidates.size()), rng)) out.push_back(candidates[k]);
  return out;
}

std::string Chaos::entity(uint32_t event) const {
  const TimelineEvent& ev = rt_.cfg.timeline[event];
  return "timeline:" + (ev.name.empty() ? ev.description + "@" + std::to_string(ev.at.ns()) : ev.name);
}

void Chaos::init_names() {
  if (!names_.empty()) return;
  // A pod's name is its workload's and its ordinal; the namespace keeps namesakes' streams apart.
  for (uint32_t p = 0; p < rt_.topo.pods.size(); ++p) {
    const PodRt& pod = rt_.topo.pods[PodId(p)];
    names_.push_back(pod.name);
    stream_keys_.push_back(rt_.topo.workloads[pod.workload].cfg->namespace_ + "/" + pod.name);
  }
}

std::string Chaos::pod_list(const std::vector<PodId>& pods) {
  init_names();
  std::string out;
  for (PodId p : pods) out += (out.empty() ? "" : ", ") + names_[p.value];
  return out.empty() ? std::string("no pod") : out;
}

// The selected pods and the target's are picked from their own streams ("select",
// "select-target"), so that a target added to a fault leaves the selected pods alone.
std::string Chaos::start_network_fault(uint32_t i, const NetworkFault& f) {
  const std::vector<PodId> pods = select(i, f.pods, false);
  std::optional<std::vector<PodId>> targets;
  if (f.target) {
    const std::vector<PodId> candidates = matching(*f.target, false);
    simcore::Stream rng(rt_.cfg.experiment.seed, entity(i), "select-target");
    targets.emplace();
    for (uint32_t k : pick_pods(*f.target, static_cast<uint32_t>(candidates.size()), rng))
      targets->push_back(candidates[k]);
  }
  init_names();
  const TimelineEvent& ev = rt_.cfg.timeline[i];
  const simcore::Time until = ev.duration == simcore::Time::max() ? simcore::Time::max() : rt_.sched.now() + ev.duration;
  rt_.network.faults.start(i, f, pods, targets, stream_keys_, entity(i), until);
  std::string detail = ": " + pod_list(pods);  // the blast radius, by name
  if (targets) detail += "; target " + pod_list(*targets);
  return detail;
}

void Chaos::start(uint32_t i) {
  const TimelineEvent& ev = rt_.cfg.timeline[i];
  std::string detail;
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, KillPods>) {
          const bool random = a.pods.pick != PodSelector::Pick::kFirst;
          for (PodId pi : select(i, a.pods, random)) {
            if (rt_.pods[pi].phase != PodPhase::kServing) continue;
            rt_.lifecycle.lose(pi, a, ev.duration != simcore::Time::max());
            killed_[i].push_back(pi);
            detail += (detail.empty() ? ": " : ", ") + rt_.topo.pods[pi].name;
          }
        } else if constexpr (std::is_same_v<A, ZoneOutage>) {
          KillPods node_loss;  // every node of the zone is lost
          node_loss.mode = PodLossMode::kNode;
          for (uint32_t p = 0; p < rt_.topo.pods.size(); ++p) {
            const PodId pi(p);
            if (rt_.topo.zones[rt_.topo.pods[pi].zone] != a.zone || rt_.pods[pi].phase != PodPhase::kServing) continue;
            rt_.lifecycle.lose(pi, node_loss, ev.duration != simcore::Time::max());
            killed_[i].push_back(pi);
          }
          detail = ": " + std::to_string(killed_[i].size()) + " pod(s) down";
        } else if constexpr (std::is_same_v<A, AddLatency> || std::is_same_v<A, InjectErrors> ||
                             std::is_same_v<A, CpuSlowdown> || std::is_same_v<A, CpuStress>) {
          hit_[i] = select(i, a.pods, false);
          pod_actions_.push_back(i);
          apply_pod_actions();
          if constexpr (std::is_same_v<A, CpuStress>) {
            detail = ": " + pod_list(hit_[i]);  // the blast radius by name, as network faults give it
          } else {
            detail = ": " + std::to_string(hit_[i].size()) + " pod(s)";
          }
        } else if constexpr (std::is_same_v<A, Partition>) {
          rt_.network.partition(i, true);
        } else if constexpr (std::is_same_v<A, NetworkFault>) {
          detail = start_network_fault(i, a);
        } else if constexpr (std::is_same_v<A, ApplyManifest>) {
          rt_.control.apply(a);
        } else if constexpr (std::is_same_v<A, RemoveManifest>) {
          rt_.control.remove(a);
        }
      },
      ev.action);
  rt_.telemetry.sink().timeline({rt_.sched.now(), ev.description + detail, false});
  if (ev.duration != simcore::Time::max())
    rt_.sched.schedule_at(rt_.sched.now() + ev.duration, Packed::make(kTimelineEnd, i, 0));
}

void Chaos::apply_pod_actions() {
  std::vector<double> stress(rt_.pods.size(), 0.0);
  for (uint32_t p = 0; p < rt_.pods.size(); ++p) {
    PodState& s = rt_.pods[PodId(p)];
    s.slowdown = 1.0;
    s.extra_latency = nullptr;
    s.error_probability = 0.0;
    s.error_status = 503;
    s.error_grpc_status = policies::kNoGrpcStatus;
  }
  for (uint32_t i : pod_actions_) {
    std::visit(
        [&](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, CpuStress>) {
            for (PodId pi : hit_[i]) stress[pi.value] += a.workers * (a.load / 100.0);  // stressors add up
          } else if constexpr (std::is_same_v<A, AddLatency> || std::is_same_v<A, InjectErrors> ||
                               std::is_same_v<A, CpuSlowdown>) {
            for (PodId pi : hit_[i]) {
              PodState& p = rt_.pods[pi];
              if constexpr (std::is_same_v<A, AddLatency>) p.extra_latency = &a.extra;
              if constexpr (std::is_same_v<A, InjectErrors>) {
                p.error_probability = a.probability;
                p.error_status = a.status;
                p.error_grpc_status = a.grpc_status;
              }
              if constexpr (std::is_same_v<A, CpuSlowdown>) p.slowdown = a.factor;
            }
          }
        },
        rt_.cfg.timeline[i].action);
  }
  for (uint32_t p = 0; p < rt_.pods.size(); ++p) rt_.pods.set_cpu_stress(PodId(p), stress[p]);
}

void Chaos::end(uint32_t i) {
  const TimelineEvent& ev = rt_.cfg.timeline[i];
  for (PodId pi : killed_[i]) rt_.lifecycle.restore(pi);
  killed_[i].clear();
  if (auto it = std::find(pod_actions_.begin(), pod_actions_.end(), i); it != pod_actions_.end()) {
    pod_actions_.erase(it);
    hit_[i].clear();
    apply_pod_actions();
  }
  if (std::holds_alternative<Partition>(ev.action)) rt_.network.partition(i, false);
  if (std::holds_alternative<NetworkFault>(ev.action)) rt_.network.faults.end(i);
  rt_.telemetry.sink().timeline({rt_.sched.now(), ev.description, true});  // the reader words the undo
}

}  // namespace meshsim::models
