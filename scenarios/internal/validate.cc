// Cross-document checks and assembly of the MeshConfig; see validate.h.
#include "scenarios/internal/validate.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "policies/host_name.h"
#include "scenarios/internal/call_graph.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/istio.h"
#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {
namespace {

using models::ServiceConfig;

// The name an application's call or a Load's target reaches through Kubernetes DNS (its search
// path completes "reviews", "reviews.default" and "reviews.default.svc" from the caller's
// namespace).  This is how meshsim's own kinds name services; Istio manifests' hosts follow
// Istio's rule instead (policies/host_name.h), where "reviews.default" names nothing.
std::string kubernetes_dns_name(const std::string& host, const std::string& ns) {
  constexpr std::string_view kClusterSuffix = ".svc.cluster.local";
  if (host.empty() || host[0] == '*' || host.ends_with(kClusterSuffix)) return host;
  const auto dots = std::count(host.begin(), host.end(), '.');
  if (dots == 0) return host + "." + ns + std::string(kClusterSuffix);
  if (dots == 1) return host + std::string(kClusterSuffix);
  if (dots == 2 && host.ends_with(".svc")) return host + ".cluster.local";
  return host;
}
using models::WorkloadConfig;
using simcore::Time;

bool selects(const models::Labels& selector, const models::Labels& labels) {
  if (selector.empty()) return false;  // a Service without a selector has no pods
  return std::all_of(selector.begin(), selector.end(), [&](const auto& kv) {
    auto it = labels.find(kv.first);
    return it != labels.end() && it->second == kv.second;
  });
}

// A workload as assembled, with where its parts were written.
struct Built {
  WorkloadConfig config;
  SourceLocation where;
  SourceLocation where_service;
  bool service_given = false;
  bool from_deployment = false;
  bool has_entry = false;
  std::vector<SourceLocation> where_zones;
  std::vector<CallSite> calls;
  std::size_t service_index = 0;
};

class Checker {
 public:
  Checker(Draft& draft, Diagnostics& diagnostics, const Locator& locator)
      : d_(draft), diag_(diagnostics), locator_(locator) {}
  void run();

 private:
  void zones();
  void services();
  void workloads();
  void bind_workloads();
  void subsets();
  void calls();
  void loads();
  void timeline();
  void expectations();
  void istio();
  void cycles();

  std::optional<std::size_t> resolve(const std::string& host, const std::string& ns) const;
  // Checks a selector; returns how many pods it matches (0 after reporting).
  std::size_t check_selector(const models::PodSelector& s, const EventSite& site,
                             const std::string& action);
  bool known_zone(const std::string& zone) const {
    return std::find(zone_names_.begin(), zone_names_.end(), zone) != zone_names_.end();
  }
  void unknown_zone(const std::string& zone, const SourceLocation& where) {
    diag_.report(Code::kUnknownZone, where, {zone, quote_join(zone_names_)},
                 suggest(zone, zone_names_));
  }
  // "name.ns" and "name.ns.svc" become the FQDN; short names and FQDNs stay as written.
  static std::string canonical_host(const std::string& host, const std::string& ns) {
    return host.find('.') == std::string::npos ? host : kubernetes_dns_name(host, ns);
  }

