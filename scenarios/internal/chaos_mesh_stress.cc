// Chaos Mesh StressChaos as a Timeline `cpuStress` event; see chaos_mesh_reader.h.  Fields and
// checks: chaos-mesh api/v1alpha1/stresschaos_types.go, stresschaos_webhook.go; what runs:
// controllers/chaosimpl/stresschaos (Normalize: stress-ng --cpu W --cpu-load P) and
// pkg/chaosdaemon/stress_server_linux.go (attached to the target container's own cgroup).
#include <algorithm>
#include <string>

#include "scenarios/internal/chaos_mesh_reader.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/pod_selector.h"

namespace meshsim::scenarios::internal {

using simcore::Time;

bool read_stress_chaos(const ChaosMeshReader& r, const YAML::Node& spec, models::TimelineEvent& ev,
                       EventSite& site) {
  const Context& ctx = r.ctx;
  models::CpuStress c;
  bool ok = read_chaos_mode(ctx, spec, c.pods);
  ok = r.selector(spec, c.pods, site) && ok;
  std::optional<Time> duration;
  if (const YAML::Node n = child(spec, "duration"); n.IsDefined()) {
    duration = read_duration(ctx, n, "duration", DurationRule::kPositive);
    ok = ok && duration;
  }
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (key == "mode" || key == "value" || key == "selector" || key == "duration" || key == "stressors" ||
        key == "stressngStressors" || key == "containerNames")
      continue;
    r.not_simulated(it->first, key, key == "remoteCluster" ? "one cluster is simulated" : "left out");
  }
  if (!ok) return false;
  if (const YAML::Node raw = child(spec, "stressngStressors"); raw.IsDefined()) {
    // Normalize() is skipped and the daemon gets no stressor: nothing runs (chaos-mesh#3783).
    r.not_simulated(raw, "stressngStressors",
                    "Chaos Mesh starts no stressor for it (chaos-mesh#3783), yet reports the chaos injected; the dry "
                    "run does nothing either");
    return false;
  }
  const YAML::Node stressors = child(spec, "stressors");
  if (!stressors.IsDefined()) {
    ctx.report(Code::kMissingField, spec, {"stressors", r.label + " (Chaos Mesh needs stressors or stressngStressors)"});
    return false;
  }
  const YAML::Node cpu = child(stressors, "cpu");
  if (const YAML::Node mem = child(stressors, "memory"); mem.IsDefined())
    r.not_simulated(mem, "stressors.memory", "meshsim has no memory model (an OOM kill is a killPods crash)");
  if (!cpu.IsDefined()) {
    if (!child(stressors, "memory").IsDefined())
      ctx.report(Code::kMissingField, stressors, {"cpu or memory", "stressors (Chaos Mesh needs one)"});
    return false;
  }
  const YAML::Node workers = child(cpu, "workers");
  if (!workers.IsDefined()) {
    ctx.report(Code::kMissingField, cpu, {"workers", "stressors.cpu (Chaos Mesh requires it)"});
    return false;
  }
  auto w = read_integer(ctx, workers, "workers", 0, 8192);
  if (!w) return false;
  if (*w == 0) {  // Chaos Mesh's check is never called; Normalize skips the stressor
    r.not_simulated(workers, "workers: 0", "Chaos Mesh accepts it and runs no CPU stressor; the dry run neither");
    return false;
  }
  c.workers = static_cast<uint32_t>(*w);
  if (const YAML::Node load = child(cpu, "load"); load.IsDefined()) {  // omitted: stress-ng's 100
    auto l = read_integer(ctx, load, "load", 0, 100);
    if (!l) return false;
    c.load = static_cast<uint32_t>(*l);
  }
  if (const YAML::Node o = child(cpu, "options"); o.IsDefined())
    r.not_simulated(o, "stressors.cpu.options", "stress-ng's other options are not simulated");
  if (const YAML::Node names = child(spec, "containerNames"); names.IsDefined()) {
    auto list = read_string_list(ctx, names, "containerNames");
    if (!list) return false;
    if (std::find(list->begin(), list->end(), "istio-proxy") != list->end()) {
      r.not_simulated(names, "containerNames: istio-proxy", "the sidecar's CPU is not simulated; the experiment is left out");
      return false;
    }
  }
  if (duration) ev.duration = *duration;
  ev.description = r.doc.kind + " '" + r.doc.name + "': CPU stress (" + std::to_string(c.workers) + " worker(s) at " +
                   std::to_string(c.load) + "%) in " + picked_text(c.pods) +
                   (duration ? " for " + format_duration(*duration) : "");
  ev.action = c;
  return true;
}

}  // namespace meshsim::scenarios::internal
