// What the Chaos Mesh readers share (chaos_mesh.cc: PodChaos and the dispatch;
// chaos_mesh_network.cc: NetworkChaos; chaos_mesh_stress.cc: StressChaos): the selection mode, the pod selector, and naming what is
// not simulated.  Internal to scenarios/.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "models/config.h"
#include "scenarios/internal/documents.h"
#include "scenarios/internal/draft.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {

// `mode` and `value` of `spec` (the experiment's, or a NetworkChaos target's): Chaos Mesh's five
// modes, value a string parsed with Atoi.  False when wrong (reported).
bool read_chaos_mode(const Context& ctx, const YAML::Node& spec, models::PodSelector& s);

struct ChaosMeshReader {
  const Context& ctx;
  const Document& doc;
  std::string label;  // "PodChaos 'ns/name'"

  // MSH0236 at `at`: `field` is left out, `why`.
  void not_simulated(const YAML::Node& at, const std::string& field, const std::string& why) const;
  // `spec`'s selector: namespaces (one; default the experiment's own), labelSelectors;
  // podPhaseSelectors [Running] is what meshsim's pick does anyway.  Anything else: MSH0237.
  // Sets the site's namespace and locations.
  bool selector(const YAML::Node& spec, models::PodSelector& s, EventSite& site) const;
};

// A NetworkChaos spec as the event's action and description; false when the experiment is left
// out (reported).
bool read_network_chaos(const ChaosMeshReader& r, const YAML::Node& spec, models::TimelineEvent& ev,
                        EventSite& site);

// A StressChaos spec (its CPU stressors) as a `cpuStress` event; false when left out (reported).
bool read_stress_chaos(const ChaosMeshReader& r, const YAML::Node& spec, models::TimelineEvent& ev,
                       EventSite& site);

}  // namespace meshsim::scenarios::internal
