// EnvoyFilter manifests (networking.istio.io): the patches meshsim simulates, and a warning
// (MSH0315) naming every other one.  Read: applyTo HTTP_FILTER, match.context SIDECAR_INBOUND (or
// ANY, whose outbound half is named as not simulated), patch INSERT_BEFORE / INSERT_AFTER /
// INSERT_FIRST of envoy.filters.http.adaptive_concurrency (gradient controller) or
// envoy.filters.http.admission_control, their typed_config in protobuf JSON (snake_case or
// lowerCamelCase), scoped by the EnvoyFilter's namespace (istio-system: every namespace) and its
// workloadSelector.  The result is models::TrafficConfig::inbound_http_filters.
#pragma once

#include <vector>

#include "models/config.h"
#include "scenarios/diagnostics.h"
#include "scenarios/internal/yaml_util.h"
#include "scenarios/scenario.h"

namespace meshsim::scenarios::internal {

void read_envoy_filters(const std::vector<Manifest>& istio, Diagnostics& diagnostics, const Locator& locator,
                        models::TrafficConfig& traffic);

}  // namespace meshsim::scenarios::internal
