// Chaos Mesh experiments as Timeline events; see chaos_mesh.h.  Field names and defaults:
// chaos-mesh api/v1alpha1 (podchaos_types.go, selector.go, common_types.go); selection modes:
// pkg/selector/generic/mode.go (models/chaos/selection.h).
#include "scenarios/internal/chaos_mesh.h"

#include <algorithm>
#include <charconv>

#include "scenarios/internal/chaos_mesh_reader.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/pod_selector.h"

namespace meshsim::scenarios::internal {
namespace {

using Pick = models::PodSelector::Pick;
using simcore::Time;

}  // namespace

// mode and value (a string in Chaos Mesh: "2", "50").  Chaos Mesh parses value with Atoi.
bool read_chaos_mode(const Context& ctx, const YAML::Node& spec, models::PodSelector& s) {
  const YAML::Node mode = spec["mode"];
  if (!mode.IsDefined() || mode.IsNull()) {  // (spec is a mapping: the caller checked)
    ctx.report(Code::kMissingField, spec, {"mode", "the experiment's spec (Chaos Mesh requires it)"});
    return false;
  }
  auto m = read_enum(ctx, mode, "mode", {"one", "all", "fixed", "fixed-percent", "random-max-percent"});
  if (!m) return false;
  s.pick = *m == "one" ? Pick::kOne : *m == "all" ? Pick::kAll : *m == "fixed" ? Pick::kFixed
           : *m == "fixed-percent" ? Pick::kFixedPercent : Pick::kRandomMaxPercent;
  if (s.pick == Pick::kOne || s.pick == Pick::kAll) return true;
  const YAML::Node value = spec["value"];
  if (!value.IsDefined() || !value.IsScalar()) {
    ctx.report(Code::kMissingField, mode, {"value", "mode " + *m + " (the number of pods or the percent)"});
    return false;
  }
  const std::string text = value.Scalar();
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    ctx.report(Code::kWrongType, value, {"value", "an integer (Chaos Mesh parses it with Atoi)", "'" + text + "'"});
    return false;
  }
  const int64_t hi = s.pick == Pick::kFixed ? 100'000 : 100;
  if (v < 1 || v > hi) {
    ctx.report(Code::kOutOfRange, value, {"value", "between 1 and " + std::to_string(hi) + " for mode " + *m, text});
    return false;
  }
  s.value = static_cast<uint32_t>(v);
  return true;
}

void ChaosMeshReader::not_simulated(const YAML::Node& at, const std::string& field, const std::string& why) const {
  ctx.report(Code::kChaosFieldNotSimulated, at, {label, field, why});
}

bool ChaosMeshReader::selector(const YAML::Node& spec, models::PodSelector& s, EventSite& site) const {
    const YAML::Node sel = spec["selector"];
    if (!sel.IsDefined() || sel.IsNull()) {
      ctx.report(Code::kMissingField, spec, {"selector", label});
      return false;
    }
    const Mapping m = Mapping::lenient(ctx, sel, "selector of " + label);
    if (!m.is_mapping()) return false;
    bool ok = true;
    for (const auto& [key, kv] : m.entries()) {
      if (key == "namespaces" || key == "labelSelectors") continue;
      if (key == "podPhaseSelectors") {
        auto phases = read_string_list(ctx, kv.second, "podPhaseSelectors");
        if (phases && (phases->empty() || (phases->size() == 1 && (*phases)[0] == "Running"))) continue;
      }
      const char* why = key == "pods" ? "meshsim's pods are not named as the cluster's"
                        : key == "nodes" || key == "nodeSelectors" ? "meshsim places pods in zones, not on nodes"
                                                                   : "meshsim cannot evaluate it";
      ctx.report(Code::kChaosSelectorNotSimulated, kv.first, {label, key, why});
      ok = false;
    }
    s.namespace_ = doc.namespace_;  // Chaos Mesh's default: the experiment's namespace
    if (const YAML::Node ns = m.get("namespaces"); ns.IsDefined()) {
      auto list = read_string_list(ctx, ns, "namespaces");
      if (!list) return false;
      if (list->size() > 1) {
        ctx.report(Code::kChaosSelectorNotSimulated, ns, {label, "namespaces", "more than one namespace"});
        return false;
      }
      if (list->size() == 1) s.namespace_ = (*list)[0];
    }
    if (m.has("labelSelectors")) {
      auto labels = m.string_map("labelSelectors");
      if (!labels) return false;
      s.labels = *labels;
    }
    site.namespace_ = s.namespace_;
    site.where_action = ctx.at(sel);
    site.where_service = site.where_workload = site.where_zone = site.where_action;
    return ok;
}


