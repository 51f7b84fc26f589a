// LitmusChaos ChaosEngine -> Timeline events; see litmus.h.  Defaults: the pod-delete
// ChaosExperiment of litmuschaos/chaos-charts (TOTAL_CHAOS_DURATION 15, CHAOS_INTERVAL 5, FORCE
// true, PODS_AFFECTED_PERC 0, SEQUENCE parallel, RAMP_TIME 0).
//
// A round: pick the pods (PODS_AFFECTED_PERC: models::PodSelector::Pick::kLitmusPercent), delete
// them (FORCE: grace period 0, else the pod's 30 s, which lets Istio drain its 5 s), wait
// CHAOS_INTERVAL, then poll every 2 s (litmus' default Delay) until the workload's pods run again
// (a replacement runs `kubernetes.replacementDelay` after the delete in meshsim), and start
// another round while less than TOTAL_CHAOS_DURATION has passed since the first.
#include "scenarios/internal/litmus.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "scenarios/internal/durations.h"
#include "scenarios/internal/pod_selector.h"
#include "scenarios/internal/timeline_network.h"

namespace meshsim::scenarios::internal {
namespace {

using simcore::Time;

// "app=nginx,tier=web" -> labels; anything set-based is not evaluated.
std::optional<models::Labels> equality_labels(const std::string& text) {
  models::Labels out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string term = text.substr(start, end - start);
    const std::size_t eq = term.find('=');
    if (eq == std::string::npos || eq == 0 || term.find_first_of("!() ") != std::string::npos) return std::nullopt;
    const std::size_t value_at = term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
    out[term.substr(0, eq)] = term.substr(value_at);
    start = end + 1;
  }
  return out;
}

struct Env {
  std::map<std::string, std::pair<std::string, YAML::Node>> values;  // name -> (value, node)
  const YAML::Node* where(const std::string& k) const {
    auto it = values.find(k);
    return it == values.end() ? nullptr : &it->second.second;
  }
  std::string get(const std::string& k, const std::string& fallback) const {
    auto it = values.find(k);
    return it == values.end() || it->second.first.empty() ? fallback : it->second.first;
  }
};

// An experiment's env (spec.components.env); its probes are named (MSH0236).
Env experiment_env(const Context& ctx, const std::string& label, const YAML::Node& x) {
  Env env;
  for (const YAML::Node& e : child(child(child(x, "spec"), "components"), "env")) {
    const YAML::Node n = child(e, "name"), v = child(e, "value");
    if (n.IsScalar()) env.values[n.Scalar()] = {v.IsScalar() ? v.Scalar() : "", n};
  }
  if (const YAML::Node probe = child(child(x, "spec"), "probe"); probe.IsDefined())
    ctx.report(Code::kChaosFieldNotSimulated, probe,
               {label, "probe", "Litmus probes are not simulated: write them as the Experiment's expect list"});
  return env;
}

// A whole number (of seconds, unless `unit` says otherwise), as litmus reads these variables
// (strconv.Atoi).
std::optional<int64_t> seconds(const Context& ctx, const Env& env, const std::string& name, int64_t fallback,
                               const YAML::Node& at, const char* unit = "seconds") {
  const std::string text = env.get(name, std::to_string(fallback));
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    const YAML::Node* w = env.where(name);
    ctx.report(Code::kWrongType, w ? *w : at, {name, std::string("a whole number of ") + unit + " (litmus reads it with Atoi)", "'" + text + "'"});
    return std::nullopt;
  }
  return v;
}

// The env variables the network and cpu-hog experiments share: the target (TARGET_PODS and
// NODE_LABEL cannot be evaluated), SEQUENCE (serial with several pods is not simulated; this
// experiment's own PODS_AFFECTED_PERC decides), timing and pod selection, and how litmus reaches
// the pod (runtime, socket, helper image, container: the same network namespace and cgroup view
// for every container).  True when `k` is one of them; `ok` becomes false if it is wrong (reported).
bool common_env(const Context& ctx, const std::string& label, const Env& env, const std::string& k,
                const std::pair<std::string, YAML::Node>& v, bool& ok) {
  if (k == "TARGET_PODS" || k == "NODE_LABEL") {
    ctx.report(Code::kChaosSelectorNotSimulated, v.second,
               {label, k, k == "TARGET_PODS" ? "meshsim's pods are not named as the cluster's"
                                             : "meshsim places pods in zones, not on nodes"});
    ok = false;
    return true;
  }
  if (k == "SEQUENCE") {
    if (v.first == "serial" && env.get("PODS_AFFECTED_PERC", "0") != "0") {
      ctx.report(Code::kChaosSelectorNotSimulated, v.second,
                 {label, "SEQUENCE: serial with PODS_AFFECTED_PERC", "one pod at a time is not simulated"});
      ok = false;
    }
    return true;
  }
  return k == "TOTAL_CHAOS_DURATION" || k == "RAMP_TIME" || k == "PODS_AFFECTED_PERC" || k == "CONTAINER_RUNTIME" ||
         k == "SOCKET_PATH" || k == "LIB_IMAGE" || k == "TARGET_CONTAINER";
}

