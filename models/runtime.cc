// The runtime's parts, wired together; see runtime.h.
#include "models/runtime.h"

namespace meshsim::models {

Runtime::Runtime(const MeshConfig& config)
    : cfg(config),
      topo(cfg),
      network(topo, cfg.network, cfg.experiment.seed),
      control(*this, topo, cfg.traffic),
      pods(*this, topo, cfg.experiment.seed),
      lifecycle(*this),
      loads(*this, topo, cfg.experiment.seed),
      app(*this),
      router(*this),
      clusters(*this),
      conn_pools(*this),
      exchanges(*this),
      inbound(*this, topo),
      tcp(*this),
      chaos(*this) {}

CallerView Runtime::caller(const Call& c) {
  if (c.caller.is_load()) {
    const LoadRt& l = topo.loads[c.load];
    return {l.zone, l.cfg->through_sidecar, loads[c.load].client, kNoWorkload};
  }
  const PodId p = c.caller.as_pod();
  const PodRt& pod = topo.pods[p];
  return {pod.zone, topo.has_sidecar(p), pods[p].client, pod.workload.value};
}

uint32_t Runtime::caller_zone(Caller c) const {
  return c.is_load() ? topo.loads[c.as_load()].zone : topo.pods[c.as_pod()].zone;
}

EdgeStreams& Runtime::edge(Call& c) {
  if (c.edge != nullptr) return *c.edge;
  ClientState& client = c.caller.is_load() ? loads[c.load].client : pods[c.caller.as_pod()].client;
  for (EdgeStreams& e : client.edges)
    if (e.service == c.service) return *(c.edge = &e);
  const auto& svc = topo.catalog().services[c.service.value];
  const std::string entity = caller_name(c.caller) + ">" + svc.name + "." + svc.namespace_;
  const uint64_t seed = cfg.experiment.seed;
  using simcore::Stream;
  client.edges.push_back({c.service, Stream(seed, entity, "overhead"), Stream(seed, entity, "network"),
                          Stream(seed, entity, "fault"), Stream(seed, entity, "route"), Stream(seed, entity, "mirror"),
                          Stream(seed, entity, "pick"), Stream(seed, entity, "throttle")});
  return *(c.edge = &client.edges.back());
}

std::string Runtime::caller_name(Caller c) const {
  return c.is_load() ? "load:" + topo.loads[c.as_load()].cfg->name : topo.pods[c.as_pod()].name;
}

}  // namespace meshsim::models
