// LitmusChaos ChaosEngine documents (litmuschaos.io/v1alpha1), read unchanged as a dry run: each
// pod-delete experiment of the engine becomes its rounds of Timeline killPods events, timed and
// targeted as litmus-go's pod-delete does (chaoslib/litmus/pod-delete/lib/pod-delete.go); each
// pod-network-{latency,loss,corruption,duplication} one Timeline `network` event (netem on the
// pods' egress, chaoslib/litmus/network-chaos); pod-cpu-hog a `cpuStress` event.  Other
// experiments, probes and fields that do not apply are named (MSH0236); targets meshsim cannot
// evaluate (TARGET_PODS, NODE_LABEL, set-based labels, annotationCheck) stop the dry run
// (MSH0237).  Mapping: scenarios/README.md "LitmusChaos experiments".
#pragma once

#include <vector>

#include "scenarios/internal/documents.h"
#include "scenarios/internal/draft.h"

namespace meshsim::scenarios::internal {

void read_litmus(const std::vector<ChaosDoc>& docs, Diagnostics& diagnostics, const Locator& locator,
                 Draft& draft);

}  // namespace meshsim::scenarios::internal
