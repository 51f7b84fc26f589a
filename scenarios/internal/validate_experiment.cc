// Cross-document checks of the experiment's part: loads (targets, zones), the timeline (pod
// selectors, manifests applied and removed, partitions) and the Experiment's expectations.  The
// checker is scenarios/internal/checker.h; the entry point validate() in validate.cc.
#include <algorithm>
#include <numeric>
#include <set>

#include "scenarios/internal/checker.h"
#include "scenarios/internal/durations.h"

namespace meshsim::scenarios::internal {

using models::ServiceConfig;
using models::WorkloadConfig;
using simcore::Time;

void Checker::loads() {
  for (std::size_t i = 0; i < d_.mesh.loads.size(); ++i) {
    models::LoadConfig& l = d_.mesh.loads[i];
    const LoadSite& site = d_.load_sites[i];
    if (site.zone_given) {
      if (!known_zone(l.zone)) unknown_zone(l.zone, site.where_zone);
    } else {
      l.zone = zone_names_.front();
    }
    if (!l.from.empty()) load_from(l, site);
    if (l.target_service.empty()) continue;  // reported as missing
    const auto target = resolve(l.target_service, site.namespace_);
    if (!target) {
      diag_.report(Code::kLoadToUnknownService, site.where_target, {l.name, l.target_service},
                   suggest(l.target_service, service_names_));
      continue;
    }
    const ServiceConfig& s = d_.mesh.services[*target];
    if (site.port_given) {
      const bool has = std::any_of(s.ports.begin(), s.ports.end(),
                                   [&](const models::PortConfig& p) { return p.number == l.port; });
      if (!has) {
        std::vector<std::string> ports;
        for (const auto& p : s.ports) ports.push_back(std::to_string(p.number));
        diag_.report(Code::kUnknownPort, site.where_port,
                     {s.name, std::to_string(l.port), join(ports)});
      }
    } else {
      l.port = s.ports.front().number;
    }
    check_port_protocol(s, l.port, site.port_given ? site.where_port : site.where_target, /*load=*/true);
    l.target_service = resolved_name(l.target_service, site.namespace_, *target);
  }
}

// The clients run in the workload's pods: their zones and their sidecar are the workload's.
void Checker::load_from(models::LoadConfig& l, const LoadSite& site) {
  const auto it = std::find_if(built_.begin(), built_.end(), [&](const Built& b) {
    return b.config.name == l.from && b.config.namespace_ == site.namespace_;
  });
  if (it == built_.end()) {
    // Every Deployment and Topology workload of the namespace (a misspelt `from` leaves the
    // Deployment it meant out, as backing no Service).
    std::vector<std::string> names;
    for (const WorkloadDraft& w : d_.deployments)
      if (w.config.namespace_ == site.namespace_) names.push_back(w.config.name);
    for (const WorkloadEntry& e : d_.entries)
      if (e.namespace_ == site.namespace_) names.push_back(e.name);
    diag_.report(Code::kLoadFromUnknownWorkload, site.where_from, {l.name, l.from}, suggest(l.from, names));
    return;
  }
  const WorkloadConfig& w = it->config;
  if (site.zone_given)
    diag_.report(Code::kConflictingFields, site.where_zone,
                 {"zone", "'from' (the clients run in the pods of workload '" + w.name + "', in their zones)"});
  if (site.in_mesh_given && l.through_sidecar != w.sidecar)
    diag_.report(Code::kLoadFromContradictsInMesh, site.where_in_mesh,
                 {l.name, l.through_sidecar ? "true" : "false", w.name,
                  w.sidecar ? "have a sidecar" : "have no sidecar (sidecar: false)"});
  l.through_sidecar = w.sidecar;
  if (w.replicas == 0) diag_.report(Code::kLoadFromNoPods, site.where_from, {l.name, w.name});
}

// Whether the selector's workload-level fields (service `svc`, resolved; workload, namespace,
// labels) match `b`; its zone is per pod.
bool Checker::selects_workload(const models::PodSelector& s, std::optional<std::size_t> svc, const Built& b) const {
  if (svc && std::find(b.services.begin(), b.services.end(), *svc) == b.services.end()) return false;
  if (!s.workload.empty() && b.config.name != s.workload) return false;
  if (!s.namespace_.empty() && b.config.namespace_ != s.namespace_) return false;
  return std::none_of(s.labels.begin(), s.labels.end(), [&](const auto& kv) {
    auto it = b.config.labels.find(kv.first);
    return it == b.config.labels.end() || it->second != kv.second;
  });
}

std::size_t Checker::check_selector(const models::PodSelector& s, const EventSite& site,
                                    const std::string& action) {
  std::optional<std::size_t> svc;
  bool ok = true;
  if (!s.service.empty()) {
    svc = resolve(s.service, site.namespace_);
    if (!svc) {
      diag_.report(Code::kUnknownService, site.where_service, {s.service, action},
                   suggest(s.service, service_names_));
      ok = false;
    }
  }
  if (!s.workload.empty()) {
    const bool exists = std::any_of(built_.begin(), built_.end(),
                                    [&](const Built& b) { return b.config.name == s.workload; });
    if (!exists) {
      std::vector<std::string> names;
      for (const Built& b : built_) names.push_back(b.config.name);
      diag_.report(Code::kSelectorMatchesNoPod, site.where_workload,
                   {action, "workload '" + s.workload + "' (no such workload)"},
                   suggest(s.workload, names));
      ok = false;
    }
  }
  if (!s.zone.empty() && !known_zone(s.zone)) {
    unknown_zone(s.zone, site.where_zone);
    ok = false;
  }
  if (!ok) return 0;
  std::size_t pods = 0;
  for (const Built& b : built_) {
    if (!selects_workload(s, svc, b)) continue;
    for (uint32_t i = 0; i < b.config.replicas; ++i) {
      if (s.zone.empty() || b.config.zones[i % b.config.zones.size()] == s.zone) ++pods;
    }
  }
  if (pods == 0) {
    std::string what;
    if (!s.service.empty()) what += "service '" + s.service + "'";
    if (!s.workload.empty())
      what += (what.empty() ? "" : ", ") + std::string("workload '") + s.workload + "'";
    if (!s.zone.empty()) what += (what.empty() ? "" : ", ") + std::string("zone '") + s.zone + "'";
    if (!s.namespace_.empty()) what += (what.empty() ? "" : ", ") + std::string("namespace '") + s.namespace_ + "'";
    for (const auto& [k, v] : s.labels) what += std::string(what.empty() ? "" : ", ") + "label " + k + "=" + v;
    diag_.report(Code::kSelectorMatchesNoPod, site.where_action,
                 {action, what.empty() ? "the selector" : what});
  }
  return pods;
}

namespace {

bool any_call_sizes(const std::vector<models::Step>& steps) {
  auto sized = [](const models::CallStep& c) { return c.request_bytes > 0 || c.response_bytes > 0; };
  for (const models::Step& st : steps) {
    if (const auto* c = std::get_if<models::CallStep>(&st); c && sized(*c)) return true;
    if (const auto* p = std::get_if<models::ParallelStep>(&st))
      for (const models::CallStep& c : p->calls)
        if (sized(c)) return true;
  }
  return false;
}

}  // namespace

// A stressor competes with the app only for the container's CPU limit; without one meshsim's
// node has idle cores for it (MSH0239), once per workload.
void Checker::cpu_stress_limits(const models::PodSelector& s, const EventSite& site) {
  std::optional<std::size_t> svc = s.service.empty() ? std::nullopt : resolve(s.service, site.namespace_);
  for (const Built& b : built_) {
    if (!selects_workload(s, svc, b)) continue;
    if (b.config.cpu_limit <= 0) diag_.report(Code::kCpuStressWithoutLimit, site.where_action, {b.config.name});
  }
}

void Checker::network_fault(const models::NetworkFault& f, const EventSite& site) {
  using Kind = models::NetworkFault::Kind;
  check_selector(f.pods, site, "network");
  if (f.target) {
    EventSite t = site;
    t.where_action = t.where_service = t.where_workload = t.where_zone = site.where_target;
    check_selector(*f.target, t, "network target");
  } else if (f.kind != Kind::kNetem || f.loss > 0 || f.corrupt > 0 ||
             f.latency + f.jitter >= simcore::Time::from_s(1)) {
    diag_.report(Code::kNetworkFaultOnProbes, site.where_action,
                 {"network", f.kind == Kind::kPartition ? "partition" : f.kind == Kind::kBandwidth ? "bandwidth limit" : "netem fault"});
  }
  if (f.kind == Kind::kBandwidth) {
    bool sizes = false;
    for (const auto& w : d_.mesh.workloads)
      for (const auto& h : w.handlers) sizes = sizes || any_call_sizes(h.steps);
    if (!sizes) diag_.report(Code::kBandwidthWithoutSizes, site.where_action, {"network"});
  }
}

void Checker::timeline() {
  auto known_manifest = [&](const models::RemoveManifest& r) {
    auto same = [&](const std::string& kind, const std::string& name, const std::string& ns) {
      return kind == r.kind && name == r.name && ns == r.namespace_;
    };
    for (const Manifest& m : d_.istio) {
      if (same(m.kind, m.name, m.namespace_)) return true;
    }
    for (const Document& doc : d_.kubernetes) {
      if (same(doc.kind, doc.name, doc.namespace_)) return true;
    }
    for (const EventSite& s : d_.event_sites) {
      if (s.applied && same(s.applied->kind, s.applied->name, s.applied->namespace_)) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < d_.mesh.timeline.size(); ++i) {
    models::TimelineEvent& ev = d_.mesh.timeline[i];
    const EventSite& site = d_.event_sites[i];
    if (auto* k = std::get_if<models::KillPods>(&ev.action)) {
      const std::size_t pods = check_selector(k->pods, site, "killPods");
      if (pods > 0 && k->pods.count > pods) {
        diag_.report(Code::kKillCountExceedsPods, site.where_action,
                     {std::to_string(k->pods.count), std::to_string(pods), "the selector"});
      }
    } else if (auto* a = std::get_if<models::AddLatency>(&ev.action)) {
      check_selector(a->pods, site, "addLatency");
    } else if (auto* e = std::get_if<models::InjectErrors>(&ev.action)) {
      check_selector(e->pods, site, "injectErrors");
    } else if (auto* c = std::get_if<models::CpuSlowdown>(&ev.action)) {
      check_selector(c->pods, site, "cpuSlowdown");
    } else if (auto* st = std::get_if<models::CpuStress>(&ev.action)) {
      if (check_selector(st->pods, site, "cpuStress") > 0) cpu_stress_limits(st->pods, site);
    } else if (auto* n = std::get_if<models::NetworkFault>(&ev.action)) {
      network_fault(*n, site);
    } else if (auto* z = std::get_if<models::ZoneOutage>(&ev.action)) {
      if (!known_zone(z->zone)) unknown_zone(z->zone, site.where_zone);
    } else if (auto* p = std::get_if<models::Partition>(&ev.action)) {
      for (const auto& [side, where] :
           {std::pair{p->from, site.where_from}, std::pair{p->to, site.where_to}}) {
        if (!known_zone(side) && !resolve(side, site.namespace_)) {
          std::vector<std::string> candidates = zone_names_;
          candidates.insert(candidates.end(), service_names_.begin(), service_names_.end());
          diag_.report(Code::kPartitionUnknownSide, where, {side}, suggest(side, candidates));
        }
      }
    } else if (auto* r = std::get_if<models::RemoveManifest>(&ev.action)) {
      if (!known_manifest(*r)) {
        diag_.report(Code::kRemoveNamesNothing, site.where_action,
                     {r->kind, r->name, r->namespace_});
      }
    }
  }
  // Events run in time order; equal times keep the order they were written in.
  std::vector<std::size_t> order(d_.mesh.timeline.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return d_.mesh.timeline[a].at < d_.mesh.timeline[b].at;
  });
  std::vector<models::TimelineEvent> sorted;
  for (std::size_t i : order) sorted.push_back(d_.mesh.timeline[i]);
  d_.mesh.timeline = std::move(sorted);
}

void Checker::expectations() {
  auto& list = d_.mesh.experiment.expectations;
  auto names_nothing = [&](const SourceLocation& where, const std::string& owner,
                           const std::string& what, const std::string& name,
                           const std::vector<std::string>& candidates) {
    diag_.report(Code::kExpectationNamesNothing, where,
                 {owner, what, name, candidates.empty() ? "none" : quote_join(candidates)},
                 suggest(name, candidates));
  };
  std::vector<std::string> load_names;
  for (const auto& l : d_.mesh.loads) load_names.push_back(l.name);
  std::vector<std::string> event_names;
  for (const auto& ev : d_.mesh.timeline) {
    if (!ev.name.empty() &&
        std::find(event_names.begin(), event_names.end(), ev.name) == event_names.end())
      event_names.push_back(ev.name);
  }
  // One `expect:` entry gives several expectations with the same site: report each problem once.
  std::set<std::pair<std::string, std::string>> reported;  // (where, what)
  auto once = [&](const SourceLocation& where, const std::string& what) {
    return reported.insert({where.to_string(), what}).second;
  };
  for (std::size_t i = 0; i < list.size(); ++i) {
    models::ExpectationConfig& e = list[i];
    const ExpectationSite& site = d_.expectation_sites[i];
    const std::string owner = "expectation '" + e.name + "'";
    const auto svc = resolve(e.service, site.namespace_);
    if (!svc) {
      if (once(site.where_service, "service"))
        diag_.report(Code::kUnknownService, site.where_service, {e.service, owner},
                     suggest(e.service, service_names_));
      continue;
    }
    const ServiceConfig& service = d_.mesh.services[*svc];
    e.service = service.name;
    e.namespace_ = service.namespace_;
    std::vector<const WorkloadConfig*> backing;
    for (const Built& b : built_) {
      if (b.service_index == *svc || (b.config.namespace_ == service.namespace_ &&
                                      selects(service.selector, b.config.labels)))
        backing.push_back(&b.config);
    }
    // A load generator does not record which pod answered (it is not Envoy), so its requests
    // would silently fall out of a workload/version filter: say so rather than count a part.
    if ((!e.workload.empty() || !e.version.empty()) && e.from.empty()) {
      for (std::size_t li = 0; li < d_.mesh.loads.size(); ++li) {
        const models::LoadConfig& l = d_.mesh.loads[li];
        if (resolve(l.target_service, d_.load_sites[li].namespace_) != svc) continue;
        const bool w = !e.workload.empty();
        if (once(w ? site.where_workload : site.where_version, "load-target"))
          diag_.report(Code::kConflictingFields, w ? site.where_workload : site.where_version,
                       {w ? "workload" : "version",
                        "a service that Load '" + l.name +
                            "' calls directly (the load generator does not record which pod "
                            "answered); add 'from: <caller workload>' to count the calls of pods"});
        break;
      }
    }
    if (!e.workload.empty()) {
      std::vector<std::string> names;
      for (const auto* w : backing) names.push_back(w->name);
      if (std::find(names.begin(), names.end(), e.workload) == names.end() &&
          once(site.where_workload, "workload"))
        names_nothing(site.where_workload, owner, "workload of service '" + service.name + "'",
                      e.workload, names);
    }
    if (!e.version.empty()) {
      std::vector<std::string> versions;
      for (const auto* w : backing) {
        const auto v = w->labels.find("version");
        if (v != w->labels.end() &&
            std::find(versions.begin(), versions.end(), v->second) == versions.end())
          versions.push_back(v->second);
      }
      if (std::find(versions.begin(), versions.end(), e.version) == versions.end() &&
          once(site.where_version, "version"))
        names_nothing(site.where_version, owner,
                      "version (label) of service '" + service.name + "'", e.version, versions);
    }
    if (!e.from.empty()) {
      const bool is_workload = std::any_of(built_.begin(), built_.end(), [&](const Built& b) {
        return b.config.name == e.from;
      });
      if (!is_workload) {
        if (std::find(load_names.begin(), load_names.end(), e.from) != load_names.end()) {
          e.from_load = e.from;
          e.from.clear();
        } else if (once(site.where_from, "from")) {
          std::vector<std::string> callers = load_names;
          for (const Built& b : built_) callers.push_back(b.config.name);
          names_nothing(site.where_from, owner, "calling workload or Load", e.from, callers);
        }
      }
    }
    if (!e.load.empty() &&
        std::find(load_names.begin(), load_names.end(), e.load) == load_names.end() &&
        once(site.where_load, "load"))
      names_nothing(site.where_load, owner, "Load", e.load, load_names);
    if (!e.during.empty()) {
      bool found = false;
      Time from = Time::max(), to = Time::zero();
      for (const auto& ev : d_.mesh.timeline) {
        if (ev.name != e.during) continue;
        found = true;
        from = std::min(from, ev.at);
        to = std::max(to, ev.duration == Time::max() ? Time::max() : ev.at + ev.duration);
      }
      if (!found) {
        if (once(site.where_during, "during"))
          names_nothing(site.where_during, owner, "timeline event", e.during, event_names);
      } else {
        e.window_from = from;
        e.window_to = to;
      }
    }
    // A window after the end of the run is not an error here: a shorter run (--set, --duration,
    // a notebook's duration=) must still load; `meshsim check` reports it as "no data".
  }
}

}  // namespace meshsim::scenarios::internal
