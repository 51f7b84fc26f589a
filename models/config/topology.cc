// Builds the run's immutable tables from its configuration; see topology.h.
#include "models/config/topology.h"

#include <algorithm>
#include <stdexcept>

#include "policies/load_balancer.h"

namespace meshsim::models {

namespace {
const std::string& w_name(const WorkloadRt& wr) { return wr.cfg->name; }
}  // namespace

bool Topology::is_grpc_port(ServiceId service, uint32_t port) const {
  const std::vector<PortConfig>& ports = cfg_.services[service.value].ports;
  for (const PortConfig& p : ports)
    if (port == 0 || p.number == port) return policies::is_grpc(p.protocol);
  return false;
}

uint32_t Topology::tcp_port(ServiceId service, uint32_t port) const {
  for (const PortConfig& p : cfg_.services[service.value].ports)
    if (port == 0 || p.number == port) return policies::is_http_family(p.protocol) ? 0 : p.number;
  return 0;
}

uint32_t Topology::intern_path(const std::string& p) {
  auto [it, inserted] = path_ids_.emplace(p, static_cast<uint32_t>(paths.size()));
  if (inserted) paths.push_back(p);
  return it->second;
}

Topology::Topology(const MeshConfig& config) : cfg_(config) {
  auto fail = [](const std::string& m) { throw std::invalid_argument(m); };

  // Zones and regions.
  std::map<std::string, uint32_t> zone_index, region_index;
  auto zone_of = [&](const std::string& z) {
    auto it = zone_index.find(z);
    if (it != zone_index.end()) return it->second;
    const auto idx = static_cast<uint32_t>(zones.size());
    zone_index.emplace(z, idx);
    zones.push_back(z);
    const auto rit = cfg_.network.zone_region.find(z);
    const std::string region = rit == cfg_.network.zone_region.end() ? "region-1" : rit->second;
    auto [reg, ins] = region_index.emplace(region, static_cast<uint32_t>(region_index.size()));
    (void)ins;
    zone_region.push_back(reg->second);
    return idx;
  };
  for (const auto& [z, r] : cfg_.network.zone_region) zone_of(z);

  // Services.
  std::map<std::pair<std::string, std::string>, ServiceId> service_index;
  std::map<std::string, ServiceId> service_by_name;  // short name, or FQDN
  for (const auto& s : cfg_.services) {
    const ServiceId idx = service_pods.push_back({});
    if (!service_index.emplace(std::make_pair(s.namespace_, s.name), idx).second)
      fail("duplicate service " + s.name + "." + s.namespace_);
    catalog_.services.push_back({s.name, s.namespace_});
    service_by_name.emplace(s.name, idx);
    service_by_name.emplace(catalog_.services.back().fqdn(), idx);
    service_by_name.emplace(s.name + "." + s.namespace_, idx);
  }
  auto resolve_service = [&](const std::string& n, const std::string& ns) -> ServiceId {
    auto it = service_index.find({ns, n});
    if (it != service_index.end()) return it->second;
    auto jt = service_by_name.find(n);
    if (jt == service_by_name.end()) fail("unknown service '" + n + "'");
    return jt->second;
  };

  // Workloads and their pods.  Pods are named <workload>-<i>, placed round-robin over zones.  A
  // pod backs every Service whose selector selects its workload (Kubernetes' EndpointSlice rule).
  for (const auto& w : cfg_.workloads) {
    WorkloadRt wr{&w, ServiceId(), {}, {}, {}};
    for (size_t s = 0; s < cfg_.services.size(); ++s)
      if (service_selects(cfg_.services[s], w)) wr.services.push_back(ServiceId(static_cast<uint32_t>(s)));
    if (!w.service.empty()) {
      wr.service = resolve_service(w.service, w.namespace_);
      if (std::find(wr.services.begin(), wr.services.end(), wr.service) == wr.services.end())
        fail("workload '" + w.name + "' names service '" + w.service + "', whose selector does not select it");
    } else if (!wr.services.empty()) {
      wr.service = wr.services.front();
    }
    const WorkloadId widx(workloads.size());
    const std::vector<std::string> wzones = w.zones.empty() ? std::vector<std::string>{"zone-a"} : w.zones;
    if (w.workers == 0) fail("workload '" + w.name + "' has no worker");
    for (uint32_t i = 0; i < w.replicas; ++i) {
      PodRt p;
      p.name = w.name + "-" + std::to_string(i);
      p.workload = widx;
      p.ordinal = i;
      p.zone = zone_of(wzones[i % wzones.size()]);
      p.address_hash = policies::hash_key(p.name);
      const PodId id = pods.push_back(std::move(p));
      wr.pods.push_back(id);
      for (ServiceId s : wr.services) service_pods[s].push_back(id);
    }
    const std::string primary = wr.service.valid() ? catalog_.services[wr.service.value].name : std::string();
    std::string version;
    if (auto it = w.labels.find("version"); it != w.labels.end()) version = it->second;
    std::string app = primary;
    if (auto it = w.labels.find("app"); it != w.labels.end()) app = it->second;
    catalog_.workloads.push_back({w.name, primary, w.namespace_, version, app});
    workloads.push_back(std::move(wr));
  }
  for (auto& s : service_pods) std::sort(s.begin(), s.end());

  // Handlers: flatten steps; intern the paths calls are made on.
  for (auto& wr : workloads) {
    const auto& hs = wr.cfg->handlers;
    static const HandlerConfig kDefault{};
    std::vector<const HandlerConfig*> list;
    for (const auto& h : hs) list.push_back(&h);
    if (list.empty()) list.push_back(&kDefault);
    for (const HandlerConfig* h : list) {
      uint32_t repeat_left = 0;  // steps still inside the current repeat (itself included)
      if (!h->method.empty() || !h->headers.empty()) wr.match_per_request = true;
      HandlerRt hr{static_cast<uint32_t>(steps.size()), 0, h->error_probability, h->error_status,
                   h->error_grpc_status};
      for (const Step& st : h->steps) {
        if (const auto* c = std::get_if<ComputeStep>(&st)) {
          steps.push_back({StepRt::kCompute, static_cast<uint32_t>(computes.size()), 0});
          computes.push_back(&c->duration);
        } else if (const auto* r = std::get_if<RepeatStep>(&st)) {
          // The scenario layer refuses these; a MeshConfig built by hand gets the same rule.
          if (r->steps == 0) fail("workload '" + w_name(wr) + "': a repeat of no step");
          if (repeat_left > 0) fail("workload '" + w_name(wr) + "': a repeat inside a repeat");
          repeat_left = r->steps + 1;  // counting itself, decremented below
          steps.push_back({StepRt::kRepeat, static_cast<uint32_t>(counts.size()), r->steps});
          counts.push_back(&r->times);
        } else if (const auto* call = std::get_if<CallStep>(&st)) {
          steps.push_back({StepRt::kCall, static_cast<uint32_t>(calls.size()), 1});
          const ServiceId target = resolve_service(call->service, wr.cfg->namespace_);
          calls.push_back({call, target, intern_path(call->path), is_grpc_port(target, call->port),
                           tcp_port(target, call->port)});
        } else {
          const auto& par = std::get<ParallelStep>(st);
          steps.push_back({StepRt::kParallel, static_cast<uint32_t>(calls.size()),
                           static_cast<uint32_t>(par.calls.size())});
          for (const auto& pc : par.calls) {
            const ServiceId target = resolve_service(pc.service, wr.cfg->namespace_);
            calls.push_back({&pc, target, intern_path(pc.path), is_grpc_port(target, pc.port), tcp_port(target, pc.port)});
          }
        }
        ++hr.step_count;
        if (repeat_left > 0) --repeat_left;
      }
      if (repeat_left > 0) fail("workload '" + w_name(wr) + "': a repeat's steps run past the handler's end");
      wr.handlers.push_back(static_cast<uint32_t>(handlers.size()));
      handlers.push_back(hr);
    }
  }

  // Loads.
  for (const auto& l : cfg_.loads) {
    LoadRt lr{&l, resolve_service(l.target_service, "default"),
              zone_of(l.zone.empty() ? (zones.empty() ? std::string("zone-a") : zones.front()) : l.zone), {}, {}, false, WorkloadId()};
    lr.grpc = is_grpc_port(lr.service, l.port);
    if (!l.from.empty()) {
      for (uint32_t w = 0; w < workloads.size() && !lr.from.valid(); ++w) {
        const WorkloadConfig& wc = *workloads[WorkloadId(w)].cfg;
        if (wc.name == l.from && wc.namespace_ == l.from_namespace) lr.from = WorkloadId(w);
      }
      if (!lr.from.valid()) fail("load '" + l.name + "' runs from unknown workload '" + l.from + "'");
    }
    std::vector<RequestKind> mix = l.mix.empty() ? std::vector<RequestKind>{RequestKind{}} : l.mix;
    double total = 0;
    for (const auto& k : mix) total += k.share;
    if (!(total > 0)) fail("load '" + l.name + "' has no request share > 0");
    double acc = 0;
    for (const auto& k : mix) {
      acc += k.share / total;
      lr.kind_cumulative.push_back(acc);
      lr.kind_path.push_back(intern_path(k.path));
    }
    loads.push_back(std::move(lr));
    catalog_.loads.push_back(l.name);
  }

  // Which handler serves which path on which workload: first prefix match.
  handler_table_.assign(paths.size() * workloads.size(), kNone);
  for (uint32_t p = 0; p < paths.size(); ++p) {
    for (uint32_t w = 0; w < workloads.size(); ++w) {
      const WorkloadRt& wr = workloads[WorkloadId(w)];
      const auto& hs = wr.cfg->handlers;
      uint32_t chosen = kNone;
      if (hs.empty()) {
        chosen = wr.handlers.front();
      } else {
        for (size_t i = 0; i < hs.size(); ++i) {
          if (paths[p].compare(0, hs[i].path_prefix.size(), hs[i].path_prefix) == 0) {
            chosen = wr.handlers[i];
            break;
          }
        }
      }
      handler_table_[static_cast<size_t>(p) * workloads.size() + w] = chosen;
    }
  }

  // Partitions: the two sides, as zones when both name zones, else as services.
  partition_pairs.resize(cfg_.timeline.size(), {kNone, kNone});
  partition_is_zone.resize(cfg_.timeline.size(), false);
  for (size_t i = 0; i < cfg_.timeline.size(); ++i) {
    if (const auto* p = std::get_if<Partition>(&cfg_.timeline[i].action)) {
      auto zs = std::find(zones.begin(), zones.end(), p->from);
      auto zt = std::find(zones.begin(), zones.end(), p->to);
      if (zs != zones.end() && zt != zones.end()) {
        partition_is_zone[i] = true;
        partition_pairs[i] = {static_cast<uint32_t>(zs - zones.begin()), static_cast<uint32_t>(zt - zones.begin())};
      } else {
        partition_pairs[i] = {resolve_service(p->from, "default").value, resolve_service(p->to, "default").value};
      }
    }
  }
}

uint32_t Topology::match_handler(WorkloadId w, uint32_t path, std::string_view method,
                                 const Headers* propagated, const Headers* own) const {
  const WorkloadRt& wr = workloads[w];
  const auto& hs = wr.cfg->handlers;
  if (hs.empty()) return wr.handlers.front();
  auto header_value = [&](const std::string& name) -> const std::string* {
    // The call's own headers are added after the propagated ones, so they are seen last and win.
    const std::string* found = nullptr;
    for (const Headers* list : {propagated, own}) {
      if (list == nullptr) continue;
      for (const auto& [k, v] : *list)
        if (k == name) found = &v;
    }
    return found;
  };
  const std::string& p = paths[path];
  for (size_t i = 0; i < hs.size(); ++i) {
    const HandlerConfig& h = hs[i];
    if (p.compare(0, h.path_prefix.size(), h.path_prefix) != 0) continue;
    if (!h.method.empty() && h.method != method) continue;
    bool headers_match = true;
    for (const auto& [k, v] : h.headers) {
      const std::string* got = header_value(k);
      if (got == nullptr || *got != v) {
        headers_match = false;
        break;
      }
    }
    if (headers_match) return wr.handlers[i];
  }
  return kNone;
}

std::vector<PodId> Topology::port_endpoints(ServiceId s, uint32_t port) const {
  const auto& ports = cfg_.services[s.value].ports;
  const auto p = std::find_if(ports.begin(), ports.end(), [&](const PortConfig& x) { return x.number == port; });
  std::vector<PodId> out;
  if (p == ports.end()) return out;
  for (PodId pod : service_pods[s])
    if (target_port_of(*p, workload_config(pod))) out.push_back(pod);
  return out;
}

TrafficTopology Topology::traffic_topology() const {
  TrafficTopology topo;
  for (size_t i = 0; i < catalog_.services.size(); ++i) {
    const auto& s = catalog_.services[i];
    topo.services.push_back({s.name, s.namespace_, s.fqdn(), {}, cfg_.services[i].headless});
  }
  for (const auto& wr : workloads) topo.workloads.push_back({wr.cfg->labels, wr.cfg->namespace_});
  for (size_t s = 0; s < service_pods.size(); ++s)
    for (PodId p : service_pods[ServiceId(static_cast<uint32_t>(s))]) topo.services[s].pods.push_back(p.value);
  for (const auto& p : pods) topo.pod_labels.push_back(&workloads[p.workload].cfg->labels);
  return topo;
}

}  // namespace meshsim::models
