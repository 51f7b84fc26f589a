// Chaos Mesh experiments (chaos-mesh.org/v1alpha1), read unchanged as a dry run: each becomes a
// Timeline event (models::TimelineEvent) that starts when the experiment would be created, by
// default at the end of the Experiment's warm-up, or at the time in the annotation
// `meshsim.dev/at` ("30s").  Read today: PodChaos (pod-kill, pod-failure, container-kill of the
// application container) and NetworkChaos (chaos_mesh_network.cc: a Timeline `network` event).  Chaos Mesh's other kinds are named as not simulated (kinds.cc,
// MSH0013); a field that does not apply is MSH0236; a selector meshsim cannot evaluate MSH0237.
// Mapping and sources: scenarios/README.md "Chaos Mesh experiments".
#pragma once

#include <vector>

#include "scenarios/internal/documents.h"
#include "scenarios/internal/draft.h"

namespace meshsim::scenarios::internal {

void read_chaos_mesh(const std::vector<ChaosDoc>& docs, Diagnostics& diagnostics, const Locator& locator,
                     Draft& draft);

}  // namespace meshsim::scenarios::internal
