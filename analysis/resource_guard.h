// Resource guards: a run that runs away (a retry storm growing the requests in flight, and so
// memory, without bound) is ended with a report of what was running away, instead of the
// machine killing the process (issue #16).  The runner checks after every step of a run
// (runner.cc); a tripped guard throws ResourceLimitExceeded, which `meshsim run`/`check`/
// `compare` turn into exit 3 with no results file, and Python into RuntimeError.
//
// Limits (models::ResourceLimits, the Experiment's spec.limits; 0 = the default here):
//   - requests in flight, every hop: default 10 million (about 3-6 GB at meshsim's few hundred
//     bytes per hop: no ordinary scenario comes near it; a storm passes it in seconds);
//   - the process's resident memory: default 75 % of the memory it may use (the smaller of the
//     machine's and its cgroup's memory.max), read from /proc/self/statm;
//   - wall-clock time of one run: default none.
// Thread safety: check() reads only its arguments and /proc; any number may run at once.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "analysis/mesh_metrics.h"
#include "models/config.h"
#include "models/mesh.h"

namespace meshsim::analysis {

class ResourceLimitExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The limits in force: the configured ones, defaults for those left at 0.
struct GuardLimits {
  uint64_t max_in_flight = 0;
  uint64_t max_memory_bytes = 0;
  double wall_time_s = 0;  // 0: none
};
GuardLimits resolve_limits(const models::ResourceLimits& configured);

inline constexpr uint64_t kDefaultMaxInFlight = 10'000'000;

// The memory this process may use: min(physical memory, cgroup v2 memory.max or v1
// memory.limit_in_bytes), in bytes; 0 if unknown.
uint64_t usable_memory_bytes();
// The process's resident memory in bytes (Linux /proc/self/statm); 0 if unknown.
uint64_t resident_memory_bytes();

// What tripped, if anything: "requests in flight 10000123 > limit 10000000" etc.
std::optional<std::string> tripped(const GuardLimits& limits, uint64_t in_flight,
                                   uint64_t resident_bytes, double wall_s);

// The report of what was running away, for the exception's message: when and why it stopped,
// the workloads with the most requests queued and in service, and the retry amplification of
// every edge so far (attempts per request at the callers' sidecars), worst first.
std::string runaway_report(const std::string& why, const models::Mesh& mesh,
                           const MeshMetrics& metrics);

}  // namespace meshsim::analysis