void read_chaos_mesh(const std::vector<ChaosDoc>& docs, Diagnostics& diagnostics, const Locator& locator,
                     Draft& draft) {
  for (const ChaosDoc& c : docs) {
    const Document* d = c.doc;
    const Context ctx(diagnostics, locator, d->file);
    ChaosMeshReader r{ctx, *d, d->kind + " '" + d->namespace_ + "/" + d->name + "'"};
    const YAML::Node spec = child(d->root, "spec");
    if (!spec.IsDefined() || !spec.IsMap()) {
      ctx.report(Code::kMissingField, d->root, {"spec", r.label});
      continue;
    }
    // When: the end of the warm-up, or the annotation meshsim.dev/at.
    Time at = c.at.value_or(draft.mesh.experiment.warmup);
    if (const YAML::Node a = child(child(child(d->root, "metadata"), "annotations"), "meshsim.dev/at");
        a.IsDefined() && !c.at) {
      auto t = read_duration(ctx, a, "meshsim.dev/at", DurationRule::kNonNegative);
      if (!t) continue;
      at = *t;
    }
    models::TimelineEvent ev;
    ev.name = d->name;
    ev.at = at;
    EventSite site;
    if (d->kind == "NetworkChaos" || d->kind == "StressChaos") {
      if (!(d->kind == "NetworkChaos" ? read_network_chaos(r, spec, ev, site) : read_stress_chaos(r, spec, ev, site)))
        continue;
      draft.mesh.timeline.push_back(std::move(ev));
      draft.event_sites.push_back(std::move(site));
      continue;
    }
    models::KillPods k;
    bool ok = read_chaos_mode(ctx, spec, k.pods);
    ok = r.selector(spec, k.pods, site) && ok;
    std::optional<std::string> action;
    if (!spec["action"].IsDefined() || spec["action"].IsNull()) {
      ctx.report(Code::kMissingField, spec, {"action", r.label});
    } else {
      action = read_enum(ctx, spec["action"], "action", {"pod-kill", "pod-failure", "container-kill"});
    }
    ok = ok && action;
    std::optional<Time> duration;
    if (const YAML::Node n = spec["duration"]; n.IsDefined() && !n.IsNull()) {
      duration = read_duration(ctx, n, "duration", DurationRule::kPositive);
      ok = ok && duration;
    }
    for (auto it = spec.begin(); it != spec.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key == "action" || key == "mode" || key == "value" || key == "selector" || key == "duration" ||
          key == "gracePeriod" || key == "containerNames")
        continue;
      r.not_simulated(it->first, key, key == "remoteCluster" ? "one cluster is simulated" : "left out");
    }
    if (!ok) continue;
    std::string what;
    if (*action == "pod-kill") {
      // Deleted with gracePeriod seconds (default 0): SIGTERM, and the kill at the end of the
      // grace period, which cuts Istio's drain short; the ReplicaSet replaces the pod.
      int64_t grace = 0;
      if (const YAML::Node g = spec["gracePeriod"]; g.IsDefined()) {
        auto v = read_integer(ctx, g, "gracePeriod", 0, 86'400);
        if (!v) continue;
        grace = static_cast<int64_t>(*v);
      }
      k.mode = models::PodLossMode::kGraceful;
      k.app_serves_for = Time::zero();
      k.termination_drain_duration = std::min(k.termination_drain_duration, Time::from_s(grace));
      if (duration) r.not_simulated(spec["duration"], "duration", "pod-kill is instantaneous; the pods are replaced");
      duration.reset();
      what = "delete";
    } else if (*action == "pod-failure") {
      // The containers' images become `pause` for the duration: nothing listens, the readiness
      // probe fails; then the images come back.  As a crash without restart for the duration.
      if (!duration) {
        ctx.report(Code::kMissingField, spec, {"duration", r.label + " (pod-failure needs it)"});
        continue;
      }
      k.mode = models::PodLossMode::kCrash;
      k.replace = false;
      r.not_simulated(spec["action"], "pod-failure's pause containers",
                      "simulated as the app crashing with its sidecar alive (503 UF from the server sidecar, where "
                      "the cluster's callers would see the connection refused) until the duration ends");
      what = "fail";
    } else {  // container-kill
      if (!spec["containerNames"].IsDefined() || spec["containerNames"].IsNull()) {
        ctx.report(Code::kMissingField, spec, {"containerNames", r.label + " (container-kill needs it)"});
        continue;
      }
      auto names = read_string_list(ctx, spec["containerNames"], "containerNames");
      if (!names) continue;
      if (std::find(names->begin(), names->end(), "istio-proxy") != names->end()) {
        r.not_simulated(spec["containerNames"], "containerNames: istio-proxy",
                        "killing the sidecar is not simulated; the experiment is left out");
        continue;
      }
      k.mode = models::PodLossMode::kCrash;  // the app's container dies; the kubelet restarts it
      if (duration) r.not_simulated(spec["duration"], "duration", "container-kill is instantaneous");
      duration.reset();
      what = "kill the app container of";
    }
    if (duration) ev.duration = *duration;
    ev.description = d->kind + " '" + d->name + "': " + what + " " + picked_text(k.pods) +
                     (duration ? " for " + format_duration(*duration) : "");
    ev.action = k;
    draft.mesh.timeline.push_back(std::move(ev));
    draft.event_sites.push_back(std::move(site));
  }
}

}  // namespace meshsim::scenarios::internal