  Draft& d_;
  Diagnostics& diag_;
  const Locator& locator_;
  std::vector<std::string> zone_names_;
  std::vector<std::string> service_names_;  // parallel to mesh.services: "name" or "name.ns"
  std::vector<SourceLocation> service_where_;
  std::vector<Built> built_;
  std::vector<CallEdge> edges_;
};

void Checker::run() {
  zones();
  services();
  workloads();
  calls();
  loads();
  timeline();
  expectations();
  istio();
  cycles();
}

void Checker::zones() {
  if (d_.zones.empty()) d_.zones.push_back({"zone-a", "region-1", {}});
  for (const ZoneDraft& z : d_.zones) {
    zone_names_.push_back(z.name);
    d_.mesh.network.zone_region[z.name] = z.region;
  }
}

void Checker::services() {
  for (ServiceDraft& s : d_.services) {
    bool duplicate = false;
    for (std::size_t i = 0; i < d_.mesh.services.size(); ++i) {
      const ServiceConfig& other = d_.mesh.services[i];
      if (other.name == s.config.name && other.namespace_ == s.config.namespace_) {
        diag_.report(Code::kDuplicateName, s.where,
                     {"service", s.config.name, service_where_[i].to_string()});
        duplicate = true;
      }
    }
    if (duplicate) continue;
    d_.mesh.services.push_back(s.config);
    service_where_.push_back(s.where);
    service_names_.push_back(s.config.namespace_ == "default"
                                 ? s.config.name
                                 : s.config.name + "." + s.config.namespace_);
  }
}

std::optional<std::size_t> Checker::resolve(const std::string& host, const std::string& ns) const {
  const std::string fqdn = kubernetes_dns_name(host, ns);
  for (std::size_t i = 0; i < d_.mesh.services.size(); ++i) {
    const ServiceConfig& s = d_.mesh.services[i];
    if (fqdn == s.name + "." + s.namespace_ + ".svc.cluster.local") return i;
  }
  return std::nullopt;
}

void Checker::workloads() {
  for (const WorkloadDraft& dep : d_.deployments) {
    Built b;
    b.config = dep.config;
    b.where = b.where_service = dep.where;
    b.from_deployment = true;
    built_.push_back(std::move(b));
  }
  for (WorkloadEntry& e : d_.entries) {
    auto it = std::find_if(built_.begin(), built_.end(), [&](const Built& b) {
      return b.from_deployment && b.config.name == e.name && b.config.namespace_ == e.namespace_;
    });
    Built* b = nullptr;
    if (it != built_.end()) {
      b = &*it;
    } else {
      if (!e.service) {
        diag_.report(Code::kMissingField, e.where,
                     {"service",
                      "Workload '" + e.name +
                          "' (no Deployment has this name, so the entry defines a new workload)"});
        continue;
      }
      Built nb;
      nb.config.name = e.name;
      nb.config.namespace_ = e.namespace_;
      nb.config.service_account = "default";
      const std::string prefix = *e.service + "-";
      const std::string version = e.name.rfind(prefix, 0) == 0 && e.name.size() > prefix.size()
                                      ? e.name.substr(prefix.size())
                                      : e.name;
      nb.config.labels = {{"app", *e.service}, {"version", version}};
      nb.where = e.where;
      built_.push_back(std::move(nb));
      b = &built_.back();
    }
    b->has_entry = true;
    if (e.service) {
      b->config.service = *e.service;
      b->service_given = true;
      b->where_service = e.where_service;
    }
    if (e.labels) b->config.labels = *e.labels;
    if (e.service_account) b->config.service_account = *e.service_account;
    if (e.replicas) b->config.replicas = *e.replicas;
    if (e.zones) {
      b->config.zones = *e.zones;
      b->where_zones = e.where_zones;
    }
    if (e.workers) b->config.workers = *e.workers;
    if (e.queue_limit) b->config.queue_limit = *e.queue_limit;
    if (e.overflow_status) b->config.overflow_status = *e.overflow_status;
    if (e.sidecar) b->config.sidecar = *e.sidecar;
    if (e.handlers) {
      b->config.handlers = *e.handlers;
      b->calls = e.calls;
    }
  }
  bind_workloads();
}

void Checker::bind_workloads() {
  std::vector<Built> kept;
  for (Built& b : built_) {
    WorkloadConfig& w = b.config;
    std::optional<std::size_t> svc;
    if (b.service_given) {
      for (std::size_t i = 0; i < d_.mesh.services.size(); ++i) {
        const ServiceConfig& s = d_.mesh.services[i];
        if (s.name == w.service && s.namespace_ == w.namespace_) svc = i;
      }
      if (!svc) {
        diag_.report(Code::kUnknownService, b.where_service,
                     {w.service, "Workload '" + w.name + "'"}, suggest(w.service, service_names_));
        continue;
      }
      const ServiceConfig& s = d_.mesh.services[*svc];
      if (!s.selector.empty() && !selects(s.selector, w.labels)) {
        diag_.report(Code::kLabelsDoNotMatchSelector, b.where,
                     {format_labels(w.labels), w.name, format_labels(s.selector), s.name});
        continue;
      }
    } else {
      for (std::size_t i = 0; i < d_.mesh.services.size() && !svc; ++i) {
        const ServiceConfig& s = d_.mesh.services[i];
        if (s.namespace_ == w.namespace_ && selects(s.selector, w.labels)) svc = i;
      }
      if (!svc) {
        diag_.report(Code::kDeploymentWithoutService, b.where, {w.name, format_labels(w.labels)});
        continue;
      }
      w.service = d_.mesh.services[*svc].name;
    }
    b.service_index = *svc;
    if (w.zones.empty()) {
      w.zones = {zone_names_.front()};
    } else {
      for (std::size_t i = 0; i < w.zones.size(); ++i) {
        if (!known_zone(w.zones[i])) unknown_zone(w.zones[i], b.where_zones.at(i));
      }
    }
    if (w.handlers.empty()) w.handlers.push_back(models::HandlerConfig{});
    if (b.from_deployment && !b.has_entry) diag_.report(Code::kNoBehaviour, b.where, {w.name});
    kept.push_back(std::move(b));
  }
  built_ = std::move(kept);
  for (std::size_t i = 0; i < d_.mesh.services.size(); ++i) {
    const ServiceConfig& s = d_.mesh.services[i];
    const bool backed = std::any_of(built_.begin(), built_.end(), [&](const Built& b) {
      return b.service_index == i ||
             (b.config.namespace_ == s.namespace_ && selects(s.selector, b.config.labels));
    });
    if (!backed) {
      diag_.report(Code::kServiceWithoutWorkloads, service_where_[i],
                   {s.name, format_labels(s.selector)});
    }
  }
}

void Checker::calls() {
  for (Built& b : built_) {
    std::size_t k = 0;
    auto visit = [&](models::CallStep& c) {
      const CallSite& site = b.calls.at(k++);
      const auto target = resolve(c.service, b.config.namespace_);
      if (!target) {
        diag_.report(Code::kCallToUnknownService, site.where_service, {c.service, b.config.name},
                     suggest(c.service, service_names_));
        return;
      }
      const ServiceConfig& s = d_.mesh.services[*target];
      if (site.port_given) {
        const bool has =
            std::any_of(s.ports.begin(), s.ports.end(),
                        [&](const models::PortConfig& p) { return p.number == c.port; });
        if (!has) {
          std::vector<std::string> ports;
          for (const auto& p : s.ports) ports.push_back(std::to_string(p.number));
          diag_.report(Code::kUnknownPort, site.where_port,
                       {s.name, std::to_string(c.port), join(ports)});
        }
      } else {
        c.port = s.ports.front().number;
      }
      c.service = canonical_host(c.service, b.config.namespace_);
      edges_.push_back({b.service_index, *target, site.where});
    };
    for (models::HandlerConfig& h : b.config.handlers) {
      for (models::Step& step : h.steps) {
        if (auto* c = std::get_if<models::CallStep>(&step)) visit(*c);
        if (auto* p = std::get_if<models::ParallelStep>(&step)) {
          for (models::CallStep& c : p->calls) visit(c);
        }
      }
    }
    d_.mesh.workloads.push_back(b.config);
  }
}

void Checker::loads() {
  for (std::size_t i = 0; i < d_.mesh.loads.size(); ++i) {
    models::LoadConfig& l = d_.mesh.loads[i];
    const LoadSite& site = d_.load_sites[i];
    if (site.zone_given) {
      if (!known_zone(l.zone)) unknown_zone(l.zone, site.where_zone);
    } else {
      l.zone = zone_names_.front();
    }
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
    l.target_service = canonical_host(l.target_service, site.namespace_);
  }
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
    if (svc && b.service_index != *svc) continue;
    if (!s.workload.empty() && b.config.name != s.workload) continue;
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
    diag_.report(Code::kSelectorMatchesNoPod, site.where_action,
                 {action, what.empty() ? "the selector" : what});
  }
  return pods;
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

// On the manifests as istio_traffic.cc read them (d_.virtual_services, mesh.traffic), not
// their YAML again.
void Checker::istio() {
  subsets();
  HostIndex initial(d_.mesh.services);
  for (const Manifest& m : d_.istio) initial.add_service_entry(m);
  for (const models::DestinationRuleConfig& dr : d_.mesh.traffic.destination_rules) initial.add(dr);
  for (const ParsedVirtualService& vs : d_.virtual_services) {
    check_virtual_service(diag_, vs, initial);
  }
  // An applied VirtualService may use subsets that an applied DestinationRule brings.
  HostIndex later = initial;
  bool any = false;
  for (const EventSite& s : d_.event_sites) {
    if (!s.applied || s.applied->family != Family::kIstio) continue;
    any = true;
    const Document& doc = *s.applied;
    later.add_service_entry({doc.api_version, doc.kind, doc.name, doc.namespace_,
                             locator_.locate(doc.root, doc.file), doc.root});
    if (s.applied_destination_rule) later.add(*s.applied_destination_rule);
  }
  if (!any) return;
  for (const EventSite& s : d_.event_sites) {
    if (s.applied_virtual_service) check_virtual_service(diag_, *s.applied_virtual_service, later);
  }
}

// A subset whose labels select no pod of the DestinationRule's service: the run's cluster for it
// has no endpoint (traffic.cc builds a subset's cluster from the service's pods whose workload
// labels include the subset's), so requests routed there get 503 UH.
void Checker::subsets() {
  std::vector<std::string> hostnames;
  for (const auto& s : d_.mesh.services) hostnames.push_back(policies::service_hostname(s.name, s.namespace_));
  const policies::HostRegistry registry(hostnames);
  for (const Manifest& m : d_.istio) {
    if (m.kind != "DestinationRule") continue;
    const auto& rules = d_.mesh.traffic.destination_rules;
    const auto dr = std::find_if(rules.begin(), rules.end(), [&](const models::DestinationRuleConfig& r) {
      return r.name == m.name && r.namespace_ == m.namespace_;
    });
    if (dr == rules.end()) continue;
    const auto svc = registry.destination_service(dr->host, dr->namespace_);
    if (!svc) continue;  // a host that names no service: not this check's business
    const models::ServiceConfig& service = d_.mesh.services[*svc];
    const YAML::Node list = m.node["spec"]["subsets"];
    for (size_t i = 0; i < dr->subsets.size(); ++i) {
      const auto& subset = dr->subsets[i];
      const bool selects = std::any_of(d_.mesh.workloads.begin(), d_.mesh.workloads.end(), [&](const auto& w) {
        if (w.service != service.name || w.namespace_ != service.namespace_) return false;
        return std::all_of(subset.labels.begin(), subset.labels.end(), [&](const auto& kv) {
          const auto it = w.labels.find(kv.first);
          return it != w.labels.end() && it->second == kv.second;
        });
      });
      if (selects) continue;
      std::string labels;
      for (const auto& [k, v] : subset.labels) labels += (labels.empty() ? "" : ", ") + k + "=" + v;
      const YAML::Node at = list.IsSequence() && i < list.size() && list[i]["labels"].IsDefined() ? list[i]["labels"]
                                                                                                   : m.node;
      diag_.report(Code::kSubsetSelectsNoPod, locator_.locate(at, m.where.file),
                   {dr->name, subset.name, service.name, "{" + labels + "}"});
    }
  }
}

void Checker::cycles() {
  if (d_.max_call_depth_set) return;
  report_call_cycles(service_names_, edges_, diag_);
}

}  // namespace

void validate(Draft& draft, Diagnostics& diagnostics, const Locator& locator) {
  Checker(draft, diagnostics, locator).run();
}

}  // namespace meshsim::scenarios::internal
