// Topology documents: zones, network and sidecar latencies, extra services, and what each
// workload does; see meshsim_kinds.h and README.md "Topology".
#include "scenarios/internal/cpu_quantity.h"
#include "scenarios/internal/distributions.h"
#include "scenarios/internal/kubernetes.h"
#include "scenarios/internal/meshsim_kinds.h"

namespace meshsim::scenarios::internal {
namespace {

constexpr uint64_t kMaxReplicas = 100'000;
constexpr uint64_t kMaxWorkers = 1'000'000;
constexpr uint64_t kMaxQueue = 1'000'000'000;

// A setting that only one Topology may make; false (and MSH0108) if another already did.
bool claim(const Context& ctx, Draft& draft, const std::string& setting, const YAML::Node& at) {
  const SourceLocation where = ctx.at(at);
  auto [it, fresh] = draft.topology_settings.emplace(setting, where);
  if (!fresh) {
    ctx.report(Code::kDuplicateName, where, {"Topology setting", setting, it->second.to_string()});
  }
  return fresh;
}

void add_zone(const Context& ctx, const std::string& zone, const std::string& region,
              const SourceLocation& where, Draft& draft) {
  for (const ZoneDraft& z : draft.zones) {
    if (z.name == zone) {
      ctx.report(Code::kDuplicateName, where, {"zone", zone, z.where.to_string()});
      return;
    }
  }
  draft.zones.push_back({zone, region, where});
}

// zone -> region, or a plain list of zones (all in "region-1").
void read_zones(const Context& ctx, const YAML::Node& node, Draft& draft) {
  if (node.IsSequence()) {
    std::vector<SourceLocation> where;
    if (auto zones = read_string_list(ctx, node, "zones", &where)) {
      for (std::size_t i = 0; i < zones->size(); ++i)
        add_zone(ctx, (*zones)[i], "region-1", where[i], draft);
    }
    return;
  }
  const Mapping m = Mapping::lenient(ctx, node, "zones");
  for (const auto& [zone, kv] : m.entries()) {
    auto region = read_string(ctx, kv.second, "region of zone '" + zone + "'");
    if (!region) continue;
    add_zone(ctx, zone, *region, ctx.at(kv.first), draft);
  }
}

void read_network(const Context& ctx, const YAML::Node& node, Draft& draft) {
  const Mapping m(ctx, node, "network", {"sameZone", "crossZone", "crossRegion"});
  struct Field {
    const char* key;
    simcore::Distribution* target;
  };
  for (const Field& f : {Field{"sameZone", &draft.mesh.network.same_zone},
                         Field{"crossZone", &draft.mesh.network.cross_zone},
                         Field{"crossRegion", &draft.mesh.network.cross_region}}) {
    const YAML::Node v = m.get(f.key);
    if (!v.IsDefined() || !claim(ctx, draft, std::string("network.") + f.key, v)) continue;
    if (auto d = read_distribution(ctx, v, f.key)) *f.target = *d;
  }
}

void read_sidecar(const Context& ctx, const YAML::Node& node, Draft& draft) {
  const Mapping m(ctx, node, "sidecar", {"pairOverhead"});
  const YAML::Node v = m.get("pairOverhead");
  if (!v.IsDefined() || !claim(ctx, draft, "sidecar.pairOverhead", v)) return;
  if (auto d = read_distribution(ctx, v, "pairOverhead")) draft.mesh.sidecar.pair_overhead = *d;
}

void read_service_entry(const Context& ctx, const YAML::Node& node, const std::string& topology,
                        Draft& draft) {
  const Mapping m(ctx, node, "service in Topology '" + topology + "'",
                  {"name", "namespace", "ports", "selector"});
  if (!m.is_mapping()) return;
  ServiceDraft s;
  auto name = m.required_string("name");
  if (!name) return;
  s.config.name = *name;
  s.config.namespace_ = m.string("namespace").value_or("default");
  s.where = m.where();
  if (const YAML::Node ports = m.get("ports"); ports.IsDefined()) {
    if (!ports.IsSequence()) {
      ctx.report(Code::kWrongType, ports, {"ports", "a list of {name, port}", describe(ports)});
    } else {
      for (auto it = ports.begin(); it != ports.end(); ++it) {
        const Mapping p(ctx, *it, "port of service '" + *name + "'", {"name", "port"});
        if (!p.is_mapping()) continue;
        const auto number =
            p.require("port").IsDefined() ? p.integer("port", 1, 65535) : std::nullopt;
        if (!number) continue;
        models::PortConfig port;
        port.name = p.string("name").value_or("http");
        port.number = static_cast<uint32_t>(*number);
        protocol_for_port(ctx, *it, port, "", "");
        for (const models::PortConfig& other : s.config.ports) {
          if (other.number == port.number) {
            ctx.report(Code::kDuplicateName, *it,
                       {"port", std::to_string(port.number), s.where.to_string()});
          }
        }
        s.config.ports.push_back(port);
      }
    }
  }
  if (s.config.ports.empty()) s.config.ports.push_back({"http", 80, models::Protocol::kHttp, ""});
  if (m.has("selector")) {
    if (auto sel = m.string_map("selector")) s.config.selector = *sel;
  } else {
    s.config.selector = {{"app", *name}};
  }
  draft.services.push_back(std::move(s));
}

void read_workload_entry(const Context& ctx, const YAML::Node& node, const std::string& topology,
                         Draft& draft) {
  std::string name;
  if (node.IsMap()) {
    const YAML::Node n = node["name"];
    if (n.IsDefined() && n.IsScalar()) name = n.Scalar();
  }
  const std::string what =
      name.empty() ? "workload in Topology '" + topology + "'" : "Workload '" + name + "'";
  const Mapping m(ctx, node, what,
                  {"name", "service", "namespace", "labels", "serviceAccount", "replicas", "zones",
                   "workers", "queueLimit", "overflowStatus", "sidecar", "cpuLimit", "handlers", "extends"});
  if (!m.is_mapping()) return;
  if (!m.required_string("name")) return;
  WorkloadEntry e;
  e.name = name;
  e.namespace_ = m.string("namespace").value_or("default");
  e.where = m.where();
  e.where_service = m.where("service");
  e.service = m.string("service");
  if (m.has("labels")) e.labels = m.string_map("labels");
  e.service_account = m.string("serviceAccount");
  if (auto r = m.integer("replicas", 0, kMaxReplicas)) e.replicas = static_cast<uint32_t>(*r);
  if (m.has("zones")) {
    e.zones = read_string_list(ctx, m.get("zones"), "zones", &e.where_zones);
    if (e.zones && e.zones->empty()) {
      ctx.report(Code::kOutOfRange, m.get("zones"), {"zones", "a non-empty list", "[]"});
      e.zones.reset();
    }
  }
  if (auto w = m.integer("workers", 1, kMaxWorkers)) e.workers = static_cast<uint32_t>(*w);
  if (auto q = m.integer("queueLimit", 0, kMaxQueue)) e.queue_limit = static_cast<uint32_t>(*q);
  if (auto s = m.integer("overflowStatus", 100, 599)) e.overflow_status = static_cast<uint32_t>(*s);
  e.sidecar = m.boolean("sidecar");
  if (m.has("cpuLimit")) e.cpu_limit = read_cpu_quantity(ctx, m.get("cpuLimit"), "cpuLimit");
  e.extends = m.string("extends");
  e.where_extends = m.where("extends");
  if (const YAML::Node h = m.get("handlers"); h.IsDefined()) {
    e.handlers = read_handlers(ctx, h, what, e.calls);
  }
  for (const WorkloadEntry& other : draft.entries) {
    if (other.name == e.name && other.namespace_ == e.namespace_) {
      ctx.report(Code::kDuplicateName, e.where, {"workload", e.name, other.where.to_string()});
      return;
    }
  }
  draft.entries.push_back(std::move(e));
}

void read_list(const Context& ctx, const YAML::Node& node, const char* field,
               const std::string& topology, Draft& draft,
               void (*read_one)(const Context&, const YAML::Node&, const std::string&, Draft&)) {
  if (!node.IsDefined()) return;
  if (!node.IsSequence()) {
    ctx.report(Code::kWrongType, node, {field, "a list", describe(node)});
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) read_one(ctx, *it, topology, draft);
}

}  // namespace

void read_topology(const Context& ctx, const Document& doc, Draft& draft) {
  const YAML::Node& root = doc.root;
  const YAML::Node spec_node = root["spec"];
  if (!spec_node.IsDefined() || spec_node.IsNull()) return;  // all defaults
  const Mapping spec(ctx, spec_node, doc.label() + " spec",
                     {"zones", "network", "sidecar", "services", "workloads"});
  if (!spec.is_mapping()) return;
  if (const YAML::Node z = spec.get("zones"); z.IsDefined()) read_zones(ctx, z, draft);
  if (const YAML::Node n = spec.get("network"); n.IsDefined()) read_network(ctx, n, draft);
  if (const YAML::Node s = spec.get("sidecar"); s.IsDefined()) read_sidecar(ctx, s, draft);
  read_list(ctx, spec.get("services"), "services", doc.name, draft, read_service_entry);
  read_list(ctx, spec.get("workloads"), "workloads", doc.name, draft, read_workload_entry);
}

}  // namespace meshsim::scenarios::internal
