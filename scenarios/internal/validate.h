// The checks that need every document, and the final MeshConfig.  Internal to scenarios/.
//
// In order: zones (default {zone-a: region-1}); services (duplicates); workloads (a Topology
// entry adds behaviour to the Deployment of its name or defines a new workload; each workload is
// bound to its service and placed in zones); calls, loads and timeline events against services,
// ports, zones and pods (filling the defaults that depend on them: a call's or load's port, a
// load's zone); VirtualService destinations; call cycles.  Leaves draft.mesh complete when no
// error was reported.
#pragma once

#include "scenarios/internal/draft.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {

void validate(Draft& draft, Diagnostics& diagnostics, const Locator& locator);

}  // namespace meshsim::scenarios::internal
