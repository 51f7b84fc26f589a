// Cross-document checks and assembly of the MeshConfig, the topology's part (zones, services,
// workloads, calls, call cycles); the experiment's part is validate_experiment.cc, the Istio
// manifests' istio.cc.  See validate.h.
#include "scenarios/internal/validate.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "scenarios/internal/call_graph.h"
#include "scenarios/internal/checker.h"
#include "scenarios/internal/meshsim_kinds.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/istio.h"
#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {

using models::ServiceConfig;
using models::WorkloadConfig;
using simcore::Time;

void Checker::run() {
  zones();
  services();
  workloads();
  discovery();
  calls();
  loads();
  timeline();
  expectations();
  check_istio(d_, diag_, locator_);
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
    if (s.type == "ExternalName" && !s.external_name.empty()) {
      aliases_.push_back({s.config, s.external_name, s.where});
      continue;  // an alias of its target (validate_discovery.cc), not a service of the run
    }
    d_.mesh.services.push_back(s.config);
    service_where_.push_back(s.where);
    service_names_.push_back(s.config.namespace_ == "default"
                                 ? s.config.name
                                 : s.config.name + "." + s.config.namespace_);
  }
  // An ExternalName whose target is no service of the scenario (an external host): a service
  // without endpoints, so calls to it fail as the warning (MSH0223) says.
  for (const Alias& a : aliases_) {
    if (resolve_alias(a.fqdn(), 0)) continue;
    d_.mesh.services.push_back(a.config);
    service_where_.push_back(a.where);
    service_names_.push_back(a.config.namespace_ == "default" ? a.config.name
                                                              : a.config.name + "." + a.config.namespace_);
  }
}

std::optional<std::size_t> Checker::resolve(const std::string& host, const std::string& ns) const {
  const std::string fqdn = kubernetes_dns_name(host, ns);
  for (std::size_t i = 0; i < d_.mesh.services.size(); ++i) {
    const ServiceConfig& s = d_.mesh.services[i];
    if (fqdn == s.name + "." + s.namespace_ + ".svc.cluster.local") return i;
  }
  return resolve_alias(fqdn, 0);
}

void Checker::workloads() {
  resolve_extends(d_, diag_);
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
    if (e.cpu_limit) b->config.cpu_limit = *e.cpu_limit;
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
      if (!selects(s.selector, w.labels)) {  // a Service without a selector selects nothing
        diag_.report(Code::kLabelsDoNotMatchSelector, b.where,
                     {format_labels(w.labels), w.name, format_labels(s.selector), s.name});
        continue;
      }
    } else {
      for (std::size_t i = 0; i < d_.mesh.services.size() && !svc; ++i) {
        const ServiceConfig& s = d_.mesh.services[i];
        if (s.namespace_ == w.namespace_ && selects(s.selector, w.labels)) svc = i;
      }
      const std::string load = load_running_in(w);
      if (!svc && load.empty()) {
        diag_.report(Code::kDeploymentWithoutService, b.where, {w.name, format_labels(w.labels)});
        continue;
      }
      if (!svc) {
        // A load generator's Deployment (Online Boutique's loadgenerator): it serves nothing, but
        // its pods run the Load's clients, so it is kept.
        if (!w.handlers.empty()) diag_.report(Code::kClientWorkloadHandlersNeverRun, b.where, {w.name, load});
        b.client_only = true;
      } else {
        w.service = d_.mesh.services[*svc].name;
      }
    }
    b.service_index = svc.value_or(Built::kNoService);
    for (std::size_t i = 0; i < d_.mesh.services.size(); ++i)
      if (models::service_selects(d_.mesh.services[i], w)) b.services.push_back(i);
    if (w.zones.empty()) {
      w.zones = {zone_names_.front()};
    } else {
      for (std::size_t i = 0; i < w.zones.size(); ++i) {
        if (!known_zone(w.zones[i])) unknown_zone(w.zones[i], b.where_zones.at(i));
      }
    }
    if (w.handlers.empty()) w.handlers.push_back(models::HandlerConfig{});
    if (b.from_deployment && !b.has_entry && !b.client_only) diag_.report(Code::kNoBehaviour, b.where, {w.name});
    kept.push_back(std::move(b));
  }
  built_ = std::move(kept);
  for (std::size_t i = 0; i < d_.mesh.services.size(); ++i) {
    const ServiceConfig& s = d_.mesh.services[i];
    const bool backed = std::any_of(built_.begin(), built_.end(), [&](const Built& b) {
      return std::find(b.services.begin(), b.services.end(), i) != b.services.end();
    });
    if (!backed) {  // ExternalName Services without a target are MSH0223 instead
      const bool external = std::any_of(d_.services.begin(), d_.services.end(), [&](const ServiceDraft& sd) {
        return sd.type == "ExternalName" && sd.config.name == s.name && sd.config.namespace_ == s.namespace_;
      });
      if (!external)
        diag_.report(Code::kServiceWithoutWorkloads, service_where_[i],
                     {s.name, s.selector.empty() ? std::string("{} (no selector: Kubernetes makes no endpoints for it)")
                                                 : format_labels(s.selector)});
    }
  }
}

std::string Checker::load_running_in(const WorkloadConfig& w) const {
  for (std::size_t i = 0; i < d_.mesh.loads.size(); ++i) {
    const models::LoadConfig& l = d_.mesh.loads[i];
    if (l.from == w.name && d_.load_sites[i].namespace_ == w.namespace_) return l.name;
  }
  return {};
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
      check_port_protocol(s, c.port, site.port_given ? site.where_port : site.where_service, /*load=*/false);
      check_call_fields(s, c.port, site);
      check_grpc_deadline(s, c, site.where);
      c.service = resolved_name(c.service, b.config.namespace_, *target);
      // The call is made from every Service the workload backs: any of them may lead to it.
      for (std::size_t from : b.services) edges_.push_back({from, *target, site.where});
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

void Checker::cycles() {
  if (d_.max_call_depth_set) return;
  report_call_cycles(service_names_, edges_, diag_);
}



void validate(Draft& draft, Diagnostics& diagnostics, const Locator& locator) {
  Checker(draft, diagnostics, locator).run();
}

}  // namespace meshsim::scenarios::internal
