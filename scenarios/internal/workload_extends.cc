// `extends`: a Topology workload entry that amends another, so that a variant of an
// application is a few lines; see meshsim_kinds.h and README.md "Topology".
//
// An entry inherits what its base entry says about behaviour (workers, queueLimit,
// overflowStatus, sidecar, cpuLimit, zones, handlers) and, when it defines a new workload rather than
// describing a Deployment, also its service, serviceAccount and replicas.  It never inherits a
// name, a namespace or labels: those say which pods it is.  Bases may extend further bases;
// the nearest entry that gives a field wins.
#include <algorithm>
#include <map>
#include <set>

#include "scenarios/internal/meshsim_kinds.h"
#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {
namespace {

template <class T>
void inherit(std::optional<T>& mine, const std::optional<T>& base) {
  if (!mine && base) mine = base;
}

bool describes_deployment(const Draft& d, const WorkloadEntry& e) {
  return std::any_of(d.deployments.begin(), d.deployments.end(), [&](const WorkloadDraft& w) {
    return w.config.name == e.name && w.config.namespace_ == e.namespace_;
  });
}

}  // namespace

void resolve_extends(Draft& d, Diagnostics& diag) {
  std::map<std::pair<std::string, std::string>, std::size_t> index;  // (namespace, name) -> entry
  for (std::size_t i = 0; i < d.entries.size(); ++i)
    index.emplace(std::make_pair(d.entries[i].namespace_, d.entries[i].name), i);

  // Resolved entries, so that a chain is walked once; `visiting` finds cycles.
  std::vector<bool> done(d.entries.size(), false), failed(d.entries.size(), false);
  std::vector<std::size_t> stack;

  auto resolve = [&](auto&& self, std::size_t i) -> bool {
    if (done[i]) return !failed[i];
    WorkloadEntry& e = d.entries[i];
    if (!e.extends) {
      done[i] = true;
      return true;
    }
    if (std::find(stack.begin(), stack.end(), i) != stack.end()) {
      std::string cycle;
      for (auto it = std::find(stack.begin(), stack.end(), i); it != stack.end(); ++it)
        cycle += d.entries[*it].name + " -> ";
      diag.report(Code::kExtendsCycle, e.where_extends, {cycle + e.name});
      for (std::size_t k : stack) done[k] = failed[k] = true;
      return false;
    }
    const auto it = index.find({e.namespace_, *e.extends});
    if (it == index.end()) {
      std::vector<std::string> names;
      for (const WorkloadEntry& o : d.entries)
        if (o.namespace_ == e.namespace_ && o.name != e.name) names.push_back(o.name);
      diag.report(Code::kUnknownBaseWorkload, e.where_extends, {e.name, *e.extends},
                  suggest(*e.extends, names));
      done[i] = failed[i] = true;
      return false;
    }
    stack.push_back(i);
    const bool ok = self(self, it->second);
    stack.pop_back();
    if (done[i]) return !failed[i];  // marked by a cycle found below
    done[i] = true;
    if (!ok) {
      failed[i] = true;
      return false;
    }
    const WorkloadEntry& base = d.entries[it->second];
    inherit(e.workers, base.workers);
    inherit(e.queue_limit, base.queue_limit);
    inherit(e.overflow_status, base.overflow_status);
    inherit(e.sidecar, base.sidecar);
    inherit(e.cpu_limit, base.cpu_limit);
    if (!e.zones && base.zones) {
      e.zones = base.zones;
      e.where_zones = base.where_zones;
    }
    if (!e.handlers && base.handlers) {
      e.handlers = base.handlers;
      e.calls = base.calls;  // the base's call sites: errors in them point at the base
    }
    if (!describes_deployment(d, e)) {
      if (!e.service && base.service) {
        e.service = base.service;
        e.where_service = base.where_service;
      }
      inherit(e.service_account, base.service_account);
      inherit(e.replicas, base.replicas);
    }
    return true;
  };
  for (std::size_t i = 0; i < d.entries.size(); ++i) resolve(resolve, i);
}

}  // namespace meshsim::scenarios::internal
