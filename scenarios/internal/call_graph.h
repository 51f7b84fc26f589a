// The service call graph and its cycles.  Internal to scenarios/.
//
// A cycle (A calls B ... calls A, or A calls itself) recurses without end unless the run bounds
// the call depth, so the loader rejects it unless Experiment spec.maxCallDepth is set.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {

struct CallEdge {
  std::size_t from;  // service index
  std::size_t to;
  SourceLocation where;  // the call
};

// Reports every elementary cycle once (MSH0207), naming its services in call order from the
// one defined first, at the call that closes it.  Of several calls along one edge, the first
// given is the edge's location.  Reports at most `limit` cycles.
void report_call_cycles(const std::vector<std::string>& service_names,
                        const std::vector<CallEdge>& edges, Diagnostics& diagnostics,
                        std::size_t limit = 20);

}  // namespace meshsim::scenarios::internal