// litmus-go's pod-network-{latency,loss,corruption,duplication} (chaoslib/litmus/network-chaos):
// netem on the egress of PODS_AFFECTED_PERC of the target pods (tc qdisc replace ... root netem),
// towards DESTINATION_HOSTS (a Service: with a sidecar, litmus expands it to the Service's pod
// IPs) or every destination, for TOTAL_CHAOS_DURATION (60 s) from RAMP_TIME.  Defaults:
// pkg/generic/network-chaos/environment/environment.go.
void read_network_experiment(const Context& ctx, const std::string& label, const std::string& engine,
                             const std::string& name, const YAML::Node& x, const models::PodSelector& sel, Time t0,
                             Draft& draft) {
  const Env env = experiment_env(ctx, label, x);
  const std::string amount = name == "pod-network-latency"       ? "NETWORK_LATENCY"
                             : name == "pod-network-loss"        ? "NETWORK_PACKET_LOSS_PERCENTAGE"
                             : name == "pod-network-corruption" ? "NETWORK_PACKET_CORRUPTION_PERCENTAGE"
                                                                 : "NETWORK_PACKET_DUPLICATION_PERCENTAGE";
  bool ok = true;
  models::NetworkFault f;
  f.pods = sel;
  for (const auto& [k, v] : env.values) {
    if (v.first.empty()) continue;
    if (common_env(ctx, label, env, k, v, ok)) continue;
    if (k == "DESTINATION_IPS" || k == "SOURCE_PORTS" || k == "DESTINATION_PORTS") {
      ctx.report(Code::kChaosSelectorNotSimulated, v.second,
                 {label, k, k == "DESTINATION_IPS" ? "meshsim's pods have no IP addresses" : "port filters are not evaluated"});
      ok = false;
    } else if (k == "DESTINATION_HOSTS") {
      if (v.first.find(',') != std::string::npos) {
        ctx.report(Code::kChaosSelectorNotSimulated, v.second, {label, k, "more than one host is not evaluated"});
        ok = false;
      } else {  // <service>[.<namespace>[.svc.cluster.local]]
        const std::size_t dot = v.first.find('.');
        models::PodSelector t;
        t.service = v.first.substr(0, dot);
        t.pick = models::PodSelector::Pick::kAll;
        if (dot != std::string::npos) t.namespace_ = v.first.substr(dot + 1, v.first.find('.', dot + 1) - dot - 1);
        f.target = t;
      }
    } else if (k != amount && k != "JITTER" && k != "CORRELATION" && !(k == "NETWORK_INTERFACE" && v.first == "eth0")) {
      ctx.report(Code::kChaosFieldNotSimulated, v.second, {label, k, "left out"});
    }
  }
  const auto total = seconds(ctx, env, "TOTAL_CHAOS_DURATION", 60, x);
  const auto ramp = seconds(ctx, env, "RAMP_TIME", 0, x);
  const bool latency = name == "pod-network-latency";
  const auto value = seconds(ctx, env, amount, latency ? 2000 : 100, x, latency ? "milliseconds" : "percent");
  const auto jitter = seconds(ctx, env, "JITTER", 0, x, "milliseconds");
  const auto corr = seconds(ctx, env, "CORRELATION", 0, x, "percent");
  const auto perc = seconds(ctx, env, "PODS_AFFECTED_PERC", 0, x, "percent");
  if (!total || !ramp || !value || !jitter || !corr || !perc || !ok) return;
  if ((!latency && *value > 100) || *corr > 100 || *value < 0 || *jitter < 0 || *corr < 0) {  // tc refuses them
    const std::string bad = (!latency && *value > 100) || *value < 0 ? amount : *jitter < 0 ? "JITTER" : "CORRELATION";
    ctx.report(Code::kOutOfRange, env.where(bad) ? *env.where(bad) : x,
               {bad, latency && bad == amount ? ">= 0" : "0 to 100 (tc refuses other percents)", env.get(bad, "")});
    return;
  }
  f.pods.value = static_cast<uint32_t>(std::min<int64_t>(*perc, 100));
  const double p = static_cast<double>(std::clamp<int64_t>(*value, 0, 100));
  const double c = static_cast<double>(std::clamp<int64_t>(*corr, 0, 100));
  if (latency) {
    f.latency = Time::from_ms(*value);
    f.jitter = Time::from_ms(*jitter);
    f.delay_correlation = c;
  } else if (name == "pod-network-loss") {
    f.loss = p;
    f.loss_correlation = c;
  } else if (name == "pod-network-corruption") {
    f.corrupt = p;
    f.corrupt_correlation = c;
  } else {
    f.duplicate = p;
    f.duplicate_correlation = c;
  }
  models::TimelineEvent ev;
  ev.name = engine + "/" + name;
  ev.at = t0 + Time::from_s(*ramp);
  ev.duration = Time::from_s(std::max<int64_t>(*total, 1));
  ev.description = "ChaosEngine '" + engine + "' " + name + ": " + describe_network_fault(f) + " on " +
                   picked_text(f.pods) + (f.target ? " towards " + f.target->service : std::string()) + " for " +
                   format_duration(ev.duration);
  ev.action = f;
  EventSite site;
  site.namespace_ = sel.namespace_;
  site.where_action = site.where_service = site.where_workload = site.where_zone = site.where_target = ctx.at(x);
  draft.mesh.timeline.push_back(std::move(ev));
  draft.event_sites.push_back(std::move(site));
}

