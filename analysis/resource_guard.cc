// Resource guards; see resource_guard.h.
#include "analysis/resource_guard.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>
#include <vector>

#include <fmt/format.h>

namespace meshsim::analysis {
namespace {

// The first number in `path`, or 0 ("max", a missing file, garbage).
uint64_t read_number(const char* path) {
  std::ifstream in(path);
  uint64_t v = 0;
  if (in >> v) return v;
  return 0;
}

std::string gib(uint64_t bytes) {
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

}  // namespace

uint64_t usable_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  uint64_t usable = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
  for (const char* cgroup : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const uint64_t limit = read_number(cgroup);
    if (limit > 0 && (usable == 0 || limit < usable)) usable = limit;
  }
  return usable;
}

uint64_t resident_memory_bytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  const long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? resident * static_cast<uint64_t>(page) : 0;
}

GuardLimits resolve_limits(const models::ResourceLimits& configured) {
  GuardLimits g;
  g.max_in_flight = configured.max_in_flight ? configured.max_in_flight : kDefaultMaxInFlight;
  g.max_memory_bytes = configured.max_memory_bytes ? configured.max_memory_bytes
                                                   : usable_memory_bytes() / 4 * 3;  // 0: unknown
  g.wall_time_s = configured.wall_time.to_seconds();
  return g;
}

std::optional<std::string> tripped(const GuardLimits& limits, uint64_t in_flight,
                                   uint64_t resident_bytes, double wall_s) {
  if (in_flight > limits.max_in_flight) {
    return fmt::format("{} requests in flight (every hop), above the limit of {} "
                       "(Experiment spec.limits.maxInFlight)",
                       in_flight, limits.max_in_flight);
  }
  if (limits.max_memory_bytes > 0 && resident_bytes > limits.max_memory_bytes) {
    return fmt::format("the process uses {} of memory, above the limit of {} "
                       "(Experiment spec.limits.maxMemory)",
                       gib(resident_bytes), gib(limits.max_memory_bytes));
  }
  if (limits.wall_time_s > 0 && wall_s > limits.wall_time_s) {
    return fmt::format("the run took {:.1f} s of wall-clock time, above the budget of {:g} s "
                       "(Experiment spec.limits.wallTime)",
                       wall_s, limits.wall_time_s);
  }
  return std::nullopt;
}

std::string runaway_report(const std::string& why, const models::Mesh& mesh,
                           const MeshMetrics& metrics) {
  std::string out = fmt::format("stopped at {:.3f} s of simulated time: {}\n",
                                mesh.now().to_seconds(), why);
  // The workloads holding the most requests: where the storm piles up.
  const auto load = mesh.workload_load();
  std::vector<uint32_t> order(load.size());
  for (uint32_t w = 0; w < order.size(); ++w) order[w] = w;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return load[a].queued + load[a].busy > load[b].queued + load[b].busy;
  });
  out += "  requests held by workloads (queued, in service):\n";
  for (size_t i = 0; i < std::min<size_t>(order.size(), 5); ++i) {
    const auto& l = load[order[i]];
    if (l.queued + l.busy == 0) break;
    out += fmt::format("    {:<24} {:>10} queued {:>8} in service\n",
                       metrics.workload_name(order[i]), l.queued, l.busy);
  }
  // Retry amplification per edge, from the callers' sidecars (reporter source): attempts per
  // request so far; above 1 means retries multiply the load on that edge.
  std::map<std::pair<uint32_t, uint32_t>, std::pair<uint64_t, uint64_t>> edges;  // requests, attempts
  metrics.for_each_total([&](const SeriesKey& k, const SeriesStats& s) {
    if (k.reporter != models::Reporter::kSource) return;
    auto& e = edges[{k.source_workload, k.destination_service}];
    e.first += s.count;
    e.second += s.attempts;
  });
  std::vector<std::tuple<double, uint32_t, uint32_t, uint64_t>> amp;
  for (const auto& [edge, e] : edges) {
    if (e.first > 0) amp.emplace_back(static_cast<double>(e.second) / static_cast<double>(e.first),
                                      edge.first, edge.second, e.first);
  }
  std::stable_sort(amp.begin(), amp.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  if (!amp.empty()) out += "  retry amplification per edge so far (attempts per request):\n";
  for (size_t i = 0; i < std::min<size_t>(amp.size(), 5); ++i) {
    const auto& [a, from, to, requests] = amp[i];
    out += fmt::format("    {:<24} -> {:<20} {:.2f}x over {} requests\n", metrics.workload_name(from),
                       metrics.service_name(to), a, requests);
  }
  out += fmt::format("  {} requests in flight, {} root requests unanswered", mesh.in_flight(),
                     mesh.in_flight_roots());
  return out;
}

}  // namespace meshsim::analysis
