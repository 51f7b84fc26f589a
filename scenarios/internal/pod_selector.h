// The pod selector that killPods, addLatency, injectErrors, cpuSlowdown and network share: which pods
// match (service, workload, zone, namespace, labels, version) and which of them the action hits
// (`select`: Chaos Mesh's selection modes); see README.md "Timeline".
#pragma once

#include <string>
#include <vector>

#include "models/config.h"
#include "scenarios/internal/draft.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {

// `own` (the action's fields) followed by the selector's.
std::vector<std::string> with_selector_keys(std::vector<std::string> own);

// The selector of an action's mapping; `ok` becomes false when a field was wrong (reported).
models::PodSelector read_selector(const Mapping& m, EventSite& site, bool& ok);

// "reviews", "reviews-v2 (zone-b)", "reviews {version=v2}", "every service": the matched pods.
std::string target_text(const models::PodSelector& s);
// target_text with a random pick before it: "one random pod of reviews".
std::string picked_text(const models::PodSelector& s);

}  // namespace meshsim::scenarios::internal