// litmus-go's pod-cpu-hog (chaoslib/litmus/stress-chaos): stress-ng --cpu CPU_CORES --cpu-load
// CPU_LOAD in the target container's cgroup of PODS_AFFECTED_PERC of the pods, for
// TOTAL_CHAOS_DURATION (60 s) from RAMP_TIME.  CPU_CORES 0 (the code's default) means the node's
// CPU count, which meshsim does not know: an error.
void read_cpu_hog(const Context& ctx, const std::string& label, const std::string& engine, const YAML::Node& x,
                  const models::PodSelector& sel, Time t0, Draft& draft) {
  const Env env = experiment_env(ctx, label, x);
  bool ok = true;
  for (const auto& [k, v] : env.values) {
    if (v.first.empty()) continue;
    if (k == "TARGET_CONTAINER" && v.first == "istio-proxy") {
      ctx.report(Code::kChaosFieldNotSimulated, v.second,
                 {label, "TARGET_CONTAINER: istio-proxy", "the sidecar's CPU is not simulated; the experiment is left out"});
      ok = false;
    } else if (!common_env(ctx, label, env, k, v, ok) && k != "CPU_CORES" && k != "CPU_LOAD") {
      ctx.report(Code::kChaosFieldNotSimulated, v.second, {label, k, "left out"});
    }
  }
  const auto total = seconds(ctx, env, "TOTAL_CHAOS_DURATION", 60, x);
  const auto ramp = seconds(ctx, env, "RAMP_TIME", 0, x);
  const auto cores = seconds(ctx, env, "CPU_CORES", 0, x, "workers");
  const auto load = seconds(ctx, env, "CPU_LOAD", 100, x, "percent");
  const auto perc = seconds(ctx, env, "PODS_AFFECTED_PERC", 0, x, "percent");
  if (!total || !ramp || !cores || !load || !perc || !ok) return;
  if (*cores <= 0) {
    ctx.report(Code::kChaosSelectorNotSimulated, env.where("CPU_CORES") ? *env.where("CPU_CORES") : x,
               {label, "CPU_CORES 0", "stress-ng then starts one worker per CPU of the node, and meshsim has no nodes"});
    return;
  }
  models::CpuStress c{sel};
  c.pods.value = static_cast<uint32_t>(std::min<int64_t>(*perc, 100));
  c.workers = static_cast<uint32_t>(std::min<int64_t>(*cores, 8192));
  c.load = static_cast<uint32_t>(std::clamp<int64_t>(*load, 0, 100));
  models::TimelineEvent ev;
  ev.name = engine + "/pod-cpu-hog";
  ev.at = t0 + Time::from_s(*ramp);
  ev.duration = Time::from_s(std::max<int64_t>(*total, 1));
  ev.description = "ChaosEngine '" + engine + "' pod-cpu-hog: CPU stress (" + std::to_string(c.workers) +
                   " worker(s) at " + std::to_string(c.load) + "%) in " + picked_text(c.pods) + " for " +
                   format_duration(ev.duration);
  ev.action = c;
  EventSite site;
  site.namespace_ = sel.namespace_;
  site.where_action = site.where_service = site.where_workload = site.where_zone = ctx.at(x);
  draft.mesh.timeline.push_back(std::move(ev));
  draft.event_sites.push_back(std::move(site));
}

}  // namespace

void read_litmus(const std::vector<ChaosDoc>& docs, Diagnostics& diagnostics, const Locator& locator,
                 Draft& draft) {
  for (const ChaosDoc& c : docs) {
    const Document* d = c.doc;
    const Context ctx(diagnostics, locator, d->file);
    const std::string label = "ChaosEngine '" + d->namespace_ + "/" + d->name + "'";
    const YAML::Node spec = child(d->root, "spec");
    if (!spec.IsDefined() || !spec.IsMap()) {
      ctx.report(Code::kMissingField, d->root, {"spec", label});
      continue;
    }
    auto not_simulated = [&](const YAML::Node& at, const std::string& what, const std::string& why) {
      ctx.report(Code::kChaosFieldNotSimulated, at, {label, what, why});
    };
    auto cannot_target = [&](const YAML::Node& at, const std::string& what, const std::string& why) {
      ctx.report(Code::kChaosSelectorNotSimulated, at, {label, what, why});
    };
    const std::string state = child(spec, "engineState").IsScalar() ? child(spec, "engineState").Scalar() : "active";
    if (state == "stop") {
      not_simulated(child(spec, "engineState"), "engineState: stop", "a stopped engine runs nothing");
      continue;
    }
    for (auto it = spec.begin(); it != spec.end(); ++it) {
      const std::string k = it->first.Scalar();
      if (k == "engineState" || k == "appinfo" || k == "experiments" || k == "annotationCheck") continue;
      not_simulated(it->first, k, "it does not change what the experiment does to the mesh");
    }
    if (const YAML::Node a = child(spec, "annotationCheck"); a.IsScalar() && a.Scalar() == "true") {
      cannot_target(a, "annotationCheck: true", "meshsim's workloads carry no litmuschaos.io/chaos annotation");
      continue;
    }
    // appinfo: the target workloads (every pod of the namespace when absent).
    models::PodSelector sel;
    sel.pick = models::PodSelector::Pick::kLitmusPercent;
    sel.namespace_ = d->namespace_;
    const YAML::Node app = child(spec, "appinfo");
    bool ok = true;
    if (const YAML::Node ns = child(app, "appns"); ns.IsScalar() && !ns.Scalar().empty()) sel.namespace_ = ns.Scalar();
    if (const YAML::Node l = child(app, "applabel"); l.IsScalar() && !l.Scalar().empty()) {
      auto labels = equality_labels(l.Scalar());
      if (!labels) {
        cannot_target(l, "applabel '" + l.Scalar() + "'", "only key=value labels, comma-separated, are evaluated");
        ok = false;
      } else {
        sel.labels = *labels;
      }
    }
    const YAML::Node experiments = child(spec, "experiments");
    if (!experiments.IsSequence()) {
      ctx.report(Code::kMissingField, spec, {"experiments", label});
      continue;
    }
    Time t0 = c.at.value_or(draft.mesh.experiment.warmup);
    if (const YAML::Node a = child(child(child(d->root, "metadata"), "annotations"), "meshsim.dev/at");
        a.IsDefined() && !c.at) {
      auto t = read_duration(ctx, a, "meshsim.dev/at", DurationRule::kNonNegative);
      if (!t) continue;
      t0 = *t;
    }
    for (const YAML::Node& x : experiments) {
      const std::string name = child(x, "name").IsScalar() ? child(x, "name").Scalar() : "";
      if (name == "pod-network-latency" || name == "pod-network-loss" || name == "pod-network-corruption" ||
          name == "pod-network-duplication") {
        if (ok) read_network_experiment(ctx, label, d->name, name, x, sel, t0, draft);
        continue;
      }
      if (name == "pod-cpu-hog") {
        if (ok) read_cpu_hog(ctx, label, d->name, x, sel, t0, draft);
        continue;
      }
      if (name != "pod-delete") {
        not_simulated(x, "experiment '" + name + "'",
                      name.starts_with("pod-http-")
                          ? "not imported; note that its toxiproxy sits before the Istio sidecar and meets mTLS traffic "
                            "(litmus-go#622: it changes nothing there)"
                          : "only pod-delete, pod-cpu-hog and the pod-network latency, loss, corruption and duplication "
                            "experiments are imported; write the fault as Timeline events");
        continue;
      }
      const Env env = experiment_env(ctx, label, x);
      for (const auto& [k, v] : env.values) {
        if (k == "TARGET_PODS" || k == "NODE_LABEL") {
          if (!v.first.empty()) {
            cannot_target(v.second, k, k == "TARGET_PODS" ? "meshsim's pods are not named as the cluster's"
                                                          : "meshsim places pods in zones, not on nodes");
            ok = false;
          }
        } else if (k == "RANDOMNESS") {
          if (v.first == "true") not_simulated(v.second, "RANDOMNESS: true", "rounds come every CHAOS_INTERVAL, not at random");
        } else if (k == "SEQUENCE") {
          if (v.first != "parallel" && v.first != "serial" && !v.first.empty()) {
            ctx.report(Code::kUnknownValue, v.second, {"SEQUENCE", v.first, "'parallel' or 'serial'"});
            ok = false;
          }
        } else if (k != "TOTAL_CHAOS_DURATION" && k != "CHAOS_INTERVAL" && k != "FORCE" && k != "PODS_AFFECTED_PERC" &&
                   k != "RAMP_TIME") {
          not_simulated(v.second, k, "left out");
        }
      }
      const auto total = seconds(ctx, env, "TOTAL_CHAOS_DURATION", 15, x);
      const auto interval = seconds(ctx, env, "CHAOS_INTERVAL", 5, x);
      const auto ramp = seconds(ctx, env, "RAMP_TIME", 0, x);
      const auto perc = seconds(ctx, env, "PODS_AFFECTED_PERC", 0, x, "percent");
      if (!total || !interval || !ramp || !perc || !ok) continue;
      sel.value = static_cast<uint32_t>(std::min<int64_t>(*perc, 100));
      if (env.get("SEQUENCE", "parallel") == "serial" && sel.value != 0) {
        cannot_target(*env.where("SEQUENCE"), "SEQUENCE: serial with PODS_AFFECTED_PERC",
                      "deleting several pods one by one is not simulated (serial with one pod is)");
        continue;
      }
      const bool force = env.get("FORCE", "true") == "true";
      models::KillPods k{sel};
      k.mode = models::PodLossMode::kGraceful;
      k.app_serves_for = Time::zero();
      if (force) k.termination_drain_duration = Time::zero();  // else min(Istio's 5 s, the pod's 30 s)
      // Rounds: after each, the interval, then litmus polls every 2 s until the pods run again.
      const Time ready = draft.mesh.experiment.kubernetes.replacement_delay;
      const Time gap = Time::from_s(*interval);
      Time wait = Time::zero();
      if (ready > gap) {
        const int64_t polls = (ready - gap + Time::from_s(2) - Time::from_ns(1)).ns() / Time::from_s(2).ns();
        wait = Time::from_s(2 * polls);
      }
      const Time start = t0 + Time::from_s(*ramp);
      int round = 0;
      for (Time s = start; s - start < Time::from_s(*total); s += gap + wait) {
        models::TimelineEvent ev;
        ev.name = d->name + "/pod-delete#" + std::to_string(++round);
        ev.at = s;
        ev.description = "ChaosEngine '" + d->name + "' pod-delete round " + std::to_string(round) + ": delete " +
                         picked_text(k.pods);
        ev.action = k;
        EventSite site;
        site.namespace_ = sel.namespace_;
        site.where_action = site.where_service = site.where_workload = site.where_zone = ctx.at(x);
        draft.mesh.timeline.push_back(std::move(ev));
        draft.event_sites.push_back(std::move(site));
        if (gap + wait == Time::zero()) {
          not_simulated(x, "CHAOS_INTERVAL 0", "with pods that run again at once, one round is simulated");
          break;
        }
      }
    }
  }
}

}  // namespace meshsim::scenarios::internal
